"""The data of a `GIT binary patch`, checked as git's apply.c checks it: one or two hunks
(`literal N` or `delta N`, base-85 lines, a blank line), whose sizes are read without
inflating more than a delta's header. Nothing is applied here."""

from __future__ import annotations

import base64
import re
import zlib

from autoheal.git.patchnames import fail

_BINARY_RE = re.compile(r"(literal|delta) ([0-9]{1,12})")


def binary_sizes(lines: list[str], i: int) -> tuple[tuple[int, int], int]:
    """A `GIT binary patch` starting at `lines[i]` (after that line): the forward hunk,
    then the optional reverse one. Returns the sizes (before, after) and the next line."""
    forward, i = _binary_hunk(lines, i)
    if forward is None:
        fail(f"line {i + 1}: a binary patch without data")
    old_size, new_size = forward
    if i < len(lines) and lines[i].startswith(("literal ", "delta ")):
        reverse, i = _binary_hunk(lines, i)
        if reverse is None:
            fail(f"line {i + 1}: a malformed reverse binary hunk")
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
            fail(f"the binary hunk at line {start + 1} is cut short")
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
        fail(f"line {number}: corrupt binary data")
    letter = line[0]
    if "A" <= letter <= "Z":
        count = ord(letter) - ord("A") + 1
    elif "a" <= letter <= "z":
        count = ord(letter) - ord("a") + 27
    else:
        fail(f"line {number}: corrupt binary data")
    most = (len(line) - 1) // 5 * 4
    if not most - 4 < count <= most:
        fail(f"line {number}: corrupt binary data")
    try:
        return base64.b85decode(line[1:])[:count]  # git's alphabet is RFC 1924's, as here
    except ValueError:
        fail(f"line {number}: corrupt binary data")


def _delta_sizes(deflated: bytes, start: int) -> tuple[int, int]:
    """A git delta starts with two varints: the source's size and the result's."""
    try:
        head = zlib.decompressobj().decompress(deflated, 32)
    except zlib.error:
        fail(f"the binary hunk at line {start + 1} is not deflated data")
    sizes: list[int] = []
    pos = 0
    for _ in range(2):
        value = shift = 0
        while True:
            if pos >= len(head) or shift > 63:
                fail(f"the binary hunk at line {start + 1} is not a git delta")
            byte = head[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        sizes.append(value)
    return sizes[0], sizes[1]
