"""Running checks and fixes: each command a subprocess in its own process group.

`run_command` runs one argument list or shell string with stdin closed, stdout and stderr
merged, the whole process group killed at its timeout and the output capped to its head and
tail; `run_steps` runs a multi-step command within one timeout. `run_check` and `run_fix` run a
check or its fix in the token-free environment (putting back what a `writes_tree` check
rewrote); `run_checks` runs checks in parallel (those that write the tree alone, afterwards)
and `run_fixes` runs fixes one after another, a crash in either becoming a failed result.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from autoheal.checks.model import Argv, Check, CheckResult, Command, command_steps, display_command
from autoheal.checks.tree_guard import snapshot
from autoheal.tokens import environ_without_tokens

#: Bytes of output kept at each end of a check's log; the middle is cut.
OUTPUT_KEEP = 32 * 1024
#: Seconds between SIGTERM and SIGKILL for a timed-out process group.
KILL_GRACE = 0.3
#: Seconds to wait for the pipe to close after the main process exited (background children).
EOF_GRACE = 1.0


@dataclass(frozen=True)
class RunOutput:
    """What running one command produced."""

    exit_code: int | None  # None when it never started; negative = killed by that signal
    duration: float
    output: str
    timed_out: bool
    error: str | None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and self.error is None


class _Capture:
    """Keeps the first and last `keep` bytes of a stream and counts what fell in between."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.lock = threading.Lock()

    def feed(self, chunk: bytes) -> None:
        with self.lock:
            self.total += len(chunk)
            room = self.keep - len(self.head)
            if room > 0:
                self.head += chunk[:room]
                chunk = chunk[room:]
            if chunk:
                self.tail += chunk
                if len(self.tail) > self.keep:
                    del self.tail[: len(self.tail) - self.keep]

    def text(self) -> str:
        with self.lock:
            cut = self.total - len(self.head) - len(self.tail)
            if cut <= 0:
                data = bytes(self.head + self.tail)
                return data.decode("utf-8", errors="replace")
            head = bytes(self.head).decode("utf-8", errors="replace")
            tail = bytes(self.tail).decode("utf-8", errors="replace")
            return f"{head}\n[autoheal: {cut} bytes of output cut here]\n{tail}"


def _reader(proc: subprocess.Popen[bytes], capture: _Capture) -> None:
    stream = proc.stdout
    assert stream is not None
    fd = stream.fileno()
    try:
        while chunk := os.read(fd, 65536):
            capture.feed(chunk)
    except OSError:
        pass
    finally:
        # The reader owns the pipe: closing it elsewhere while a read blocks could race.
        stream.close()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole session's process group, short grace, then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)  # raises when the group is already gone
        if wait is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=wait)
    proc.wait()


def run_command(
    command: Argv | str,
    cwd: Path,
    timeout: float,
    env: Mapping[str, str] | None = None,
    *,
    keep: int = OUTPUT_KEEP,
) -> RunOutput:
    """Run one command, never raising for its failures; kills its whole group at `timeout`.

    `env` is the complete environment (None: inherit ours). Output is stdout and stderr merged,
    capped to `keep` bytes at the head and at the tail.
    """
    argv = ["/bin/sh", "-c", command] if isinstance(command, str) else list(command)
    start = time.monotonic()
    if not argv:
        return RunOutput(None, 0.0, "", False, "empty command")
    if not Path(cwd).is_dir():
        return RunOutput(None, 0.0, "", False, f"working directory {cwd} does not exist")
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: a timeout kills grandchildren too
        )
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, FileNotFoundError):
            reason = "command not found"
        return RunOutput(
            None, time.monotonic() - start, "", False, f"could not start {argv[0]!r}: {reason}"
        )
    capture = _Capture(keep)
    # A thread (rather than communicate()) bounds memory and lets us stop waiting for a pipe
    # that a detached grandchild keeps open.
    reader = threading.Thread(target=_reader, args=(proc, capture), daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=max(0.0, timeout))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
    reader.join(EOF_GRACE)
    if reader.is_alive():
        # The main process ended but its background children hold the pipe: a check must not
        # leave processes behind, so end them; a child that left our group is abandoned.
        _kill_group(proc)
        reader.join(EOF_GRACE)
    duration = time.monotonic() - start
    error = f"timed out after {timeout:g} s" if timed_out else None
    return RunOutput(proc.returncode, duration, capture.text(), timed_out, error)


