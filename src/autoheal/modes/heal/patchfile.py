"""A git patch read as data: which files it touches, how, and by how much.

The patch comes from a run of a pull request's code, so it is hostile until proven otherwise,
and what is checked here must be what `git apply` will do. The parser follows git's own
(apply.c): the same header lines in the same roles, hunks consumed by their line counts, text
outside a file's patch skipped. Where git would guess or tolerate, it refuses instead: names
that disagree between the `diff --git` line and the `---`/`+++`/rename lines, a line outside
a file's patch that git could read as a patch of its own (`--- `, `+++ `, `@@ `), a second
patch of the same file, malformed binary data. Refusing more than git accepts is safe;
reading a patch differently from git is not.
"""

from __future__ import annotations

import base64
import re
import zlib
from dataclasses import dataclass

from autoheal.modes.heal.patchnames import PatchError, header_name, plain_name, side_name

__all__ = ["FilePatch", "PatchError", "parse_patch"]

MODES = ("100644", "100755", "120000", "160000")
NO_NEWLINE = "\\ No newline at end of file"

_HUNK_RE = re.compile(r"@@ -([0-9]{1,9})(?:,([0-9]{1,9}))? \+([0-9]{1,9})(?:,([0-9]{1,9}))? @@")
_INDEX_RE = re.compile(r"([0-9a-f]{4,40})\.\.([0-9a-f]{4,40})(?: ([0-9]{6}))?")
_BINARY_RE = re.compile(r"(literal|delta) ([0-9]{1,12})")
# Lines git reads as the start of a patch when it meets them between files' patches.
_PATCH_STARTS = ("--- ", "+++ ", "@@ ", "GIT binary patch", "Binary files ", "Files ")


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


def parse_patch(text: str) -> list[FilePatch]:
    """Every file's patch in `text` (a `git diff` or `git format-patch` output), in order."""
    if not text.endswith("\n"):
        raise PatchError("it does not end with a line break (it may have been cut short)")
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
            raise PatchError(
                f"line {i + 1} ({lines[i][:60]!r}) looks like part of a patch outside any "
                "`diff --git` section"
            )
        i += 1  # mail headers, the message, a diffstat, a signature: skipped, like git does
    if not files:
        raise PatchError("it holds no `diff --git` section: it changes no file")
    seen: set[str] = set()
    for patch in files:
        for path in patch.paths:
            if path in seen:
                raise PatchError(f"it changes {path!r} more than once")
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


def _file_patch(lines: list[str], start: int) -> tuple[FilePatch, int]:
    head = _Header(def_name=header_name(lines[start], start))
    i = start + 1
    while i < len(lines) and _header_line(head, lines[i], i):
        i += 1
    _settle_names(head, start)
    counts = [0, 0, 0, 0]  # added, deleted, added bytes, deleted bytes
    hunks = 0
    while i < len(lines) and lines[i].startswith("@@ -"):
        i = _hunk(lines, i, counts)
        hunks += 1
    binary = data = False
    sizes = (0, 0)
    if not hunks and i < len(lines):
        line = lines[i]
        if line == "GIT binary patch":
            binary = data = True
            sizes, i = _binary(lines, i + 1)
        elif line.endswith(" differ") and line.startswith(("Binary files ", "Files ")):
            binary = True
            i += 1
    metadata = (
        head.rename
        or head.copy
        or head.is_new
        or head.is_delete
        or (head.old_mode is not None and head.new_mode not in (None, head.old_mode))
    )
    if not hunks and not binary and not metadata:
        raise PatchError(f"the `diff --git` section at line {start + 1} changes nothing")
    patch = FilePatch(
        old_path=None if head.is_new else head.old_name,
        new_path=None if head.is_delete else head.new_name,
        old_mode=head.old_mode,
        new_mode=head.new_mode or (None if head.is_delete else head.old_mode),
        rename=head.rename,
        copy=head.copy,
        added=counts[0],
        deleted=counts[1],
        added_bytes=counts[2],
        deleted_bytes=counts[3],
        binary=binary,
        binary_data=data,
        old_size=sizes[0],
        new_size=sizes[1],
        old_blob=head.old_blob,
        new_blob=head.new_blob,
    )
    return patch, i


def _header_line(head: _Header, line: str, i: int) -> bool:
    """Take one extended header line into `head`; False when the header has ended (a hunk,
    or any line git does not read as a header line)."""
    where = f"line {i + 1}"
    if line.startswith("@@ -"):
        return False
    if line.startswith("--- "):
        head.old_name = side_name(head.old_name, line[4:], null=head.is_new, where=where)
    elif line.startswith("+++ "):
        head.new_name = side_name(head.new_name, line[4:], null=head.is_delete, where=where)
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
            raise PatchError(f"{where}: a malformed {line.split(' index', 1)[0]} index")
    elif line.startswith("index "):
        match = _INDEX_RE.fullmatch(line[6:])
        if not match:
            raise PatchError(f"{where}: a malformed `index` line")
        head.old_blob, head.new_blob = match[1], match[2]
        if match[3]:
            head.old_mode = _mode(match[3], where)
    else:
        return False
    if sum((head.is_new, head.is_delete, head.rename, head.copy)) > 1:
        raise PatchError(f"{where}: a file cannot be new, deleted, renamed or copied at once")
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
        raise PatchError(f"{where} does not say which file it changes")
    if head.rename or head.copy:
        if head.old_name is None or head.new_name is None or head.old_name == head.new_name:
            raise PatchError(f"{where} renames or copies a file without two names")
        return
    name = head.new_name if head.old_name is None else head.old_name
    if head.def_name is None or name != head.def_name:
        raise PatchError(f"{where} names its file differently in different lines")
    if head.old_name is not None and head.new_name is not None and head.old_name != name:
        raise PatchError(f"{where} names its file differently in different lines")


