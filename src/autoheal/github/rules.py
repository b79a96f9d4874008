"""What a branch allows: the rules in force on it (from every ruleset), a ruleset's name and
whether we may bypass it, classic branch protection, and the branch with its protection
summary. A branch name keeps its slashes in the path (`_branch`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from autoheal.github.answers import _as_dict, _as_list_of_dicts
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path


class RuleEndpoints(Api):
    """Branch rules, rulesets, branch protection and branches."""

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
