"""Issues and pull requests as issues: labels, our marked comments and issues (found by a
hidden marker, and only when our own account wrote them; `with_marker` adds the marker to a
body), reactions to a comment, open issues carrying a label and an issue's events newest first
(the pause switch), and a collaborator's permission (`may_write`: the pause switch and fix
requests).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from autoheal.github.answers import _as_dict, _as_list_of_dicts
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path, _segment

#: `permission` / `role_name` values that may write (maintain reads as write in `permission`).
WRITE_ROLES = frozenset({"admin", "maintain", "write"})
#: The reactions GitHub takes (`content`): +1, -1, laugh, confused, heart, hooray, rocket, eyes.
REACTIONS = frozenset({"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"})


class IssueEndpoints(Api):
    """Labels, comments and their reactions, issues, issue events and collaborator
    permissions."""

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

    def react_to_comment(self, repo: str, comment_id: int, content: str) -> None:
        """Add our reaction `content` (REACTIONS) to a comment of an issue or pull request.
        GitHub answers 200 with the reaction when it is already there: repeating is harmless."""
        if content not in REACTIONS:
            raise ValueError(f"GitHub has no reaction {content!r}")
        self.request_json(
            "POST",
            f"{_repo_path(repo)}/issues/comments/{int(comment_id)}/reactions",
            json={"content": content},
            idempotent=True,
        )

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

    def may_write(self, repo: str, username: str) -> bool:
        """Whether `username` has write, maintain or admin access here (by `permission` or
        `role_name`, so a custom role based on write counts). GitHub answers 404 for a user
        who is not a collaborator (or no user at all): False."""
        from autoheal.github.errors import NotFound

        try:
            found = self.collaborator_permission(repo, username)
        except NotFound:
            return False
        return bool({str(found.get("permission")), str(found.get("role_name"))} & WRITE_ROLES)


def _marked(item: Any, marker: str) -> bool:
    return isinstance(item, dict) and marker in str(item.get("body") or "")


def with_marker(body: str, marker: str) -> str:
    """Make sure a body carries its hidden marker, so the next run finds it again."""
    return body if marker in body else f"{body.rstrip()}\n\n{marker}\n"
