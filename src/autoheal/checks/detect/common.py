"""What every detector shares: the project being detected and the list of what was found.

`_Project` holds the tree, the tool finder (`_Finder`: the project's venv first, then PATH),
the timeout and the project's configuration (`autoheal.checks.detect.project_config`);
`_Detected` collects the checks found and the skipped ones with why. `_configured_tool` is the
rule for formatters and linters (configured, installed, and not already run by pre-commit);
`_read_text`, `_has_files` and `_temp_root` are bounded reads of the tree and the temp folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autoheal.checks.detect.project_config import PRE_COMMIT_CONFIG, Hooks, ProjectConfig
from autoheal.checks.model import Check, Command

# A formatter or linter becomes a check only when the project configures or declares it
# (autoheal.checks.detect.project_config): an installed tool is not a statement that the project
# uses it, and its fixer would rewrite the repository in a style the project never chose. Tools
# that are installed but not configured are listed as skipped, with the reason.


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


def _temp_root() -> Path:
    """RUNNER_TEMP in Actions (per job, emptied after it); else the user's own temp folder."""
    runner_temp = os.environ.get("RUNNER_TEMP")
    if runner_temp:
        return Path(runner_temp)
    return Path(tempfile.gettempdir()) / f"autoheal-{os.getuid()}"
