"""Heal's fix as GitHub suggested changes, and the rest as a patch: pure, no API, no git.

In: the fix as a unified diff against the pull request's head (`git diff HEAD FIXED`), and
the pull request's files (`GET .../pulls/{n}/files`: `filename`, `patch`). Out: one review
comment per change that GitHub can show as a suggestion, and a patch of the other changes
that `git apply` takes on the head.

A change is a run of removed and added lines inside a hunk of the fix. GitHub accepts a
comment only on RIGHT-side lines of one hunk of the pull request's own diff (context lines
included), and a suggestion replaces the lines `start_line..line` of the head's file with its
block. So a change becomes a suggestion when the lines it removes all sit in one such hunk;
a pure insertion has no line of its own, so it repeats the line before it (or after it) in
the block and sits on that line. Everything else goes to the leftover patch: a file the pull
request does not change or GitHub shows no diff for, new, deleted, renamed and binary files,
mode changes, a last line without a final newline (a suggestion cannot show that newline),
lines outside the pull request's diff, and what is over the cap.

The leftover keeps each change with the context lines around it, but never the lines of a
change made a suggestion: it applies to the head, and also after the suggestions were
committed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from autoheal.git.patch import FilePatch, Hunk, Line, hunk_header, parse_patch

MAX_COMMENTS = 50  # suggestions per review; the rest goes to the patch
MAX_SUGGESTION_CHARS = 60_000  # GitHub keeps a comment's body to 65,536 characters

NOT_IN_PULL = "not changed by the pull request"
NO_DIFF = "GitHub shows no diff of it in the pull request (binary or too large)"
OUTSIDE = "changes lines outside the pull request's diff"
NO_ANCHOR = "adds lines next to no line of the pull request's diff"
NEWLINE = "changes a last line without a final newline"
TOO_LONG = "a change too long for one comment"
OVER_CAP = "more suggestions than one review takes ({})"
WHOLE_FILE = {
    "binary": "a binary file",
    "added": "a new file",
    "deleted": "a deleted file",
    "renamed": "a renamed file",
    "copied": "a copied file",
    "mode": "a change of file mode",
}

Ranges = tuple[tuple[int, int], ...]  # first and last RIGHT-side line of each hunk
_PULL_HUNK = re.compile(r"@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class ReviewComment:
    """One suggestion, as `POST .../pulls/{n}/reviews` takes it in `comments[]`."""

    path: str
    line: int
    body: str
    start_line: int | None = None  # for more than one line: the first (< line)

    def as_json(self) -> dict[str, Any]:
        comment: dict[str, Any] = {
            "path": self.path,
            "body": self.body,
            "line": self.line,
            "side": "RIGHT",
        }
        if self.start_line is not None:
            comment.update(start_line=self.start_line, start_side="RIGHT")
        return comment


@dataclass(frozen=True)
class Suggestions:
    comments: tuple[ReviewComment, ...]
    leftover: str  # a patch of the changes left out, for `git apply`; "" when none
    reasons: tuple[tuple[str, str], ...]  # (path, why) for each file in the leftover
    left: int  # how many changes are in the leftover

    @property
    def empty(self) -> bool:
        return not self.comments and not self.leftover


@dataclass(frozen=True)
class _Change:
    start: int  # index of its first line in the hunk
    end: int  # index after its last line
    first_old: int  # old line number of its first removed line, or that an insertion precedes


def suggest(
    fix_diff: str, pull_files: Iterable[Mapping[str, Any]], max_comments: int = MAX_COMMENTS
) -> Suggestions:
    """The suggestions and the leftover for `fix_diff` on a pull request with `pull_files`.
    PatchError when the diff cannot be read."""
    ranges = commentable(pull_files)
    comments: list[ReviewComment] = []
    leftover: list[str] = []
    reasons: dict[str, list[str]] = {}
    left = 0
    for diff in _files(fix_diff):
        whole = _whole_file_reason(diff, ranges)
        if whole:
            leftover.append(diff.raw)
            reasons[diff.path] = [whole]
            left += sum(len(_changes(h)) for h in diff.hunks) or 1
            continue
        used: set[int] = set()
        kept: set[tuple[int, int]] = set()  # (hunk, change) made suggestions
        why: list[str] = []
        for h, hunk in enumerate(diff.hunks):
            for c, change in enumerate(_changes(hunk)):
                found = _suggestion(diff.path, hunk, change, ranges[diff.path] or (), used)
                if isinstance(found, str):
                    why.append(found)
                elif len(comments) >= max_comments:
                    why.append(OVER_CAP.format(max_comments))
                else:
                    comments.append(found)
                    used.update(range(found.start_line or found.line, found.line + 1))
                    kept.add((h, c))
        if why:
            leftover.append(diff.header + _leftover_hunks(diff.hunks, kept))
            reasons[diff.path] = list(dict.fromkeys(why))
            left += len(why)
    return Suggestions(
        comments=tuple(comments),
        leftover="".join(leftover),
        reasons=tuple((path, "; ".join(why)) for path, why in reasons.items()),
        left=left,
    )


def as_patch(fix_diff: str, why: str) -> Suggestions:
    """The whole fix as the leftover, no suggestion (GitHub refused them)."""
    files = _files(fix_diff)
    return Suggestions(
        comments=(),
        leftover="".join(diff.raw for diff in files),
        reasons=tuple((diff.path, why) for diff in files),
        left=sum(sum(len(_changes(h)) for h in diff.hunks) or 1 for diff in files),
    )


def _files(fix_diff: str) -> list[FilePatch]:
    """The fix's files; none for an empty fix (there is nothing to suggest)."""
    return parse_patch(fix_diff) if fix_diff else []


