"""Shared mode pieces: plan description and result tables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autoheal.checks import Check, CheckResult, Plan
from autoheal.modes.common import plan_markdown, results_table


def result(tmp_path: Path, name: str, passed: bool, **kw: object) -> CheckResult:
    check = Check(
        name=name, category="lint", command=("ruff", "check", "a|b"), cwd=tmp_path, timeout=5
    )
    return CheckResult(
        check=check, passed=passed, exit_code=0 if passed else 1, duration=1.25, output="", **kw
    )  # type: ignore[arg-type]


def test_results_table_rows_and_escaping(tmp_path: Path) -> None:
    table = results_table(
        [
            result(tmp_path, "ruff", True),
            result(tmp_path, "x", False),
            result(tmp_path, "slow", False, timed_out=True),
        ],
        flaky=frozenset({"x"}),
    )
    rows = table.splitlines()
    assert len(rows) == 5
    assert ("✅ pass" in rows[2] and "1.2s" in rows[2]) or "1.3s" in rows[2]
    assert "flaky" in rows[3]
    assert "timed out after 5s" in rows[4]
    assert "a\\|b" in rows[2]  # a pipe in a command cannot break the table


def test_plan_markdown_says_what_was_skipped_and_when_nothing_found(tmp_path: Path) -> None:
    text = plan_markdown(
        Plan(
            checks=[],
            detected=["python: ruff"],
            skipped=[("python: mypy", "no mypy configuration found")],
        )
    )
    assert "python: ruff" in text
    assert "python: mypy: no mypy configuration found" in text
    assert "No checks found" in text


def test_max_parallel_reaches_the_plan(tmp_path: Path) -> None:
    from autoheal import settings
    from autoheal.modes.common import plan_checks

    def plan(**env: str) -> Plan:
        opts = settings.load(
            ["validate", "--repo", str(tmp_path), "--detect", "false", "--test-command", "true"],
            env,
        )
        return plan_checks(opts)

    assert plan().parallel is None  # one per core
    assert plan(INPUT_MAX_PARALLEL="8").parallel == 8


def test_validate_runs_checks_with_the_plan_parallelism(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from autoheal.cli import main
    from autoheal.modes.validate import evaluation as validate

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "commit", "-q", "--allow-empty", "-m", "x"],
        check=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "a",
            "GIT_AUTHOR_EMAIL": "a@b",
            "GIT_COMMITTER_NAME": "a",
            "GIT_COMMITTER_EMAIL": "a@b",
        },
    )
    seen: list[int | None] = []
    real = validate.run_checks

    def spy(checks: list[Check], max_workers: int | None = None) -> list[CheckResult]:
        seen.append(max_workers)
        return real(checks, max_workers)

    monkeypatch.setattr(validate, "run_checks", spy)
    argv = [
        "validate",
        "--repo",
        str(tmp_path),
        "--detect",
        "false",
        "--test-command",
        "true",
        "--max-parallel",
        "6",
    ]
    assert main(argv, {"PATH": os.environ["PATH"]}) == 0
    assert seen == [6]


def test_repository_authenticates_on_the_run_server(tmp_path: Path) -> None:
    import subprocess

    from autoheal import settings
    from autoheal.context import Context
    from autoheal.modes.common import repository

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    opts = settings.load(["validate", "--repo", str(tmp_path)], {"GITHUB_TOKEN": "ghs_abcdef"})
    git = repository(opts, Context(server_url="https://ghe.example.com"))
    assert git.host == "ghe.example.com"
    assert "GIT_CONFIG_VALUE_1" in git.env(auth=True)  # the token travels in the environment
    assert "ghs_abcdef" not in repr(git)
    assert repository(opts, Context(server_url="")).host == "github.com"


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("checks:\n  lint:\n    comand: ruff check .\n", "checks.lint.comand is not a known key"),
        ("checks:\n  lint:\n    command: [1, 2]\n", "checks.lint.command must be"),
        ("checks:\n  deploy:\n    command: make\n", "checks.deploy is not a check category"),
        # Only the tree the checks run in can tell: refused by the plan, not by the settings.
        (
            "checks:\n  test:\n    command: make\n    working-directory: app\n",
            "checks.test.working-directory must be an existing directory",
        ),
    ],
    ids=["unknown-key", "wrong-type", "unknown-category", "missing-working-directory"],
)
def test_an_error_in_the_checks_table_names_the_key_and_the_file(
    tmp_path: Path, table: str, says: str
) -> None:
    from autoheal import settings
    from autoheal.errors import InputError
    from autoheal.modes.common import plan_checks

    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "autoheal.yml").write_text(table)
    with pytest.raises(InputError) as err:
        plan_checks(settings.load(["validate", "--repo", str(tmp_path)], {}))
    assert str(err.value).startswith(f"Config file {tmp_path / '.github' / 'autoheal.yml'}: ")
    assert says in str(err.value) and err.value.exit_code == 2
