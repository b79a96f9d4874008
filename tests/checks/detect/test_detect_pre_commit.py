"""pre-commit as a check and a fixer, with the real pre-commit of the dev requirements and local
`language: system` hooks (nothing is fetched), and the tree a rewriting check leaves behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autoheal.checks import Check, detect_project, run_check, run_checks, run_fix
from autoheal.checks.tree_guard import snapshot
from tests.checks.detect.test_detect import PYPROJECT, by_name, reasons, stubs, write
from tests.gitfixtures import configure_identity, git
from tests.heal_helpers import tools_path

BLACK_HOOK = """\
repos:
  - repo: local
    hooks:
      - id: black
        name: black
        entry: black
        language: system
        types: [python]
"""
UNFORMATTED = "x=1\n"
FORMATTED = "x = 1\n"


@pytest.fixture(autouse=True)
def _pre_commit_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pre-commit's cache in the test's folder, and the venv's pre-commit and black on PATH."""
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.setenv("PATH", tools_path())


def committed(root: Path, files: dict[str, str]) -> Path:
    """`files` committed in a new repository at `root` (pre-commit runs on tracked files)."""
    write(root, files)
    git(root.parent, "init", "-q", "--initial-branch=main", str(root))
    configure_identity(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    return root


def black_project(root: Path, app: str = UNFORMATTED) -> Path:
    files = {
        "pyproject.toml": PYPROJECT + "[tool.black]\n",
        ".pre-commit-config.yaml": BLACK_HOOK,
        "app.py": app,
    }
    return committed(root, files)


def needs_pre_commit() -> None:
    if shutil.which("pre-commit", path=tools_path()) is None:
        pytest.skip("pre-commit is not installed (requirements/dev.txt)")


def test_pre_commit_check_runs_the_hooks_and_tools_it_runs_are_not_run_twice(
    tmp_path: Path,
) -> None:
    needs_pre_commit()
    root = black_project(tmp_path / "proj")
    plan = detect_project(root, timeout=120)
    check = by_name(plan)["pre-commit"]
    assert (check.category, check.writes_tree) == ("lint", True)
    assert check.display == "pre-commit run --all-files --show-diff-on-failure"
    assert check.fix_display == "pre-commit run --all-files"
    assert "black" not in by_name(plan)
    assert reasons(plan)["python: black"] == "run by the pre-commit check (.pre-commit-config.yaml)"
    assert (
        "pre-commit: .pre-commit-config.yaml (lint, fix: pre-commit run --all-files)"
        in plan.detected
    )

    first = run_check(check)
    assert not first.passed and "files were modified by this hook" in first.output
    assert "-x=1\n+x = 1" in first.output  # --show-diff-on-failure: what the fix would do
    assert "[autoheal: put back 1 file(s) the check rewrote: app.py]" in first.output
    # The check left the tree as it found it, so it fails again: not flaky.
    assert (root / "app.py").read_text() == UNFORMATTED
    assert git(root, "status", "--porcelain") == ""
    assert not run_checks([check])[0].passed

    fix = run_fix(check)  # exits 1 because the hook changed files: the re-check decides
    assert (root / "app.py").read_text() == FORMATTED and fix.exit_code == 1
    assert run_check(check).passed
    assert (root / "app.py").read_text() == FORMATTED  # a fix is kept


def test_without_pre_commit_the_configured_tools_run_one_by_one(tmp_path: Path) -> None:
    root = black_project(tmp_path / "proj")
    plan = detect_project(root, path=stubs(tmp_path / "bin", "black", "ruff"))
    assert "pre-commit" not in by_name(plan)
    assert by_name(plan)["black"].display == "black --check ."
    assert reasons(plan)["pre-commit"] == (
        ".pre-commit-config.yaml found, but neither pre-commit nor prek is installed: the tools "
        "it names run one by one where they are configured"
    )


@pytest.mark.parametrize(
    ("installed", "venv", "runner"),
    [
        pytest.param(("prek",), (), "prek", id="prek-on-path"),
        pytest.param(("pre-commit", "prek"), (), "pre-commit", id="pre-commit-first"),
        pytest.param(("pre-commit",), ("prek",), "VENV/prek", id="project-venv-first"),
    ],
)
def test_pre_commit_runner_lookup(
    tmp_path: Path, installed: tuple[str, ...], venv: tuple[str, ...], runner: str
) -> None:
    root = write(tmp_path / "proj", {"setup.py": "", ".pre-commit-config.yaml": BLACK_HOOK})
    if venv:
        stubs(root / ".venv" / "bin", *venv)
    check = by_name(detect_project(root, path=stubs(tmp_path / "bin", *installed)))["pre-commit"]
    expected = runner.replace("VENV", str(root / ".venv" / "bin"))
    assert check.command == (expected, "run", "--all-files", "--show-diff-on-failure")


@pytest.mark.parametrize(
    ("config", "why"),
    [
        pytest.param("repos: [\n", "is not valid YAML (while parsing a flow", id="bad-yaml"),
        pytest.param("hooks: []\n", "has no `repos:` list: not used", id="no-repos"),
    ],
)
def test_broken_pre_commit_config_is_not_used(tmp_path: Path, config: str, why: str) -> None:
    files = {"pyproject.toml": PYPROJECT + "[tool.black]\n", ".pre-commit-config.yaml": config}
    root = write(tmp_path / "proj", files)
    plan = detect_project(root, path=stubs(tmp_path / "bin", "pre-commit", "black"))
    assert "pre-commit" not in by_name(plan)
    assert "black" in by_name(plan)  # the configured tool runs on its own instead
    assert reasons(plan)[".pre-commit-config.yaml"].startswith(why)


def test_a_ruff_format_hook_declares_ruff_formatting(tmp_path: Path) -> None:
    hooks = (
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.0\n"
        "    hooks:\n      - id: ruff\n      - id: ruff-format\n"
    )
    files = {"pyproject.toml": PYPROJECT + "[tool.ruff]\n", ".pre-commit-config.yaml": hooks}
    root = write(tmp_path / "proj", files)
    # pre-commit not installed: ruff runs on its own, formatting included.
    ruff = by_name(detect_project(root, path=stubs(tmp_path / "bin", "ruff")))["ruff"]
    assert ruff.display == "ruff check --no-fix . && ruff format --check ."
    # installed: the hooks run ruff, so ruff is not a check of its own.
    plan = detect_project(root, path=stubs(tmp_path / "bin2", "ruff", "pre-commit"))
    assert "ruff" not in by_name(plan)
    assert reasons(plan)["python: ruff"] == "run by the pre-commit check (.pre-commit-config.yaml)"


# ----------------------------------------------------------------------------- the tree


def rewrite(path: Path, text: str) -> Check:
    """A tree-writing check that puts `text` in `path` and fails, as a formatter hook does."""
    script = f"open({str(path)!r}, 'w').write({text!r}); raise SystemExit(1)"
    return Check("rewrite", "lint", ("python3", "-c", script), path.parent, 30, writes_tree=True)


def test_rewrites_are_put_back_and_the_users_own_changes_kept(tmp_path: Path) -> None:
    root = committed(tmp_path / "proj", {"a.py": "a = 'x'\n", "b.py": "b = 1\n", "c.py": ""})
    write(root, {"b.py": "b = 2  # mine\n", "new.txt": "untracked\n"})
    (root / "c.py").write_text("staged\n")
    git(root, "add", "c.py")
    (root / "c.py").write_text("staged then edited\n")
    # Same size as the committed text, in the same second: stat data would not show it.
    result = run_check(rewrite(root / "a.py", 'a = "x"\n'))
    assert not result.passed and "put back 1 file(s) the check rewrote: a.py" in result.output
    assert (root / "a.py").read_text() == "a = 'x'\n"
    result = run_check(rewrite(root / "b.py", "b = 3\n"))
    assert (root / "b.py").read_text() == "b = 2  # mine\n"  # the user's edit, not the index's
    run_check(rewrite(root / "c.py", "rewritten\n"))
    assert (root / "c.py").read_text() == "staged then edited\n"
    assert (root / "new.txt").read_text() == "untracked\n"
    status = git(root, "status", "--porcelain").splitlines()
    assert sorted(status) == [" M b.py", "?? new.txt", "MM c.py"]
    assert git(root, "show", ":c.py") == "staged\n"  # the index is untouched


def test_a_tree_writing_check_runs_after_the_others(tmp_path: Path) -> None:
    root = committed(tmp_path / "proj", {"a.py": "before\n"})
    reader = Check("reader", "test", ("grep", "-q", "before", "a.py"), root, 30)
    writer = rewrite(root / "a.py", "after\n")
    # One worker runs checks in the order given: the writer would go first.
    results = run_checks([writer, reader, reader], max_workers=1)
    assert [r.check.name for r in results] == ["rewrite", "reader", "reader"]
    assert [r.passed for r in results] == [False, True, True]


def test_outside_a_repository_nothing_is_put_back(tmp_path: Path) -> None:
    write(tmp_path / "plain", {"a.py": "before\n"})
    assert snapshot(tmp_path / "plain") is None
    result = run_check(rewrite(tmp_path / "plain" / "a.py", "after\n"))
    assert not result.passed and "put back" not in result.output
    assert (tmp_path / "plain" / "a.py").read_text() == "after\n"
