"""Patches made the way heal makes them (`Git.diff` of a work tree), for the patch-artifact
tests: real git output, not hand-written text, unless a test means to forge one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from autoheal.git import Git
from tests.gitfixtures import git


@dataclass(frozen=True)
class Link:
    """A symbolic link to `target`, as an edit."""

    target: str


Edit = str | bytes | Link | None


def write_edits(repo: Path, edits: Mapping[str, Edit]) -> None:
    """Write (str, bytes, Link) or delete (None) files in the work tree of `repo`."""
    for path, content in edits.items():
        target = repo / path
        if target.is_symlink() or target.is_file():
            target.unlink()
        if content is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Link):
            os.symlink(content.target, target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)


def diff_of(
    repo: Path, edits: Mapping[str, Edit], *, moves: Mapping[str, str] | None = None
) -> str:
    """heal's patch (`Git.diff`, binary included) for `edits` and `moves` (old -> new path)
    made on HEAD of `repo`; the work tree is restored after."""
    for old, new in (moves or {}).items():
        (repo / new).parent.mkdir(parents=True, exist_ok=True)
        (repo / old).rename(repo / new)
    write_edits(repo, edits)
    text = Git(repo).diff()
    git(repo, "reset", "-q", "--hard")
    git(repo, "clean", "-qfd")
    return text


def commit_edits(repo: Path, edits: Mapping[str, Edit], message: str) -> str:
    """Commit `edits` on HEAD of `repo`; returns the new sha."""
    write_edits(repo, edits)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-gpg-sign", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()
