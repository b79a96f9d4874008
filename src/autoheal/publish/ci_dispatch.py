"""Start the project's own CI on a commit heal or rollback pushed (input `ci-workflow`).

Why: a push made with GITHUB_TOKEN starts no workflow run, so the checks a pull request
requires never report on our commit, and it shows "Expected" forever. `workflow_dispatch` is
an exception: a run started on the branch runs the branch's version of the workflow, and its
jobs report their check runs on the branch's head, which is our commit.

Rules this module keeps:

- One POST. It is not idempotent (a repeat starts a second run), so a request that may have
  reached GitHub is never sent again (the client raises MaybeSent); then the run is only looked
  for. A 422 naming `return_run_details` (a server that does not know the field) refused the
  request outright, so it is sent once more without the field.
- The run is the one GitHub names (200), or the one found by workflow, branch, event, head sha
  and creation time (204, older GitHub Enterprise Server): exactly one match, or no answer.
  Never a guess.
- Nothing here undoes the push: a failure is a warning (an error with `fail-on-error`, which
  then fails the step, the push standing), and the summary says what happened.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from autoheal.errors import AutohealError
from autoheal.markdown import code_span
from autoheal.report import Report
from autoheal.settings import Settings

if TYPE_CHECKING:
    from autoheal.context import Context
    from autoheal.github.client import GitHub
    from autoheal.github.errors import GitHubError, MaybeSent

# Injected time: tests replace these module attributes to run the search instantly.
clock: Callable[[], float] = time.time
sleep: Callable[[float], None] = time.sleep

EVENT = "workflow_dispatch"
#: How long to look for the run a 204 did not name, in all.
FIND_TIMEOUT = 60.0
POLL_INTERVAL = 5.0
#: The runner's clock and GitHub's differ a little: runs created this long before the POST
#: still count. Our commit is new, so no earlier run can have it as its head anyway.
CLOCK_SKEW = 30.0
ACTIONS_WRITE = (
    "Add `actions: write` to the job's `permissions:` (fine-grained PAT: Actions: Read and "
    "write; classic PAT: `repo`)."
)
_URL = re.compile(r"^https?://[^\s()<>\[\]`]+$")


@dataclass(frozen=True)
class CiRun:
    """What became of the CI run for one pushed commit."""

    workflow: str
    branch: str
    sha: str
    run_id: int | None = None
    url: str = ""
    note: str = ""  # Markdown for the summary: what happened, in one paragraph
    failed: bool = False  # not started, or not known to be: a warning (error: fail-on-error)


def start_ci(
    settings: Settings, ctx: Context, report: Report, branch: str, sha: str
) -> CiRun | None:
    """Dispatch `ci-workflow` on `branch` (just pushed, at `sha`); None when it is not set.

    Never raises a GitHubError: the push it follows stands whatever happens here.
    """
    if not settings.ci_workflow:
        return None
    run = CiRun(settings.ci_workflow, branch, sha)
    if not settings.token.strip() or not ctx.repository:
        return _failed(
            settings,
            report,
            run,
            "no token (or repository) to start it with.",
            "Pass `token: ${{ github.token }}` with `actions: write`.",
        )
    from autoheal.github.client import GitHub
    from autoheal.github.errors import MaybeSent

    try:
        client = GitHub(settings.token, api_url=ctx.api_url, clock=clock, sleep=sleep)
    except AutohealError as exc:  # a bad GITHUB_API_URL
        return _failed(settings, report, run, exc.message, exc.fix)
    with client:
        sent_at = clock()
        try:
            body = _dispatch(client, ctx.repository, run)
        except MaybeSent as exc:
            # It may have started a run: look for it, never send it again.
            return _find(client, ctx.repository, run, sent_at, report, settings, maybe=exc)
        except AutohealError as exc:  # any answer but a run: the push must stand
            message, fix = explain(exc, run)
            return _failed(settings, report, run, message, fix)
        run_id, url = _details(body)
        if run_id is None:
            return _find(client, ctx.repository, run, sent_at, report, settings)
    return _started(report, run, run_id, url, "")


def exit_code(settings: Settings, run: CiRun | None) -> int:
    """1 when `fail-on-error` makes a CI run that was not started fail the step."""
    return 1 if run is not None and run.failed and settings.fail_on_error else 0


def explain(exc: AutohealError, run: CiRun) -> tuple[str, str]:
    """(why it was not started, what to change) for the answers GitHub gives a dispatch."""
    from autoheal.github.errors import NotFound, PermissionDenied, ValidationFailed

    trigger = (
        f"add `workflow_dispatch:` to its `on:`, in the version of the file on "
        f"{code_span(run.branch)} "
        "(a dispatched run uses the branch's workflow file)."
    )
    if isinstance(exc, NotFound):
        return (
            f"GitHub knows no workflow `{run.workflow}` that it can dispatch (404).",
            "Set `ci-workflow` to the file name of the CI workflow under `.github/workflows/` "
            f"(e.g. `ci.yml`) or its id, and {trigger}",
        )
    if isinstance(exc, PermissionDenied):
        return (
            f"the token may not start workflows (403: {_said(exc)}).",
            ACTIONS_WRITE,
        )
    if isinstance(exc, ValidationFailed) and "workflow_dispatch" in exc.message:
        return (
            f"the workflow `{run.workflow}` has no `workflow_dispatch` trigger (422).",
            trigger[0].upper() + trigger[1:],
        )
    return exc.message, exc.fix


# ------------------------------------------------------------------------------ the request


def _dispatch(client: GitHub, repo: str, run: CiRun) -> dict[str, Any] | None:
    from autoheal.github.errors import ValidationFailed

    try:
        _status, body = client.dispatch_workflow(repo, run.workflow, run.branch)
    except ValidationFailed as exc:
        if "return_run_details" not in exc.message:
            raise
        # Refused outright (nothing was started): a server from before the field.
        _status, body = client.dispatch_workflow(repo, run.workflow, run.branch, run_details=False)
    return body


def _details(body: dict[str, Any] | None) -> tuple[int | None, str]:
    """The run id and web address of a 200, or (None, "") for a 204 or an odd body."""
    if not body:
        return None, ""
    run_id = body.get("workflow_run_id")
    if not isinstance(run_id, int) or isinstance(run_id, bool) or run_id <= 0:
        return None, ""
    return run_id, _safe_url(body.get("html_url"))


def _safe_url(value: object) -> str:
    """An http(s) address that cannot break out of a Markdown link or an output line."""
    return value if isinstance(value, str) and _URL.match(value) else ""


# ------------------------------------------------------------------------------ finding the run


def _find(
    client: GitHub,
    repo: str,
    run: CiRun,
    sent_at: float,
    report: Report,
    settings: Settings,
    *,
    maybe: MaybeSent | None = None,
) -> CiRun:
    """Look for the run the dispatch started until FIND_TIMEOUT: exactly one match counts."""
    since = sent_at - CLOCK_SKEW
    deadline = sent_at + FIND_TIMEOUT
    try:
        while True:
            found = [r for r in _runs(client, repo, run, since) if _matches(r, run, since)]
            if len(found) == 1:
                how = "GitHub did not name it; found as the only run of the workflow for this "
                how += "commit and branch started since the dispatch"
                return _started(
                    report, run, int(found[0]["id"]), _safe_url(found[0].get("html_url")), how
                )
            if len(found) > 1:
                why = (
                    f"{len(found)} runs of `{run.workflow}` for {run.sha[:12]} on this branch "
                    "started since the dispatch, so which one it started cannot be told"
                )
                break
            if clock() + POLL_INTERVAL > deadline:
                why = f"no run of it for {run.sha[:12]} appeared within {FIND_TIMEOUT:g} s"
                break
            sleep(POLL_INTERVAL)
    except AutohealError as exc:
        why = f"its runs could not be listed ({exc.message})"
    if maybe is not None:
        return _failed(
            settings,
            report,
            run,
            f"the dispatch got no clear answer ({maybe.reason or maybe.message}) and was not "
            f"sent again; {why}.",
            "Look in the Actions tab for a run on the branch before starting one by hand.",
        )
    text = f"CI `{run.workflow}` was started on {code_span(run.branch)}, but {why}."
    report.warning(f"{text} No run is named in the outputs; see the Actions tab.", title="CI run")
    return CiRun(run.workflow, run.branch, run.sha, note=text + " See the Actions tab.")


def _runs(client: GitHub, repo: str, run: CiRun, since: float) -> list[dict[str, Any]]:
    return client.list_workflow_runs(
        repo, run.workflow, branch=run.branch, event=EVENT, head_sha=run.sha,
        created_since=_iso(since),
    )  # fmt: skip


def _matches(candidate: dict[str, Any], run: CiRun, since: float) -> bool:
    """Our run: this commit, this branch, a dispatch, created since just before the POST."""
    created = _epoch(candidate.get("created_at"))
    run_id = candidate.get("id")
    return (
        candidate.get("head_sha") == run.sha
        and candidate.get("head_branch") == run.branch
        and candidate.get("event") == EVENT
        and isinstance(run_id, int)
        and run_id > 0
        and created is not None
        and created >= since
    )


def _epoch(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        # Python 3.10's fromisoformat does not read the "Z" GitHub writes.
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.timestamp() if when.tzinfo is not None else None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------------------------ reporting


def _started(report: Report, run: CiRun, run_id: int, url: str, how: str) -> CiRun:
    report.output("ci-run-id", run_id)
    report.output("ci-run-url", url)
    name = f"`{run.workflow}` run {run_id}"
    shown = f"[{name}]({url})" if url else name
    text = (
        f"Started {shown} on {code_span(run.branch)} at `{run.sha[:12]}`: its jobs report the "
        "pushed commit's checks, so a pull request's required checks run on it."
    )
    if how:
        text += f" ({how}.)"
    report.info(f"CI run {run_id} started on {run.branch}: {url or 'no address given'}")
    return CiRun(run.workflow, run.branch, run.sha, run_id, url, text)


def _failed(settings: Settings, report: Report, run: CiRun, why: str, fix: str) -> CiRun:
    text = (
        f"CI `{run.workflow}` was not started on {code_span(run.branch)}: {why} The push of "
        f"{run.sha[:12]} stands; its required checks wait until CI runs on it."
    )
    if settings.fail_on_error:
        report.error(f"{text} {fix}", title="CI not started")
    else:
        report.warning(f"{text} {fix}", title="CI not started")
    note = f"⚠️ CI `{run.workflow}` was not started: {why} **Fix:** {fix}"
    return CiRun(run.workflow, run.branch, run.sha, note=note, failed=True)


def _said(exc: GitHubError) -> str:
    """GitHub's own words from a client error message, e.g. `Resource not accessible ...`."""
    match = re.search(r"\(\d{3} (.*?)\)", exc.message)
    return match[1] if match else exc.message
