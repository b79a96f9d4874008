"""Helpers to drive `main()` through the GitHub Actions runner contract in a temp folder."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parent / "fixtures" / "events"
TOKEN = "ghp_TESTTOKEN0123456789abcdefSECRET"


def load_event(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))


def parse_outputs(path: Path) -> dict[str, str]:
    """Read GITHUB_OUTPUT the way the runner does: `name<<DELIM` blocks and `name=value` lines."""
    text = path.read_text() if path.exists() else ""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        match = re.match(r"^([^=<]+)<<(.+)$", line)
        if match:
            name, delim = match.groups()
            end = lines.index(delim, i + 1)
            outputs[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        i += 1
    return outputs


def runner_commands(out: str) -> list[str]:
    """The lines of `out` that the runner would obey as workflow commands, read by its rule
    (actions/runner, ActionCommandManager and ActionCommand): output is cut into lines at
    CR and LF; a line is a command when it starts with `::` after leading whitespace,
    or, in the old form, when it holds `##[` anywhere. Any `##[` counts here (the runner also
    wants a known command name after it: stricter is safer). `stop-commands` (either form)
    stops both forms until a line whose command is its token; the action's own (a token of 32
    random hex digits) is not listed, any other is."""
    obeyed: list[str] = []
    resume = ""
    for line in re.split(r"\r\n|\r|\n", out):
        command = _command(line)
        if resume:
            if command is not None and command[0].lower() == resume:
                resume = ""
            continue
        if command is None:
            continue
        if command[0].lower() == "stop-commands":
            resume = command[1].lower()
            if re.fullmatch("[0-9a-f]{32}", command[1]):
                continue
        obeyed.append(line.lstrip())
    return obeyed


def _command(line: str) -> tuple[str, str] | None:
    """(name, data) of the command a line carries, or None. `::` first, as the runner does."""
    text = line.lstrip()
    if text.startswith("::"):
        end = text.find("::", 2)
        if end > 0:
            return text[2:end].split(" ", 1)[0], text[end + 2 :]
    start = line.find("##[")
    if start < 0:
        return None
    close = line.find("]", start)
    info, data = (line[start + 3 : close], line[close + 1 :]) if close > 0 else ("", "")
    return info.split(" ", 1)[0], data


def forged_commands(out: str, *allowed: str) -> list[str]:
    """Commands in `out` that the action did not mean to give: any old-form `##[` line, and
    any `::` command other than the `allowed` names (by default those the action issues)."""
    names = allowed or ("add-mask", "debug", "notice", "warning", "error", "group", "endgroup")
    forged = []
    for line in runner_commands(out):
        command = _command(line)
        assert command is not None
        if "##[" in line or not line.startswith("::") or command[0] not in names:
            forged.append(line)
    return forged


@dataclass
class Run:
    code: int
    out: str
    err: str
    outputs: dict[str, str]
    summary: str


class ActionsEnv:
    """An environment like the runner's, with its files in tmp_path."""

    def __init__(self, tmp_path: Path, workspace: Path | None = None) -> None:
        self.tmp = tmp_path
        self.output = tmp_path / "github_output"
        self.summary = tmp_path / "step_summary"
        self.event = tmp_path / "event.json"
        self.runner_temp = tmp_path / "runner_temp"
        self.runner_temp.mkdir(exist_ok=True)
        self.output.touch()
        self.summary.touch()
        self.workspace = workspace or tmp_path
        self.env: dict[str, str] = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_EVENT_PATH": str(self.event),
            "RUNNER_TEMP": str(self.runner_temp),
            "GITHUB_REPOSITORY": "octo-org/octo-repo",
            "GITHUB_EVENT_NAME": "push",
            "GITHUB_SHA": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_RUN_ID": "1234",
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_API_URL": "https://api.github.com",
            "INPUT_WORKING_DIRECTORY": str(self.workspace),
            # The default `auto` asks the API for the branch's rules before pushing: tests pin
            # git, and tests of `auto` and `api` serve the API (tests/fake_gitdb.py).
            "INPUT_COMMIT_VIA": "git",
            "PATH": "/usr/bin:/bin",
            # The pause issue lookup (one more API request in every mode) is tested on its own
            # in tests/test_pause.py; elsewhere it is off, so request logs hold what they test.
            "INPUT_PAUSE_LABEL": "none",
        }
        self.set_event("push.branch.json")

    def set_event(self, name_or_payload: str | dict[str, Any], event_name: str = "") -> None:
        payload = (
            load_event(name_or_payload) if isinstance(name_or_payload, str) else name_or_payload
        )
        self.event.write_text(json.dumps(payload))
        if event_name:
            self.env["GITHUB_EVENT_NAME"] = event_name

    def inputs(self, **values: str) -> None:
        for key, value in values.items():
            self.env["INPUT_" + key.upper()] = value

    def run(self, capsys: Any, argv: list[str] | None = None) -> Run:
        from autoheal.cli import main

        capsys.readouterr()
        code = main(argv or [], self.env)
        captured = capsys.readouterr()
        return Run(
            code,
            captured.out,
            captured.err,
            parse_outputs(self.output),
            self.summary.read_text() if self.summary.exists() else "",
        )


def assert_input_error(run: Run, *named: str) -> str:
    """The bad-input contract: exit 2, one `::error::` naming each of `named` and saying what
    to write instead, the same words in the summary, status FAILED, and no trace of TOKEN.
    Returns the error's message."""
    assert run.code == 2, run.out + run.err
    errors = [line for line in run.out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1, run.out
    message = errors[0].split("::", 2)[2].replace("%0A", "\n").replace("%25", "%")
    for name in named:
        assert name in message, message
    # The fix, for every bad input, says what to change; the summary repeats both parts.
    assert "**What to do:**" in run.summary
    first = message.splitlines()[0].split(". ")[0]
    # The summary's copy has invisible ZWSPs that keep quoted values inert as Markdown.
    assert first in run.summary.replace("\u200b", ""), run.summary
    assert run.outputs["status"] == "FAILED"
    assert "Traceback" not in run.out + run.err
    shown = [ln for ln in (run.out + run.err).splitlines() if not ln.startswith("::add-mask::")]
    for where, text in (("log", "\n".join(shown)), ("outputs", repr(run.outputs))):
        assert TOKEN not in text, f"token in the {where}"
    assert TOKEN not in run.summary
    return message
