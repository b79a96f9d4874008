"""The checks runner: running commands safely, and concurrency."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autoheal import checks
from autoheal.checks import Check, CheckResult, run_check, run_checks, run_fix, runner


def make(
    command: checks.Command,
    *,
    name: str = "c",
    category: str = "lint",
    cwd: Path | None = None,
    timeout: float = 5.0,
    fix: checks.Command | None = None,
    **extra: Any,
) -> Check:
    return Check(name, category, command, cwd or Path.cwd(), timeout, fix, "input", **extra)


def gone(pid: int, within: float = 1.0) -> bool:
    """True once `pid` no longer runs (missing, or a zombie waiting for its reaper)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


# ----------------------------------------------------------------------------- running


@pytest.mark.parametrize(
    ("command", "passed", "exit_code"),
    [
        pytest.param(("true",), True, 0, id="argv-pass"),
        pytest.param(("false",), False, 1, id="argv-fail"),
        pytest.param("exit 0", True, 0, id="shell-pass"),
        pytest.param("echo broken >&2; exit 3", False, 3, id="shell-fail"),
    ],
)
def test_pass_and_fail(command: checks.Command, passed: bool, exit_code: int) -> None:
    result = run_check(make(command))
    assert (result.passed, result.exit_code, result.timed_out, result.error) == (
        passed,
        exit_code,
        False,
        None,
    )
    assert result.duration >= 0


def test_stderr_is_merged_into_output() -> None:
    result = run_check(make("echo out; echo err >&2"))
    assert result.output.splitlines() == ["out", "err"]


def test_stdin_is_closed() -> None:
    started = time.monotonic()
    result = run_check(make(("cat",), timeout=3))
    assert result.passed and result.output == ""
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    ("command", "cwd", "message"),
    [
        pytest.param(("autoheal-no-such-tool-xyz", "--x"), None, "command not found", id="missing"),
        pytest.param(("true",), Path("/nonexistent/autoheal"), "does not exist", id="bad-cwd"),
        pytest.param((), None, "empty command", id="empty"),
    ],
)
def test_cannot_start_is_a_failed_result(
    command: checks.Command, cwd: Path | None, message: str
) -> None:
    result = run_check(make(command, cwd=cwd))
    assert not result.passed
    assert result.exit_code is None
    assert result.error is not None and message in result.error


@pytest.mark.parametrize(
    "command",
    [
        pytest.param("sleep 30", id="shell-sleep"),
        pytest.param(("sh", "-c", "sleep 30 & echo $!; wait"), id="grandchild-holds-pipe"),
        pytest.param("trap '' TERM; sleep 30 & echo $!; wait", id="ignores-sigterm"),
    ],
)
def test_hanging_check_is_killed_with_its_group(command: checks.Command) -> None:
    started = time.monotonic()
    result = run_check(make(command, timeout=0.3))
    elapsed = time.monotonic() - started
    assert result.timed_out and not result.passed
    assert result.error == "timed out after 0.3 s"
    assert elapsed < 2
    assert 0.3 <= result.duration <= elapsed  # the time it really ran, kill included
    for line in result.output.split():
        assert gone(int(line)), f"grandchild {line} survived the timeout"


def test_background_child_left_behind_is_ended() -> None:
    # The check itself exits at once; its background child keeps the pipe open.
    started = time.monotonic()
    result = run_check(make("sleep 30 & echo $!", timeout=10))
    assert time.monotonic() - started < 3
    assert result.passed and not result.timed_out
    assert gone(int(result.output.strip()))


@pytest.mark.skipif(shutil.which("setsid") is None, reason="setsid is not installed")
def test_detached_grandchild_holding_pipe_does_not_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # setsid moves the grandchild out of our group: it cannot be killed, only abandoned.
    monkeypatch.setattr(runner, "EOF_GRACE", 0.2)
    started = time.monotonic()
    result = run_check(make("setsid sleep 3 & sleep 30", timeout=0.3))
    assert time.monotonic() - started < 2
    assert result.timed_out


