"""A pull request and heal's fix made by real git, and the proof that suggestions are right.

    pull = open_pull(tmp_path, base={"f.txt": ...}, change={"f.txt": ...})
    fix_diff = pull.fix({"f.txt": ...})                 # `git diff --binary HEAD FIXED`
    result = suggest(fix_diff, pull.files())             # what GitHub's pulls/{n}/files says
    assert_makes_the_fix(pull, result.comments, result.leftover)

`assert_makes_the_fix` applies each suggestion to the head's file as GitHub does (the lines
`start_line..line` replaced by the block), checks the leftover applies to the untouched head,
applies it on top, and compares the tree with the fix commit's: equal trees, equal files.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from autoheal.git.patch import parse_patch
from autoheal.modes.heal.suggest import ReviewComment
from tests.gitfixtures import Repos, git, make_repo

Files = Mapping[str, "str | bytes | None"]  # None deletes the file


class Comment(Protocol):
    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def start_line(self) -> int | None: ...
    @property
    def body(self) -> str: ...


@dataclass
class Pull:
    repos: Repos
    base: str
    head: str
    fixed: str = ""

    def files(self) -> list[dict[str, Any]]:
        """The pull request's files as `GET .../pulls/{n}/files` lists them: each file's
        `patch` is its diff's hunks (no header), absent for a binary file."""
        work = self.repos.work
        listing = git(work, "diff", "--name-status", "-z", "-M", self.base, self.head, "--")
        fields = listing.split("\0")[:-1]
        items: list[dict[str, Any]] = []
        i = 0
        while i < len(fields):
            status, i = fields[i], i + 1
            paths = fields[i : i + (2 if status[0] in "RC" else 1)]
            i += len(paths)
            diff = exact(work, "diff", "-M", self.base, self.head, "--", *paths)
            item: dict[str, Any] = {"filename": paths[-1], "status": _STATUS[status[0]]}
            if "\n@@ " in diff:
                item["patch"] = diff[diff.index("\n@@ ") + 1 :].removesuffix("\n")
            if len(paths) == 2:
                item["previous_filename"] = paths[0]
            items.append(item)
        return items

    def fix(
        self, files: Files, *, run: Sequence[Sequence[str]] = (), format_patch: bool = False
    ) -> str:
        """Commit heal's fix on the head (`run`: git commands first, e.g. a rename) and
        return it as `git diff --binary` (or `git format-patch`) prints it."""
        work = self.repos.work
        git(work, "checkout", "-q", "--detach", self.head)
        for args in run:
            git(work, *args)
        self.fixed = commit_files(work, files, "fix")
        if format_patch:
            return exact(work, "format-patch", "-1", "--binary", "--stdout", self.fixed)
        return exact(work, "diff", "--binary", self.head, self.fixed, "--")


_STATUS = {"A": "added", "M": "modified", "D": "removed", "R": "renamed", "C": "copied"}


def open_pull(tmp_path: Path, base: Files, change: Files) -> Pull:
    """A repository holding `base` on main, and a pull request's commit that makes `change`."""
    repos = make_repo(tmp_path)
    base_sha = commit_files(repos.work, base, "base") if base else repos.sha()
    head = commit_files(repos.work, change, "pull request")
    return Pull(repos, base_sha, head)


