"""File names in a git patch, read as git's apply.c reads them: `diff --git a/X b/X`,
`--- a/X` / `+++ b/X`, `rename from X`, and git's C-style quoting of names with unusual
characters.

Stricter than git where git would guess: the `---` name must carry git's `a/` prefix and the
`+++` name `b/` (git strips any first component with `-p1`; a diff with `diff.noprefix` or
mnemonic prefixes is refused rather than read another way), and raw control characters are
refused (git would end a name at some of them, and no name git writes holds one unquoted).
"""

from __future__ import annotations

import re
from typing import NoReturn

from autoheal.git.errors import patch_error

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34}
DEV_NULL = "/dev/null"


def fail(what: str) -> NoReturn:
    raise patch_error(what)


def header_name(line: str, i: int) -> str | None:
    """The name a `diff --git a/NAME b/NAME` line gives when both sides agree, else None
    (git finds a rename's names in its own lines)."""
    rest = line[len("diff --git ") :]
    _no_control(rest, f"line {i + 1}")
    if rest.startswith('"'):
        first, after = _unquote(rest, f"line {i + 1}")
        second_text = after.lstrip(" ")
        if second_text.startswith('"'):
            second, tail = _unquote(second_text, f"line {i + 1}")
            if tail:
                return None
        else:
            second = second_text
        a, b = _strip_prefix(first, "a/"), _strip_prefix(second, "b/")
        return a if a is not None and a == b else None
    if '"' in rest:
        return None  # a quoted second name after a plain first: a rename, or a trick
    name = _strip_prefix(rest, "a/")
    if name is None:
        return None
    for at, char in enumerate(name):
        if char == " ":
            candidate = _strip_prefix(name[at + 1 :], "b/")
            if candidate is not None and candidate == name[:at]:
                return candidate
    return None


def side_name(current: str | None, text: str, *, prefix: str, null: bool, where: str) -> str | None:
    """A `---` (`prefix` a/) or `+++` (b/) line's name, checked against what the header
    already said (git's gitdiff_verify_name)."""
    if text == DEV_NULL:
        if current is not None:
            fail(f"{where}: `/dev/null` for a file that exists")
        return None
    if null:
        fail(f"{where}: expected `/dev/null` for a new or deleted file")
    _no_control(text.removesuffix("\t"), where)
    if text.startswith('"'):
        quoted, tail = _unquote(text, where)
        if tail not in ("", "\t"):
            fail(f"{where}: text after the file name")
        name = _strip_prefix(quoted, prefix)
    else:
        name = _strip_prefix(text.removesuffix("\t"), prefix)
    if name is None:
        fail(f"{where}: a file name without git's `{prefix}` prefix")
    if current is not None and current != name:
        fail(f"{where}: the file name differs from the header's")
    return name


def plain_name(text: str, where: str) -> str:
    """A rename or copy line's name: the rest of the line, quoted or not, no prefix."""
    _no_control(text, where)
    if text.startswith('"'):
        name, tail = _unquote(text, where)
        if tail:
            fail(f"{where}: text after the file name")
        return name
    return text


def _strip_prefix(name: str, prefix: str) -> str | None:
    """The name without git's `prefix` (`a/` or `b/`), or None when it lacks it."""
    return name[len(prefix) :] if name.startswith(prefix) and len(name) > len(prefix) else None


def _no_control(text: str, where: str) -> None:
    if _CONTROL_RE.search(text):
        fail(f"{where}: a control character in a file name")


def _unquote(text: str, where: str) -> tuple[str, str]:
    """git's C-style quoting (`"a/caf\\303\\251"`): the name, and the text after it."""
    out = bytearray()
    i = 1
    while i < len(text):
        char = text[i]
        if char == '"':
            try:
                return out.decode("utf-8"), text[i + 1 :]
            except UnicodeDecodeError:
                fail(f"{where}: a quoted file name that is not UTF-8")
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif re.fullmatch(r"[0-3][0-7][0-7]", text[i + 1 : i + 4]):
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
        else:
            fail(f"{where}: a malformed quoted file name")
    fail(f"{where}: a quoted file name without its closing quote")
