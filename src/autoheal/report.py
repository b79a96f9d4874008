"""Everything the action says: step outputs, job summary, annotations, log lines, masking.

One place, so that secrets are redacted everywhere and the runner's file formats are written
correctly once. Outputs and summary are collected and written by `flush()`, which `cli.main`
calls in a `finally` so a failing run still reports.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import TextIO

SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024  # GitHub refuses a step summary over 1 MiB
REDACTED = "***"
#: Lines of a tool's output a local run shows without --verbose: the end, where errors are.
LOCAL_TAIL_LINES = 20
SUMMARY_NOTE = "\n\n_(summary truncated: GitHub keeps at most 1 MiB per step; see the log)_\n"


class Report:
    def __init__(
        self, env: Mapping[str, str], out: TextIO | None = None, err: TextIO | None = None
    ) -> None:
        self.env = env
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.in_actions = env.get("GITHUB_ACTIONS") == "true"
        self.debug_on = env.get("RUNNER_DEBUG") == "1"
        #: Local runs show the whole output of tools only when asked (`--verbose`).
        self.verbose = self.debug_on
        self.outputs: dict[str, str] = {}
        self.sections: list[str] = []
        self._console: list[bool] = []  # per section: printed by a local run too
        self._secrets: list[str] = []

    # --- secrets -------------------------------------------------------------------------
    def mask(self, secret: str) -> None:
        """Register a secret: the runner masks it in logs; we redact it from everything.

        A value with line breaks is registered line by line as well: the runner matches masks
        within one log line, so the whole value would never match anything it prints.
        """
        secret = secret.strip()
        for part in [secret, *(line.strip() for line in secret.splitlines())]:
            if len(part) < 4 or part in self._secrets:
                continue
            self._secrets.append(part)
            if self.in_actions:
                self._emit("add-mask", part, verbatim=True)

    def mask_token(self, token: str) -> None:
        """Mask a token in every form it can travel in (URL-encoded, git's basic auth
        header, ...: `autoheal.tokens.secret_forms`), each as a secret of its own."""
        if not token.strip():
            return
        from autoheal.tokens import secret_forms

        for form in secret_forms(token):
            self.mask(form)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    # --- outputs and summary -------------------------------------------------------------
    def output(self, name: str, value: object) -> None:
        if isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = "" if value is None else str(value)
        self.outputs[name] = self.redact(text)

    def section(self, markdown: str, *, console: bool = True) -> None:
        """Add a block of Markdown to the job summary and, unless `console` is false, to the
        report a local run prints (as plain text)."""
        self.sections.append(self.redact(markdown.rstrip()) + "\n")
        self._console.append(console)

    # --- log lines and annotations -------------------------------------------------------
    def info(self, message: str) -> None:
        """A log line. Messages quote names from the project (checks, files, branches, commit
        subjects); a message that reads as a workflow command in either form is printed where
        the runner obeys none, unchanged (so the runner still masks the secrets it knows)."""
        text = self.redact(message)
        if self.in_actions and inert(text) != text:
            self._print_inert(text)
        else:
            print(inert(text), file=self.out, flush=True)

    def debug(self, message: str) -> None:
        if self.debug_on:
            if self.in_actions:
                self._emit("debug", message)
            else:
                print(inert("debug: " + self.redact(message)), file=self.err, flush=True)

    def notice(self, message: str, title: str = "") -> None:
        self._annotate("notice", message, title)

    def warning(self, message: str, title: str = "") -> None:
        self._annotate("warning", message, title)

    def error(self, message: str, title: str = "") -> None:
        self._annotate("error", message, title)

    def _annotate(self, level: str, message: str, title: str) -> None:
        if self.in_actions:
            self._emit(level, message, title=title)
        else:
            prefix = f"{level}: " + (f"{title}: " if title else "")
            print(inert(self.redact(prefix + message)), file=self.err, flush=True)

    def _emit(self, command: str, message: str, *, title: str = "", verbatim: bool = False) -> None:
        """A workflow command (`::error title=...::message`), escaped by actions-toolkit: the
        message and title stay on its one line, and `##[` in them is broken. `verbatim` (for
        `add-mask`) sends the value exactly as it is, or the runner would mask another string.

        The action installs the toolkit (requirements/action.txt); a `pip install` for local
        use does not (its dependencies are heavy), and then `command_line` writes the same
        line. Imported here, not at the top: a run that reports nothing never pays for it.
        """
        text = message if verbatim else _break_old_form(self.redact(message))
        props = {"title": _break_old_form(self.redact(title))} if title else {}
        try:
            from actions_toolkit.command import issue_command
        except ImportError:
            print(command_line(command, props, text), file=self.out, flush=True)
            return
        # The toolkit writes to sys.stdout; point it at our stream (tests capture it).
        saved, sys.stdout = sys.stdout, self.out
        try:
            issue_command(command, props, text)
        finally:
            sys.stdout = saved
        self.out.flush()

    def tool_output(self, title: str, text: str) -> None:
        """Echo a tool's output so that no workflow command inside it is obeyed: between
        `::stop-commands::` and its end marker the runner obeys neither form, so the output is
        shown unchanged (and the runner still masks the secrets it knows in it)."""
        text = self.redact(text)
        if not self.in_actions:
            shown = text.rstrip() if self.verbose else _tail(text.rstrip(), LOCAL_TAIL_LINES)
            block = f"--- {title}\n{shown}\n--- end of {title}"
            print(inert(block), file=self.out, flush=True)
            return
        print(f"::group::{_escape_data(_break_old_form(self.redact(title)))}", file=self.out)
        self._print_inert(text.rstrip())
        print("::endgroup::", file=self.out, flush=True)

    def _print_inert(self, text: str) -> None:
        """Print text between `::stop-commands::` and its end marker, a random token that the
        text cannot know in advance. The runner checks for the stop after parsing a line in
        either form (`::cmd::` or `##[cmd]`), so no command of either form inside is obeyed."""
        token = _random_hex()
        print(f"::stop-commands::{token}", file=self.out)
        print(text, file=self.out)
        print(f"::{token}::", file=self.out, flush=True)

    # --- writing -------------------------------------------------------------------------
    def flush(self) -> None:
        """Write outputs and summary to the runner's files, or print them locally.

        Raises OSError when a runner file cannot be written; the caller reports it.
        """
        summary = truncate_summary("\n".join(self.sections))
        output_path = self.env.get("GITHUB_OUTPUT", "")
        summary_path = self.env.get("GITHUB_STEP_SUMMARY", "")
        if output_path:
            _append(output_path, "".join(format_output(k, v) for k, v in self.outputs.items()))
        if summary_path and summary:
            _append(summary_path, summary + "\n")
        if not self.in_actions:
            self._print_local()

    def _print_local(self) -> None:
        """The report as plain text: a terminal shows Markdown's markup as it is."""
        from autoheal.plaintext import render

        shown = [
            text for text, console in zip(self.sections, self._console, strict=True) if console
        ]
        if shown:
            print(inert("\n" + render("\n".join(shown)) + "\n"), file=self.out)
        if self.outputs:
            print("Outputs:", file=self.out)
            width = max(len(k) for k in self.outputs)
            for key, value in self.outputs.items():
                print(inert(f"  {key.ljust(width)}  {value}"), file=self.out)
        self.out.flush()


