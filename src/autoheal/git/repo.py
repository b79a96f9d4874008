"""Git: one repository, joining the plumbing (base) and the area mixins (reads, diffs, reverts,
pushes), plus the commits of our fixes (commit_all) and the work-tree helpers (worktree_add,
worktree_remove, checkout_detached)."""

from __future__ import annotations

from pathlib import Path

from autoheal.git.base import GitBase, _check_rev
from autoheal.git.diffs import DiffsMixin
from autoheal.git.errors import GitError
from autoheal.git.pushes import PushesMixin
from autoheal.git.reads import ReadsMixin
from autoheal.git.reverts import RevertsMixin


class Git(RevertsMixin, PushesMixin, DiffsMixin, ReadsMixin, GitBase):
    """One repository (work tree) at `path`. Cheap to create; holds no open resources."""

    # ------------------------------------------------------------------ writing commits

    def commit_all(
        self,
        message: str,
        *,
        author_name: str | None = None,
        author_email: str | None = None,
    ) -> str:
        """`git add -A` and commit everything as author and committer; returns the new sha.
        Local hooks and signing are skipped: this is a bot commit on a runner."""
        self.run("add", "-A")
        if self.run("diff", "--cached", "--quiet", check=False).returncode == 0:
            raise GitError(
                "nothing to commit: the work tree has no changes",
                fix="Only call commit_all after a fixer changed files.",
            )
        self.run(
            "commit",
            "--quiet",
            "--no-verify",
            "--no-gpg-sign",
            "--cleanup=whitespace",
            "-F",
            "-",
            input=message,
            env=self._identity_env(author_name, author_email),
        )
        return self.head_sha()

    # ------------------------------------------------------------------ checkouts

    def worktree_add(self, path: Path, sha: str) -> Git:
        """A detached work tree of `sha` at `path`; returns a Git for it (same credentials)."""
        _check_rev(sha, "sha")
        if not self.commit_exists(sha):
            self.ensure_commit(sha, with_parents=False)
        self.run("worktree", "add", "--quiet", "--detach", "--", str(path), sha)
        return Git(Path(path), token=self._token, host=self.host, repository=self.repository)

    def worktree_remove(self, path: Path) -> None:
        self.run("worktree", "remove", "--force", "--", str(path), check=False)
        self.run("worktree", "prune")

    def checkout_detached(self, sha: str) -> None:
        _check_rev(sha, "sha")
        self.run("checkout", "--quiet", "--detach", sha, "--")
