"""heal and validate through main() on projects whose checks come from detection: the diff is
what the project's own fixers produce, and nothing else.

The tools are real (ruff, black and pre-commit of the dev requirements, on PATH as a workflow
installs them); pre-commit runs local `language: system` hooks, so nothing is fetched.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.actions import ActionsEnv, Run
from tests.checks.detect.test_detect_pre_commit import BLACK_HOOK
from tests.gitfixtures import git, make_repo
from tests.heal_helpers import Setup, setup_heal, tools_path
from tests.validate_helpers import heal_payload, set_dispatch

PYPROJECT_BLACK = '[project]\nname = "demo"\n\n[tool.black]\nline-length = 88\n'
# black keeps the unused import and adds a blank line; ruff would delete the import.
APP = "import os\nx=1\n"
# `fix = true` makes a plain `ruff check` rewrite files and exit 0; `I` sorts imports.
PYPROJECT_RUFF_FIX = (
    '[project]\nname = "demo"\n\n[tool.ruff]\nfix = true\n\n[tool.ruff.lint]\nselect = ["I"]\n'
)
UNSORTED = "import sys\nimport os\n\nprint(os, sys)\n"


def formatted_by(work: Path, *argvs: list[str], app: str = APP) -> str:
    """`app` after running `argvs` (the real tools) on a copy of it in `work`."""
    work.mkdir()
    (work / "app.py").write_text(app)
    for argv in argvs:
        subprocess.run(argv, cwd=work, capture_output=True, check=False)
    return (work / "app.py").read_text()


@pytest.fixture(autouse=True)
def _pre_commit_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))


def venv_tool(name: str) -> str:
    found = shutil.which(name, path=tools_path())
    if found is None:
        pytest.skip(f"{name} is not installed (requirements/dev.txt)")
    return found


def heal_detected(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
) -> tuple[Setup, Run]:
    """heal through main() on a remote holding `files`, with detected checks only."""
    s = setup_heal(
        tmp_path, monkeypatch, files=files, detect="true", lint_command="", fix_command=""
    )
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    return s, r


def healed_paths(s: Setup, sha: str) -> list[str]:
    """What heal's commit changed, as the remote has it."""
    return git(s.repos.remote, "diff", "--name-only", f"{sha}^", sha).split()


def test_black_project_with_ruff_installed_gets_only_blacks_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    black, ruff = venv_tool("black"), venv_tool("ruff")
    by_black = formatted_by(tmp_path / "black", [black, "."])
    by_ruff = formatted_by(tmp_path / "ruff", [ruff, "check", "--fix", "."], [ruff, "format", "."])
    assert by_black == "import os\n\nx = 1\n" and by_ruff == "x = 1\n"  # they differ

    files = {"pyproject.toml": PYPROJECT_BLACK, "app.py": APP}
    s, r = heal_detected(tmp_path, monkeypatch, capsys, files)
    assert r.outputs["status"] == "HEALED"
    sha = r.outputs["commit-sha"]
    assert s.repos.remote_sha("main") == sha
    assert s.repos.remote_file("main", "app.py") == by_black
    assert healed_paths(s, sha) == ["app.py"]
    assert "- lint (black): black ." in s.repos.remote_message(sha)
    assert "ruff" not in s.repos.remote_message(sha)
    assert "**Detected:** python: black (lint, fix: black .)" in r.summary
    assert (
        "- python: ruff: installed but not configured (no [tool.ruff] in pyproject.toml, "
        "ruff.toml or .ruff.toml)"
    ) in html.unescape(r.summary)  # names in the summary are plain text, with entities


def test_nothing_configured_means_nothing_reformatted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    venv_tool("ruff")
    files = {"pyproject.toml": '[project]\nname = "demo"\n', "app.py": APP}
    s, r = heal_detected(tmp_path, monkeypatch, capsys, files)
    assert r.outputs["status"] == "HEALTHY"  # only compileall runs, and it passes
    assert r.outputs["commit-sha"] == ""
    assert git(s.repos.remote, "rev-list", "--count", "main").strip() == "1"  # nothing pushed
    assert "- python: formatters and linters: none configured" in r.summary


def test_ruff_fix_true_in_the_configuration_is_still_healed_and_committed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fix = true` (itsdangerous's configuration) must not turn the check into a fixer: the
    check fails, ruff's fix is heal's commit, and the job's checkout is left clean."""
    ruff = venv_tool("ruff")
    files = {"pyproject.toml": PYPROJECT_RUFF_FIX, "app.py": UNSORTED}
    fixed = formatted_by(tmp_path / "ruff", [ruff, "check", "--fix", "."], app=UNSORTED)
    assert fixed == "import os\nimport sys\n\nprint(os, sys)\n"
    s, r = heal_detected(tmp_path, monkeypatch, capsys, files)
    assert r.outputs["status"] == "HEALED", r.summary
    sha = r.outputs["commit-sha"]
    assert s.repos.remote_file("main", "app.py") == fixed
    assert healed_paths(s, sha) == ["app.py"]
    assert "| lint | ruff | ❌ fail (exit 1) | ✅ pass |" in r.summary
    assert s.status() == ""


def test_pre_commit_hooks_are_the_fixer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    black = venv_tool("black")
    venv_tool("pre-commit")
    files = {
        "pyproject.toml": PYPROJECT_BLACK,
        ".pre-commit-config.yaml": BLACK_HOOK,
        "app.py": APP,
    }
    s, r = heal_detected(tmp_path, monkeypatch, capsys, files)
    assert r.outputs["status"] == "HEALED"
    sha = r.outputs["commit-sha"]
    assert s.repos.remote_file("main", "app.py") == formatted_by(tmp_path / "black", [black, "."])
    assert healed_paths(s, sha) == ["app.py"]
    assert "- lint (pre-commit): pre-commit run --all-files" in s.repos.remote_message(sha)
    assert "| lint | pre-commit | ❌ fail (exit 1) | ✅ pass |" in r.summary
    # pre-commit exits 1 when its hooks changed files: the fix "fails", the re-check passes.
    assert "| lint | pre-commit | `pre-commit run --all-files` | ❌ fail (exit 1) |" in r.summary
    assert "- python: black: run by the pre-commit check (.pre-commit-config.yaml)" in r.summary
    assert s.status() == ""


def test_validate_reports_a_pre_commit_failure_as_a_failure_not_flaky(
    actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    venv_tool("pre-commit")
    venv_tool("black")
    monkeypatch.setenv("PATH", tools_path())
    actions.env["PATH"] = tools_path()
    files = {
        "pyproject.toml": PYPROJECT_BLACK,
        ".pre-commit-config.yaml": BLACK_HOOK,
        "app.py": APP,
    }
    repos = make_repo(actions.tmp, files=files)
    clone = repos.clone("ci")
    actions.env["INPUT_WORKING_DIRECTORY"] = str(clone)
    actions.inputs(mode="validate", detect="true", retries="1")
    set_dispatch(actions, heal_payload(repos.sha()))

    run = actions.run(capsys)

    assert run.code == 0, run.err
    breakdown = json.loads(run.outputs["breakdown"])
    assert breakdown["lint"]["outcome"] == "fail"  # the retry saw the same tree: not flaky
    assert run.outputs["flaky-checks"] == ""
    assert git(clone, "status", "--porcelain") == ""
    assert (clone / "app.py").read_text() == APP