def _tail(text: str, count: int) -> str:
    """The last `count` lines of `text`, after a line saying how many were left out."""
    lines = text.splitlines()
    if len(lines) <= count:
        return text
    hidden = len(lines) - count
    return "\n".join([f"… {hidden} lines hidden, --verbose shows all", *lines[-count:]])


#: ZERO WIDTH SPACE: invisible, and no whitespace to the runner (.NET's TrimStart keeps it).
ZWSP = "\u200b"
# `::` that starts a line: after the start of the text, or a CR or LF, and any whitespace.
_NEW_FORM = re.compile(r"(^|[\r\n])(\s*)::")


def inert(text: str) -> str:
    """Text the runner reads as no workflow command, for a line printed as it is.

    The runner cuts its input into lines at CR and LF, and obeys a line that starts with `::`
    after whitespace (`::cmd::`), or else that holds `##[` anywhere (the old `##[cmd]` form).
    A ZWSP goes before such a `::` and inside every `##[`: the text reads the same.
    """
    return _NEW_FORM.sub(lambda m: f"{m[1]}{m[2]}{ZWSP}::", _break_old_form(text))


def _break_old_form(text: str) -> str:
    return text.replace("##[", f"##{ZWSP}[")


def format_output(name: str, value: str) -> str:
    """One `name<<DELIMITER` block; the delimiter is random and checked against the value."""
    while True:
        delimiter = f"ghadelimiter_{_random_hex()}"
        if delimiter not in value and delimiter not in name:
            return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


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


def _random_hex() -> str:
    """32 random hex digits, as `secrets.token_hex(16)` gives (the same os.urandom source),
    without importing `secrets` (random, hashlib): every run writes outputs, even a failing one.
    """
    return os.urandom(16).hex()


def command_line(command: str, properties: Mapping[str, str], message: str) -> str:
    """`::command key=value,...::message`, escaped as actions-toolkit's `issue_command` does."""
    line = f"::{command}"
    if properties:
        line += " " + ",".join(f"{k}={_escape_property(v)}" for k, v in properties.items())
    return f"{line}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
