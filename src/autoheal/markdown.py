"""Markdown that shows what it is given: every value from the project or the event goes
through one of these before it reaches a summary, a pull request, an issue, a comment or a
commit status, so that it renders as the same text and acts on nothing."""

from __future__ import annotations

import re

SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024  # GitHub refuses a step summary over 1 MiB
SUMMARY_NOTE = "\n\n_(summary truncated: GitHub keeps at most 1 MiB per step; see the log)_\n"

#: ZERO WIDTH SPACE: invisible, and no whitespace to the runner (.NET's TrimStart keeps it).
ZWSP = "\u200b"


# Markdown. Every value from the project or the event (branch, path, check name, commit subject,
# dispatch id, tool output, an API's message) goes through one of these before it is written
# to a summary, a pull request or issue (body or title), a comment or a commit status.


def code_block(text: str, lang: str = "") -> str:
    """A fenced block that the text cannot close: the fence is longer than any backtick run."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def code_span(text: str) -> str:
    """Text as inline code, on one line, shown exactly as it is: the fence is one backtick
    longer than the longest run inside (CommonMark), with a space inside each end when the
    text starts or ends with a backtick or a space. Code mentions no one, references or
    closes no issue (`Fixes #12`) and holds no HTML or link."""
    text = _one_line(text) or " "
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    ends = text[0] + text[-1]
    if text.strip(" ") and ("`" in ends or ends == "  "):
        text = f" {text} "  # the renderer strips one space from each end
    return f"{fence}{text}{fence}"


def code_cell(text: str) -> str:
    """A code span inside a table cell. GFM splits a row at every pipe a backslash does not
    escape, even in code, and drops that backslash when it renders: so each pipe gets one (and
    a backslash of the text's own before a pipe gets a ZWSP after it, or it would escape ours)."""
    return code_span(text.replace("\\|", f"\\{ZWSP}|").replace("|", "\\|"))


_PLAIN = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "&#92;", "`": "&#96;", "|": "&#124;",
     "[": "&#91;", "]": "&#93;", "\r": " ", "\n": " "}
)  # fmt: skip


def table_cell(text: str) -> str:
    """Plain text on one line, inert anywhere: a table cell, a list item, a heading, or inside
    HTML such as a <summary>. The characters Markdown or HTML act on are written as entities
    (they cannot end the cell, open a code span, a link, a tag or an entity), and mentions and
    issue references get a ZWSP after their `@` or `#`, which the renderer shows as nothing."""
    return _no_references(text).translate(_PLAIN)


def markdown_text(text: str) -> str:
    """Text that mixes our Markdown (names quoted as code) with values and answers we do not
    control (an error message, GitHub's answer), made inert and left reading the same.

    Every line starts with a ZWSP, so no line can start a block (a heading, a list, a table,
    a code fence, HTML): the text is paragraphs of plain lines, and its code spans pair up as
    CommonMark pairs them. Outside code a ZWSP then breaks mentions, issue references, tags,
    comments, autolinks, entities and links; code stays exactly as written, so a command or
    an example in it can be copied.
    """
    lines = re.sub(r"\r\n|\r", "\n", text).split("\n")
    return _inert_outside_code("\n".join(ZWSP + ln if ln.strip() else ln for ln in lines))


def title_text(text: str) -> str:
    """A title (of a pull request or issue), or a line of a commit message, on one line with
    the breaks of `markdown_text` outside its code spans: GitHub reads references there too
    (and closing keywords in commit messages), and shows code in titles."""
    return _inert_outside_code(_one_line(text))


def _inert_outside_code(text: str) -> str:
    return "".join(part if code else _inert_markup(part) for code, part in _code_spans(text))


def _inert_markup(text: str) -> str:
    text = _no_references(text)
    text = re.sub(r"(?<=[<&])(?=[A-Za-z/!?#])", ZWSP, text)  # <tag <!-- <https: &#64; &lt;
    return re.sub(r"(?<=\])(?=[(\[:])", ZWSP, text)  # [x](url) [x][ref] [ref]: url


def _code_spans(text: str) -> list[tuple[bool, str]]:
    """`text` cut into (is code, part), as CommonMark reads code spans in paragraphs: a run of
    N backticks that no backslash escapes opens a span, which the next run of exactly N
    backticks in the same paragraph closes; a run without one is text."""
    parts: list[tuple[bool, str]] = []
    plain, i = "", 0
    while i < len(text):
        if text.startswith("\\", i):
            plain, i = plain + text[i : i + 2], i + 2
            continue
        if text[i] != "`":
            plain, i = plain + text[i], i + 1
            continue
        run = len(text[i:]) - len(text[i:].lstrip("`"))
        end = re.search(r"\n[ \t]*\n", text[i:])  # the paragraph ends at a blank line
        stop = i + end.start() if end else len(text)
        close = re.compile(f"(?<!`)`{{{run}}}(?!`)").search(text, i + run, stop)
        if close is None:
            plain, i = plain + "`" * run, i + run
            continue
        parts += [(False, plain), (True, text[i : close.end()])]
        plain, i = "", close.end()
    return [*parts, (False, plain)]


def link(label: str, url: str) -> str:
    """A link to `url` when it is a plain http(s) URL, else the label and the URL as code."""
    if re.fullmatch(r"https?://[^\s()<>\[\]`\\\"'|]+", url):
        return f"[{table_cell(label)}]({url})"
    return f"{table_cell(label)} ({code_span(url)})"


def _no_references(text: str) -> str:
    """A ZWSP after `@` and `#` (and `GH-`) where GitHub would read a mention or reference."""
    text = re.sub(r"(?<=@)(?=[A-Za-z0-9])", ZWSP, text)
    return re.sub(r"(?<=#)(?=\d)|(?<=\bGH-)(?=\d)", ZWSP, text, flags=re.IGNORECASE)


def _one_line(text: str) -> str:
    return re.sub(r"\r\n|\r|\n", " ", text)


def truncate_summary(text: str, limit: int = SUMMARY_LIMIT, note: str = SUMMARY_NOTE) -> str:
    """`text` cut to `limit` UTF-8 bytes with `note` at the end, a code fence left open closed."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    reserve = len(note.encode()) + 64  # room for closing a fence
    cut = data[: limit - reserve].decode("utf-8", errors="ignore")
    # Close a code fence left open by the cut, so the rest renders.
    fence = _open_fence(cut)
    if fence:
        cut += "\n" + fence
    return cut + note


def _open_fence(text: str) -> str:
    """The fence of a code block still open at the end of `text`, or "".

    As Markdown reads it: inside a block, only a line of at least as many backticks and
    nothing else closes it; shorter backtick runs are content (tool output can hold them).
    """
    fence = ""
    for line in text.split("\n"):
        match = re.match(r"(`{3,})(.*)", line)
        if not match:
            continue
        if not fence:
            fence = match[1]
        elif len(match[1]) >= len(fence) and not match[2].strip():
            fence = ""
    return fence
