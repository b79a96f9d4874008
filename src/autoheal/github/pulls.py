"""Pull requests: reading one, finding the open one from a branch, opening one, and updating
one we opened (`upsert_pull` leaves a pull request someone else opened as it is).
"""

from __future__ import annotations

from typing import Any

from autoheal.github.answers import _as_dict, _as_list_of_dicts
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path


class PullEndpoints(Api):
    """Pull requests: read, find, create, update."""

    # ---- high level: pull requests ------------------------------------------------------------

    def get_pull(self, repo: str, number: int) -> dict[str, Any]:
        """One pull request as GitHub sees it now (`state`, `head.sha`, `head.repo`, ...)."""
        return _as_dict(self.get_json(f"{_repo_path(repo)}/pulls/{int(number)}"))

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
