"""Findings in the output of the tools a check ran: where a tool says a problem is.

`parse` reads what ruff, flake8, mypy, eslint, tsc, go vet, cargo (rustc, clippy, test panics)
and pytest print, and GitHub workflow commands (`::error file=...,line=...::`) that any tool
may print in CI. The check is not asked which tool it ran (a `make lint` can run three): every
line is tried against every format, the specific ones first, with colour codes removed.

A pytest failure is found where its traceback points (its frames, deepest first); a failure
known only from the short summary (`FAILED tests/test_x.py::test_y - ...`, as `--tb=no`
prints) is put on line 1 of its test file, so it still shows up in the file. Lines longer than
`MAX_LINE` are not parsed, and paths holding whitespace are not recognised.

Tool output is hostile data: paths and messages here are only strings, as the tool printed
them; `autoheal.checks.annotations` decides which name a file of the commit. Nothing here prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

#: Longer lines are not parsed: no tool's location line is this long.
MAX_LINE = 4096
#: Explanation lines of one pytest failure kept in its message.
PYTEST_LINES = 6

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CODE = re.compile(r"(?P<code>[A-Z]+[0-9]+)\b(?: \[\*\])?\s*(?P<msg>.*)")
_SEVERITY = {"error": "failure", "warning": "warning", "notice": "notice", "note": ""}

_COMMAND = re.compile(r"::(?P<level>error|warning|notice) (?P<props>.*?)::(?P<msg>.*)")
_ARROW = re.compile(r"\s*--> (?P<path>\S+?):(?P<line>\d+):(?P<col>\d+)\s*")
_RUST_HEADER = re.compile(r"(?P<sev>error|warning)(?:\[(?P<code>[^\]]+)\])?: (?P<msg>.+)")
_MYPY = re.compile(
    r"(?P<path>\S+?):(?P<line>\d+)(?::(?P<col>\d+))?(?::\d+:\d+)?: "
    r"(?P<sev>error|warning|note): (?P<msg>.*?)(?:  \[(?P<code>[\w-]+)\])?"
)
_TSC = re.compile(
    r"(?P<path>\S+?)(?:\((?P<line>\d+),(?P<col>\d+)\):|:(?P<line2>\d+):(?P<col2>\d+) -) "
    r"(?P<sev>error|warning) (?P<code>TS\d+): (?P<msg>.*)"
)
_ESLINT_UNIX = re.compile(
    r"(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.*) "
    r"\[(?P<sev>Error|Warning)(?:/(?P<code>[^\]]+))?\]"
)
_ESLINT_PROBLEM = re.compile(
    r"\s+(?P<line>\d+):(?P<col>\d+)\s+(?P<sev>error|warning)\s+(?P<msg>.+?)"
    r"(?:\s{2,}(?P<code>[\w@/.-]+))?\s*"
)
_PANIC = re.compile(
    r"thread '(?P<test>[^']*)'(?: \(\d+\))? panicked at "
    r"(?:'(?P<msg>.*)', )?(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+):?\s*"
)
_PYTEST_SECTION = re.compile(r"_{3,} (?P<test>.+?) _{3,}")
_PYTEST_FRAME = re.compile(
    r"(?P<path>\S+?\.py):(?P<line>\d+):"
    r"(?: in \S+| (?P<exc>[A-Za-z_][\w.]*)(?:: (?P<msg>.*))?)?\s*"
)
_PYTEST_SUMMARY = re.compile(
    r"(?:FAILED|ERROR) (?P<path>\S+?\.py)(?:::(?P<test>\S+?))?(?: - (?P<msg>.*))?"
)
_COLON = re.compile(r"(?:vet: )?(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+):\s*(?P<msg>\S.*)")


@dataclass(frozen=True)
class Location:
    path: str  # as the tool printed it
    line: int
    column: int | None = None


@dataclass(frozen=True)
class Finding:
    """One problem a tool reported. `locations`: best first; the first one that is a file of
    the commit is used (a traceback names frames outside the repository too)."""

    locations: tuple[Location, ...]
    level: str  # failure, warning or notice
    message: str
    code: str = ""  # the tool's rule or error code, when it prints one


# --------------------------------------------------------------------------- parsing


def clean_lines(output: str) -> list[str]:
    """The lines as a terminal shows them: colours removed, a `\\r`-overwritten line's last
    state kept, overlong lines dropped."""
    lines = []
    for raw in _ANSI.sub("", output).split("\n"):
        line = raw.rstrip("\r").rsplit("\r", 1)[-1]
        lines.append(line if len(line) <= MAX_LINE else "")
    return lines


def parse(output: str) -> list[Finding]:
    """Every finding in a tool's output, in order (duplicates included)."""
    parser = _Parser()
    for line in clean_lines(output):
        parser.feed(line)
    parser.feed("")  # ends a panic message cut short by the end of the output
    parser.flush_pytest()
    return parser.findings


