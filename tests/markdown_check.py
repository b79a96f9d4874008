"""Read Markdown as GitHub renders it, far enough to tell what in it is live: mentions, issue
references, HTML tags and comments, links, table cells. Text inside code is inert.

Code spans pair up within a block (a paragraph of lines, a heading, a list item, a table
cell), as CommonMark pairs them. Entities are decoded and backslash escapes dropped before
looking, as the renderer does.
"""

from __future__ import annotations

import html
import re

ZWSP = "\u200b"  # as autoheal.report writes it

OUR_TAGS = {"<details>", "</details>", "<summary>", "</summary>"}
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
#: The contents of our hidden markers (percent-encoded values only).
MARKER = re.compile(r" autoheal:[A-Za-z0-9:%/._~-]* ")


def assert_inert(
    markdown: str, *, links: tuple[str, ...] = (), mentions: tuple[str, ...] = ()
) -> None:
    """Nothing live in `markdown` but our own tags, our hidden markers, the `links` (targets)
    and `mentions` given."""
    bad = []
    for found in live_markup(markdown):
        kind, _, what = found.partition(" ")
        if kind == "link" and any(f"({url})" in what for url in links):
            continue
        if kind == "mention" and what in mentions:
            continue
        if kind == "comment" and MARKER.fullmatch(what.removeprefix("<!--").removesuffix("-->")):
            continue
        bad.append(found)
    assert bad == [], markdown


def one_line(value: str) -> str:
    return re.sub(r"\r\n|\r|\n", " ", value)


def shown(text: str) -> str:
    """What a reader sees of plain text: entities decoded, invisible spaces gone."""
    return html.unescape(text).replace(ZWSP, "")


def live_markup(markdown: str) -> list[str]:
    """Everything in `markdown` that renders as more than text, e.g. `mention @x`,
    `ref #1`, `tag <script>`, `link [x](y)`, `comment <!--x-->`, `row: 3 cells, header 2`."""
    found: list[str] = []
    text = _without_fenced_code(markdown)
    found += _table_problems(text)
    for unit in _blocks(text):
        # A block that starts with a tag or comment is raw HTML: backticks make no code there.
        html_block = re.match(r" {0,3}<", unit) is not None
        for cell in _cells(unit) if unit.lstrip().startswith("|") else [unit]:
            found += _live_text(_outside_code(cell, found, code=not html_block))
    return sorted(set(found))


# A line that starts a block of its own (and so ends a paragraph): a heading, a quote, a list
# item, a thematic break or setext underline, HTML, a table row, or indented code.
_BLOCK_START = re.compile(
    r" {0,3}(#{1,6}(\s|$)|>|[-+*](\s|$)|\d{1,9}[.)](\s|$)|<|\||[-_*=]{3,})| {4}"
)


def _blocks(text: str) -> list[str]:
    """The paragraphs and other blocks of `text`, as a renderer cuts them: code spans pair up
    within one block only. Table rows are blocks of their own."""
    blocks: list[str] = []
    for line in text.split("\n"):
        if not line.strip():
            blocks.append("")
            continue
        in_paragraph = blocks and blocks[-1] and not blocks[-1].lstrip().startswith("|")
        if in_paragraph and not _BLOCK_START.match(line):
            blocks[-1] += "\n" + line
        else:
            blocks.append(line)
    return [b for b in blocks if b]


def code_spans(markdown: str) -> list[str]:
    """The contents of the inline code spans of one line, as CommonMark reads them."""
    spans: list[str] = []
    _outside_code(markdown, [], spans)
    return spans


def comments(markdown: str) -> list[str]:
    """The contents of the HTML comments (hidden markers) outside code."""
    found: list[str] = []
    for line in _without_fenced_code(markdown).split("\n"):
        _outside_code(line, found, code=re.match(r" {0,3}<", line) is None)
    return [f.removeprefix("comment <!--").removesuffix("-->") for f in found if "<!--" in f]


def _without_fenced_code(markdown: str) -> str:
    kept, fence = [], ""
    for line in markdown.split("\n"):
        match = _FENCE.match(line)
        if fence:
            closes = match and match[1][0] == fence[0] and len(match[1]) >= len(fence)
            if closes and not line.strip().strip(fence[0]):
                fence = ""
            kept.append("")
        elif match:
            fence = match[1]
            kept.append("")
        else:
            kept.append(line)
    return "\n".join(kept)


def _outside_code(
    text: str, found: list[str], spans: list[str] | None = None, *, code: bool = True
) -> str:
    """`text` with its code spans and HTML comments cut out, read left to right as CommonMark
    does: a run of N backticks, not escaped, opens a span that the next run of exactly N
    closes; `<!--` opens a comment that the first `-->` closes (reported in `found`)."""
    out, i = [], 0
    while i < len(text):
        if text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            found.append(f"comment {text[i : end + 3]}" if end >= 0 else "comment left open")
            i = len(text) if end < 0 else end + 3
            out.append(" ")
            continue
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i : i + 2])
            i += 2
            continue
        if text[i] != "`" or not code:
            out.append(text[i])
            i += 1
            continue
        run = re.match(r"`+", text[i:])
        assert run is not None
        n = len(run[0])
        close = re.compile(f"(?<!`)`{{{n}}}(?!`)").search(text, i + n)
        if close is None:
            out.append(run[0])
            i += n
            continue
        content = text[i + n : close.start()]
        if spans is not None:
            if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
                content = content[1:-1]
            spans.append(content)
        out.append(" ")
        i = close.end()
    return "".join(out)


def _live_text(text: str) -> list[str]:
    found = []
    for tag in re.findall(r"<[A-Za-z/!?][^>]*>?", text):
        if tag not in OUR_TAGS:
            found.append(f"tag {tag}")
    for link in re.findall(r"(?<!\\)\][(\[:][^)\]]*[)\]]?", text):
        found.append(f"link {link}")
    plain = html.unescape(re.sub(r"\\(.)", r"\1", text))
    found += [f"mention {m}" for m in re.findall(r"(?<![\w`])@[A-Za-z0-9][\w-]*", plain)]
    found += [f"ref {m}" for m in re.findall(r"(?:#|\bGH-)\d+", plain, flags=re.IGNORECASE)]
    return found


def _cells(row: str) -> list[str]:
    """A table row's cells, split as GFM does: at each pipe not escaped by a backslash."""
    cells, current, i = [], "", 0
    row = row.strip()
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row):
            current += row[i : i + 2]
            i += 2
        elif row[i] == "|":
            cells.append(current)
            current, i = "", i + 1
        else:
            current, i = current + row[i], i + 1
    cells.append(current)
    return cells[1:-1] if row.startswith("|") and row.endswith("|") else cells


def _table_problems(text: str) -> list[str]:
    """Rows whose cell count differs from their table's header (a value broke out)."""
    found, width = [], 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        is_row = line.lstrip().startswith("|")
        if not is_row:
            width = 0
            continue
        if not width and i + 1 < len(lines) and re.match(r"^\|(\s*:?-+:?\s*\|)+$", lines[i + 1]):
            width = len(_cells(line))
        elif width and len(_cells(line)) != width:
            found.append(f"row: {len(_cells(line))} cells, header {width}: {line}")
    return found
