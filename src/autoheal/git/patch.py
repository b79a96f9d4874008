"""A git patch (`git diff --binary`, `git format-patch`) read as data: its files, how each
changes, by how much, and its hunks line by line, which can be written back. Nothing runs git.

The patch may come from a run of a pull request's code, so it is hostile until proven
otherwise, and what is read here must be what `git apply` will do. The parser follows git's
own (apply.c): the same header lines in the same roles, hunks consumed by their line counts
(a removed line that reads `-- ` or `diff --git` is content), text outside a file's patch (a
mail header, a commit message, a `format-patch` signature) skipped. Where git would guess or
tolerate, it refuses instead (PatchError): names without git's `a/` and `b/` prefixes or that
disagree between the `diff --git` line and the `---`/`+++`/rename lines, a line outside a
file's patch that git could read as a patch of its own (`--- `, `+++ `, `@@ `), a second patch
of the same file, a hunk that changes nothing, malformed binary data, a text cut short.
Refusing more than git accepts is safe; reading a patch differently from git is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from autoheal.git.binpatch import binary_sizes
from autoheal.git.errors import PatchError
from autoheal.git.patchnames import fail, header_name, plain_name, side_name

__all__ = ["FilePatch", "Hunk", "Line", "PatchError", "hunk_header", "parse_patch"]

MODES = ("100644", "100755", "120000", "160000")
NO_NEWLINE = "\\ No newline at end of file"

_HUNK_RE = re.compile(
    r"@@ -([0-9]{1,9})(?:,([0-9]{1,9}))? \+([0-9]{1,9})(?:,([0-9]{1,9}))? @@(.*)", re.DOTALL
)
_INDEX_RE = re.compile(r"([0-9a-f]{4,40})\.\.([0-9a-f]{4,40})(?: ([0-9]{6}))?")
# Lines git reads as the start of a patch when it meets them between files' patches.
_PATCH_STARTS = ("--- ", "+++ ", "@@ ", "GIT binary patch", "Binary files ", "Files ")


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
class FilePatch:
    """One file's patch. A path is None on the side where the file does not exist."""

    old_path: str | None
    new_path: str | None
    old_mode: str | None = None
    new_mode: str | None = None
    rename: bool = False
    copy: bool = False
    added: int = 0
    deleted: int = 0
    added_bytes: int = 0  # of the added lines, line breaks included
    deleted_bytes: int = 0
    binary: bool = False
    binary_data: bool = False  # False with binary: `Binary files ... differ`, no content
    old_size: int = 0  # binary files: bytes before and after, from the binary hunks
    new_size: int = 0
    old_blob: str = ""  # the `index` line's object names (abbreviated or full)
    new_blob: str = ""
    header: str = ""  # the text from `diff --git` up to the first hunk, exactly as given
    hunks: tuple[Hunk, ...] = ()
    raw: str = ""  # the whole section, exactly as given (it applies on its own)

    @property
    def path(self) -> str:
        """The file's name after the patch (before it, for a deletion)."""
        return self.new_path or self.old_path or ""

    @property
    def paths(self) -> tuple[str, ...]:
        """Every path the patch reads or writes for this file."""
        return tuple(dict.fromkeys(p for p in (self.old_path, self.new_path) if p))

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(m for m in (self.old_mode, self.new_mode) if m)

    @property
    def mode_change(self) -> bool:
        """An existing file whose mode the patch changes (new and deleted files aside)."""
        both = self.old_path is not None and self.new_path is not None
        return (
            both and None not in (self.old_mode, self.new_mode) and (self.old_mode != self.new_mode)
        )


def hunk_header(
    old_start: int, old_count: int, new_start: int, new_count: int, section: str
) -> str:
    def span(start: int, count: int) -> str:
        return str(start) if count == 1 else f"{start},{count}"

    return f"@@ -{span(old_start, old_count)} +{span(new_start, new_count)} @@{section}\n"


