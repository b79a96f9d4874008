"""heal's answer to flakiness: rerun the failed jobs of the run that failed, a bounded number
of times. A separate outcome from fixing: it changes no code."""

from __future__ import annotations

from dataclasses import dataclass

from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.modes.common import github_client
from autoheal.report import Report
from autoheal.settings import Settings

#: GitHub refuses more attempts than this for one run.
GITHUB_MAX_ATTEMPTS = 50
FAILED_CONCLUSIONS = ("failure", "timed_out")


@dataclass(frozen=True)
class Rerun:
    requested: bool
    note: str  # one Markdown line for the summary


def rerun_target(settings: Settings, ctx: Context) -> int | None:
    """The run to rerun: the `run-id` input, else the failed workflow_run that started us."""
    if settings.run_id:
        return int(settings.run_id)
    run = ctx.workflow_run
    if ctx.event_name == "workflow_run" and run and run.conclusion in FAILED_CONCLUSIONS:
        return run.id or None
    return None


def request_rerun(settings: Settings, ctx: Context, report: Report, run_id: int) -> Rerun:
    """Rerun the failed jobs of `run_id` unless it reached its attempt limit."""
    if not settings.rerun_failed:
        return Rerun(False, f"Run {run_id} was not rerun: `rerun-failed` is false.")
    client = github_client(settings, ctx)
    if client is None:
        return _optional_failure(
            settings,
            report,
            f"Cannot rerun the failed jobs of run {run_id}: no token.",
            "Pass `token: ${{ github.token }}` with `permissions: actions: write`.",
        )
    from autoheal.github import GitHubError

    limit = min(settings.max_run_attempts, GITHUB_MAX_ATTEMPTS)
    try:
        with client:
            attempts = int(client.get_run(ctx.repository, run_id).get("run_attempt") or 1)
            if attempts >= limit:
                message = (
                    f"Run {run_id} already had {attempts} attempt(s) and `max-run-attempts` is "
                    f"{limit}: not rerunning it again. The failure is not flaky enough to retry; "
                    "look at it."
                )
                report.warning(message, title="Rerun limit reached")
                return Rerun(False, message)
            if settings.dry_run:
                return Rerun(
                    False,
                    f"Dry-run: would rerun the failed jobs of run {run_id} (attempt "
                    f"{attempts + 1} of at most {limit}).",
                )
            client.rerun_failed_jobs(ctx.repository, run_id)
    except GitHubError as exc:
        return _optional_failure(
            settings,
            report,
            f"Cannot rerun the failed jobs of run {run_id}: {exc.message}",
            exc.fix,
        )
    message = (
        f"Requested a rerun of the failed jobs of run {run_id} (attempt {attempts + 1} of at "
        f"most {limit}): the failure did not reproduce here, so it looks flaky."
    )
    report.notice(message, title="Rerun requested")
    return Rerun(True, message)


def _optional_failure(settings: Settings, report: Report, message: str, fix: str) -> Rerun:
    """A rerun is optional: warn, unless the user asked for `fail-on-error`."""
    if settings.fail_on_error:
        raise AutohealError(message, fix=fix)
    report.warning(f"{message} {fix}".strip(), title="Rerun skipped")
    return Rerun(False, message)
