"""The errors git raises: GitError (a failed command, with its redacted argv and stderr) and
its kinds a caller tells apart: RevertConflict and RebaseConflict (aborted, tree clean again),
PushRejected (the remote said no), BranchMoved (the branch is not where a push needs it) and
CommitMissing (neither local nor fetchable); and PatchError, a patch that cannot be read as
data (`autoheal.git.patch`), made by `patch_error`."""

from __future__ import annotations

from autoheal.errors import AutohealError, InputError

PATCH_FIX = (
    "Give one diff as `git diff --binary BASE HEAD` prints it (with git's a/ and b/ prefixes), "
    "unedited."
)


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


class PatchError(InputError):
    """A patch that is not read exactly as `git apply` would read it: refused as a whole.
    `what` is the reason alone, for callers that word the error their own way."""

    def __init__(self, message: str, *, what: str, fix: str = PATCH_FIX) -> None:
        super().__init__(message, fix=fix)
        self.what = what


def patch_error(what: str) -> PatchError:
    return PatchError(f"The patch cannot be read: {what}.", what=what)
