"""Test a commit in the job's own checkout, the way `git bisect run` does.

The checkout the workflow prepared holds what the checks need and git does not track:
`node_modules/`, `.venv/`, editable installs whose path points into its `src/`, build output.
A scratch work tree has none of it (tools go missing, an editable install imports the
checkout's code instead of the commit's), so checks of another commit run right here:
`detached_at` checks the commit out detached and always puts the checkout back on its branch
(or detached commit) afterwards: after passing, failing or timed-out checks, an exception,
Ctrl-C.

The tree must be clean first, by the same rule as heal: no modified or staged tracked file and
no untracked file that is not .gitignored. Refused before anything is touched, because

- such files are someone's work: a checkout would carry edits along into the commit under
  test, or stop half-way through a bisect on an untracked file the commit tracks;
- they change what the checks see, so the same commit would not give the same outcome;
- a tree known to be clean lets the restore remove exactly what the checks wrote.

.gitignored files (node_modules/, .venv/, caches, build output) are never touched: checking out
a commit that tracks one of their paths is refused (nothing changes) rather than overwrite it,
and the restore's `git clean` keeps them, so they stay in place, unchanged, across commits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from autoheal.errors import AutohealError
from autoheal.git.errors import GitError
from autoheal.git.repo import Git

#: Operations that a checkout would wreck: their state hangs on HEAD.
IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase",
    "BISECT_LOG": "a bisect",
}
#: Status lines quoted in the refusal.
SHOWN = 10


class DirtyCheckout(AutohealError):
    """The checkout has changes of its own: checking out another commit is refused."""


class CheckoutBlocked(GitError):
    """git refused to check the commit out (files in the way); nothing was changed."""


@dataclass(frozen=True)
class Position:
    """Where the checkout was: the branch it was on, or a detached commit."""

    sha: str
    branch: str | None

    def __str__(self) -> str:
        if self.branch:
            return f"`{self.branch}` ({self.sha[:12]})"
        return f"a detached HEAD at {self.sha[:12]}"


def top_level(git: Git) -> Git:
    """The repository's root: checkouts and cleans act on the whole tree, whatever the
    working directory (which the commit under test may not even have)."""
    root = git.run("rev-parse", "--show-toplevel").stdout.strip()
    return Git(Path(root))


def refuse_dirty(git: Git, doing: str) -> None:
    """DirtyCheckout naming the files (or the operation in progress) unless the tree is clean."""
    top = top_level(git)
    busy = sorted({what for name, what in IN_PROGRESS.items() if _git_path_exists(top, name)})
    if busy:
        raise DirtyCheckout(
            f"Refusing to {doing}: {busy[0]} is in progress in {top.path}, and the checks "
            "check other commits out in this checkout.",
            fix="Finish or abort it first (e.g. `git rebase --abort`), or run in a fresh checkout.",
        )
    lines = top.status_lines()
    if not lines:
        return
    shown = "\n".join(lines[:SHOWN]) + ("\n..." if len(lines) > SHOWN else "")
    raise DirtyCheckout(
        f"Refusing to {doing}: the checkout {top.path} has uncommitted changes, and the checks "
        "run in the checkout itself, with each commit checked out in turn. Nothing was "
        f"changed:\n{shown}",
        fix="Run this step right after actions/checkout and the steps that install the "
        "project's tools; commit, stash or .gitignore what earlier steps wrote (build output, "
        "caches).",
    )


@contextlib.contextmanager
def detached_at(git: Git, sha: str, *, doing: str) -> Iterator[Position]:
    """Check `sha` out detached in `git`'s checkout for the duration of the block; yields
    where the checkout was, and goes back there however the block ends.

    `git` (with its credentials) fetches `sha` into a shallow clone when needed. Raises
    DirtyCheckout or CheckoutBlocked before anything in the tree changed.
    """
    top = top_level(git)
    refuse_dirty(top, doing)
    start = Position(top.head_sha(), top.current_branch())
    git.ensure_commit(sha, with_parents=False)
    try:
        _checkout(top, sha)
        yield start
    finally:
        with _interrupts_deferred():
            _restore(top, start)


def _checkout(top: Git, sha: str) -> None:
    proc = _without_hooks(
        top, "checkout", "--quiet", "--no-overwrite-ignore", "--detach", sha, "--"
    )
    if proc.returncode == 0:
        return
    text = proc.stderr or proc.stdout or ""
    paths = [line.strip() for line in text.splitlines() if line.startswith("\t")]
    if paths:
        shown = "\n".join(paths[:SHOWN]) + ("\n..." if len(paths) > SHOWN else "")
        raise CheckoutBlocked(
            f"Cannot check out {sha} in {top.path}: it tracks files that are .gitignored "
            f"here and present, which git will not overwrite. Nothing was changed:\n{shown}",
            fix="Remove those files before this step (a step that generates them should run "
            "after it), or stop ignoring them.",
            stderr=top.redact(text),
            returncode=proc.returncode,
        )
    raise GitError(
        f"Cannot check out {sha} in {top.path}: {top.redact(text.strip())}",
        fix="Check that the checkout is a normal git work tree (not sparse or bare).",
        returncode=proc.returncode,
    )


def _restore(top: Git, start: Position) -> None:
    """Back to `start`. The tree was clean before, so whatever differs now is the checked
    commit or what its checks wrote: --force drops it, clean removes untracked leftovers
    (never .gitignored files)."""
    where = [start.branch] if start.branch else ["--detach", start.sha]
    proc = _without_hooks(top, "checkout", "--quiet", "--force", *where, "--")
    if proc.returncode == 0:
        proc = top.run("clean", "-f", "-d", "--quiet", check=False)
    if proc.returncode != 0:
        raise GitError(
            f"Could not put the checkout {top.path} back on {start}: "
            f"{top.redact((proc.stderr or proc.stdout).strip())}",
            fix=f"Restore it by hand: `git checkout --force {start.branch or start.sha}`.",
            returncode=proc.returncode,
        )


def _without_hooks(top: Git, *args: str) -> subprocess.CompletedProcess[str]:
    """git with hooks off: our checkouts are a way of testing a commit, not a user's switch
    (a post-checkout hook could install packages or rewrite files)."""
    return top.run("-c", f"core.hooksPath={os.devnull}", *args, check=False)


def _git_path_exists(top: Git, name: str) -> bool:
    path = Path(top.run("rev-parse", "--git-path", name).stdout.strip())
    return (path if path.is_absolute() else top.path / path).exists()


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM while the checkout is put back, then deliver them: an
    interrupt must not leave it half restored. Only the main thread can handle signals."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if handler is not None:  # None: installed outside Python, cannot be put back
            previous[sig] = signal.signal(sig, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])
