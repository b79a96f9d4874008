"""Check catalogue, project detection and the parallel runner shared by heal, validate, rollback.

A *command* is one of three shapes:

- ``tuple[str, ...]``: one argument list, run without a shell (everything we detect);
- ``str``: a shell string the user wrote in an input or in ``.github/autoheal.yml``, run with
  ``/bin/sh -c`` because that is what the user wrote and expects;
- ``tuple[tuple[str, ...], ...]``: several argument lists run one after another in the same
  directory (e.g. ``ruff check --fix .`` then ``ruff format .``). Every step runs even when an
  earlier one failed, because a fixer that leaves something unfixed (exit 1) must not stop the
  formatter; the result fails when any step failed. This keeps multi-step tools shell-free.

Nothing runs at import time: no environment reads, no file access, no subprocesses.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from autoheal.checks.model import (
    CATEGORIES,
    Argv,
    Check,
    CheckResult,
    Command,
    Plan,
)
from autoheal.checks.project_config import PRE_COMMIT_CONFIG, Hooks, ProjectConfig, places
from autoheal.checks.runner import OUTPUT_KEEP, run_check, run_checks, run_fix, run_fixes
from autoheal.errors import InputError

__all__ = [
    "CATEGORIES",
    "CONFIG_KEYS",
    "OUTPUT_KEEP",
    "Check",
    "CheckResult",
    "Command",
    "Plan",
    "build_checks",
    "check_definitions",
    "detect_project",
    "parse_config",
    "run_check",
    "run_checks",
    "run_fix",
    "run_fixes",
]


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


# --------------------------------------------------------------------------- detection
#
# A formatter or linter becomes a check only when the project configures or declares it
# (autoheal.checks.project_config): an installed tool is not a statement that the project uses it,
# and its fixer would rewrite the repository in a style the project never chose. Tools that
# are installed but not configured are listed as skipped, with the reason.


class _Finder:
    """Looks tools up on PATH, preferring a project virtualenv (.venv/ or venv/).

    PATH rather than ``sys.executable -m tool``: this action runs from its own private venv,
    whose tools are not the project's; the project's tools are those its workflow installed
    (on PATH) or those in its own venv.
    """

    def __init__(self, root: Path, path: str | None) -> None:
        self.root = root
        self.path = os.environ.get("PATH", os.defpath) if path is None else path

    def venv_tool(self, name: str) -> str | None:
        for venv in (".venv", "venv"):
            candidate = self.root / venv / "bin" / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
        return None

    def python_tool(self, name: str) -> str | None:
        """Command word for a Python tool: absolute when from the project venv."""
        if found := self.venv_tool(name):
            return found
        return name if shutil.which(name, path=self.path) else None

    def tool(self, name: str) -> str | None:
        return name if shutil.which(name, path=self.path) else None


@dataclass
class _Detected:
    checks: list[Check] = field(default_factory=list)
    detected: list[str] = field(default_factory=list)  # parallel to checks
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def add(self, ecosystem: str, check: Check, label: str | None = None) -> None:
        fix = f", fix: {check.fix_display}" if check.fix is not None else ""
        what = label or check.name
        self.checks.append(check)
        self.detected.append(f"{ecosystem}: {what} ({check.category}{fix})")

    def skip(self, what: str, why: str) -> None:
        self.skipped.append((what, why))


@dataclass
class _Project:
    """What every detector reads: the tree, its tools, its configuration files."""

    root: Path
    finder: _Finder
    timeout: float
    config: ProjectConfig
    #: The hooks of the pre-commit check, when there is one: the tools they run are not run a
    #: second time as checks of their own.
    hooks: Hooks | None = None

    def check(
        self, name: str, category: str, command: Command, fix: Command | None = None
    ) -> Check:
        return Check(name, category, command, self.root, self.timeout, fix, "detected")

    def by_pre_commit(self, tool: str) -> bool:
        return self.hooks is not None and self.hooks.runs(tool)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


_SKIP_DIRS = {".git", ".venv", "venv", "node_modules", ".tox", "target", "vendor", "dist"}


def _has_files(root: Path, pattern: str, limit: int = 5000) -> bool:
    """Whether `pattern` matches a file under root, ignoring vendored trees; bounded walk."""
    seen = 0
    for _dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        for filename in filenames:
            if Path(filename).match(pattern):
                return True
        seen += len(filenames)
        if seen > limit:
            return False
    return False


def _configured_tool(
    project: _Project,
    found: _Detected,
    what: str,
    where: str | None,
    command: str | None,
    places: str,
) -> str | None:
    """The command word of a formatter or linter (`what` is "ECOSYSTEM: TOOL") that becomes a
    check: one the project configures (`where`) and installed (`command`), not already run by
    the pre-commit check. Otherwise None, and why, when the project has anything to do with
    the tool (configured or installed)."""
    if project.by_pre_commit(what.split(": ", 1)[1]):
        if where or command:
            found.skip(what, f"run by the pre-commit check ({PRE_COMMIT_CONFIG})")
        return None
    if where is None:
        if command:
            found.skip(what, f"installed but not configured (no {places})")
        return None
    if command is None:
        found.skip(what, f"configured ({where}) but not installed")
    return command


def _detect_pre_commit(project: _Project, found: _Detected) -> None:
    """`.pre-commit-config.yaml`, when pre-commit (or prek) is installed: one lint check
    running every hook, whose fix is the same command (hooks that rewrite files are fixers).

    pre-commit exits 1 when a hook changed files, so the fix reads as failed even when it
    fixed everything: heal's re-check decides. The check itself rewrites files too, so it runs
    alone and its changes are put back (`Check.writes_tree`).
    """
    hooks = project.config.pre_commit_hooks()
    if hooks is None:
        return  # no file, or a broken one (listed with the configuration problems)
    finder = project.finder
    runner = (  # the project's venv first, as for every Python tool
        finder.venv_tool("pre-commit")
        or finder.venv_tool("prek")
        or finder.tool("pre-commit")
        or finder.tool("prek")
    )
    if not runner:
        found.skip(
            "pre-commit",
            f"{PRE_COMMIT_CONFIG} found, but neither pre-commit nor prek is installed: "
            "the tools it names run one by one where they are configured",
        )
        return
    project.hooks = hooks
    run = (runner, "run", "--all-files")
    check = replace(
        project.check("pre-commit", "lint", (*run, "--show-diff-on-failure"), run),
        writes_tree=True,
    )
    found.add("pre-commit", check, label=PRE_COMMIT_CONFIG)


def _detect_python(project: _Project, found: _Detected) -> None:
    root = project.root
    requirements = sorted(root.glob("requirements*.txt"))
    markers = ("pyproject.toml", "setup.py", "setup.cfg")
    if not requirements and not any((root / name).is_file() for name in markers):
        return
    _python_style(project, found)
    _python_mypy(project, found)
    _python_audit_build_test(project, found)


def _python_style(project: _Project, found: _Detected) -> None:
    """ruff, isort, black, flake8: each only where the project configures it. The order is
    the fixes' order: black (the formatter) has the last word on layout."""
    eco, config, finder = "python", project.config, project.finder
    used = False
    for tool in ("ruff", "isort", "black", "flake8"):
        where = config.python_tool(tool)
        used = used or where is not None or project.by_pre_commit(tool)
        installed = finder.python_tool(tool)
        command = _configured_tool(project, found, f"{eco}: {tool}", where, installed, places(tool))
        if command is None:
            continue
        if tool == "ruff":
            found.add(eco, _ruff_check(project, found, command), label="ruff")
        elif tool == "isort":
            found.add(
                eco, project.check(tool, "lint", (command, "--check-only", "."), (command, "."))
            )
        elif tool == "black":
            found.add(eco, project.check(tool, "lint", (command, "--check", "."), (command, ".")))
        else:  # flake8 reports; it has no fix
            found.add(eco, project.check(tool, "lint", (command,)))
    if not used:
        found.skip(
            f"{eco}: formatters and linters",
            "none configured (ruff, isort, black, flake8): heal formats nothing; see "
            "docs/configuration.md",
        )


