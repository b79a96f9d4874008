"""The GitHub REST client callers use: `GitHub`, the core (`autoheal.github.api`) with the
endpoints. The rules every call keeps (timeouts, retries, rate limits, redaction) are in
`autoheal.github.api`'s notes.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from autoheal.errors import InputError
from autoheal.github.answers import _as_dict, _as_list_of_dicts, truncate
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path, _segment
from autoheal.github.paths import check_repo as check_repo

STATUS_STATES = frozenset({"error", "failure", "pending", "success"})
STATUS_DESCRIPTION_MAX = 140
DISPATCH_EVENT_TYPE_MAX = 100
DISPATCH_PAYLOAD_KEYS_MAX = 10
DISPATCH_PAYLOAD_BYTES_MAX = 65_536


class GitHub(Api):
    """A small GitHub REST client. One instance per run; not thread-safe (shares a Session)."""

    # ---- high level: repositories and dispatch ----------------------------------------------

    def get_repo(self, repo: str) -> dict[str, Any]:
        return _as_dict(self.get_json(_repo_path(repo)))

    def dispatch(self, repo: str, event_type: str, client_payload: Mapping[str, Any]) -> int:
        """Send `repository_dispatch`. Not idempotent: a repeat would start a second run."""
        check_dispatch(event_type, client_payload)
        body = {"event_type": event_type, "client_payload": dict(client_payload)}
        resp = self.request("POST", f"{_repo_path(repo)}/dispatches", json=body)
        return resp.status_code

    # ---- high level: issues, labels, comments -------------------------------------------------

    def add_labels(self, repo: str, issue_number: int, labels: list[str]) -> list[dict[str, Any]]:
        """Adding a label that is already there changes nothing, so this may be repeated."""
        data = self.request_json(
            "POST",
            f"{_repo_path(repo)}/issues/{int(issue_number)}/labels",
            json={"labels": labels},
            idempotent=True,
        )
        return _as_list_of_dicts(data)

    def find_comment(self, repo: str, issue_number: int, marker: str) -> dict[str, Any] | None:
        """Our first comment on the issue or PR whose body contains `marker`. A comment
        someone else wrote never counts, marker or not. Every page is read until it is
        found; a list too long to read raises TooManyPages rather than answer "none"."""
        path = f"{_repo_path(repo)}/issues/{int(issue_number)}/comments"
        for comment in self.iter_items(path):
            if _marked(comment, marker) and self.wrote(comment):
                return dict(comment)
        return None

    def upsert_comment(self, repo: str, issue_number: int, marker: str, body: str) -> str:
        """Update our marked comment in place, or create it; return its html_url. Someone
        else's comment that carries the marker is left as it is: a new one is posted."""
        body = with_marker(body, marker)
        existing = self.find_comment(repo, issue_number, marker)
        if existing is not None:
            data = self.request_json(
                "PATCH",
                f"{_repo_path(repo)}/issues/comments/{int(existing['id'])}",
                json={"body": body},
                idempotent=True,  # setting the same body twice is harmless
            )
        else:
            data = self.request_json(
                "POST",
                f"{_repo_path(repo)}/issues/{int(issue_number)}/comments",
                json={"body": body},
            )
        return str(_as_dict(data).get("html_url", ""))

    def find_issue(
        self, repo: str, marker: str, labels: list[str] | None = None
    ) -> dict[str, Any] | None:
        """Our first open issue (not PR) whose body contains `marker`; as `find_comment`."""
        params = {"state": "open"}
        if labels:
            params["labels"] = ",".join(labels)
        for issue in self.iter_items(f"{_repo_path(repo)}/issues", params):
            if not _marked(issue, marker) or "pull_request" in issue:
                continue
            if self.wrote(issue):
                return dict(issue)
        return None

    def upsert_issue(
        self,
        repo: str,
        marker: str,
        title: str,
        body: str,
        labels: list[str] | None = None,
    ) -> dict[str, Any]:
        """Update the open issue carrying `marker`, or open a new one."""
        body = with_marker(body, marker)
        existing = self.find_issue(repo, marker, labels)
        if existing is not None:
            data = self.request_json(
                "PATCH",
                f"{_repo_path(repo)}/issues/{int(existing['number'])}",
                json={"title": title, "body": body},
                idempotent=True,
            )
        else:
            payload: dict[str, Any] = {"title": title, "body": body}
            if labels:
                payload["labels"] = labels
            data = self.request_json("POST", f"{_repo_path(repo)}/issues", json=payload)
        return _as_dict(data)

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
    ) -> list[dict[str, Any]]:
        """One page of workflow runs (of one workflow when `workflow_id` is given), newest
        first; `created_since` is an ISO 8601 time."""
        params: dict[str, Any] = {"per_page": per_page}
        if event:
            params["event"] = event
        if created_since:
            params["created"] = f">={created_since}"
        if branch:
            params["branch"] = branch
        scope = f"/workflows/{int(workflow_id)}" if workflow_id is not None else ""
        data = _as_dict(self.get_json(f"{_repo_path(repo)}/actions{scope}/runs", params))
        return _as_list_of_dicts(data.get("workflow_runs", []))

    # ---- high level: pull requests ------------------------------------------------------------

    def find_pull(self, repo: str, head_owner: str, branch: str) -> dict[str, Any] | None:
        data = self.get_json(
            f"{_repo_path(repo)}/pulls", {"head": f"{head_owner}:{branch}", "state": "open"}
        )
        pulls = _as_list_of_dicts(data)
        return pulls[0] if pulls else None

    def create_pull(self, repo: str, head: str, base: str, title: str, body: str) -> dict[str, Any]:
        payload = {"title": title, "head": head, "base": base, "body": body}
        return _as_dict(self.request_json("POST", f"{_repo_path(repo)}/pulls", json=payload))

    def update_pull(self, repo: str, number: int, title: str, body: str) -> dict[str, Any]:
        data = self.request_json(
            "PATCH",
            f"{_repo_path(repo)}/pulls/{int(number)}",
            json={"title": title, "body": body},
            idempotent=True,
        )
        return _as_dict(data)

    def upsert_pull(
        self, repo: str, head_owner: str, branch: str, base: str, title: str, body: str
    ) -> dict[str, Any]:
        """Update the open PR from `head_owner:branch`, or open one. A PR someone else
        opened from that branch is returned as it is: its title and text are theirs."""
        existing = self.find_pull(repo, head_owner, branch)
        if existing is None:
            return self.create_pull(repo, f"{head_owner}:{branch}", base, title, body)
        if not self.wrote(existing):
            return existing
        return self.update_pull(repo, int(existing["number"]), title, body)

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

    # ---- branch rules -------------------------------------------------------------------------

    def branch_rules(self, repo: str, branch: str) -> list[dict[str, Any]]:
        """The rules in force on `branch`, from every ruleset (read access is enough)."""
        path = f"{_repo_path(repo)}/rules/branches/{self._branch(branch)}"
        return _as_list_of_dicts(self.paginate(path))

    def get_ruleset(self, repo: str, ruleset_id: int) -> dict[str, Any]:
        """A ruleset applying to the repository (its own or its organization's): its `name`
        and `current_user_can_bypass`."""
        return _as_dict(self.get_json(f"{_repo_path(repo)}/rulesets/{int(ruleset_id)}"))

    def branch_protection(self, repo: str, branch: str) -> dict[str, Any]:
        """Classic branch protection in full. Needs admin rights: 403 or 404 otherwise, as
        for a branch without protection."""
        path = f"{_repo_path(repo)}/branches/{self._branch(branch)}/protection"
        return _as_dict(self.get_json(path))

    def get_branch(self, repo: str, branch: str) -> dict[str, Any]:
        """The branch, with `protected` and a summary of its protection (read access)."""
        return _as_dict(self.get_json(f"{_repo_path(repo)}/branches/{self._branch(branch)}"))

    @staticmethod
    def _branch(branch: str) -> str:
        """A branch name in a path: its slashes kept (GitHub's `{branch}` spans segments),
        everything else that could change the URL encoded."""
        return quote(branch, safe="/")

    # ---- pause switch -------------------------------------------------------------------------

    def labelled_issues(self, repo: str, label: str, limit: int) -> list[dict[str, Any]]:
        """Open issues carrying `label`, newest first: one page of at most `limit`. GitHub
        lists pull requests here too (they have a `pull_request` key)."""
        params = {"labels": label, "state": "open", "per_page": limit}
        return _as_list_of_dicts(self.get_json(f"{_repo_path(repo)}/issues", params))

    def issue_events_newest_first(
        self, repo: str, number: int, max_pages: int
    ) -> Iterator[dict[str, Any]]:
        """An issue's events, newest first, read lazily. GitHub lists them oldest first, so
        this starts at the `last` page and follows `prev`: at most `max_pages` requests."""
        resp = self.request(
            "GET", f"{_repo_path(repo)}/issues/{int(number)}/events", params={"per_page": 100}
        )
        pages = 1
        last = resp.links.get("last", {}).get("url")
        if last and pages < max_pages:
            resp, pages = self.request("GET", last), pages + 1
        while True:
            data = self._decode(resp, "GET")
            if not isinstance(data, list):
                raise self._unexpected("GET", urlsplit(resp.url).path, "a list")
            yield from reversed([event for event in data if isinstance(event, dict)])
            previous = resp.links.get("prev", {}).get("url")
            if not previous or pages >= max_pages:
                return
            resp, pages = self.request("GET", previous), pages + 1

    def collaborator_permission(self, repo: str, username: str) -> dict[str, Any]:
        """`permission` (admin, write, read, none: maintain reads as write) and `role_name`
        (admin, maintain, write, triage, read or a custom role) of `username` here."""
        path = f"{_repo_path(repo)}/collaborators/{_segment(username)}/permission"
        return _as_dict(self.get_json(path))

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

    # ---- Git database (blobs, trees, commits, refs) -------------------------------------------
    # Blobs, trees and commits are content-addressed: sending one twice makes the same object
    # (a commit: a second, unreferenced one), so they may be repeated. Moving a ref may not.

    def create_blob(self, repo: str, content: str, encoding: str) -> dict[str, Any]:
        """Store a blob; `encoding` is "utf-8" (text as it is) or "base64"."""
        body = {"content": content, "encoding": encoding}
        data = self.request_json(
            "POST", f"{_repo_path(repo)}/git/blobs", json=body, idempotent=True
        )
        return _as_dict(data)

    def create_tree(
        self, repo: str, base_tree: str, entries: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """A tree made of `base_tree` with `entries` (path, mode, type, sha) applied; an entry
        whose sha is None deletes its path."""
        body = {"base_tree": base_tree, "tree": entries}
        data = self.request_json(
            "POST", f"{_repo_path(repo)}/git/trees", json=body, idempotent=True
        )
        return _as_dict(data)

    def create_commit(
        self, repo: str, message: str, tree: str, parents: list[str]
    ) -> dict[str, Any]:
        """A commit GitHub signs when the token is an App's or Actions' own: no author,
        committer or signature is ever sent (GitHub signs only commits it authors itself)."""
        body = {"message": message, "tree": tree, "parents": parents}
        data = self.request_json(
            "POST", f"{_repo_path(repo)}/git/commits", json=body, idempotent=True
        )
        return _as_dict(data)

    def update_branch(self, repo: str, branch: str, sha: str) -> dict[str, Any]:
        """Move `branch` to `sha`, fast-forward only (`force: false`): GitHub answers 422
        "Update is not a fast forward" when the branch moved meanwhile."""
        path = f"{_repo_path(repo)}/git/refs/heads/{quote(branch, safe='/')}"
        data = self.request_json("PATCH", path, json={"sha": sha, "force": False})
        return _as_dict(data)


def _marked(item: Any, marker: str) -> bool:
    return isinstance(item, dict) and marker in str(item.get("body") or "")


def with_marker(body: str, marker: str) -> str:
    """Make sure a body carries its hidden marker, so the next run finds it again."""
    return body if marker in body else f"{body.rstrip()}\n\n{marker}\n"


def check_dispatch(event_type: str, client_payload: Mapping[str, Any]) -> None:
    """GitHub's documented limits, checked before sending so the error says what to change."""
    if not 1 <= len(event_type) <= DISPATCH_EVENT_TYPE_MAX:
        raise InputError(
            f"Dispatch event type must be 1 to {DISPATCH_EVENT_TYPE_MAX} characters, "
            f"got {len(event_type)}.",
            fix="Shorten the event type.",
        )
    if len(client_payload) > DISPATCH_PAYLOAD_KEYS_MAX:
        raise InputError(
            f"Dispatch client_payload has {len(client_payload)} top-level keys; GitHub allows "
            f"{DISPATCH_PAYLOAD_KEYS_MAX}.",
            fix="Move extra values under one key.",
        )
    size = len(jsonlib.dumps(dict(client_payload)).encode())
    if size >= DISPATCH_PAYLOAD_BYTES_MAX:
        raise InputError(
            f"Dispatch client_payload is {size} bytes; GitHub allows under 64 KB.",
            fix="Send less data in the payload (e.g. a summary instead of full logs).",
        )
