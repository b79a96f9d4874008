"""The errors git raises: GitError (a failed command, with its redacted argv and stderr) and
its kinds a caller tells apart: RevertConflict and RebaseConflict (aborted, tree clean again),
PushRejected (the remote said no), BranchMoved (the branch is not where a push needs it) and
CommitMissing (neither local nor fetchable)."""

from __future__ import annotations

from autoheal.errors import AutohealError


class GitError(AutohealError):
    """A git command failed. The message holds the (redacted) command and git's stderr."""

    def __init__(
        self,
        message: str,
        *,
        fix: str = "",
        exit_code: int | None = None,
        command: list[str] | None = None,
        stderr: str = "",
        returncode: int | None = None,
    ) -> None:
        super().__init__(message, fix=fix, exit_code=exit_code)
        self.command = command or []
        self.stderr = stderr
        self.returncode = returncode


class RevertConflict(GitError):
    """`git revert` stopped on conflicts; the revert was aborted and the tree is clean again."""

    def __init__(self, message: str, *, paths: list[str], fix: str = "", stderr: str = "") -> None:
        super().__init__(message, fix=fix, stderr=stderr)
        self.paths = paths


class RebaseConflict(GitError):
    """Rebasing our commits onto a moved remote conflicted; the rebase was aborted."""

    def __init__(self, message: str, *, paths: list[str], fix: str = "", stderr: str = "") -> None:
        super().__init__(message, fix=fix, stderr=stderr)
        self.paths = paths


class PushRejected(GitError):
    """The remote itself refused the push (protected branch, pre-receive hook, permissions)."""


class BranchMoved(GitError):
    """The remote branch is not where a push needs it (it moved, or holds other commits)."""


class CommitMissing(GitError):
    """A commit is neither local nor fetchable from the remote."""
