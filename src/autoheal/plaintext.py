"""The job summary as a terminal shows it: the same words without Markdown's markup.

A local run prints its report here instead of writing a job summary. It reads the Markdown the
modes write (and only that: headings, tables, fenced blocks, `<details>`, emphasis, code spans,
links, the escapes of `markdown.table_cell`), so a terminal shows `text (url)` rather than
`[text](url)`, and tables as aligned columns rather than rows of pipes.
"""

from __future__ import annotations

import html
import re
import unicodedata

_FENCE_RE = re.compile(r"^(`{3,})")
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_DETAILS_RE = re.compile(r"^\s*<details>\s*<summary>(.*?)</summary>\s*$")
_DETAILS_END_RE = re.compile(r"^\s*</details>\s*$")
_SEPARATOR_RE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CODE_RE = re.compile(r"(`+)(.+?)\1")
_LINK_RE = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BOLD_RE = re.compile(r"\*\*(.+?)\*\*")
_ITALIC_RE = re.compile(r"(?<![\w\\])_(?=[^\s_])(.+?)(?<=[^\s_])_(?!\w)")


def render(markdown: str) -> str:
    """Plain text for `markdown`: headings underlined, tables aligned, code blocks indented."""
    out: list[str] = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE_RE.match(line)
        if fence:
            i = _code_block(lines, i + 1, fence[1], out)
            continue
        if (
            line.lstrip().startswith("|")
            and i + 1 < len(lines)
            and _SEPARATOR_RE.match(lines[i + 1])
        ):
            i = _table(lines, i, out)
            continue
        heading = _HEADING_RE.match(line)
        details = _DETAILS_RE.match(line)
        if heading:
            text = inline(heading[2])
            rule = "=" if len(heading[1]) <= 2 else "-"
            out += [text, rule * width(text)]
        elif details:
            out.append(inline(_unescape(details[1])) + ":")
        elif not _DETAILS_END_RE.match(line):
            text = inline(line).rstrip()
            if text or (out and out[-1]):  # a dropped `</details>` leaves blank lines twice
                out.append(text)
        i += 1
    return "\n".join(out).strip("\n")


def inline(text: str) -> str:
    """One line without emphasis, code-span markers or link syntax (code spans kept as is)."""
    parts: list[str] = []
    last = 0
    for match in _CODE_RE.finditer(text):
        parts.append(_prose(text[last : match.start()]))
        parts.append(match[2])
        last = match.end()
    parts.append(_prose(text[last:]))
    return "".join(parts)


def width(text: str) -> int:
    """Columns a terminal gives `text`: wide characters (✅, ❌) take two, marks none."""
    total = 0
    for index, char in enumerate(text):
        if unicodedata.combining(char) or char in "\u200d\ufe0e\ufe0f":
            continue
        emoji = text[index + 1 : index + 2] == "\ufe0f"  # ⚠️: shown as a wide emoji
        total += 2 if emoji or unicodedata.east_asian_width(char) in "WF" else 1
    return total


def _prose(text: str) -> str:
    text = _LINK_RE.sub(lambda m: m[2] if m[1] == m[2] else f"{m[1]} ({m[2]})", text)
    text = _BOLD_RE.sub(r"\1", text)
    text = _ITALIC_RE.sub(r"\1", text)
    # `markdown.table_cell` and `markdown_text` write entities and ZWSPs that only Markdown
    # needs; the console line is made inert again where it is printed.
    return html.unescape(text).replace("\u200b", "")


def _code_block(lines: list[str], i: int, fence: str, out: list[str]) -> int:
    """Indent a fenced block's lines (as Markdown reads it: only a line of at least as many
    backticks and nothing else closes it). Returns the index after the closing fence."""
    while i < len(lines):
        line = lines[i]
        if line.startswith(fence) and not line.strip("`").strip():
            return i + 1
        out.append(f"    {line}".rstrip())
        i += 1
    return i


def _table(lines: list[str], i: int, out: list[str]) -> int:
    """Aligned columns for a table starting at `lines[i]`. Returns the index after it."""
    header = _cells(lines[i])
    right = [cell.endswith(":") for cell in _cells(lines[i + 1])]
    rows = [header]
    i += 2
    while i < len(lines) and lines[i].lstrip().startswith("|"):
        rows.append(_cells(lines[i]))
        i += 1
    columns = max(len(row) for row in rows)
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(width(row[c]) for row in rows) for c in range(columns)]
    rule = ["-" * w for w in widths]
    for row in [rows[0], rule, *rows[1:]]:
        cells = []
        for c, cell in enumerate(row):
            pad = " " * (widths[c] - width(cell))
            cells.append(pad + cell if c < len(right) and right[c] else cell + pad)
        out.append("  ".join(cells).rstrip())
    return i


def _cells(row: str) -> list[str]:
    """A row's cells, split on the pipes that are not escaped, each made plain."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    cells = re.split(r"(?<!\\)\|", row)
    return [_cell(cell.strip()) for cell in cells]


def _cell(text: str) -> str:
    """A cell's text: code spans keep their backslashes (only `\\|` is escaped there)."""
    parts: list[str] = []
    last = 0
    for match in _CODE_RE.finditer(text):
        parts.append(_prose(_unescape(text[last : match.start()])))
        parts.append(match[2].replace("\\|", "|"))
        last = match.end()
    parts.append(_prose(_unescape(text[last:])))
    return "".join(parts)


def _unescape(text: str) -> str:
    """Undo `markdown.table_cell`'s backslash escapes."""
    return re.sub(r"\\([\\|])", r"\1", text)
