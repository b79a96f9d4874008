"""The checks a user defines, and the plan that puts them over the detected ones.

`parse_inputs` reads the command inputs (`lint-command`, `fix-command`, ...), `parse_config`
validates the `checks:` table of `.github/autoheal.yml` (keys, types, timeouts, working
directories), `check_definitions` refuses bad definitions before any work (including shell
strings /bin/sh cannot parse), and `build_checks` makes the `Plan`: per category, an input
beats the config file, which beats detection (`autoheal.checks.detect`).
"""

from __future__ import annotations

import difflib
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from autoheal.checks.detect import detect_project
from autoheal.checks.model import CATEGORIES, Argv, Check, Command, Plan
from autoheal.errors import InputError

#: Inputs that define a category (command input, fix input or None).
INPUT_NAMES: dict[str, tuple[str, str | None]] = {
    "lint": ("lint-command", "fix-command"),
    "security": ("security-command", "security-fix-command"),
    "build": ("build-command", None),
    "test": ("test-command", None),
}
CONFIG_KEYS = ("command", "fix", "timeout", "working-directory", "name")
MAX_TIMEOUT = 21600  # seconds; as the `check-timeout` input


def _suggest(word: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    hint = f"did you mean `{close[0]}`? " if close else ""
    return f"{hint}Allowed: {', '.join(options)}."


def _config_command(value: object, where: str) -> Argv | str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list) and value and all(isinstance(part, str) and part for part in value):
        return tuple(value)
    raise InputError(
        f"{where} must be a non-empty string or a list of strings, got {value!r}.",
        fix=f'Write e.g. `{where.rsplit(".", 1)[-1]}: "make lint"` (a shell command) or '
        '`["make", "lint"]` (arguments, no shell).',
    )


def _config_check(
    root: Path,
    category: str,
    entry: object,
    where: str,
    default_name: str,
    timeout: float,
    check_dirs: bool = True,
) -> Check:
    if not isinstance(entry, Mapping):
        raise InputError(
            f"{where} must be a mapping with a `command`, got {type(entry).__name__}.",
            fix=f'Write e.g. `{category}: {{command: "make {category}"}}`.',
        )
    for key in entry:
        if key not in CONFIG_KEYS:
            raise InputError(
                f"{where}.{key} is not a known key.", fix=_suggest(str(key), CONFIG_KEYS)
            )
    if "command" not in entry:
        raise InputError(
            f"{where}.command is missing.",
            fix=f'Every check needs a `command`, e.g. `command: "make {category}"`.',
        )
    command = _config_command(entry["command"], f"{where}.command")
    fix = None if entry.get("fix") is None else _config_command(entry["fix"], f"{where}.fix")
    limit = entry.get("timeout", timeout)
    if (
        isinstance(limit, bool)
        or not isinstance(limit, (int, float))
        or not 0 < limit <= MAX_TIMEOUT  # also refuses NaN, and infinity: no timeout at all
    ):
        shown = repr(limit) if len(repr(limit)) <= 40 else repr(limit)[:40] + "…"
        raise InputError(
            f"{where}.timeout must be a positive number of seconds, got {shown}.",
            fix=f"Write e.g. `timeout: 300` (at most {MAX_TIMEOUT}, six hours: GitHub's "
            "limit for a job).",
        )
    cwd = root
    if "working-directory" in entry:
        raw = entry["working-directory"]
        candidate = (root / raw).resolve() if isinstance(raw, str) and raw else None
        if (
            candidate is None
            or Path(str(raw)).is_absolute()
            or not candidate.is_relative_to(root.resolve())
            or (check_dirs and not candidate.is_dir())
        ):
            raise InputError(
                f"{where}.working-directory must be an existing directory inside the "
                f"repository, got {raw!r}.",
                fix="Write a path relative to the repository root, e.g. `working-directory: app`.",
            )
        cwd = candidate
    name = entry.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise InputError(
            f"{where}.name must be a non-empty string, got {name!r}.",
            fix=f'Write e.g. `name: "{default_name}"` or leave `name` out.',
        )
    return Check(
        name=name.strip(),
        category=category,
        command=command,
        cwd=cwd,
        timeout=float(limit),
        fix=fix,
        source="config",
    )


def parse_config(
    root: Path,
    config: Mapping[str, Any] | None,
    *,
    timeout: float = 600,
    check_dirs: bool = True,
    source: Path | None = None,
) -> dict[str, list[Check]]:
    """Validate the `checks:` mapping of `.github/autoheal.yml` into checks per category.

    A category set to null or ``[]`` is defined with no checks: it disables detection there.
    `check_dirs=False` leaves out whether each `working-directory` exists (it is looked for
    in the tree the checks run in, which may be another commit than the checkout). `source`,
    the file the table was read from, is named in the errors.
    """
    try:
        return _parse_config(root, config, timeout, check_dirs)
    except InputError as exc:
        if source is None:
            raise
        raise InputError(f"Config file {source}: {exc.message}", fix=exc.fix) from exc


def _parse_config(
    root: Path, config: Mapping[str, Any] | None, timeout: float, check_dirs: bool
) -> dict[str, list[Check]]:
    if config is None:
        return {}
    if not isinstance(config, Mapping):
        raise InputError(
            f"checks must be a mapping of category to check, got {type(config).__name__}.",
            fix='Write e.g. `checks: {lint: {command: "make lint"}}`.',
        )
    out: dict[str, list[Check]] = {}
    for category, value in config.items():
        if category not in CATEGORIES:
            raise InputError(
                f"checks.{category} is not a check category.",
                fix=_suggest(str(category), CATEGORIES),
            )
        where = f"checks.{category}"
        if value is None:
            out[category] = []
        elif isinstance(value, list):
            out[category] = [
                _config_check(
                    root,
                    category,
                    entry,
                    f"{where}[{i}]",
                    f"{category}-{i + 1}",
                    timeout,
                    check_dirs,
                )
                for i, entry in enumerate(value)
            ]
        else:
            out[category] = [
                _config_check(root, category, value, where, category, timeout, check_dirs)
            ]
    return out


