"""What a commit reports: commit statuses (set with GitHub's length limit on the description,
listed) and check runs with their annotations (listed, created, updated; at most
`ANNOTATIONS_PER_REQUEST` annotations in one request).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autoheal.github.answers import _as_dict, _as_list_of_dicts, truncate
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path, _segment

STATUS_STATES = frozenset({"error", "failure", "pending", "success"})
STATUS_DESCRIPTION_MAX = 140


class StatusEndpoints(Api):
    """Commit statuses, check runs and check run annotations."""

    # ---- high level: commit statuses ----------------------------------------------------------

    def create_status(
        self,
        repo: str,
        sha: str,
        state: str,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> dict[str, Any]:
        """Set a commit status. Repeating it only repeats the same latest state: idempotent."""
        if state not in STATUS_STATES:
            raise ValueError(f"status state must be one of {sorted(STATUS_STATES)}: {state!r}")
        payload: dict[str, Any] = {
            "state": state,
            "context": context,
            "description": truncate(description, STATUS_DESCRIPTION_MAX),
        }
        if target_url:
            payload["target_url"] = target_url
        data = self.request_json(
            "POST", f"{_repo_path(repo)}/statuses/{_segment(sha)}", json=payload, idempotent=True
        )
        return _as_dict(data)

    def list_statuses(self, repo: str, sha: str) -> list[dict[str, Any]]:
        items = self.paginate(f"{_repo_path(repo)}/commits/{_segment(sha)}/statuses")
        return _as_list_of_dicts(items)

    # ---- check runs ---------------------------------------------------------------------------
    # Only a GitHub App can write check runs (GITHUB_TOKEN is one); a personal access token
    # is refused with 403, or 404. At most 50 annotations go in one request.

    ANNOTATIONS_PER_REQUEST = 50

    def list_check_runs(self, repo: str, ref: str, name: str) -> list[dict[str, Any]]:
        """Every check run called `name` on the commit `ref`, of any app, newest first."""
        items = self.paginate(
            f"{_repo_path(repo)}/commits/{_segment(ref)}/check-runs",
            {"check_name": name, "filter": "all"},
            key="check_runs",
        )
        return _as_list_of_dicts(items)

    def list_check_run_annotations(self, repo: str, check_run_id: int) -> list[dict[str, Any]]:
        items = self.paginate(f"{_repo_path(repo)}/check-runs/{int(check_run_id)}/annotations")
        return _as_list_of_dicts(items)

    def create_check_run(self, repo: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a check run. Not repeated: a second POST would make a second check run."""
        self._check_annotations(body)
        return _as_dict(
            self.request_json("POST", f"{_repo_path(repo)}/check-runs", json=dict(body))
        )

    def update_check_run(
        self, repo: str, check_run_id: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Update a check run. Annotations are appended to those it has, so a body that
        carries some is not repeated; one without them sets the same fields again: idempotent.
        """
        carries = self._check_annotations(body) > 0
        data = self.request_json(
            "PATCH",
            f"{_repo_path(repo)}/check-runs/{int(check_run_id)}",
            json=dict(body),
            idempotent=not carries,
        )
        return _as_dict(data)

    def _check_annotations(self, body: Mapping[str, Any]) -> int:
        """How many annotations `body` carries; more than GitHub takes is a bug of ours."""
        count = len(dict(body.get("output") or {}).get("annotations") or [])
        if count > self.ANNOTATIONS_PER_REQUEST:
            raise ValueError(
                f"{count} annotations in one check run request; GitHub takes at most "
                f"{self.ANNOTATIONS_PER_REQUEST}"
            )
        return count
