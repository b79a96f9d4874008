"""The repository itself: `get_repo` reads its settings (whether auto-merge is allowed, which
merge methods) and the token's `permissions` there.
"""

from __future__ import annotations

from typing import Any

from autoheal.github.answers import _as_dict
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path


class RepoEndpoints(Api):
    """The repository's own record."""

    def get_repo(self, repo: str) -> dict[str, Any]:
        return _as_dict(self.get_json(_repo_path(repo)))