def parse_patch(text: str) -> list[FilePatch]:
    """Every file's patch in `text`, in order. PatchError says what cannot be read."""
    if not text.strip():
        fail("it holds no `diff --git` section: it changes no file")
    if not text.endswith("\n"):
        fail("it does not end with a line break (it may have been cut short)")
    # Split on "\n" only: str.splitlines would also split on \r, \f, \x1c and others that
    # git keeps inside a line.
    lines = text[:-1].split("\n")
    files: list[FilePatch] = []
    i = 0
    while i < len(lines):
        if lines[i].startswith("diff --git "):
            patch, i = _file_patch(lines, i)
            files.append(patch)
            continue
        if lines[i].startswith(_PATCH_STARTS):
            fail(
                f"line {i + 1} ({lines[i][:60]!r}) looks like part of a patch outside any "
                "`diff --git` section"
            )
        i += 1  # mail headers, the message, a diffstat, a signature: skipped, like git does
    if not files:
        fail("it holds no `diff --git` section: it changes no file")
    seen: set[str] = set()
    for patch in files:
        for path in patch.paths:
            if path in seen:
                fail(f"it changes {path!r} more than once (a series of commits, not one diff)")
            seen.add(path)
    return files


# --------------------------------------------------------------------------------------------
# One file: header, then hunks or binary data
# --------------------------------------------------------------------------------------------


@dataclass
class _Header:
    def_name: str | None
    old_name: str | None = None
    new_name: str | None = None
    old_mode: str | None = None
    new_mode: str | None = None
    is_new: bool = False
    is_delete: bool = False
    rename: bool = False
    copy: bool = False
    old_blob: str = ""
    new_blob: str = ""


@dataclass
class _Counts:
    added: int = 0
    deleted: int = 0
    added_bytes: int = 0
    deleted_bytes: int = 0


def _file_patch(lines: list[str], start: int) -> tuple[FilePatch, int]:
    head = _Header(def_name=header_name(lines[start], start))
    i = start + 1
    while i < len(lines) and _header_line(head, lines[i], i):
        i += 1
    _settle_names(head, start)
    counts = _Counts()
    header_end = i
    hunks: list[Hunk] = []
    while i < len(lines) and lines[i].startswith("@@ -"):
        hunk, i = _hunk(lines, i, counts)
        hunks.append(hunk)
    binary = data = False
    sizes = (0, 0)
    if not hunks and i < len(lines):
        line = lines[i]
        if line == "GIT binary patch":
            binary = data = True
            sizes, i = binary_sizes(lines, i + 1)
        elif line.endswith(" differ") and line.startswith(("Binary files ", "Files ")):
            binary = True
            i += 1
        header_end = i
    metadata = (
        head.rename
        or head.copy
        or head.is_new
        or head.is_delete
        or (head.old_mode is not None and head.new_mode not in (None, head.old_mode))
    )
    if not hunks and not binary and not metadata:
        fail(f"the `diff --git` section at line {start + 1} changes nothing")
    patch = FilePatch(
        old_path=None if head.is_new else head.old_name,
        new_path=None if head.is_delete else head.new_name,
        old_mode=head.old_mode,
        new_mode=head.new_mode or (None if head.is_delete else head.old_mode),
        rename=head.rename,
        copy=head.copy,
        added=counts.added,
        deleted=counts.deleted,
        added_bytes=counts.added_bytes,
        deleted_bytes=counts.deleted_bytes,
        binary=binary,
        binary_data=data,
        old_size=sizes[0],
        new_size=sizes[1],
        old_blob=head.old_blob,
        new_blob=head.new_blob,
        header=_join(lines[start:header_end]),
        hunks=tuple(hunks),
        raw=_join(lines[start:i]),
    )
    return patch, i


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _header_line(head: _Header, line: str, i: int) -> bool:
    """Take one extended header line into `head`; False when the header has ended (a hunk,
    or any line git does not read as a header line)."""
    where = f"line {i + 1}"
    if line.startswith("@@ -"):
        return False
    if line.startswith("--- "):
        head.old_name = side_name(
            head.old_name, line[4:], prefix="a/", null=head.is_new, where=where
        )
    elif line.startswith("+++ "):
        head.new_name = side_name(
            head.new_name, line[4:], prefix="b/", null=head.is_delete, where=where
        )
    elif line.startswith("old mode "):
        head.old_mode = _mode(line[9:], where)
    elif line.startswith("new mode "):
        head.new_mode = _mode(line[9:], where)
    elif line.startswith("deleted file mode "):
        head.is_delete, head.old_name = True, head.def_name
        head.old_mode = _mode(line[18:], where)
    elif line.startswith("new file mode "):
        head.is_new, head.new_name = True, head.def_name
        head.new_mode = _mode(line[14:], where)
    elif line.startswith(("copy from ", "rename from ", "rename old ")):
        kind = line.split(" ", 1)[0]
        head.copy, head.rename = head.copy or kind == "copy", head.rename or kind == "rename"
        head.old_name = plain_name(line.split(" ", 2)[2], where)
    elif line.startswith(("copy to ", "rename to ", "rename new ")):
        kind = line.split(" ", 1)[0]
        head.copy, head.rename = head.copy or kind == "copy", head.rename or kind == "rename"
        head.new_name = plain_name(line.split(" ", 2)[2], where)
    elif line.startswith(("similarity index ", "dissimilarity index ")):
        if not re.fullmatch(r"[0-9]{1,3}%", line.rsplit(" ", 1)[1]):
            fail(f"{where}: a malformed {line.split(' index', 1)[0]} index")
    elif line.startswith("index "):
        match = _INDEX_RE.fullmatch(line[6:])
        if not match:
            fail(f"{where}: a malformed `index` line")
        head.old_blob, head.new_blob = match[1], match[2]
        if match[3]:
            head.old_mode = _mode(match[3], where)
    else:
        return False
    if sum((head.is_new, head.is_delete, head.rename, head.copy)) > 1:
        fail(f"{where}: a file cannot be new, deleted, renamed or copied at once")
    return True