def commit_files(work: Path, files: Files, message: str) -> str:
    for path, content in files.items():
        target = work / path
        if content is None:
            git(work, "rm", "-q", "--", path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
        git(work, "add", "--", path)
    git(work, "commit", "-q", "--allow-empty", "-m", message)
    return git(work, "rev-parse", "HEAD").strip()


def numbered(count: int, prefix: str = "line") -> str:
    return "".join(f"{prefix} {n}\n" for n in range(1, count + 1))


def with_lines(text: str, changes: Mapping[int, str | None]) -> str:
    """`text` with line N (1-based) replaced by `changes[N]` ("" keeps a blank line, None
    removes it; several lines joined by "\\n" insert)."""
    lines = text.split("\n")
    for number in sorted(changes, reverse=True):
        new = changes[number]
        lines[number - 1 : number] = [] if new is None else new.split("\n")
    return "\n".join(lines)


def apply_suggestions(text: str, comments: Iterable[Comment]) -> str:
    """`text` with each suggestion applied as GitHub applies it: the lines `start_line..line`
    become the block's lines. The block is read as Markdown reads a fence: it ends at the
    first line that is a fence at least as long, so a fence too short shows here."""
    lines = re.findall(r"[^\n]*\n|[^\n]+\Z", text)
    for comment in sorted(comments, key=lambda c: c.line, reverse=True):
        first = comment.start_line or comment.line
        opening, *rest = comment.body.split("\n")
        fence = opening.removesuffix("suggestion")
        assert re.fullmatch("`{3,}", fence), comment.body
        end = next(i for i, ln in enumerate(rest) if re.fullmatch(f" {{0,3}}{fence}`*\\s*", ln))
        assert end == len(rest) - 1, f"the block ends early:\n{comment.body}"
        lines[first - 1 : comment.line] = [line + "\n" for line in rest[:end]]
    return "".join(lines)


def assert_makes_the_fix(pull: Pull, comments: Sequence[Comment], leftover: str) -> None:
    """The leftover applies to the head as it is; the suggestions and then the leftover turn
    the head into exactly the fix commit's tree."""
    work = pull.repos.work
    git(work, "checkout", "-q", "--detach", "--force", pull.head)
    git(work, "clean", "-qfdx")
    if leftover:
        _apply(work, leftover)  # to the head as it is, each hunk where its header says
        _assert_positions(work, pull.head, leftover)
        git(work, "checkout", "-q", "--detach", "--force", pull.head)
        git(work, "clean", "-qfdx")
    for path in dict.fromkeys(c.path for c in comments):
        target = work / path
        mine = [c for c in comments if c.path == path]
        target.write_bytes(apply_suggestions(target.read_bytes().decode(), mine).encode())
    if leftover:
        _apply(work, leftover)
    git(work, "add", "-A")
    tree = git(work, "write-tree").strip()
    want = git(work, "rev-parse", f"{pull.fixed}^{{tree}}").strip()
    assert tree == want, git(work, "diff", "--cached", pull.fixed, "--")


def _assert_positions(work: Path, head: str, patch: str) -> None:
    """Each hunk's lines are where its header says: the old ones in the head's file, the new
    ones in the file the patch made (`git apply` would find a hunk a few lines off)."""
    for diff in parse_patch(patch):
        if diff.old_path is None or diff.new_path is None or diff.binary:
            continue
        old = exact(work, "show", f"{head}:{diff.old_path}").split("\n")
        new = (work / diff.new_path).read_bytes().decode().split("\n")
        for hunk in diff.hunks:
            olds = [line.text for line in hunk.lines if line.tag != "+"]
            news = [line.text for line in hunk.lines if line.tag != "-"]
            first_new = hunk.new_start if hunk.new_count else hunk.new_start + 1
            assert old[hunk.first_old - 1 : hunk.first_old - 1 + len(olds)] == olds, hunk
            assert new[first_new - 1 : first_new - 1 + len(news)] == news, hunk


def patch_in(body: str) -> str:
    """The patch of a review body's ```diff block, as a reader copies it."""
    match = re.search(r"^(`{3,})diff\n(.*?)^\1$", body, re.MULTILINE | re.DOTALL)
    return match[2] if match else ""


def suggestions_in(review: Mapping[str, Any]) -> list[ReviewComment]:
    """The suggestion comments of a review as it was posted (`POST .../reviews` body)."""
    return [
        ReviewComment(c["path"], c["line"], c["body"], c.get("start_line"))
        for c in review.get("comments", [])
    ]


def exact(work: Path, *args: str) -> str:
    """git's output byte for byte (`gitfixtures.git` reads text, which turns CRLF into LF)."""
    proc = subprocess.run(["git", *args], cwd=work, capture_output=True, check=True)
    return proc.stdout.decode()


def _apply(work: Path, patch: str, *flags: str) -> None:
    proc = subprocess.run(
        ["git", "apply", *flags, "-"], cwd=work, input=patch.encode(), capture_output=True
    )
    assert proc.returncode == 0, f"git apply {flags}: {proc.stderr.decode()}\n{patch}"