def _hunk(lines: list[str], i: int, counts: list[int]) -> int:
    """Consume one hunk starting at `i` (its `@@` line) by its line counts, like git."""
    match = _HUNK_RE.match(lines[i])
    if not match:
        raise PatchError(f"line {i + 1}: a malformed hunk header")
    old = 1 if match[2] is None else int(match[2])
    new = 1 if match[4] is None else int(match[4])
    start, changed = i, counts[0] + counts[1]
    i += 1
    while old or new:
        if i >= len(lines):
            raise PatchError(f"the hunk at line {start + 1} is cut short")
        line = lines[i]
        kind = line[:1]
        if kind in ("", " "):
            old, new = old - 1, new - 1
        elif kind == "-":
            old -= 1
            counts[1] += 1
            counts[3] += len(line[1:].encode("utf-8")) + 1
        elif kind == "+":
            new -= 1
            counts[0] += 1
            counts[2] += len(line[1:].encode("utf-8")) + 1
        elif line != NO_NEWLINE:
            raise PatchError(f"line {i + 1} of the hunk at line {start + 1} is not a diff line")
        if old < 0 or new < 0:
            raise PatchError(f"the hunk at line {start + 1} has more lines than its header says")
        i += 1
    if counts[0] + counts[1] == changed:
        raise PatchError(f"the hunk at line {start + 1} changes no line")
    if i < len(lines) and lines[i].startswith("\\"):
        if lines[i] != NO_NEWLINE:
            raise PatchError(f"line {i + 1}: an unknown `\\` line")
        i += 1
    return i


# --------------------------------------------------------------------------------------------
# Binary data
# --------------------------------------------------------------------------------------------


def _binary(lines: list[str], i: int) -> tuple[tuple[int, int], int]:
    """A `GIT binary patch`: the forward hunk, then the optional reverse one. Returns the
    sizes (before, after) the hunks state, without inflating more than a delta's header."""
    forward, i = _binary_hunk(lines, i)
    if forward is None:
        raise PatchError(f"line {i + 1}: a binary patch without data")
    old_size, new_size = forward
    if i < len(lines) and lines[i].startswith(("literal ", "delta ")):
        reverse, i = _binary_hunk(lines, i)
        if reverse is None:
            raise PatchError(f"line {i + 1}: a malformed reverse binary hunk")
        old_size = max(old_size, reverse[1])
    return (old_size, new_size), i


def _binary_hunk(lines: list[str], i: int) -> tuple[tuple[int, int] | None, int]:
    """(size of the file it applies to, size of the file it makes), and the next line."""
    if i >= len(lines):
        return None, i
    match = _BINARY_RE.fullmatch(lines[i])
    if not match:
        return None, i
    start, method, size = i, match[1], int(match[2])
    data = bytearray()
    i += 1
    while True:
        if i >= len(lines):
            raise PatchError(f"the binary hunk at line {start + 1} is cut short")
        line = lines[i]
        i += 1
        if line == "":
            break
        data += _base85_line(line, i)
    if method == "literal":
        return (0, size), i
    return _delta_sizes(bytes(data), start), i


def _base85_line(line: str, number: int) -> bytes:
    """One line of git's binary data: a length letter, then base-85 in groups of five."""
    if len(line) < 6 or (len(line) - 1) % 5:
        raise PatchError(f"line {number}: corrupt binary data")
    letter = line[0]
    if "A" <= letter <= "Z":
        count = ord(letter) - ord("A") + 1
    elif "a" <= letter <= "z":
        count = ord(letter) - ord("a") + 27
    else:
        raise PatchError(f"line {number}: corrupt binary data")
    most = (len(line) - 1) // 5 * 4
    if not most - 4 < count <= most:
        raise PatchError(f"line {number}: corrupt binary data")
    try:
        return base64.b85decode(line[1:])[:count]  # git's alphabet is RFC 1924's, as here
    except ValueError:
        raise PatchError(f"line {number}: corrupt binary data") from None


def _delta_sizes(deflated: bytes, start: int) -> tuple[int, int]:
    """A git delta starts with two varints: the source's size and the result's."""
    try:
        head = zlib.decompressobj().decompress(deflated, 32)
    except zlib.error:
        raise PatchError(f"the binary hunk at line {start + 1} is not deflated data") from None
    sizes: list[int] = []
    pos = 0
    for _ in range(2):
        value = shift = 0
        while True:
            if pos >= len(head) or shift > 63:
                raise PatchError(f"the binary hunk at line {start + 1} is not a git delta")
            byte = head[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        sizes.append(value)
    return sizes[0], sizes[1]


def _mode(text: str, where: str) -> str:
    if text not in MODES:
        raise PatchError(f"{where}: file mode {text[:12]!r} is none of {', '.join(MODES)}")
    return text