def run_steps(
    command: Command, cwd: Path, timeout: float, env: Mapping[str, str] | None = None
) -> RunOutput:
    """Run every step of `command` within one overall `timeout`."""
    steps = command_steps(command)
    if len(steps) == 1:
        return run_command(steps[0], cwd, timeout, env)
    start = time.monotonic()
    parts: list[str] = []
    exit_code: int | None = 0
    error: str | None = None
    timed_out = False
    for step in steps:
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0:
            timed_out, error = True, f"timed out after {timeout:g} s"
            if exit_code == 0:
                exit_code = None  # no step failed; the next one never ran
            break
        out = run_command(step, cwd, remaining, env)
        parts.append(f"$ {display_command(step)}\n{out.output}")
        if not out.ok and exit_code == 0:
            exit_code = out.exit_code
            error = out.error
        if out.timed_out or out.exit_code is None:
            timed_out = out.timed_out
            exit_code = out.exit_code
            error = out.error
            break  # out of time, or a tool is missing: the remaining steps cannot help
    output = "\n".join(parts)
    return RunOutput(exit_code, time.monotonic() - start, output, timed_out, error)


def _environment(check: Check) -> dict[str, str]:
    """Ours without the token (see autoheal.tokens), plus the check's own variables."""
    env = environ_without_tokens()
    env.update(check.env)
    return env


def _result(check: Check, out: RunOutput, *, fail_on_output: bool) -> CheckResult:
    passed = out.ok and not (fail_on_output and out.output.strip())
    return CheckResult(
        check=check,
        passed=passed,
        exit_code=out.exit_code,
        duration=out.duration,
        output=out.output,
        timed_out=out.timed_out,
        error=out.error,
    )


def run_check(check: Check) -> CheckResult:
    before = snapshot(check.cwd) if check.writes_tree else None
    try:
        out = run_steps(check.command, check.cwd, check.timeout, _environment(check))
    finally:
        put_back = before.restore() if before is not None else []
    if put_back:
        shown = ", ".join(put_back[:10]) + (", ..." if len(put_back) > 10 else "")
        note = f"[autoheal: put back {len(put_back)} file(s) the check rewrote: {shown}]"
        out = replace(out, output=f"{out.output.rstrip()}\n{note}\n")
    return _result(check, out, fail_on_output=check.fail_on_output)


def run_fix(check: Check) -> CheckResult:
    """Run `check.fix`; the result's `passed` means the fixer itself succeeded."""
    if check.fix is None:
        return CheckResult(check, False, None, 0.0, "", error=f"{check.name} has no fix command")
    out = run_steps(check.fix, check.cwd, check.timeout, _environment(check))
    return _result(check, out, fail_on_output=False)


def _guarded(run: Callable[[Check], CheckResult], check: Check) -> CheckResult:
    try:
        return run(check)
    except Exception as exc:  # one broken check must never take down the run
        return CheckResult(
            check, False, None, 0.0, "", error=f"internal error: {type(exc).__name__}: {exc}"
        )


def run_checks(checks: Sequence[Check], max_workers: int | None = None) -> list[CheckResult]:
    """Run checks concurrently (at most `max_workers`, default CPU count); results keep order."""
    if not checks:
        return []
    shared = [i for i, check in enumerate(checks) if not check.writes_tree]
    results: dict[int, CheckResult] = {}
    if shared:
        workers = max_workers if max_workers is not None else (os.cpu_count() or 1)
        workers = max(1, min(workers, len(shared)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="autoheal-check") as pool:
            # Looked up at call time so tests can substitute run_check.
            futures = {i: pool.submit(_guarded, run_check, checks[i]) for i in shared}
            results = {i: future.result() for i, future in futures.items()}
    # Checks that rewrite files run alone, afterwards: no other check sees their rewrites.
    for i, check in enumerate(checks):
        if check.writes_tree:
            results[i] = _guarded(run_check, check)
    return [results[i] for i in range(len(checks))]


def run_fixes(checks: Sequence[Check]) -> list[CheckResult]:
    """Run the checks' fixes one after another (they write the same tree); a fixer that
    crashes the engine is a failed result, and the others still run."""
    # run_fix looked up at call time so tests can substitute it.
    return [_guarded(run_fix, check) for check in checks]