def _loc(path: str, line: str | None, col: str | None = None) -> Location:
    column = int(col) if col and int(col) > 0 else None
    return Location(path, max(1, int(line or 1)), column)


def _with_code(message: str) -> tuple[str, str]:
    """`F401 'os' imported but unused` -> ("F401", "'os' imported but unused")."""
    match = _CODE.fullmatch(message)
    return (match["code"], match["msg"] or message) if match else ("", message)


def _unescape(text: str, *, prop: bool = False) -> str:
    """The runner's escaping of workflow command data (and properties) undone."""
    pairs = [("%0D", "\r"), ("%0A", "\n")]
    if prop:
        pairs += [("%3A", ":"), ("%2C", ",")]
    for code, char in [*pairs, ("%25", "%")]:
        text = text.replace(code, char)
    return text


class _Parser:
    """Reads lines one by one; a few formats need what came before (headers, tracebacks)."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.previous = ""  # last non-blank line: a rustc or ruff header before `-->`
        self.eslint_file = ""  # last unindented line: an eslint "stylish" file header
        self.panic: tuple[Location, str, list[str]] | None = None
        self.test = ""  # the pytest failure being read
        self.frames: list[Location] = []
        self.explain: list[str] = []
        self.tested: set[str] = set()  # tests and files a pytest traceback annotated

    def add(self, locations: Iterable[Location], level: str, message: str, code: str = "") -> None:
        if level:
            self.findings.append(Finding(tuple(locations), level, message.strip(), code))

    def feed(self, line: str) -> None:
        if self.panic is not None and self._panic_message(line):
            return
        for matcher in (
            self._command,
            self._arrow,
            self._mypy,
            self._tsc,
            self._eslint_unix,
            self._panic,
            self._pytest,
            self._eslint_stylish,
            self._colon,
        ):
            if matcher(line):
                break
        if line.strip():
            self.previous = line.strip()
        if line[:1].strip():
            self.eslint_file = line.strip()

    def _command(self, line: str) -> bool:
        match = _COMMAND.fullmatch(line)
        if match is None:
            return False
        props = {}
        for item in match["props"].split(","):
            key, _, value = item.partition("=")
            props[key.strip()] = _unescape(value, prop=True)
        if not props.get("file"):
            return False
        title = props.get("title", "")
        level = _SEVERITY[match["level"]]
        line_no = props.get("line") if (props.get("line") or "").isdigit() else None
        col = props.get("col") if (props.get("col") or "").isdigit() else None
        self.add([_loc(props["file"], line_no, col)], level, _unescape(match["msg"]), title)
        return True

    def _arrow(self, line: str) -> bool:
        match = _ARROW.fullmatch(line)
        if match is None:
            return False
        header = self.previous
        rust = _RUST_HEADER.fullmatch(header)
        if rust:
            level, code, message = _SEVERITY[rust["sev"]], rust["code"] or "", rust["msg"]
        elif header.startswith(("note", "help", "=")):
            return True  # a sub-diagnostic's span, not a problem of its own
        else:  # the header ruff prints: `F401 [*] message`
            level, (code, message) = "failure", _with_code(header)
        self.add([_loc(match["path"], match["line"], match["col"])], level, message, code)
        return True

    def _mypy(self, line: str) -> bool:
        match = _MYPY.fullmatch(line)
        if match is None:
            return False
        level = _SEVERITY[match["sev"]]  # notes explain an error already annotated
        loc = _loc(match["path"], match["line"], match["col"])
        self.add([loc], level, match["msg"], match["code"] or "")
        return True

    def _tsc(self, line: str) -> bool:
        match = _TSC.fullmatch(line)
        if match is None:
            return False
        loc = _loc(match["path"], match["line"] or match["line2"], match["col"] or match["col2"])
        self.add([loc], _SEVERITY[match["sev"]], match["msg"], match["code"])
        return True

    def _eslint_unix(self, line: str) -> bool:
        match = _ESLINT_UNIX.fullmatch(line)
        if match is None:
            return False
        loc = _loc(match["path"], match["line"], match["col"])
        self.add([loc], _SEVERITY[match["sev"].lower()], match["msg"], match["code"] or "")
        return True

    def _eslint_stylish(self, line: str) -> bool:
        match = _ESLINT_PROBLEM.fullmatch(line)
        if match is None or not self.eslint_file:
            return False
        loc = _loc(self.eslint_file, match["line"], match["col"])
        self.add([loc], _SEVERITY[match["sev"]], match["msg"], match["code"] or "")
        return True

    def _panic(self, line: str) -> bool:
        match = _PANIC.fullmatch(line)
        if match is None:
            return False
        loc = _loc(match["path"], match["line"], match["col"])
        self.panic = (loc, match["test"], [match["msg"]] if match["msg"] else [])
        return True

    def _panic_message(self, line: str) -> bool:
        """The lines after `panicked at path:line:col:` up to a blank line or a note."""
        assert self.panic is not None
        loc, test, lines = self.panic
        if line.strip() and not line.startswith(("note:", "stack backtrace:")):
            if len(lines) < PYTEST_LINES:
                lines.append(line.strip())
            return True
        self.panic = None
        self.add([loc], "failure", f"{test} panicked: " + "\n".join(lines))
        return False

    def _pytest(self, line: str) -> bool:
        section = _PYTEST_SECTION.fullmatch(line)
        if section or line.startswith("==="):
            self.flush_pytest()
            self.test = section["test"] if section else ""
            return True
        if line.startswith("E   ") or line == "E":
            self.explain.append(line[4:].strip())
            return True
        frame = _PYTEST_FRAME.fullmatch(line)
        if frame and (frame["exc"] or "").endswith("Warning"):  # Python's warning lines
            message = f"{frame['exc']}: {frame['msg'] or ''}"
            self.add([_loc(frame["path"], frame["line"])], "warning", message)
            return True
        if frame:
            self.frames.append(_loc(frame["path"], frame["line"]))
            if frame["exc"]:  # the crash line ends one failure (long and line formats)
                if not self.explain:
                    self.explain = [f"{frame['exc']}: {frame['msg']}" if frame["msg"] else ""]
                self.flush_pytest(frame["exc"])
            return True
        summary = _PYTEST_SUMMARY.fullmatch(line)
        if summary:
            test = (summary["test"] or "").replace("::", ".")
            if not self._traced(summary["path"], test):
                message = f"{test or summary['path']} failed: {summary['msg'] or 'see the log'}"
                self.add([_loc(summary["path"], "1")], "failure", message)
            return True
        return False

    def flush_pytest(self, exc: str = "") -> None:
        """End the failure being read: annotate its deepest frame that is in the repository."""
        if self.frames and (self.explain or exc):
            lines = [text for text in self.explain if text][:PYTEST_LINES]
            name = f"{self.test} failed: " if self.test else ""
            self.add(reversed(self.frames), "failure", name + "\n".join(lines))
            self.tested |= {self.test, *(frame.path for frame in self.frames)} - {""}
        self.frames, self.explain = [], []

    def _traced(self, path: str, test: str) -> bool:
        """A traceback already annotated this test, or a failure in its file (`--tb=line`
        prints absolute paths and no test names)."""
        return test in self.tested or any(
            seen == path or seen.endswith("/" + path) for seen in self.tested
        )

    def _colon(self, line: str) -> bool:
        match = _COLON.fullmatch(line)
        if match is None:
            return False
        message, level = match["msg"], "failure"
        severity = re.match(r"(error|warning|note|info):\s*", message)
        if severity:
            level = _SEVERITY.get(severity[1], "notice")
            message = message[severity.end() :]
        code, message = _with_code(message)
        self.add([_loc(match["path"], match["line"], match["col"])], level, message, code)
        return True
