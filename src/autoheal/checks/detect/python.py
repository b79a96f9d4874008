"""Detection of a Python project (pyproject.toml, setup.py, setup.cfg or requirements*.txt):
ruff, isort, black and flake8 where the project configures them, mypy likewise, pip-audit when
installed, a byte-compile of every module as the build (compileall), and pytest when there are
tests.
"""

from __future__ import annotations

from dataclasses import replace

from autoheal.checks.detect.common import _configured_tool, _Detected, _Project, _temp_root
from autoheal.checks.detect.project_config import places
from autoheal.checks.model import Argv, Check


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