def check_definitions(
    root: Path,
    inputs: Mapping[str, str],
    config: Mapping[str, Any] | None,
    *,
    timeout: float,
    config_path: Path,
) -> None:
    """Refuse bad check definitions before any work: the `checks:` table's keys and types
    (naming `config_path`), a fix input without its command, and shell strings that
    /bin/sh cannot parse (an unbalanced quote would otherwise be a failing check, and for
    validate a reason to roll back)."""
    from_inputs = parse_inputs(root, inputs, timeout=timeout)
    from_config = parse_config(root, config, timeout=timeout, check_dirs=False, source=config_path)
    for category, (command_name, fix_name) in INPUT_NAMES.items():
        for check in from_inputs.get(category, []):
            _check_shell(check.command, f"Input `{command_name}`")
            _check_shell(check.fix, f"Input `{fix_name}`")
    for category, checks in from_config.items():
        listed = isinstance((config or {}).get(category), list)  # named as parse_config names it
        for i, check in enumerate(checks):
            where = f"Config file {config_path}: checks.{category}" + (f"[{i}]" if listed else "")
            _check_shell(check.command, f"{where}.command")
            _check_shell(check.fix, f"{where}.fix")


def _check_shell(command: Command | None, where: str) -> None:
    """A shell string must parse (`sh -n` reads it without running anything)."""
    if not isinstance(command, str):
        return
    try:
        proc = subprocess.run(
            ["/bin/sh", "-n", "-c", command],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return  # no shell to ask: running the check will say what is wrong
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["syntax error"])[-1]
        said = re.sub(r"^(/bin/)?sh: (\d+: )?", "", last)  # "/bin/sh: 1: Syntax error: ..."
        raise InputError(
            f"{where} is not a command /bin/sh can read ({said}): {command!r}.",
            fix="Close every quote and bracket; to pass a quote to the command, put the "
            'other kind around it (`pytest -k "not slow"`), or write an argument list '
            "in .github/autoheal.yml (`command: [pytest, -k, not slow]`).",
        )


def parse_inputs(
    root: Path, inputs: Mapping[str, str], *, timeout: float = 600
) -> dict[str, list[Check]]:
    """Checks from action inputs; keys other than the six command inputs are ignored."""
    out: dict[str, list[Check]] = {}
    for category, (command_name, fix_name) in INPUT_NAMES.items():
        command = (inputs.get(command_name) or "").strip()
        fix = (inputs.get(fix_name) or "").strip() if fix_name else ""
        if fix and not command:
            raise InputError(
                f"Input `{fix_name}` is set but `{command_name}` is empty.",
                fix=f"Set `{command_name}` too (the fix belongs to that check), or put the fix "
                f"in .github/autoheal.yml under `checks.{category}.fix`.",
            )
        if command:
            out[category] = [
                Check(
                    name=category,
                    category=category,
                    command=command,
                    cwd=root,
                    timeout=timeout,
                    fix=fix or None,
                    source="input",
                )
            ]
    return out


def build_checks(
    root: Path,
    *,
    inputs: Mapping[str, str],
    config: Mapping[str, Any] | None,
    detect: bool = True,
    timeout: float = 600,
    path: str | None = None,
    config_source: Path | None = None,
) -> Plan:
    """Checks per category with precedence input > config > detected.

    `path` is the PATH used to look tools up (default: the current PATH at call time);
    `config_source` is the file `config` was read from, named in its errors.
    """
    if isinstance(timeout, bool) or not timeout > 0:
        raise InputError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    from_inputs = parse_inputs(root, inputs, timeout=timeout)
    from_config = parse_config(root, config, timeout=timeout, source=config_source)
    plan = Plan()
    for category in CATEGORIES:
        if category in from_inputs:
            plan.checks.extend(from_inputs[category])
        elif category in from_config:
            plan.checks.extend(from_config[category])
            if not from_config[category]:
                plan.skipped.append((category, "disabled in .github/autoheal.yml"))
    if detect:
        found = detect_project(root, timeout=timeout, path=path)
        for check, line in zip(found.checks, found.detected, strict=True):
            if check.category in from_inputs:
                plan.skipped.append((line, f"{check.category} is set by an input"))
            elif check.category in from_config:
                plan.skipped.append((line, f"{check.category} is set in .github/autoheal.yml"))
            else:
                plan.checks.append(check)
                plan.detected.append(line)
        plan.skipped.extend(found.skipped)
    plan.checks = _unique_names(plan.checks)
    order = {category: i for i, category in enumerate(CATEGORIES)}
    plan.checks.sort(key=lambda check: order[check.category])  # stable: keeps source order
    return plan


def _unique_names(checks: list[Check]) -> list[Check]:
    """Names identify checks (flaky lists, payloads), so make repeats distinct."""
    seen: dict[str, int] = {}
    out = []
    for check in checks:
        count = seen.get(check.name, 0) + 1
        seen[check.name] = count
        out.append(check if count == 1 else replace(check, name=f"{check.name} #{count}"))
    return out