def _ruff_check(project: _Project, found: _Detected, ruff: str) -> Check:
    """`ruff check`, plus `ruff format` where the project says it formats with ruff too:
    `[tool.ruff]` alone is often a linter's configuration in a project that formats with
    black, or not at all. The check says `--no-fix`: `fix = true` in the project's
    configuration would make a plain `ruff check` rewrite the files and pass."""
    lint: list[Argv] = [(ruff, "check", "--no-fix", ".")]
    fix: list[Argv] = [(ruff, "check", "--fix", ".")]
    if project.config.ruff_formats():
        lint.append((ruff, "format", "--check", "."))
        fix.append((ruff, "format", "."))
    else:
        found.skip(
            "python: ruff format",
            "ruff is configured for linting, but nothing says the project formats with it: "
            "add a [tool.ruff.format] table (an empty one will do) to have heal format with ruff",
        )
    return project.check("ruff", "lint", tuple(lint), tuple(fix))


def _python_mypy(project: _Project, found: _Detected) -> None:
    # mypy is a lint check: static analysis of the source, with no mechanical fix.
    where = project.config.python_tool("mypy")
    installed = project.finder.python_tool("mypy")
    mypy = _configured_tool(project, found, "python: mypy", where, installed, places("mypy"))
    if mypy is None:
        return
    lists_files = project.config.mypy_lists_files()
    found.add("python", project.check("mypy", "lint", (mypy,) if lists_files else (mypy, ".")))


