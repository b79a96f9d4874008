"""GitHub Actions workflow runs: reading one, listing them (of the repository or of one
workflow; of one commit), listing a run's artifacts, rerunning a run's failed jobs, and
starting a workflow with `workflow_dispatch` (with the run's id when GitHub gives it).
Starting or rerunning is never repeated.
"""

from __future__ import annotations

from typing import Any

from autoheal.github.answers import _as_dict, _as_list_of_dicts
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path, _segment


class RunEndpoints(Api):
    """Workflow runs: read, list, their artifacts, rerun, and `workflow_dispatch`."""

    # ---- high level: workflow runs ------------------------------------------------------------

    def get_run(self, repo: str, run_id: int) -> dict[str, Any]:
        return _as_dict(self.get_json(f"{_repo_path(repo)}/actions/runs/{int(run_id)}"))

    def rerun_failed_jobs(self, repo: str, run_id: int) -> int:
        """Rerun failed jobs (answers 201). Not repeated: a second call adds another attempt."""
        resp = self.request(
            "POST", f"{_repo_path(repo)}/actions/runs/{int(run_id)}/rerun-failed-jobs"
        )
        return resp.status_code

    def list_runs(
        self,
        repo: str,
        *,
        event: str | None = None,
        created_since: str | None = None,
        per_page: int = 30,
        workflow_id: int | None = None,
        branch: str | None = None,
        head_sha: str | None = None,
    ) -> list[dict[str, Any]]:
        """One page of workflow runs (of one workflow when `workflow_id` is given), newest
        first; `created_since` is an ISO 8601 time. GitHub filters; callers check the fields
        they rely on again."""
        params: dict[str, Any] = {"per_page": per_page}
        if event:
            params["event"] = event
        if head_sha:
            params["head_sha"] = head_sha
        if created_since:
            params["created"] = f">={created_since}"
        if branch:
            params["branch"] = branch
        scope = f"/workflows/{int(workflow_id)}" if workflow_id is not None else ""
        data = _as_dict(self.get_json(f"{_repo_path(repo)}/actions{scope}/runs", params))
        return _as_list_of_dicts(data.get("workflow_runs", []))

    def run_artifacts(self, repo: str, run_id: int, *, name: str) -> list[dict[str, Any]]:
        """The artifacts of a run named `name` (one page: a run rarely has two of one name),
        expired ones included: each says `expired`."""
        params = {"name": name, "per_page": 100}
        path = f"{_repo_path(repo)}/actions/runs/{int(run_id)}/artifacts"
        data = _as_dict(self.get_json(path, params))
        return _as_list_of_dicts(data.get("artifacts", []))

    # ---- workflow dispatch ----------------------------------------------------------------------

    def dispatch_workflow(
        self, repo: str, workflow: str, ref: str, *, run_details: bool = True
    ) -> tuple[int, dict[str, Any] | None]:
        """Start `workflow` (file name or id) on `ref`: (status, body). With `run_details`
        GitHub answers 200 with `workflow_run_id`, `run_url` and `html_url` (since 2026-02);
        without it, or on an older server, 204 and no body. Not idempotent: a repeat starts a
        second run, so a request that may have been sent is never repeated (MaybeSent)."""
        body: dict[str, Any] = {"ref": ref}
        if run_details:
            body["return_run_details"] = True
        path = f"{_repo_path(repo)}/actions/workflows/{_segment(workflow)}/dispatches"
        resp = self.request("POST", path, json=body)
        data = self._decode(resp, "POST") if resp.status_code != 204 else None
        return resp.status_code, data if isinstance(data, dict) else None

    def list_workflow_runs(
        self,
        repo: str,
        workflow: str,
        *,
        branch: str,
        event: str,
        head_sha: str,
        created_since: str,
        per_page: int = 30,
    ) -> list[dict[str, Any]]:
        """One page of `workflow`'s runs, newest first, filtered by GitHub (callers check the
        fields again: a server that ignores a filter must not make us pick a wrong run)."""
        params = {
            "branch": branch,
            "event": event,
            "head_sha": head_sha,
            "created": f">={created_since}",
            "per_page": per_page,
        }
        path = f"{_repo_path(repo)}/actions/workflows/{_segment(workflow)}/runs"
        data = _as_dict(self.get_json(path, params))
        return _as_list_of_dicts(data.get("workflow_runs", []))
