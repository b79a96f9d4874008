"""The Git database API: blobs, trees and commits made on GitHub's side (commits GitHub signs
for an App or Actions token), and moving a branch to a new commit, fast-forward only.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from autoheal.github.answers import _as_dict
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path


class GitDatabaseEndpoints(Api):
    """Blobs, trees, commits and branch refs through the Git database API."""

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