def _python_audit_build_test(project: _Project, found: _Detected) -> None:
    """pip-audit, compileall and pytest: not a style the project must have chosen. pip-audit
    is installed only on purpose; compileall needs nothing but Python; pytest runs the
    project's own tests."""
    eco, root, finder, check = "python", project.root, project.finder, project.check
    audit = finder.python_tool("pip-audit")
    if not audit:
        found.skip("python: pip-audit", "pip-audit not installed")
    elif (root / "requirements.txt").is_file():
        req = ("-r", "requirements.txt")
        found.add(eco, check("pip-audit", "security", (audit, *req), (audit, *req, "--fix")))
    else:
        # Without a requirements file there is nothing pip-audit --fix can rewrite.
        found.add(eco, check("pip-audit", "security", (audit,)))
    # Build = byte-compile every module: catches syntax errors with nothing but Python itself.
    # The pycache prefix keeps .pyc files out of the tree, so heal never commits them.
    python = finder.python_tool("python3") or finder.python_tool("python")
    if python:
        pycache = str(_temp_root() / "autoheal-pycache")
        skip = r"(^|/)(\.git|\.venv|venv|node_modules|\.tox|build|dist)/"
        found.add(
            eco,
            replace(
                check("compileall", "build", (python, "-m", "compileall", "-q", "-x", skip, ".")),
                env=(("PYTHONPYCACHEPREFIX", pycache),),
            ),
        )
    else:
        found.skip("python: compileall", "python3 not found on PATH")
    pytest = finder.python_tool("pytest")
    has_tests = (
        (root / "tests").is_dir()
        or (root / "test").is_dir()
        or any(root.glob("test_*.py"))
        or any(root.glob("*_test.py"))
    )
    if not pytest:
        found.skip("python: pytest", "pytest not installed")
    elif not has_tests:
        found.skip("python: pytest", "no tests/ directory or test_*.py files")
    else:
        found.add(eco, check("pytest", "test", (pytest,)))


#: What `npm init` writes as the test script: a placeholder, not a test suite.
NPM_PLACEHOLDER_TEST = "no test specified"


def _read_package(project: _Project, found: _Detected) -> dict[str, Any] | None:
    manifest = project.root / "package.json"
    if not manifest.is_file():
        return None
    try:
        package = json.loads(_read_text(manifest))
    except (ValueError, RecursionError) as exc:  # not JSON, a huge number, deep nesting
        found.skip("node", f"package.json is not valid JSON ({str(exc)[:120]})")
        return None
    if not isinstance(package, dict):
        found.skip("node", "package.json is not a JSON object")
        return None
    return package


#: Where eslint and prettier are configured, for a skip reason (project_config has the list).
NODE_PLACES = {
    "eslint": "eslint.config.*, .eslintrc* or an `eslintConfig` key in package.json",
    "prettier": ".prettierrc*, prettier.config.* or a `prettier` key in package.json",
}


def _node_linters(project: _Project, found: _Detected, package: dict[str, Any]) -> dict[str, str]:
    """eslint and prettier where the project configures them and installed its own copy:
    tool -> the command word its scripts would use (relative to the root)."""
    deps: dict[str, Any] = {}
    for key in ("dependencies", "devDependencies"):
        value = package.get(key)
        if isinstance(value, dict):
            deps.update(value)
    usable = {}
    for tool, places_text in NODE_PLACES.items():
        local = f"./node_modules/.bin/{tool}"
        installed = local if tool in deps and (project.root / local).is_file() else None
        where = project.config.node_tool(tool, package)
        command = _configured_tool(project, found, f"node: {tool}", where, installed, places_text)
        if command is not None:
            usable[tool] = command
    return usable


