"""The check model: a check, its result, the plan of checks, and the shapes of a command.

`Check` is one command in one of the `CATEGORIES` with an optional mechanical fix, `CheckResult`
what running it gave, and `Plan` the checks a mode runs, with what detection found and skipped.

A *command* is one of three shapes:

- ``tuple[str, ...]``: one argument list, run without a shell (everything we detect);
- ``str``: a shell string the user wrote in an input or in ``.github/autoheal.yml``, run with
  ``/bin/sh -c`` because that is what the user wrote and expects;
- ``tuple[tuple[str, ...], ...]``: several argument lists run one after another in the same
  directory (e.g. ``ruff check --fix .`` then ``ruff format .``). Every step runs even when an
  earlier one failed, because a fixer that leaves something unfixed (exit 1) must not stop the
  formatter; the result fails when any step failed. This keeps multi-step tools shell-free.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

CATEGORIES: tuple[str, ...] = ("lint", "security", "build", "test")

Argv = tuple[str, ...]
Steps = tuple[Argv, ...]
Command = Argv | str | Steps


def command_steps(command: Command) -> list[Argv | str]:
    """Split a command into the steps that run one after another (one step unless `Steps`)."""
    if isinstance(command, str):
        return [command]
    steps = [part for part in command if isinstance(part, tuple)]
    if not steps:
        return [tuple(str(part) for part in command)]
    if len(steps) != len(command):
        raise TypeError(f"command mixes argument lists and strings: {command!r}")
    return list(steps)


def display_command(command: Command) -> str:
    """A readable, copy-pasteable rendering of a command."""
    return " && ".join(
        step if isinstance(step, str) else shlex.join(step) for step in command_steps(command)
    )


@dataclass(frozen=True)
class Check:
    """One command in one category, with an optional mechanical fix."""

    name: str
    category: str
    command: Command
    cwd: Path
    timeout: float
    fix: Command | None = None
    source: str = "detected"  # "input", "config" or "detected"
    #: Fail when the command prints anything, whatever its exit code (``gofmt -l`` lists files
    #: and exits 0). A flag rather than a shell wrapper keeps the listing visible in the log.
    fail_on_output: bool = False
    #: Extra environment variables for this check only (merged over the runner's environment).
    env: tuple[tuple[str, str], ...] = ()
    #: The command rewrites files to tell whether they are right (pre-commit's hooks). It runs
    #: alone, after the other checks, and the tracked files it changed are put back
    #: (autoheal.checks.tree_guard), so the tree is the one checked. Its fix keeps what it writes.
    writes_tree: bool = False

    @property
    def display(self) -> str:
        return display_command(self.command)

    @property
    def fix_display(self) -> str | None:
        return None if self.fix is None else display_command(self.fix)


@dataclass
class CheckResult:
    check: Check
    passed: bool
    exit_code: int | None
    duration: float
    output: str
    timed_out: bool = False
    error: str | None = None


@dataclass
class Plan:
    checks: list[Check] = field(default_factory=list)
    detected: list[str] = field(default_factory=list)  # "python: ruff (lint, fix: ...)"
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    parallel: int | None = None  # checks run at once; None: one per CPU core

    def categories(self) -> list[str]:
        """Categories that have at least one check, in `CATEGORIES` order."""
        present = {check.category for check in self.checks}
        return [category for category in CATEGORIES if category in present]

    def for_category(self, category: str) -> list[Check]:
        return [check for check in self.checks if check.category == category]