def _settle_names(head: _Header, start: int) -> None:
    """git's fallbacks for the names (the `diff --git` line's, for a mode change or an empty
    file), then the consistency git does not insist on but we do."""
    where = f"the `diff --git` section at line {start + 1}"
    if head.old_name is None and head.new_name is None and head.def_name is not None:
        head.old_name = head.new_name = head.def_name
    if (head.new_name is None and not head.is_delete) or (
        head.old_name is None and not head.is_new
    ):
        fail(f"{where} does not say which file it changes")
    if head.rename or head.copy:
        if head.old_name is None or head.new_name is None or head.old_name == head.new_name:
            fail(f"{where} renames or copies a file without two names")
        return
    name = head.new_name if head.old_name is None else head.old_name
    if head.def_name is None or name != head.def_name:
        fail(f"{where} names its file differently in different lines")
    if head.old_name is not None and head.new_name is not None and head.old_name != name:
        fail(f"{where} names its file differently in different lines")


def _hunk(lines: list[str], i: int, counts: _Counts) -> tuple[Hunk, int]:
    """One hunk starting at `i` (its `@@` line), consumed by its line counts, like git."""
    match = _HUNK_RE.fullmatch(lines[i])
    if not match:
        fail(f"line {i + 1}: a malformed hunk header")
    old_start, new_start = int(match[1]), int(match[3])
    old_count = 1 if match[2] is None else int(match[2])
    new_count = 1 if match[4] is None else int(match[4])
    old, new = old_count, new_count
    start = i
    body: list[Line] = []
    i += 1
    while old or new:
        if i >= len(lines):
            fail(f"the hunk at line {start + 1} is cut short")
        line = lines[i]
        kind = line[:1]
        if kind in ("", " "):  # "": an empty context line whose space a mailer dropped
            old, new = old - 1, new - 1
            body.append(Line(" ", line[1:]))
        elif kind == "-":
            old -= 1
            counts.deleted += 1
            counts.deleted_bytes += len(line[1:].encode("utf-8")) + 1
            body.append(Line("-", line[1:]))
        elif kind == "+":
            new -= 1
            counts.added += 1
            counts.added_bytes += len(line[1:].encode("utf-8")) + 1
            body.append(Line("+", line[1:]))
        elif line == NO_NEWLINE and body:
            body[-1] = replace(body[-1], eol=False)
        else:
            fail(f"line {i + 1} of the hunk at line {start + 1} is not a diff line")
        if old < 0 or new < 0:
            fail(f"the hunk at line {start + 1} has more lines than its header says")
        i += 1
    if all(line.tag == " " for line in body):
        fail(f"the hunk at line {start + 1} changes no line")
    if i < len(lines) and lines[i].startswith("\\"):
        if lines[i] != NO_NEWLINE:
            fail(f"line {i + 1}: an unknown `\\` line")
        body[-1] = replace(body[-1], eol=False)
        i += 1
    hunk = Hunk(old_start, old_count, new_start, new_count, match[5], tuple(body))
    return hunk, i


def _mode(text: str, where: str) -> str:
    if text not in MODES:
        fail(f"{where}: file mode {text[:12]!r} is none of {', '.join(MODES)}")
    return text
