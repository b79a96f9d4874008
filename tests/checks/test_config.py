"""Where checks come from: inputs, the `checks:` table and detection, and their precedence."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from autoheal.checks import build_checks, run_checks, run_fix
from autoheal.errors import InputError

# ----------------------------------------------------------------------------- sources


def python_project(root: Path) -> Path:
    """A Python project with tests that lints and formats with ruff."""
    root.mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "demo"\n[tool.ruff.format]\n')
    (root / "tests").mkdir()
    (root / "app").mkdir()
    return root


def fake_bin(tmp_path: Path, *tools: str) -> str:
    """A PATH holding only executable stubs named `tools`."""
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir(exist_ok=True)
    for tool in tools:
        stub = bin_dir / tool
        stub.write_text("#!/bin/sh\nexit 0\n")
        stub.chmod(0o755)
    return str(bin_dir)


def test_precedence_input_over_config_over_detected(tmp_path: Path) -> None:
    root = python_project(tmp_path / "proj")
    path = fake_bin(tmp_path, "ruff", "pytest", "python3", "pip-audit")
    config = {
        "lint": {"command": "make lint"},  # loses to the input
        "test": {"command": ["make", "test"], "timeout": 30},  # beats detected pytest
    }
    inputs = {"lint-command": "npm run lint", "fix-command": "npm run fix", "build-command": " "}
    plan = build_checks(root, inputs=inputs, config=config, path=path)
    got = [(c.category, c.name, c.source, c.display) for c in plan.checks]
    assert got == [
        ("lint", "lint", "input", "npm run lint"),
        ("security", "pip-audit", "detected", "pip-audit"),
        ("build", "compileall", "detected", got[2][3]),
        ("test", "test", "config", "make test"),
    ]
    assert plan.checks[0].fix == "npm run fix"
    assert plan.checks[3].command == ("make", "test") and plan.checks[3].timeout == 30
    assert plan.categories() == ["lint", "security", "build", "test"]
    skipped = dict(plan.skipped)
    assert skipped["python: ruff (lint, fix: ruff check --fix . && ruff format .)"] == (
        "lint is set by an input"
    )
    assert skipped["python: pytest (test)"] == "test is set in .github/autoheal.yml"


def test_inputs_only_without_detection(tmp_path: Path) -> None:
    root = python_project(tmp_path)
    inputs = {"test-command": "pytest -x", "security-command": "audit", "other": "ignored"}
    plan = build_checks(root, inputs=inputs, config={}, detect=False, timeout=42)
    assert [(c.category, c.command, c.timeout) for c in plan.checks] == [
        ("security", "audit", 42),
        ("test", "pytest -x", 42),
    ]
    assert plan.detected == [] and plan.skipped == []


def test_config_list_names_and_working_directory(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    config = {
        "lint": [
            {"command": "eslint .", "working-directory": "web", "fix": ["eslint", "--fix", "."]},
            {"command": "ruff check .", "name": "ruff"},
            {"command": "other"},
        ],
        "security": None,  # disables detection of that category
    }
    plan = build_checks(tmp_path, inputs={}, config=config, detect=False)
    assert [(c.name, c.cwd) for c in plan.checks] == [
        ("lint-1", (tmp_path / "web").resolve()),
        ("ruff", tmp_path),
        ("lint-3", tmp_path),
    ]
    assert plan.checks[0].fix == ("eslint", "--fix", ".")
    assert ("security", "disabled in .github/autoheal.yml") in plan.skipped


def test_null_category_stops_detection(tmp_path: Path) -> None:
    root = python_project(tmp_path / "proj")
    path = fake_bin(tmp_path, "ruff", "pytest")
    plan = build_checks(root, inputs={}, config={"test": None}, path=path)
    assert "test" not in plan.categories()
    assert "lint" in plan.categories()


def test_duplicate_names_are_made_unique(tmp_path: Path) -> None:
    config = {"lint": [{"command": "a", "name": "x"}, {"command": "b", "name": "x"}]}
    plan = build_checks(tmp_path, inputs={}, config=config, detect=False)
    assert [c.name for c in plan.checks] == ["x", "x #2"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(["lint"], "checks must be a mapping", id="not-a-mapping"),
        pytest.param({"lnt": {"command": "x"}}, r"checks\.lnt .*did you mean `lint`", id="cat"),
        pytest.param(
            {"lint": {"comand": "x"}}, r"checks\.lint\.comand .*did you mean `command`", id="key"
        ),
        pytest.param({"lint": {"fix": "x"}}, r"checks\.lint\.command is missing", id="no-cmd"),
        pytest.param({"lint": {"command": 3}}, r"checks\.lint\.command must be", id="cmd-type"),
        pytest.param({"lint": {"command": []}}, r"checks\.lint\.command must be", id="cmd-empty"),
        pytest.param({"lint": {"command": "  "}}, r"checks\.lint\.command must be", id="blank"),
        pytest.param(
            {"lint": {"command": "a", "fix": ["x", 1]}}, r"checks\.lint\.fix must be", id="fix"
        ),
        pytest.param({"test": "pytest"}, r"checks\.test must be a mapping", id="str-entry"),
        pytest.param(
            {"lint": [{"command": "a"}, {"command": "b", "timeout": -1}]},
            r"checks\.lint\[1\]\.timeout must be a positive number",
            id="list-timeout",
        ),
        pytest.param(
            {"lint": {"command": "a", "timeout": True}}, r"checks\.lint\.timeout", id="bool-timeout"
        ),
        pytest.param(
            {"build": {"command": "a", "working-directory": "../"}},
            r"checks\.build\.working-directory must be an existing directory inside",
            id="escapes-root",
        ),
        pytest.param(
            {"build": {"command": "a", "working-directory": "/tmp"}},
            r"checks\.build\.working-directory",
            id="absolute",
        ),
        pytest.param(
            {"build": {"command": "a", "working-directory": "missing"}},
            r"checks\.build\.working-directory",
            id="missing-dir",
        ),
        pytest.param(
            {"build": {"command": "a", "name": ""}}, r"checks\.build\.name", id="empty-name"
        ),
    ],
)
def test_config_validation_names_the_key(tmp_path: Path, config: Any, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        build_checks(tmp_path, inputs={}, config=config, detect=False)
    assert caught.value.exit_code == 2
    assert caught.value.fix, "every config error says what to write instead"


def test_fix_input_without_command_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="`security-fix-command` is set but `security-command`"):
        build_checks(tmp_path, inputs={"security-fix-command": "x"}, config={}, detect=False)


def test_bad_timeout(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="timeout"):
        build_checks(tmp_path, inputs={}, config={}, timeout=0)


def test_plan_runs_end_to_end(tmp_path: Path) -> None:
    config = {"lint": {"command": "test -f ok", "fix": "touch ok"}, "test": {"command": "true"}}
    plan = build_checks(tmp_path, inputs={}, config=config, detect=False, timeout=5)
    first = run_checks(plan.checks)
    assert [r.passed for r in first] == [False, True]
    assert run_fix(plan.checks[0]).passed
    assert all(r.passed for r in run_checks(plan.checks))
    assert os.path.exists(tmp_path / "ok")
