"""Where a push started, when the event does not say: heal after CI, under `workflow_run`.

A push event carries `before`, the commit the push started from, and rollback bisects the push
from there. A `workflow_run` event (heal running after the CI run completed) does not. The CI
workflow's previous run for a push to the same branch tested the commit this push started
from (every push to the branch gets its run), so its head sha is this push's `before`. When
some pushes had no run, it is an older commit: a longer range, which bisect handles.
"""

from __future__ import annotations

from typing import Any

from autoheal.context import WorkflowRun
from autoheal.github.client import GitHub
from autoheal.settings import SHA_RE


def previous_push_sha(client: GitHub, repo: str, run: WorkflowRun) -> str | None:
    """The head sha of the workflow's latest earlier push run on `run`'s branch, or None.

    GitHubError propagates: the caller decides how much a missing `before` matters.
    """
    if run.event != "push" or not run.workflow_id or not run.head_branch:
        return None
    runs = client.list_runs(
        repo, workflow_id=run.workflow_id, branch=run.head_branch, event="push", per_page=30
    )
    earlier = [r for r in runs if _earlier(r, run)]
    if not earlier:
        return None
    return str(max(earlier, key=lambda r: int(r["run_number"]))["head_sha"])


def _earlier(candidate: dict[str, Any], run: WorkflowRun) -> bool:
    number = candidate.get("run_number")
    sha = candidate.get("head_sha")
    return (
        isinstance(number, int)
        and not isinstance(number, bool)
        and number < run.run_number
        and isinstance(sha, str)
        and bool(SHA_RE.match(sha))
        and sha != run.head_sha  # a re-run of the same commit started nothing new
    )
