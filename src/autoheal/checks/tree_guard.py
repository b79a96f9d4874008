"""Put back the tracked files a check rewrote.

A few checks can only tell whether files are right by rewriting them: pre-commit's formatter
hooks rewrite a file and then report the hook as failed. A check must leave the tree as it
found it all the same: validate runs a failing check again to tell a flaky failure from a real
one (a rewritten tree would pass the second time), heal commits only what its fixers wrote,
and no other check may see a half-formatted copy of the commit.

Only tracked files are put back: those that differed from HEAD before the check get their own
bytes back, the others the index's content. Untracked and ignored files are left alone (a
check's caches, a build's outputs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autoheal.errors import AutohealError
from autoheal.git import Git


def _read(path: Path) -> bytes | None:
    """A regular file's bytes; None when it is missing or not a regular file (a symlink)."""
    if path.is_symlink() or not path.is_file():
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


@dataclass
class Snapshot:
    git: Git
    tracked: frozenset[str]
    #: tracked files that already differed from HEAD: their bytes (None: not a regular file)
    dirty: dict[str, bytes | None]

    def changed(self) -> set[str]:
        # changed_paths hashes every file: stat data could hide a same-size rewrite (racy git).
        return set(self.git.changed_paths()) & self.tracked

    def restore(self) -> list[str]:
        """Undo what happened to tracked files since the snapshot; returns the paths put back."""
        fresh = sorted(self.changed() - self.dirty.keys())
        if fresh:
            # checkout-index, not checkout: plumbing that runs no hook and reads no pathspec.
            self.git.run("checkout-index", "--force", "-z", "--stdin", input="\0".join(fresh))
        put_back = list(fresh)
        for name, data in self.dirty.items():
            path = self.git.path / name
            if data is not None and _read(path) != data:
                path.write_bytes(data)
                put_back.append(name)
        return sorted(put_back)


def snapshot(cwd: Path) -> Snapshot | None:
    """What `Snapshot.restore` needs to undo a check run in `cwd`; None when `cwd` is not in a
    git work tree with a commit (then there is nothing to compare with)."""
    probe = Git(cwd)
    try:
        top = probe.run("rev-parse", "--show-toplevel").stdout.strip()
        git = Git(Path(top))
        git.run("rev-parse", "--verify", "--quiet", "HEAD")
    except AutohealError:
        return None
    tracked = frozenset(p for p in git.run("ls-files", "-z").stdout.split("\0") if p)
    snap = Snapshot(git, tracked, {})
    snap.dirty = {name: _read(git.path / name) for name in snap.changed()}
    return snap
