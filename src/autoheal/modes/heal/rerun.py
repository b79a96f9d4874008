"""heal's answer to flakiness: rerun the failed jobs of the run that failed, a bounded number
of times. A separate outcome from fixing: it changes no code."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.github import github_client
from autoheal.report import Report
from autoheal.settings import Settings

#: GitHub refuses more attempts than this for one run.
GITHUB_MAX_ATTEMPTS = 50
#: GitHub reruns a run only within this many days of its creation.
MAX_RUN_AGE_DAYS = 30
FAILED_CONCLUSIONS = ("failure", "timed_out")
#: Seconds since the epoch; a module attribute so tests can substitute it.
clock: Callable[[], float] = time.time


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
    """Rerun the failed jobs of `run_id` unless it reached its attempt limit or is too old."""
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
    from autoheal.github.errors import GitHubError

    limit = min(settings.max_run_attempts, GITHUB_MAX_ATTEMPTS)
    try:
        with client:
            run = client.get_run(ctx.repository, run_id)
            attempts = int(run.get("run_attempt") or 1)
            refusal = _why_not_rerun(run, run_id, attempts, limit)
            if refusal:
                title, message = refusal
                report.warning(message, title=title)
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


def _why_not_rerun(
    run: dict[str, Any], run_id: int, attempts: int, limit: int
) -> tuple[str, str] | None:
    """(title, message) when GitHub, or our limit, would not take another attempt."""
    if attempts >= limit:
        return "Rerun limit reached", (
            f"Run {run_id} already had {attempts} attempt(s) and `max-run-attempts` is "
            f"{limit}: not rerunning it again. The failure is not flaky enough to retry; "
            "look at it."
        )
    age = _age_days(run)
    if age is not None and age >= MAX_RUN_AGE_DAYS:
        return "Run too old to rerun", (
            f"Run {run_id} was created {age:.0f} days ago and GitHub reruns runs only within "
            f"{MAX_RUN_AGE_DAYS} days: not rerunning it. Start a new run instead."
        )
    return None


def _age_days(run: dict[str, Any]) -> float | None:
    """Days since the run was created, or None when the answer does not say."""
    created = run.get("created_at")
    if not isinstance(created, str):
        return None
    try:
        # Python 3.10's fromisoformat does not read the "Z" GitHub writes.
        when = datetime.fromisoformat(created.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    return (clock() - when.timestamp()) / 86400


def _optional_failure(settings: Settings, report: Report, message: str, fix: str) -> Rerun:
    """A rerun is optional: warn, unless the user asked for `fail-on-error`."""
    if settings.fail_on_error:
        raise AutohealError(message, fix=fix)
    report.warning(f"{message} {fix}".strip(), title="Rerun skipped")
    return Rerun(False, message)