def test_large_output_keeps_head_and_tail() -> None:
    command = "printf START; head -c 2000000 /dev/zero | tr '\\0' x; printf END"
    result = run_check(make(command))
    assert result.passed
    assert result.output.startswith("START")
    assert result.output.endswith("END")
    cut = 2_000_000 + len("STARTEND") - 2 * checks.OUTPUT_KEEP
    assert f"[autoheal: {cut} bytes of output cut here]" in result.output
    assert len(result.output) < 2 * checks.OUTPUT_KEEP + 200


def test_undecodable_bytes_are_replaced() -> None:
    result = run_check(make("printf 'ok \\377\\376 done'"))
    assert result.output == "ok \ufffd\ufffd done"


def test_workflow_commands_are_captured_verbatim() -> None:
    # Escaping for the log is report.py's job; the engine must not alter or drop these lines.
    text = "::error::boom\n::add-mask::hunter2\n::stop-commands::x\n"
    result = run_check(make(("printf", "%s", text)))
    assert result.output == text


def test_env_and_cwd(tmp_path: Path) -> None:
    check = make("echo $AUTOHEAL_T; pwd", cwd=tmp_path, env=(("AUTOHEAL_T", "v1"),))
    result = run_check(check)
    assert result.output.splitlines() == ["v1", str(tmp_path)]


def test_token_is_not_passed_to_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INPUT_TOKEN", "ghs_secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setenv("AUTOHEAL_KEEP", "kept")
    check = make("echo ${INPUT_TOKEN:-none} ${GITHUB_TOKEN:-none} $AUTOHEAL_KEEP")
    assert run_check(check).output == "none none kept\n"
    assert run_fix(make(("true",), fix=check.command)).output == "none none kept\n"


def test_token_under_another_name_is_not_passed_to_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    # A job-level `MY_PAT: ${{ secrets.X }}` given as `token: ${{ env.MY_PAT }}`.
    monkeypatch.setenv("INPUT_TOKEN", "ghp_value-of-the-pat")
    monkeypatch.setenv("MY_PAT", "ghp_value-of-the-pat")
    monkeypatch.setenv("NPM_CONFIG", "//registry/:_authToken=ghp_value-of-the-pat")
    monkeypatch.setenv("AUTOHEAL_KEEP", "kept")
    out = run_check(make("env")).output
    assert "ghp_value-of-the-pat" not in out and "MY_PAT" not in out and "NPM_CONFIG" not in out
    assert "AUTOHEAL_KEEP=kept" in out


def test_steps_share_one_timeout() -> None:
    started = time.monotonic()
    result = run_check(make((("sleep", "0.2"), ("sleep", "0.2"), ("echo", "3")), timeout=0.3))
    assert time.monotonic() - started < 1.5
    assert result.duration >= 0.3  # both steps' time, not the last one's
    assert result.timed_out and not result.passed and "\n3" not in result.output


@pytest.mark.parametrize(
    ("command", "passed"),
    [
        pytest.param(("printf", ""), True, id="silent-passes"),
        pytest.param(("echo", "main.go"), False, id="listing-fails"),
        pytest.param(("false",), False, id="exit-code-still-counts"),
    ],
)
def test_fail_on_output(command: checks.Command, passed: bool) -> None:
    assert run_check(make(command, fail_on_output=True)).passed is passed


def test_steps_all_run_and_any_failure_fails(tmp_path: Path) -> None:
    steps = (("sh", "-c", "echo one; exit 4"), ("sh", "-c", "echo two"))
    result = run_check(make(steps))
    assert not result.passed and result.exit_code == 4
    assert "$ sh -c 'echo one; exit 4'\none" in result.output
    assert "two" in result.output


def test_steps_stop_when_a_tool_is_missing() -> None:
    result = run_check(make((("autoheal-no-such-tool-xyz",), ("echo", "after"))))
    assert not result.passed and "after" not in result.output
    assert result.error is not None and "not found" in result.error


