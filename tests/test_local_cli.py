"""The local command: revisions as git names them, suggestions for typos, one line per error,
short tool output, plain text, and an install without actions-toolkit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.actions import TOKEN, ActionsEnv, parse_outputs
from tests.gitfixtures import Repos, git, make_repo

SRC = Path(__file__).resolve().parent.parent / "src"


def local(capsys: pytest.CaptureFixture[str], argv: list[str], **env: str) -> tuple[int, str, str]:
    from autoheal.cli import main

    capsys.readouterr()
    code = main(argv, {"PATH": os.environ["PATH"], **env})
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- one error, once


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "--no-such-flag"], "Command line: unknown flag `--no-such-flag`."),
        (["validate", "--threshold"], "Command line: argument --threshold: expected one"),
        (["validate", "--threshold", "abc"], "Input `threshold` is 'abc', which is not valid."),
        (["valdate"], "Input `mode` is 'valdate', which is not valid."),
        (["validate", "stray"], "Command line: unexpected argument 'stray'"),
        (["validate", "--config", "nope.yml"], "nope.yml does not exist."),
    ],
    ids=["unknown-flag", "missing-value", "bad-value", "bad-mode", "stray-word", "no-config"],
)
def test_an_argument_error_is_printed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    """Once, on stderr: the report a local run prints does not repeat it."""
    code, out, err = local(capsys, [*argv, "--repo", str(tmp_path)])
    assert code == 2
    assert (out + err).count(message) == 1, out + err
    assert err.startswith("error: ") and message in err
    assert "What to do" not in out
    assert "status  FAILED" in out  # the outputs are still listed


# --------------------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["validate", "--threshhold", "40"], "`--threshold`"),
        (["validate", "--treshold=40"], "`--threshold`"),
        (["heal", "--max-dif-lines", "3"], "`--max-diff-lines`"),
        (["heal", "--test-comand", "pytest"], "`--test-command`"),
        (["heal", "--verbsoe"], "`--verbose`"),
        (["heal", "--rollback-via", "push", "--strategi", "range"], "`--strategy`"),
        (["valdate"], "`validate`"),
        (["rollbak"], "`rollback`"),
        (["rollback", "--strategy", "culprt"], "`culprit`"),
        (["rollback", "--rollback-via", "pull-requests"], "`pull-request`"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else None,
)
def test_a_misspelt_flag_mode_or_word_gets_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], suggestion: str
) -> None:
    code, _, err = local(capsys, [*argv, "--repo", str(tmp_path)])
    assert code == 2
    assert f"Did you mean {suggestion}?" in err, err


def test_no_suggestion_when_nothing_is_close(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = local(capsys, ["validate", "--zzzz", "--repo", str(tmp_path)])
    assert code == 2 and "Did you mean" not in err


def test_an_unknown_flag_is_named_without_its_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = local(capsys, ["validate", f"--tokn={TOKEN}", "--repo", str(tmp_path)])
    assert code == 2
    assert "unknown flag `--tokn`" in err
    assert TOKEN not in out + err


def test_a_misspelt_mode_in_a_workflow_gets_the_suggestion_too(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    actions.inputs(mode="redispach")
    run = actions.run(capsys)
    assert run.code == 2
    assert "Did you mean `redispatch`?" in run.out and "Did you mean `redispatch`?" in run.summary


# --------------------------------------------------------------------------- revisions


@pytest.fixture
def repo(tmp_path: Path) -> Repos:
    """A repository with three commits on main, a tag on the first and a branch on the second."""
    repos = make_repo(tmp_path)
    repos.commit("two.txt", "2\n", "two")
    repos.commit("three.txt", "3\n", "three")
    git(repos.work, "tag", "v1", "HEAD~2")
    git(repos.work, "branch", "topic", "HEAD~1")
    return repos


def _validated_sha(
    capsys: pytest.CaptureFixture[str], repos: Repos, tmp_path: Path, *flags: str
) -> tuple[int, str, str]:
    """validate's exit code, the `sha` output it evaluated, and stderr."""
    outputs = tmp_path / "outputs"
    outputs.write_text("")
    argv = ["validate", "--repo", str(repos.work), "--detect", "false", "--test-command", "true"]
    code, _, err = local(capsys, [*argv, *flags], GITHUB_OUTPUT=str(outputs))
    return code, parse_outputs(outputs).get("sha", ""), err