def commentable(pull_files: Iterable[Mapping[str, Any]]) -> dict[str, Ranges | None]:
    """Each file of the pull request: the RIGHT-side lines of each hunk of its diff, or None
    when GitHub gives no diff for it (a large or binary file: nothing there takes a comment)."""
    found: dict[str, Ranges | None] = {}
    for item in pull_files:
        name, patch = item.get("filename"), item.get("patch")
        if isinstance(name, str):
            found[name] = _right_ranges(patch) if isinstance(patch, str) else None
    return found


def _right_ranges(patch: str) -> Ranges:
    """The RIGHT-side lines (context and added) of each hunk, read by the header's count."""
    ranges: list[list[int]] = []
    new_left = 0
    for text in patch.split("\n"):
        match = _PULL_HUNK.match(text)
        if match:
            first = int(match[1])
            ranges.append([first, first - 1])
            new_left = 1 if match[2] is None else int(match[2])
        elif ranges and new_left > 0 and (text[:1] or " ") in " +":
            ranges[-1][1] += 1
            new_left -= 1
    return tuple((first, last) for first, last in ranges if last >= first)


def _whole_file_reason(diff: FilePatch, ranges: Mapping[str, Ranges | None]) -> str:
    """Why no part of this file can be a suggestion, or ""."""
    if diff.binary:
        return WHOLE_FILE["binary"]
    for kind, flag in (
        ("added", diff.old_path is None),
        ("deleted", diff.new_path is None),
        ("renamed", diff.rename),
        ("copied", diff.copy),
        ("mode", diff.mode_change),
    ):
        if flag:
            return WHOLE_FILE[kind]
    if diff.path not in ranges:
        return NOT_IN_PULL
    if ranges[diff.path] is None:
        return NO_DIFF
    return ""


def _changes(hunk: Hunk) -> list[_Change]:
    """The runs of removed and added lines of a hunk, with the old line numbers they start at."""
    changes: list[_Change] = []
    old = hunk.first_old
    start = first_old = -1
    for i, line in enumerate(hunk.lines):
        if line.tag != " " and start < 0:
            start, first_old = i, old
        if line.tag == " " and start >= 0:
            changes.append(_Change(start, i, first_old))
            start = -1
        old += line.tag != "+"
    if start >= 0:
        changes.append(_Change(start, len(hunk.lines), first_old))
    return changes


