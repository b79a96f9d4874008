"""The runs that send nothing: a dry run (the exact body each target would receive) and a
run without a token (how to set one up)."""

from __future__ import annotations

from typing import Any

from autoheal import payload
from autoheal.markdown import code_block
from autoheal.modes.redispatch.outcomes import DOCS, PERMISSIONS_BLOCK, SKIPPED, _fail_on_error
from autoheal.modes.redispatch.summary import _pretty, _row, _table
from autoheal.report import Report
from autoheal.settings import Settings
from autoheal.snippets import SECRET, redispatch_step


def _dry_run(
    report: Report, targets: list[str], ours: payload.HealPayload, body: dict[str, Any]
) -> int:
    report.output("dispatched", False)
    report.output("status", SKIPPED)
    report.info(f"Dry run: would dispatch {body['event_type']!r} to {', '.join(targets)}.")
    rows = [_row(repo, body["event_type"], ours, "dry run: not sent") for repo in targets]
    report.section(
        "### CI Autoheal: redispatch (dry run)\n\n"
        + _table(rows)
        + "\n\nNothing was sent. This is the exact body each target would receive at "
        "`POST /repos/{owner}/{repo}/dispatches`:\n\n" + code_block(_pretty(body), "json")
    )
    return 0


def _no_token(
    settings: Settings, report: Report, targets: list[str], ours: payload.HealPayload
) -> int:
    report.output("dispatched", False)
    report.output("status", SKIPPED)
    report.warning(
        "Redispatch skipped: the `token` input is empty, so no validation run was started. "
        f"Pass a token with Contents read/write on the target repository (see {DOCS}).",
        title="No token",
    )
    rows = [_row(repo, settings.event_type, ours, "skipped: no token") for repo in targets]
    report.section(
        "### CI Autoheal: redispatch skipped (no token)\n\n"
        + _table(rows)
        + "\n\nThe `token` input is empty (a secret that is not set is empty, for example on "
        "a fork or Dependabot pull request), so nothing was sent.\n\n"
        "**How to set one up** (details in " + DOCS + "):\n\n"
        "- A fine-grained personal access token with access to the target repository and "
        f"**Contents: Read and write** (a classic token needs the `repo` scope), stored as "
        f"the repository secret `{SECRET}` and passed as in the examples:\n\n"
        + code_block(redispatch_step(), "yaml")
        + "\n"
        "- Or a GitHub App token from `actions/create-github-app-token` (App permission "
        "Contents: Read and write), see examples/ci-app-token.yml.\n"
        "- For this repository only, the job's own token also dispatches: "
        "`token: ${{ github.token }}` when the job has:\n\n" + code_block(PERMISSIONS_BLOCK, "yaml")
    )
    if settings.fail_on_error:
        _fail_on_error(report, "there is no token, so nothing was dispatched")
        return 1
    return 0