@pytest.mark.parametrize(
    ("rev", "commit"),
    [("HEAD~2", "HEAD~2"), ("HEAD", "HEAD"), ("topic", "topic"), ("v1", "v1"), ("short", "HEAD~1")],
    ids=["HEAD~2", "HEAD", "branch", "tag", "short-sha"],
)
def test_local_sha_takes_any_revision_git_knows(
    repo: Repos, tmp_path: Path, capsys: pytest.CaptureFixture[str], rev: str, commit: str
) -> None:
    full = git(repo.work, "rev-parse", f"{commit}^{{commit}}").strip()
    rev = full[:9] if rev == "short" else rev
    code, sha, err = _validated_sha(capsys, repo, tmp_path, "--sha", rev)
    assert code == 0, err
    assert sha == full


def test_a_revision_git_cannot_resolve_is_a_bad_input(
    repo: Repos, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, sha, err = _validated_sha(capsys, repo, tmp_path, "--sha", "HEAD~9")
    assert code == 2 and sha == ""
    assert "Input `sha` is 'HEAD~9', which git cannot resolve to a commit in" in err
    assert "HEAD~2" in err and "${{" not in err  # a command line's words, not a workflow's


@pytest.mark.parametrize("rev", ["--all", "-n1", "HEAD\nx"], ids=["option", "short-option", "nl"])
def test_a_revision_git_would_read_as_an_option_never_reaches_git(
    repo: Repos,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    rev: str,
) -> None:
    from autoheal.git import Git

    def no_git(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("git was asked to resolve it")

    monkeypatch.setattr(Git, "rev_parse", no_git)
    code, _, err = _validated_sha(capsys, repo, tmp_path, f"--sha={rev}")
    assert code == 2
    assert "Input `sha` is" in err and "which is not a revision" in err


def test_in_actions_revisions_stay_full_shas(
    repo: Repos, actions: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    """Inputs there come from events: `HEAD~1` is a mistake to report, not a name to look up."""
    actions.env["INPUT_WORKING_DIRECTORY"] = str(repo.work)
    actions.inputs(mode="rollback", before="HEAD~1", after=repo.sha())
    run = actions.run(capsys)
    assert run.code == 2
    assert "Input `before` is 'HEAD~1', which is not valid." in run.out
    assert "${{ github.sha }}" in run.out


# --------------------------------------------------------------------------- tool output


NOISY = "python3 -c \"import sys; [print(f'line {i}') for i in range(1, 101)]; sys.exit(1)\""


def _noisy_validate(capsys: pytest.CaptureFixture[str], repos: Repos, *flags: str) -> str:
    argv = ["validate", "--repo", str(repos.work), "--detect", "false", "--retries", "0"]
    code, out, err = local(capsys, [*argv, "--test-command", NOISY, *flags])
    assert code == 0, err
    return out


def test_a_failing_check_shows_only_the_end_of_its_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _noisy_validate(capsys, make_repo(tmp_path))
    lines = out.splitlines()
    assert "… 80 lines hidden, --verbose shows all" in lines
    assert [f"line {i}" for i in range(81, 101)] == [ln for ln in lines if ln.startswith("line ")]


def test_verbose_shows_the_whole_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _noisy_validate(capsys, make_repo(tmp_path), "--verbose")
    lines = out.splitlines()
    assert [f"line {i}" for i in range(1, 101)] == [ln for ln in lines if ln.startswith("line ")]
    assert "hidden" not in out


def test_in_actions_the_whole_output_is_in_a_collapsed_group(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    repos = make_repo(actions.tmp)
    actions.env["INPUT_WORKING_DIRECTORY"] = str(repos.work)
    actions.inputs(mode="validate", detect="false", retries="0", test_command=NOISY)
    run = actions.run(capsys)
    assert run.code == 0, run.out
    group = run.out.split("::group::test: test output\n", 1)[1].split("::endgroup::", 1)[0]
    assert [f"line {i}" for i in range(1, 101)] == [
        ln for ln in group.splitlines() if ln.startswith("line ")
    ]
    assert "hidden" not in run.out


# --------------------------------------------------------------------------- plain text


def test_the_terminal_gets_plain_text_and_the_summary_file_markdown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repos = make_repo(tmp_path)
    summary = tmp_path / "summary.md"
    argv = ["validate", "--repo", str(repos.work), "--detect", "false", "--test-command", "true"]
    code, out, _ = local(capsys, argv, GITHUB_STEP_SUMMARY=str(summary))
    assert code == 0
    markdown = summary.read_text()
    assert "**HEALTHY**" in markdown and "|---|" in markdown and "`true`" in markdown
    report = out[out.index("Rollback Safety Status") : out.index("Outputs:")]
    assert "HEALTHY: effectiveness 100/100" in report
    assert "**" not in report and "|---" not in report and "`" not in report
    header = next(line for line in report.splitlines() if line.startswith("Category"))
    assert header.split() == ["Category", "Check", "Result", "Duration", "Command"]


# --------------------------------------------------------------------------- packaging


BLOCK_TOOLKIT = "import sys; sys.modules['actions_toolkit'] = None"  # import fails


def _run_module(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(SRC), "PATH": os.environ["PATH"], **env},
        cwd=cwd,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"GITHUB_ACTIONS": "true", "INPUT_MODE": "heal", "INPUT_MAX_DIFF_LINES": "x"},
        {"INPUT_MODE": "heal", "INPUT_MAX_DIFF_LINES": "x"},
    ],
    ids=["actions", "local"],
)
def test_the_command_works_without_actions_toolkit(tmp_path: Path, env: dict[str, str]) -> None:
    """A `pip install .` has no actions-toolkit: every line is still the same, byte for byte."""
    env = {**env, "INPUT_TOKEN": TOKEN, "INPUT_WORKING_DIRECTORY": str(tmp_path)}
    run = "from autoheal.cli import main; sys.exit(main([]))"
    without = _run_module(f"{BLOCK_TOOLKIT}; {run}", env, tmp_path)
    with_toolkit = _run_module(f"import sys; {run}", env, tmp_path)
    assert without.returncode == with_toolkit.returncode == 2
    assert without.stdout == with_toolkit.stdout
    assert without.stderr == with_toolkit.stderr
    shown = without.stdout + without.stderr
    assert "Input `max-diff-lines` is 'x'" in shown and "Traceback" not in shown


def test_the_fallback_escapes_like_actions_toolkit() -> None:
    import contextlib
    import io

    from actions_toolkit.command import issue_command

    from autoheal.report import command_line

    for message, title in [
        ("plain", ""),
        ("50% done\r\nnext ::error::x", "a: b, c"),
        ("%0A already escaped", "%25"),
        ("", "t"),
    ]:
        props = {"title": title} if title else {}
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            issue_command("error", props, message)
        assert command_line("error", props, message) + os.linesep == printed.getvalue()


def test_the_package_does_not_depend_on_actions_toolkit() -> None:
    """Its dependencies (PyGithub, cryptography, PyNaCl) are never used: the action installs it
    alone from its lock, and the package's own metadata leaves it out."""
    tomllib = pytest.importorskip("tomllib")
    root = SRC.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    names = [
        dep.split(">")[0].split("=")[0].split("[")[0].strip().lower()
        for dep in project["dependencies"]
    ]
    assert names == ["requests", "pyyaml"]
    assert "actions-toolkit" not in str(project.get("optional-dependencies", {}))
    lock = (root / "requirements" / "action.txt").read_text()
    assert "actions-toolkit==" in lock  # the action still installs it, without dependencies
    for name in names:
        assert f"\n{name}==" in lock.lower(), name
