"""An earlier delivery of the same dispatch: the decision it recorded in the commit status
`autoheal/validate` (read back so a duplicate delivery requests nothing new), and failing
closed (no rollback requested) when that record cannot be read.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from autoheal import markers
from autoheal.errors import AutohealError
from autoheal.markdown import code_span
from autoheal.modes.validate.report import (
    Decision,
    Evaluation,
    duplicate_summary,
    parse_decision,
)
from autoheal.modes.validate.target import Target
from autoheal.report import Report
from autoheal.settings import Settings

if TYPE_CHECKING:
    from autoheal.github.client import GitHub


def find_decision(
    client: GitHub | None, target: Target, settings: Settings
) -> tuple[Decision | None, str]:
    """The decision an earlier delivery of the same dispatch recorded on the sha, if any;
    and, when the statuses could not be read, why (else ""). Only a status our own token
    posted counts: anyone with `statuses: write` can post one named like ours."""
    if target.dispatch_id is None:
        return None, ""
    if client is None or not target.repository:
        return None, ""  # `run` says once what having no token skips
    from autoheal.github.errors import GitHubError

    try:
        for status in client.list_statuses(target.repository, target.sha):
            if status.get("context") != markers.STATUS_CONTEXT:
                continue
            if status.get("state") not in ("success", "failure"):
                continue  # a decision is only ever recorded as success or failure
            decision = parse_decision(str(status.get("description") or ""), target.dispatch_id)
            if decision is not None and client.wrote(status, "creator"):
                return decision, ""
    except GitHubError as exc:
        what = f"Cannot read the commit statuses of {target.sha}"
        if settings.fail_on_error:
            raise AutohealError(f"{what}: {exc.message}", fix=exc.fix) from exc
        return None, f"{what} ({exc.message})"
    return None, ""


def fail_closed(ev: Evaluation, target: Target, unreadable: str) -> tuple[Evaluation, str]:
    """No readable record of an earlier decision: this may be a second delivery of a
    dispatch that already asked for a rollback. Asking again could revert twice, so the
    evaluation stands but no rollback is requested."""
    asked = "it would have asked for a rollback" if ev.rollback else "it asks for no rollback"
    note = (
        f"{unreadable}. Without them no earlier decision on dispatch "
        f"{code_span(target.dispatch_id or '')} can be seen, so no rollback is requested "
        f"(this evaluation alone: {asked}). Give the token `statuses: write` (it includes "
        "read), or re-run once GitHub answers; to evaluate the commit anyway, run validate "
        "with the `sha` input."
    )
    return replace(ev, withheld=True), note


def report_duplicate(decision: Decision, target: Target, report: Report) -> int:
    """Say what was decided the first time; request nothing new."""
    report.notice(
        f"Duplicate delivery of dispatch {decision.dispatch_id}: first decision was "
        f"{decision.text!r}. Not evaluating again."
    )
    report.output("status", "SKIPPED")
    report.output("rollback-required", False)
    report.output("effectiveness-score", "" if decision.score < 0 else decision.score)
    report.output("flaky-checks", "")
    report.section(duplicate_summary(decision, target.sha))
    return 0
