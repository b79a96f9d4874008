"""Git's unified diffs (what `git diff` and `git format-patch` print) read into files and
hunks, and hunks written back: the patch is data here, nothing runs git.

Read as `git apply` reads them: a file starts at `diff --git`; its extended header (modes,
renames, copies, `index`) and `---`/`+++` names come next, or a binary marker; each hunk is
read by the line counts of its `@@` header, so a removed line that reads `-- ` or `diff --git`
is content, and what follows the last hunk (a `format-patch` signature, a mail header) is not.
Names are unquoted as git quotes them (`"a/tab\\there"`, octal bytes of UTF-8); a name with a
space ends at the tab git writes after it. Only git's `a/` and `b/` prefixes are understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NoReturn

from autoheal.errors import InputError

NO_NEWLINE = "\\ No newline at end of file"
DEV_NULL = "/dev/null"

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)", re.DOTALL)
_EXTENDED = (
    "old mode ",
    "new mode ",
    "deleted file mode ",
    "new file mode ",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "similarity index ",
    "dissimilarity index ",
    "index ",
)
_BINARY_BLOCK = re.compile(r"(literal|delta) \d+")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


class PatchError(InputError):
    """A patch that is not a git diff as `git apply` reads it."""


@dataclass(frozen=True)
class Line:
    tag: str  # " " context, "-" removed, "+" added
    text: str  # without the tag and the "\n" (the "\r" of a CRLF file stays)
    eol: bool = True  # False when "\ No newline at end of file" follows it

    def render(self) -> str:
        return f"{self.tag}{self.text}\n" + ("" if self.eol else NO_NEWLINE + "\n")


@dataclass(frozen=True)
class Hunk:
    old_start: int  # as written: the line before it when old_count is 0
    old_count: int
    new_start: int
    new_count: int
    section: str  # what follows the second "@@" (a function's name), as written
    lines: tuple[Line, ...]

    @property
    def first_old(self) -> int:
        """The old file's number of the hunk's first line (where an insertion goes before)."""
        return self.old_start if self.old_count else self.old_start + 1


@dataclass(frozen=True)
class FileDiff:
    old_path: str | None  # None: a new file
    new_path: str | None  # None: a deleted file
    header: str  # the text from `diff --git` up to the first hunk, exactly as given
    hunks: tuple[Hunk, ...]
    raw: str  # the whole section, exactly as given (it applies on its own)
    binary: bool = False
    renamed: bool = False
    copied: bool = False
    mode_change: bool = False

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""


def hunk_header(
    old_start: int, old_count: int, new_start: int, new_count: int, section: str
) -> str:
    def span(start: int, count: int) -> str:
        return str(start) if count == 1 else f"{start},{count}"

    return f"@@ -{span(old_start, old_count)} +{span(new_start, new_count)} @@{section}\n"


def parse(text: str) -> list[FileDiff]:
    """Every file of the diff, in order. PatchError names the line that cannot be read."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    files: list[FileDiff] = []
    seen: set[str] = set()
    i = 0
    while i < len(lines):
        if not lines[i].startswith("diff --git "):
            i += 1  # a mail header, a commit message, a signature: not part of any file
            continue
        diff, i = _file(lines, i)
        if diff.path in seen:
            _fail(i, f"{diff.path!r} appears twice (a series of commits, not one diff)")
        seen.add(diff.path)
        files.append(diff)
    return files


def _fail(index: int, what: str) -> NoReturn:
    raise PatchError(
        f"The patch cannot be read: {what} (line {index + 1}).",
        fix="Give one diff as `git diff --binary BASE HEAD` prints it (with git's a/ and b/ "
        "prefixes), unedited.",
    )


