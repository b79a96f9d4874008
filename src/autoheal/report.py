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

from autoheal.markdown import ZWSP, truncate_summary

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import TextIO

REDACTED = "***"
#: Lines of a tool's output a local run shows without --verbose: the end, where errors are.
LOCAL_TAIL_LINES = 20


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


def shown_login(login: str) -> str:
    """A login from an event or an API answer, as data: printable, at most 60 characters,
    quoted."""
    return "`" + "".join(c if c.isprintable() else "?" for c in login)[:60] + "`"