def test_run_fix_runs_the_fix(tmp_path: Path) -> None:
    target = tmp_path / "f"
    check = make(("test", "-f", "f"), cwd=tmp_path, fix=(("touch", "f"), ("echo", "fixed")))
    assert not run_check(check).passed
    fixed = run_fix(check)
    assert fixed.passed and "fixed" in fixed.output and target.exists()
    assert run_check(check).passed


def test_run_fix_without_fix() -> None:
    result = run_fix(make(("true",), name="lint"))
    assert not result.passed and result.error == "lint has no fix command"


@pytest.mark.parametrize(
    ("command", "display"),
    [
        pytest.param(("ruff", "check", "."), "ruff check .", id="argv"),
        pytest.param(("echo", "a b", "$X"), "echo 'a b' '$X'", id="argv-quoted"),
        pytest.param("make lint && echo $X", "make lint && echo $X", id="shell-verbatim"),
        pytest.param((("a", "1"), ("b",)), "a 1 && b", id="steps"),
    ],
)
def test_display(command: checks.Command, display: str) -> None:
    assert make(command).display == display


def test_concurrency() -> None:
    batch = [make(("sleep", "0.5"), name=f"s{i}") for i in range(4)]
    started = time.monotonic()
    results = run_checks(batch, max_workers=4)
    assert time.monotonic() - started < 1.5
    assert all(result.passed for result in results)


def test_results_keep_input_order() -> None:
    delays = [0.4, 0.0, 0.2, 0.1]
    batch = [make(f"sleep {d}; echo {i}", name=f"c{i}") for i, d in enumerate(delays)]
    results = run_checks(batch, max_workers=4)
    assert [r.check.name for r in results] == ["c0", "c1", "c2", "c3"]
    assert [r.output.strip() for r in results] == ["0", "1", "2", "3"]


def test_default_worker_count_runs_everything() -> None:
    results = run_checks([make(("true",), name=f"t{i}") for i in range(3)])
    assert [r.passed for r in results] == [True, True, True]
    assert run_checks([]) == []


def test_default_concurrency_is_bounded_by_the_cpu_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 2)
    lock = threading.Lock()
    running, peak = 0, 0
    first_two = threading.Barrier(2, timeout=5)  # breaks unless two checks run at once

    def tracked(check: Check) -> CheckResult:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            if check.name in ("c0", "c1"):
                first_two.wait()
            time.sleep(0.05)  # overlap long enough for a third to show if it could start
        finally:
            with lock:
                running -= 1
        return CheckResult(check, True, 0, 0.0, "")

    monkeypatch.setattr(runner, "run_check", tracked)
    results = run_checks([make(("true",), name=f"c{i}") for i in range(6)])
    assert [r.passed for r in results] == [True] * 6, [r.error for r in results]
    assert peak == 2


def crashing_for(name: str, real: Callable[[Check], CheckResult]) -> Callable[..., CheckResult]:
    """`real`, except that it raises (an engine bug) for the check called `name`."""

    def engine(check: Check) -> CheckResult:
        if check.name == name:
            raise RuntimeError("engine bug")
        return real(check)

    return engine


def test_unexpected_exception_becomes_failed_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "run_check", crashing_for("boom", checks.run_check))
    results = run_checks([make(("true",), name="ok"), make(("true",), name="boom")])
    assert results[0].passed
    assert not results[1].passed
    assert results[1].error == "internal error: RuntimeError: engine bug"


def test_a_crashing_fixer_is_a_failed_result_and_the_next_fix_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "run_fix", crashing_for("boom", checks.run_fix))
    batch = [
        make(("false",), name="boom", fix=("touch", "boom")),
        make(("false",), name="ok", cwd=tmp_path, fix=("touch", "fixed")),
    ]
    results = checks.run_fixes(batch)
    assert [r.check.name for r in results] == ["boom", "ok"]
    assert not results[0].passed and results[0].error == "internal error: RuntimeError: engine bug"
    assert results[1].passed and (tmp_path / "fixed").exists()
