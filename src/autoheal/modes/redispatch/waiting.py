"""`wait-for-run`: find the validation run by the dispatch id in its title, never by a guess,
and poll it until it completes or `wait-timeout` passes (the deadline covers the requests too).
Holds the injected time (`clock`, `sleep`) that the whole mode uses."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from autoheal.github.client import GitHub
from autoheal.github.errors import GitHubError, NetworkError
from autoheal.report import Report

# Injected time: tests replace these module attributes to run waits and retries instantly
# (flow reads them from here at each call, for the client's retries too).
clock: Callable[[], float] = time.time
sleep: Callable[[float], None] = time.sleep


POLL_INTERVAL = 5.0  # seconds between two looks for the validation run
# The runner's clock and GitHub's differ a little; look back this far for the new run.
CREATED_SKEW = 120.0


@dataclass
class FoundRun:
    """The validation run that carries our dispatch id (with wait-for-run)."""

    repo: str
    url: str = ""
    status: str = ""  # queued, in_progress, completed ... ; "" when no run was found
    conclusion: str = ""


def _wait_for_runs(
    client: GitHub,
    report: Report,
    repos: list[str],
    dispatch_id: str,
    sent_at: float,
    timeout: int,
) -> tuple[list[FoundRun], list[str]]:
    deadline = sent_at + timeout
    since = _iso(sent_at - CREATED_SKEW)
    found: list[FoundRun] = []
    problems: list[str] = []
    for repo in repos:
        try:
            result = _wait_for_run(client, repo, dispatch_id, since, deadline)
        except GitHubError as err:
            found.append(FoundRun(repo))
            problems.append(
                f"Could not look for the validation run in {repo}: {err} "
                "(waiting needs Actions: Read on the token)."
            )
            continue
        found.append(result)
        if not result.url:
            problems.append(
                f"No run carrying dispatch id `{dispatch_id}` appeared in {repo} within "
                f"{timeout} s. Check that a workflow there listens to this event type "
                "(`on: repository_dispatch: types: [...]`), runs on the default branch and "
                "puts the dispatch id in its `run-name`."
            )
        elif result.status != "completed":
            problems.append(
                f"The validation run {result.url} did not finish within {timeout} s "
                f"(status {result.status})."
            )
        else:
            report.info(f"Validation run {result.url}: {result.conclusion}.")
    urls = [f.url for f in found if f.url]
    if urls:
        report.output("validation-run-url", ",".join(urls))
        # "" for a run still going when the wait ended: never a guessed conclusion.
        report.output("validation-conclusion", ",".join(f.conclusion for f in found if f.url))
    for problem in problems:
        report.warning(problem, title="wait-for-run")
    return found, problems


def _wait_for_run(
    client: GitHub, repo: str, dispatch_id: str, since: str, deadline: float
) -> FoundRun:
    """Poll until our run completes or `deadline` (on `clock`) passes. The deadline covers
    the requests too: each one gets only the time that is left, so a slow API cannot stretch
    the wait past `wait-timeout`."""
    match: dict[str, Any] | None = None
    while True:
        left = deadline - clock()
        if left <= 0:
            break
        try:
            with client.time_limit(left):
                if match is None:
                    runs = client.list_runs(repo, event="repository_dispatch", created_since=since)
                    match = _find_run(runs, dispatch_id)
                else:
                    match = client.get_run(repo, int(match["id"]))
        except NetworkError:
            if clock() < deadline:
                raise  # not the deadline: the API is unreachable
            break  # out of time: report what was seen so far
        if match is not None and match.get("status") == "completed":
            break
        if clock() + POLL_INTERVAL > deadline:
            break
        sleep(POLL_INTERVAL)
    if match is None:
        return FoundRun(repo)
    return FoundRun(
        repo,
        url=str(match.get("html_url") or ""),
        status=str(match.get("status") or ""),
        conclusion=str(match.get("conclusion") or ""),
    )


def _find_run(runs: list[dict[str, Any]], dispatch_id: str) -> dict[str, Any] | None:
    """The run whose title (run-name) or name carries our dispatch id; never another one."""
    for candidate in runs:
        title = str(candidate.get("display_title") or "")
        name = str(candidate.get("name") or "")
        if dispatch_id in title or dispatch_id in name:
            return candidate
    return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