def _detect_node(project: _Project, found: _Detected) -> None:
    package = _read_package(project, found)
    if package is None:
        return
    eco, check = "node", project.check
    scripts = package.get("scripts") or {}
    scripts = scripts if isinstance(scripts, dict) else {}
    linters = _node_linters(project, found, package)
    fixes: list[Argv] = []
    if "eslint" in linters:
        fixes.append((linters["eslint"], "--fix", "."))
    if "prettier" in linters:
        fixes.append((linters["prettier"], "--write", "."))
    lint_fix: Command | None = tuple(fixes) if fixes else None
    npm = project.finder.tool("npm")
    # The project's own scripts are its declaration of how it lints, builds and tests.
    for script, category in (("lint", "lint"), ("build", "build"), ("test", "test")):
        body = scripts.get(script)
        if not isinstance(body, str) or not body.strip():
            continue
        if script == "test" and NPM_PLACEHOLDER_TEST in body:
            found.skip("node: npm test", "the test script is npm's placeholder")
            continue
        if not npm:
            found.skip(f"node: npm run {script}", "npm not installed")
            continue
        fix = lint_fix if category == "lint" else None
        found.add(eco, check(f"npm run {script}", category, ("npm", "run", script), fix))
    if not isinstance(scripts.get("lint"), str):
        # No lint script: run the linters the project configured and installed, directly.
        if eslint := linters.get("eslint"):
            found.add(eco, check("eslint", "lint", (eslint, "."), (eslint, "--fix", ".")))
        if prettier := linters.get("prettier"):
            found.add(
                eco,
                check("prettier", "lint", (prettier, "--check", "."), (prettier, "--write", ".")),
            )
    if not (project.root / "package-lock.json").is_file():
        found.skip("node: npm audit", "no package-lock.json")
    elif not npm:
        found.skip("node: npm audit", "npm not installed")
    else:
        found.add(
            eco,
            check(
                "npm audit",
                "security",
                ("npm", "audit", "--audit-level=high"),
                ("npm", "audit", "fix"),
            ),
        )


def _detect_go(project: _Project, found: _Detected) -> None:
    root, finder, timeout = project.root, project.finder, project.timeout
    if not (root / "go.mod").is_file():
        return
    eco = "go"
    if not finder.tool("go"):
        found.skip("go: go vet, go build, go test", "go not installed")
    # gofmt needs no configuration to count: its layout is the language's one standard, with no
    # setting a project could choose otherwise, so its fix imposes nothing.
    if finder.tool("gofmt"):
        found.add(
            eco,
            Check(
                "gofmt",
                "lint",
                ("gofmt", "-l", "."),
                root,
                timeout,
                ("gofmt", "-w", "."),
                "detected",
                fail_on_output=True,  # gofmt -l lists unformatted files and still exits 0
            ),
            label="gofmt -l",
        )
    else:
        found.skip("go: gofmt", "gofmt not installed")
    if not finder.tool("go"):
        return
    found.add(eco, project.check("go vet", "lint", ("go", "vet", "./...")))
    found.add(eco, project.check("go build", "build", ("go", "build", "./...")))
    if _has_files(root, "*_test.go"):
        found.add(eco, project.check("go test", "test", ("go", "test", "./...")))
    else:
        found.skip("go: go test", "no *_test.go files")


def _detect_rust(project: _Project, found: _Detected) -> None:
    finder, check = project.finder, project.check
    if not (project.root / "Cargo.toml").is_file():
        return
    eco = "rust"
    if not finder.tool("cargo"):
        found.skip("rust: cargo", "cargo not installed")
        return
    # cargo fmt needs no configuration to count: rustfmt's layout is the language's standard
    # one, and a project that wants another writes a rustfmt.toml, which cargo fmt reads.
    # rustup installs these as the cargo subcommand binaries; their presence is the lookup.
    if finder.tool("cargo-fmt") or finder.tool("rustfmt"):
        found.add(eco, check("cargo fmt", "lint", ("cargo", "fmt", "--check"), ("cargo", "fmt")))
    else:
        found.skip("rust: cargo fmt", "rustfmt not installed")
    if finder.tool("cargo-clippy"):
        found.add(eco, check("cargo clippy", "lint", ("cargo", "clippy", "--", "-D", "warnings")))
    else:
        found.skip("rust: cargo clippy", "clippy not installed")
    found.add(eco, check("cargo build", "build", ("cargo", "build")))
    # Rust tests live inline in src/, so there is no cheap way to tell there are none.
    found.add(eco, check("cargo test", "test", ("cargo", "test")))


def _temp_root() -> Path:
    """RUNNER_TEMP in Actions (per job, emptied after it); else the user's own temp folder."""
    runner_temp = os.environ.get("RUNNER_TEMP")
    if runner_temp:
        return Path(runner_temp)
    return Path(tempfile.gettempdir()) / f"autoheal-{os.getuid()}"


def detect_project(root: Path, *, timeout: float = 600, path: str | None = None) -> Plan:
    """Checks for the Python, Node, Go and Rust projects at `root`, using installed tools only,
    and formatters and linters only where the project configures them."""
    project = _Project(root, _Finder(root, path), timeout, ProjectConfig(root))
    found = _Detected()
    # pre-commit first: the tools its hooks run are then not run a second time on their own.
    for detector in (_detect_pre_commit, _detect_python, _detect_node, _detect_go, _detect_rust):
        detector(project, found)
    for name, why in project.config.problems.items():
        found.skip(name, why)
    return Plan(checks=found.checks, detected=found.detected, skipped=found.skipped)