def _file(lines: list[str], start: int) -> tuple[FileDiff, int]:
    named = _git_line_names(lines[start][len("diff --git ") :])
    meta: dict[str, str] = {}
    i = start + 1
    while i < len(lines) and lines[i].startswith(_EXTENDED):
        key = next(p for p in _EXTENDED if lines[i].startswith(p))
        meta[key.strip()] = lines[i][len(key) :]
        i += 1
    old: str | None = meta.get("rename from") or meta.get("copy from") or None
    new: str | None = meta.get("rename to") or meta.get("copy to") or None
    old, new = (_name(old, "") if old else None), (_name(new, "") if new else None)
    binary = False
    if i < len(lines) and lines[i].startswith("--- "):
        if i + 1 >= len(lines) or not lines[i + 1].startswith("+++ "):
            _fail(i, "a `---` line without its `+++` line")
        old, new = _name(lines[i][4:], "a/", i), _name(lines[i + 1][4:], "b/", i + 1)
        i += 2
    elif i < len(lines) and lines[i].startswith("Binary files "):
        binary, i = True, i + 1
    elif i < len(lines) and lines[i] == "GIT binary patch":
        binary, i = True, _binary(lines, i + 1)
    if "new file mode" in meta:
        old = None
    elif old is None and named:
        old = named[0]
    if "deleted file mode" in meta:
        new = None
    elif new is None and named:
        new = named[1]
    if old is None and new is None:
        _fail(start, "a file header that names no file")
    header_end = i
    hunks: list[Hunk] = []
    while i < len(lines) and lines[i].startswith("@@ -"):
        hunk, i = _hunk(lines, i)
        hunks.append(hunk)
    diff = FileDiff(
        old_path=old,
        new_path=new,
        header=_join(lines[start:header_end]),
        hunks=tuple(hunks),
        raw=_join(lines[start:i]),
        binary=binary,
        renamed="rename from" in meta,
        copied="copy from" in meta,
        mode_change="old mode" in meta,
    )
    return diff, i


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _binary(lines: list[str], i: int) -> int:
    """The index after a `GIT binary patch` body: one or two blocks, each ended by a blank."""
    for _ in range(2):
        if i >= len(lines) or not _BINARY_BLOCK.fullmatch(lines[i]):
            break
        i += 1
        while i < len(lines) and lines[i] != "":
            i += 1
        i += 1
    return i


def _hunk(lines: list[str], start: int) -> tuple[Hunk, int]:
    match = _HUNK.fullmatch(lines[start])
    if match is None:
        _fail(start, "a hunk header unlike `@@ -L,N +L,N @@`")
    old_start, new_start = int(match[1]), int(match[3])
    old_count = 1 if match[2] is None else int(match[2])
    new_count = 1 if match[4] is None else int(match[4])
    old_left, new_left = old_count, new_count
    body: list[Line] = []
    i = start + 1
    while old_left > 0 or new_left > 0:
        if i >= len(lines):
            _fail(i - 1, "the patch ends inside a hunk")
        text = lines[i] or " "  # an empty context line whose space a mailer dropped
        tag = text[0]
        if tag == "\\" and body:
            body[-1] = replace(body[-1], eol=False)
            i += 1
            continue
        if tag not in " -+":
            _fail(i, "a hunk shorter than its header says")
        old_left -= tag in " -"
        new_left -= tag in " +"
        if old_left < 0 or new_left < 0:
            _fail(i, "a hunk longer than its header says")
        body.append(Line(tag, text[1:]))
        i += 1
    if i < len(lines) and lines[i].startswith("\\") and body:
        body[-1] = replace(body[-1], eol=False)
        i += 1
    section = match[5]
    return Hunk(old_start, old_count, new_start, new_count, section, tuple(body)), i


def _name(field: str, prefix: str, index: int = 0) -> str | None:
    """A name of a `---`/`+++`/`rename` line: unquoted, without its prefix and git's tab."""
    name = _unquote(field)[0] if field.startswith('"') else field.split("\t", 1)[0]
    if name == DEV_NULL and prefix:
        return None
    if not name.startswith(prefix):
        _fail(index, f"the name {name!r} lacks git's {prefix!r} prefix")
    return name[len(prefix) :]


def _git_line_names(rest: str) -> tuple[str, str] | None:
    """Both names of a `diff --git a/X b/Y` line, or None when they cannot be told apart
    (names with spaces that differ: the `rename` or `---` lines name them then)."""
    if rest.startswith('"'):
        old, tail = _unquote(rest)
        tail = tail.removeprefix(" ")
        new = _unquote(tail)[0] if tail.startswith('"') else tail
    else:
        half = (len(rest) - 1) // 2
        old, new = rest[:half], rest[half + 1 :]
        if old[2:] != new[2:]:
            return None
    if not (old.startswith("a/") and new.startswith("b/")):
        return None
    return old[2:], new[2:]


def _unquote(field: str) -> tuple[str, str]:
    """A name git quoted (C escapes, octal bytes of UTF-8), and what follows its closing quote."""
    out = bytearray()
    i = 1
    while i < len(field) and field[i] != '"':
        char = field[i]
        if char != "\\":
            out += char.encode()
            i += 1
        elif field[i + 1 : i + 4].isdigit() and len(field[i + 1 : i + 4]) == 3:
            out.append(int(field[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out.append(_ESCAPES.get(field[i + 1 : i + 2], ord("\\")))
            i += 2
    return out.decode("utf-8", errors="replace"), field[i + 1 :]