def _suggestion(
    path: str, hunk: Hunk, change: _Change, ranges: Ranges, used: set[int]
) -> ReviewComment | str:
    """The comment for one change, or why it cannot be one."""
    lines = hunk.lines[change.start : change.end]
    if not all(line.eol for line in lines):
        return NEWLINE
    removed = [line for line in lines if line.tag == "-"]
    added = [line.text for line in lines if line.tag == "+"]
    # (first, last, block): the head's lines the comment sits on, and what replaces them
    places: list[tuple[int, int, list[str]]] = []
    if removed:
        places.append((change.first_old, change.first_old + len(removed) - 1, added))
    else:  # a pure insertion: repeat a neighbour line that is there in the hunk
        before = hunk.lines[change.start - 1] if change.start > 0 else None
        after = hunk.lines[change.end] if change.end < len(hunk.lines) else None
        if before is not None:  # a context line with lines after it: it ends in a newline
            places.append((change.first_old - 1, change.first_old - 1, [before.text, *added]))
        if after is not None and after.eol:
            places.append((change.first_old, change.first_old, [*added, after.text]))
        if not places:
            return NO_ANCHOR if after is None else NEWLINE
    for first, last, block in places:
        if not _inside(ranges, first, last) or used.intersection(range(first, last + 1)):
            continue
        body = suggestion_block(block)
        if len(body) > MAX_SUGGESTION_CHARS:
            return TOO_LONG
        return ReviewComment(path, last, body, first if first < last else None)
    return OUTSIDE


def _inside(ranges: Ranges, first: int, last: int) -> bool:
    return any(start <= first and last <= end for start, end in ranges)


def suggestion_block(lines: list[str]) -> str:
    """A ```suggestion block: an empty one deletes the lines it sits on."""
    return fenced("".join(f"{line}\n" for line in lines), "suggestion")


def fenced(text: str, info: str = "") -> str:
    """`text` as a fenced code block, byte for byte (`markdown.code_block` strips its end,
    where a patch or a suggestion can hold a line of spaces): the fence is longer than any
    backtick run inside, so no line of it closes the block."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    if text and not text.endswith("\n"):
        text += "\n"
    return f"{fence}{info}\n{text}{fence}"


def _leftover_hunks(hunks: tuple[Hunk, ...], kept: set[tuple[int, int]]) -> str:
    """The hunks again without the changes in `kept`: each run of changes left out becomes a
    hunk of its own, with the context lines around it up to (not into) a kept change."""
    out: list[str] = []
    shift = 0  # lines the hunks written so far add to the file
    for h, hunk in enumerate(hunks):
        changes = _changes(hunk)
        olds = _old_numbers(hunk)
        c = 0
        while c < len(changes):
            if (h, c) in kept:
                c += 1
                continue
            run_end = c
            while run_end + 1 < len(changes) and (h, run_end + 1) not in kept:
                run_end += 1
            start = changes[c - 1].end if c > 0 else 0
            end = changes[run_end + 1].start if run_end + 1 < len(changes) else len(hunk.lines)
            lines = hunk.lines[start:end]
            out.append(_sub_hunk(lines, olds[start], shift, hunk.section))
            shift += sum(line.tag == "+" for line in lines) - sum(line.tag == "-" for line in lines)
            c = run_end + 1
    return "".join(out)


def _old_numbers(hunk: Hunk) -> list[int]:
    """For each line of the hunk: the old line number it is at, or an insertion precedes."""
    numbers, old = [], hunk.first_old
    for line in hunk.lines:
        numbers.append(old)
        old += line.tag != "+"
    return numbers


def _sub_hunk(lines: tuple[Line, ...], first_old: int, shift: int, section: str) -> str:
    old_count = sum(line.tag != "+" for line in lines)
    new_count = sum(line.tag != "-" for line in lines)
    old_start = first_old if old_count else first_old - 1
    new_start = first_old + shift if new_count else first_old + shift - 1
    header = hunk_header(old_start, old_count, new_start, new_count, section)
    return header + "".join(line.render() for line in lines)
