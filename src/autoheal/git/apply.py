"""Commit a patch onto a given commit without a checkout.

The patch may come from a pull request's run, and the job applying it may hold a token that
can push: nothing of the patch may run, and nothing of it may land in the work tree, where a
later step could run it. So the patch goes through git's object database only: a temporary
index (`GIT_INDEX_FILE`) read from the commit's tree, `git apply --cached` (which refuses
paths outside the tree, in `.git`, or beyond a symlink), `write-tree`, `commit-tree`. No hook,
filter or checkout runs; the work tree, the real index and HEAD are left as they were.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from autoheal.git import Git, GitError
from autoheal.git.base import _SHA_RE

_STDERR_SHOWN = 1000
# Exactly the patch's bytes, matched byte for byte: no whitespace fixing or ignoring that a
# repository's `apply.whitespace` / `apply.ignoreWhitespace` config could turn on.
# The repository's own hooks stay quiet too (`post-index-change` runs on every index write).
_NO_HOOKS = ("-c", f"core.hooksPath={os.devnull}")
_APPLY = (*_NO_HOOKS, "apply", "--cached", "-p1", "--whitespace=nowarn", "--no-ignore-whitespace")


class PatchDoesNotApply(GitError):
    """The patch does not apply to the commit it was meant for; nothing was created."""

    exit_code = 2


@dataclass(frozen=True)
class TreeChange:
    """One path that differs between two commits (`git diff-tree --raw`, no rename pairing).
    A mode or blob of all zeros: the path is absent on that side."""

    path: str
    old_mode: str
    new_mode: str
    old_blob: str
    new_blob: str


def commit_onto(
    git: Git,
    head_sha: str,
    patch_text: str,
    *,
    message: str,
    author: tuple[str, str],
    remote: str = "origin",
) -> str:
    """A new commit whose parent is `head_sha` and whose tree is `head_sha`'s with the patch
    applied; returns its sha. `author` (name, email) is also the committer. The commit is
    not on any branch: pushing it is the caller's choice.

    Raises PatchDoesNotApply when the patch does not apply cleanly to exactly that commit,
    CommitMissing when the remote does not have the commit."""
    _full_sha(head_sha)
    git.ensure_commit(head_sha, remote=remote, with_parents=False)
    with tempfile.TemporaryDirectory(prefix="autoheal-apply-") as tmp:
        env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        # A file, not stdin: the bytes git reads are exactly the patch's UTF-8 bytes,
        # whatever the locale's encoding.
        patch = Path(tmp) / "fix.patch"
        patch.write_bytes(patch_text.encode("utf-8"))
        git.run(*_NO_HOOKS, "read-tree", head_sha, env=env)
        check = git.run(*_APPLY, "--check", "--", str(patch), env=env, check=False)
        if check.returncode != 0:
            detail = git.redact((check.stderr or check.stdout).strip())[:_STDERR_SHOWN]
            raise PatchDoesNotApply(
                f"The patch does not apply to commit {head_sha}: {detail}",
                fix="It was made against other contents: make it again from that commit "
                "(re-run heal on the pull request's current head).",
            )
        git.run(*_APPLY, "--", str(patch), env=env)
        tree = git.run(*_NO_HOOKS, "write-tree", env=env).stdout.strip()
    if tree == git.run("rev-parse", "--verify", f"{head_sha}^{{tree}}").stdout.strip():
        raise PatchDoesNotApply(
            f"The patch changes nothing in commit {head_sha}.",
            fix="There is nothing to apply: the commit already has the fix.",
        )
    name, email = author
    identity = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    if not message.endswith("\n"):
        message += "\n"
    out = git.run(
        *_NO_HOOKS,
        "commit-tree",
        "--no-gpg-sign",
        "-p",
        head_sha,
        "-F",
        "-",
        tree,
        input=message,
        env=identity,
    )
    return out.stdout.strip()


def tree_changes(git: Git, old: str, new: str) -> list[TreeChange]:
    """Every path that differs between commits `old` and `new`, with modes and blobs."""
    _full_sha(old)
    _full_sha(new)
    out = git.run(
        "diff-tree", "-r", "-z", "--raw", "--no-abbrev", "--no-renames", old, new, "--"
    ).stdout
    fields = [f for f in out.split("\0") if f]
    changes = []
    for head, path in zip(fields[0::2], fields[1::2], strict=True):
        old_mode, new_mode, old_blob, new_blob, _status = head.lstrip(":").split(" ", 4)
        changes.append(TreeChange(path, old_mode, new_mode, old_blob, new_blob))
    return changes


def _full_sha(sha: str) -> None:
    """Only full shas reach git here: nothing it could read as an option or a name."""
    if not _SHA_RE.match(sha):
        raise GitError(f"invalid commit sha {sha[:60]!r}", fix="Pass a full 40-character sha.")
