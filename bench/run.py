#!/usr/bin/env python3
"""CI Autoheal benchmarks: what the action costs, each figure against its baseline.

    python3 bench/run.py                  # every part, default sizes
    python3 bench/run.py --quick          # a fast smoke run (fewer repeats, smaller sizes)
    python3 bench/run.py --parts startup,checks --repeat 7 --json /tmp/r.json

Parts: setup, startup, redispatch, checks, rollback, memory (see bench/README.md).
Every process is timed with time.perf_counter around fork/exec and wait4(), which also gives
its peak RSS (its own and that of the descendants it waited for). Nothing here talks to any
host but 127.0.0.1: the setup part installs from a package index that this script serves on
loopback out of a wheel folder (bench/.cache/wheels), filled once with `pip download` (the
only step that uses the configured registry; `--offline` forbids it).
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import itertools
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
WHEELS = CACHE / "wheels"
LOCK = ROOT / "requirements" / "action.txt"
NAIVE_PACKAGES = ("actions-toolkit", "requests", "PyYAML")
PARTS = ("setup", "startup", "redispatch", "checks", "rollback")
MIB = 1024 * 1024

# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One finished child process."""

    seconds: float
    code: int
    max_rss: int  # bytes
    out: str
    err: str


def real_python(python: str | None = None) -> str:
    """The interpreter binary itself: a pyenv/asdf shim is a shell script costing ~20 ms.

    A venv's bin/python is a symlink to the base binary; it is kept as given (realpath would
    lose the venv), after checking that it is a symlink to a binary and not a script.
    """
    if python is None:
        return os.path.realpath(sys.executable)
    with open(os.path.realpath(python), "rb") as handle:
        if handle.read(2) == b"#!":
            out = subprocess.run(
                [python, "-c", "import sys; print(sys.executable)"],
                capture_output=True,
                text=True,
                check=True,
            )
            return real_python(out.stdout.strip())
    return python


def run(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: str | Path | None = None,
    timeout: float = 600,
    rss: bool = False,
) -> Run:
    """Run argv once; wall time, exit code and peak RSS of that child.

    wait4's ru_maxrss of a child starts from the RSS of the process that forked it (Linux
    keeps the high-water mark across exec), so it is at least this script's own size. With
    `rss=True` the child runs under GNU time (a ~2 MiB process) and its %M is used instead.
    """
    gnu_time = "/usr/bin/time"
    if rss and os.access(gnu_time, os.X_OK):
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as note:
            argv = [gnu_time, "-q", "-f", "%M", "-o", note.name, *argv]
            result = run(argv, env=env, cwd=cwd, timeout=timeout)
            text = note.read().strip().splitlines()
            if text and text[-1].isdigit():
                result.max_rss = int(text[-1]) * 1024
            return result
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv), env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        # A blocking wait4 (releases the GIL for servers in this process); a timer kills.
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
        out.seek(0)
        err.seek(0)
        return Run(
            seconds,
            proc.returncode,
            usage.ru_maxrss * 1024,  # KiB on Linux
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


@dataclass
class Stat:
    """Repeated measurements of one thing."""

    samples: list[float]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.samples), max(self.samples)


def measure(
    fn: Callable[[], float],
    repeat: int,
    warmup: int = 0,
    prepare: Callable[[], None] | None = None,
) -> Stat:
    """Call fn (which returns seconds) `repeat` times after `warmup` unrecorded calls."""
    samples = []
    for i in range(warmup + repeat):
        if prepare is not None:
            prepare()
        value = fn()
        if i >= warmup:
            samples.append(value)
    return Stat(samples)


def measure_together(
    fns: Sequence[Callable[[], float]], repeat: int, warmup: int = 0
) -> list[Stat]:
    """Call each fn in turn, round after round, so that a case and its baseline share whatever
    load the machine has at the time: the ratio holds even when the machine is busy."""
    stats = [Stat([]) for _ in fns]
    for i in range(warmup + repeat):
        for fn, stat in zip(fns, stats, strict=True):
            value = fn()
            if i >= warmup:
                stat.samples.append(value)
    return stats


@dataclass
class Row:
    """One line of the table: a case, its figure, its baseline and the goal on the ratio."""

    part: str
    case: str
    median: float
    low: float
    high: float
    unit: str = "s"
    baseline: str = ""
    base_median: float | None = None
    goal: str = ""
    goal_max: float | None = None  # on the ratio (or on the value when no baseline)
    samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.base_median is None or self.base_median == 0:
            return None
        return self.median / self.base_median

    @property
    def met(self) -> bool | None:
        if self.goal_max is None:
            return None
        value = self.ratio if self.base_median is not None else self.median
        return value is not None and value <= self.goal_max

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        data["met"] = self.met
        return data


def row(part: str, case: str, stat: Stat, **kwargs: Any) -> Row:
    low, high = stat.spread
    return Row(part, case, stat.median, low, high, samples=list(stat.samples), **kwargs)


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    return f"{value:g}{(' ' + unit) if unit else ''}"


def table(rows: Sequence[Row]) -> str:
    head = "| part | case | median | spread (min–max) | baseline (median) | ratio | goal | met |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        base = ""
        if r.baseline:
            base = r.baseline + (f" ({_fmt(r.base_median, r.unit)})" if r.base_median else "")
        ratio = f"{r.ratio:.2f}×" if r.ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        case = r.case + (f" — {r.note}" if r.note else "")
        spread = f"{_fmt(r.low, r.unit)}–{_fmt(r.high, r.unit)}"
        lines.append(
            f"| {r.part} | {case} | {_fmt(r.median, r.unit)} | {spread} | {base} | {ratio} "
            f"| {r.goal} | {met} |"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- environment


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without pip/uv/GitHub settings that would change a figure."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "GITHUB_", "INPUT_", "RUNNER_", "PYTHON"))
        and k not in ("VIRTUAL_ENV", "CONDA_PREFIX")
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["UV_NO_CONFIG"] = "1"
    env.update(extra)
    return env


def path_without(tool: str, path: str | None = None) -> str:
    """PATH minus every directory that holds `tool` (to hide uv from the setup script)."""
    dirs = (path if path is not None else os.environ.get("PATH", "")).split(os.pathsep)
    return os.pathsep.join(d for d in dirs if d and not os.access(os.path.join(d, tool), os.X_OK))


def machine() -> dict[str, str]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu or platform.processor(),
        "python": platform.python_version(),
        "python_path": real_python(),
        "platform": platform.platform(),
    }


# --------------------------------------------------------------------------- local index


class _IndexHandler(http.server.BaseHTTPRequestHandler):
    server: IndexServer

    def do_GET(self) -> None:
        self.server.hits += 1
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        if parts[:1] == ["simple"] and len(parts) == 2:
            files = self.server.projects.get(normalize(parts[1]))
            if files is None:
                self.send_error(404)
                return
            links = "".join(
                f'<a href="/files/{name}#sha256={digest}">{name}</a>\n' for name, digest in files
            )
            self._send(200, f"<!DOCTYPE html><html><body>\n{links}</body></html>".encode())
        elif parts[:1] == ["files"] and len(parts) == 2 and "/" not in parts[1]:
            path = self.server.folder / parts[1]
            if not path.is_file():
                self.send_error(404)
                return
            self._send(200, path.read_bytes(), "application/octet-stream")
        else:
            self.send_error(404)

    def _send(self, code: int, body: bytes, kind: str = "text/html") -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


class IndexServer(http.server.ThreadingHTTPServer):
    """A PEP 503 simple index of a wheel folder, on 127.0.0.1 (pip and uv both read it)."""

    daemon_threads = True

    def __init__(self, folder: Path) -> None:
        import hashlib

        super().__init__(("127.0.0.1", 0), _IndexHandler)
        self.folder = folder
        self.hits = 0
        self.projects: dict[str, list[tuple[str, str]]] = {}
        for wheel in sorted(folder.glob("*.whl")):
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            self.projects.setdefault(normalize(wheel.name.split("-")[0]), []).append(
                (wheel.name, digest)
            )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/simple"


@contextlib.contextmanager
def serving(server: http.server.HTTPServer) -> Iterator[http.server.HTTPServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def fetch_wheels(folder: Path, offline: bool) -> bool:
    """Fill the wheel folder once (the lock's exact files and the naive install's set)."""
    stamp = folder / ".complete"
    want = LOCK.read_bytes()
    if stamp.is_file() and stamp.read_bytes() == want:
        return True
    if offline:
        print(f"setup: {folder} is empty and --offline was given: skipping setup", flush=True)
        return False
    print(f"setup: filling {folder} once with `pip download` (registry as configured)", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    pip = [real_python(), "-m", "pip", "download", "--quiet", "--dest", str(folder)]
    subprocess.run([*pip, "--no-deps", "--require-hashes", "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--only-binary", ":all:", *NAIVE_PACKAGES], check=True)
    stamp.write_bytes(want)
    return True


def find_uv(offline: bool) -> str | None:
    """The uv binary itself (not a shim): on PATH, from the `uv` package, or installed into
    bench/.cache/tools with pip (once)."""
    for python in (real_python(), str(CACHE / "tools" / "bin" / "python")):
        if not os.path.exists(python):
            continue
        out = subprocess.run(
            [python, "-c", "import uv; print(uv.find_uv_bin())"], capture_output=True, text=True
        )
        if out.returncode == 0:
            return out.stdout.strip()
    found = shutil.which("uv")
    if found:
        with open(found, "rb") as handle:
            if handle.read(2) != b"#!":
                return found
    if offline:
        return None
    print("setup: installing uv into bench/.cache/tools with pip (once)", flush=True)
    subprocess.run([real_python(), "-m", "venv", str(CACHE / "tools")], check=True)
    subprocess.run(
        [str(CACHE / "tools" / "bin" / "python"), "-m", "pip", "install", "--quiet", "uv"],
        check=True,
    )
    return find_uv(offline=True)


def tool_version(argv: Sequence[str]) -> str:
    out = subprocess.run(list(argv), capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0] if out.returncode == 0 else "?"


# --------------------------------------------------------------------------- 1. setup


class Setup:
    """Runs scripts/setup-action.sh the way the runner does, against the local index."""

    def __init__(self, work: Path, index_url: str, uv: str | None, python: str) -> None:
        self.work = work
        self.index_url = index_url
        self.uv = uv
        self.python = python
        self.count = 0
        self.uv_bin = work / "uv-bin"
        if uv:
            self.uv_bin.mkdir(parents=True, exist_ok=True)
            link = self.uv_bin / "uv"
            if not link.exists():
                link.symlink_to(uv)

    def fresh(self, name: str) -> Path:
        self.count += 1
        path = self.work / f"{name}-{self.count}"
        path.mkdir(parents=True)
        return path

    def env(self, runner_temp: Path, cache: Path, *, with_uv: bool) -> dict[str, str]:
        path = path_without("uv")
        if with_uv:
            path = f"{self.uv_bin}{os.pathsep}{path}"
        output = runner_temp / "github_output"
        output.touch()
        return clean_env(
            PATH=path,
            RUNNER_TEMP=str(runner_temp),
            GITHUB_OUTPUT=str(output),
            GITHUB_ACTION_PATH=str(ROOT),
            AUTOHEAL_SETUP_PYTHON=self.python,
            UV_CACHE_DIR=str(cache),
            PIP_CACHE_DIR=str(cache),
            UV_INDEX_URL=self.index_url,
            PIP_INDEX_URL=self.index_url,
        )

    def action(self, runner_temp: Path, cache: Path, *, with_uv: bool) -> Run:
        result = run(
            ["bash", str(ROOT / "scripts" / "setup-action.sh")],
            env=self.env(runner_temp, cache, with_uv=with_uv),
        )
        if result.code != 0:
            raise RuntimeError(f"setup-action.sh failed:\n{result.out}\n{result.err}")
        return result

    def venv_python(self, runner_temp: Path) -> str:
        text = (runner_temp / "github_output").read_text()
        return text.strip().splitlines()[-1].split("=", 1)[1]

    def naive(self) -> float:
        """`python -m venv` (with pip) + `pip install actions-toolkit requests PyYAML`, cold."""
        where = self.fresh("naive")
        env = clean_env(PATH=path_without("uv"), PIP_INDEX_URL=self.index_url)
        env["PIP_CACHE_DIR"] = str(where / "cache")
        a = run([self.python, "-m", "venv", str(where / "venv")], env=env)
        b = run([str(where / "venv" / "bin" / "pip"), "install", *NAIVE_PACKAGES], env=env)
        if a.code or b.code:
            raise RuntimeError(f"naive install failed:\n{a.err}\n{b.out}\n{b.err}")
        return a.seconds + b.seconds


def bench_setup(opts: argparse.Namespace, work: Path, info: dict[str, Any]) -> list[Row]:
    if not fetch_wheels(WHEELS, opts.offline):
        return []
    uv = find_uv(opts.offline)
    python = real_python()
    info["pip"] = tool_version([python, "-m", "pip", "--version"]).split(" from ")[0]
    info["uv"] = tool_version([uv, "--version"]) if uv else "not available"
    rows: list[Row] = []
    with serving(IndexServer(WHEELS)) as server:
        assert isinstance(server, IndexServer)
        s = Setup(work / "setup", server.url, uv, python)
        base = measure(s.naive, opts.setup_repeat)
        rows.append(row("setup", "baseline: venv + pip install (cold cache)", base))
        info["naive_venv_pip"] = tool_version(
            [python, "-c", "import ensurepip; print('pip', ensurepip.version())"]
        )
        paths = [("uv", True)] if uv else []
        paths.append(("pip fallback (no uv on PATH)", False))
        for label, with_uv in paths:
            # Cold: fresh RUNNER_TEMP and an empty cache, as on a new runner.
            stat = measure(
                lambda w=with_uv: s.action(s.fresh("rt"), s.fresh("cache"), with_uv=w).seconds,
                opts.setup_repeat,
            )
            rows.append(
                row(
                    "setup",
                    f"{label}, cold",
                    stat,
                    baseline="naive pip",
                    base_median=base.median,
                    goal="≤ 1/6 (0.17×)",
                    goal_max=1 / 6,
                )
            )
            # Warm cache: fresh RUNNER_TEMP, the cache of a previous install.
            cache = s.fresh("cache")
            s.action(s.fresh("rt"), cache, with_uv=with_uv)
            stat = measure(
                lambda w=with_uv, c=cache: s.action(s.fresh("rt"), c, with_uv=w).seconds,
                opts.setup_repeat,
            )
            rows.append(
                row(
                    "setup",
                    f"{label}, warm cache",
                    stat,
                    baseline="naive pip",
                    base_median=base.median,
                )
            )
        # Second step of the same job: the venv exists, the script only checks it.
        rt = s.fresh("rt")
        s.action(rt, s.fresh("cache"), with_uv=bool(uv))
        stat = measure(lambda: s.action(rt, work / "unused", with_uv=bool(uv)).seconds, opts.repeat)
        rows.append(
            row(
                "setup",
                "venv already there (2nd step)",
                stat,
                baseline="naive pip",
                base_median=base.median,
            )
        )
        info["action_python"] = s.venv_python(rt)
    return rows


# --------------------------------------------------------------------------- 2. start-up

#: Modules a run must not import when it does not need them (argparse: the parser of the
#: command line costs as much as the rest of the start-up).
HEAVY = (
    "requests",
    "urllib3",
    "yaml",
    "argparse",
    "autoheal.github.client",
    "autoheal.checks",
    "autoheal.git",
)


def action_python(info: dict[str, Any]) -> str:
    """The action's venv python if the setup part made one, else the dev .venv, else this."""
    for candidate in (info.get("action_python"), str(ROOT / ".venv" / "bin" / "python")):
        if candidate and os.path.exists(candidate):
            return real_python(candidate)
    return real_python()


def autoheal_env(**extra: str) -> dict[str, str]:
    """The environment of the action's second step (PYTHONPATH to src, like action.yml)."""
    return clean_env(PYTHONPATH=str(ROOT / "src"), **extra)


def imported(
    python: str, args: Sequence[str], env: dict[str, str], cwd: Path | None = None
) -> dict[str, int]:
    """Module -> cumulative import time (µs) from `-X importtime`."""
    result = run([python, "-X", "importtime", "-m", "autoheal", *args], env=env, cwd=cwd)
    modules: dict[str, int] = {}
    for line in result.err.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line[len("import time:") :].split("|")
            with contextlib.suppress(ValueError):
                modules[name.strip()] = int(cumulative)
    return modules


def top_level(modules: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(modules.items(), key=lambda kv: -kv[1])


def actions_env(where: Path, **inputs: str) -> dict[str, str]:
    """The runner's contract in a temp folder: output and summary files, an event payload."""
    where.mkdir(parents=True, exist_ok=True)
    event = where / "event.json"
    if not event.exists():
        event.write_text(json.dumps(PUSH_EVENT))
    for name in ("github_output", "step_summary"):
        (where / name).write_text("")
    env = autoheal_env(
        PATH=os.environ.get("PATH", ""),
        GITHUB_ACTIONS="true",
        GITHUB_OUTPUT=str(where / "github_output"),
        GITHUB_STEP_SUMMARY=str(where / "step_summary"),
        GITHUB_EVENT_PATH=str(event),
        GITHUB_EVENT_NAME="push",
        GITHUB_REPOSITORY="octo-org/octo-repo",
        GITHUB_SHA=PUSH_EVENT["after"],
        GITHUB_REF="refs/heads/main",
        GITHUB_RUN_ID="1234",
        GITHUB_RUN_ATTEMPT="1",
        RUNNER_TEMP=str(where),
    )
    env.update({"INPUT_" + k.upper(): v for k, v in inputs.items()})
    return env


PUSH_EVENT = {
    "ref": "refs/heads/main",
    "before": "1" * 40,
    "after": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    "forced": False,
    "repository": {"full_name": "octo-org/octo-repo", "default_branch": "main"},
}


def bench_startup(opts: argparse.Namespace, work: Path, info: dict[str, Any]) -> list[Row]:
    python = action_python(info)
    info["startup_python"] = python
    cwd = work / "startup"
    local = autoheal_env(PATH=os.environ.get("PATH", ""))
    actions = actions_env(cwd, mode="bogus")

    rss: list[float] = []

    def timed(argv: Sequence[str], env: dict[str, str], want: int) -> Callable[[], float]:
        def once() -> float:
            result = run(argv, env=env, cwd=cwd)
            if result.code != want:
                raise RuntimeError(f"{argv}: exit {result.code}, wanted {want}\n{result.err}")
            if want == 2:
                rss.append(result.max_rss / MIB)
            return result.seconds

        return once

    cases = [
        ("in Actions: INPUT_MODE=bogus (exit 2)", [python, "-m", "autoheal"], actions),
        ("local: python -m autoheal bogus (exit 2)", [python, "-m", "autoheal", "bogus"], local),
    ]
    base, *stats = measure_together(
        [timed([python, "-c", "pass"], local, 0)] + [timed(argv, env, 2) for _, argv, env in cases],
        opts.repeat * 4,
        warmup=2,
    )
    rows = [row("startup", "baseline: python -c pass", base)]
    for (label, _, _), stat in zip(cases, stats, strict=True):
        rows.append(
            row(
                "startup",
                label,
                stat,
                baseline="python -c pass",
                base_median=base.median,
                goal="≤ 3×",
                goal_max=3.0,
            )
        )
    rss[:] = [run(cases[0][1], env=actions, cwd=cwd, rss=True).max_rss / MIB for _ in range(3)]
    rows.append(row("memory", "bad-input run peak RSS", Stat(rss), unit="MiB"))
    for label, args, env in (
        ("bad input (Actions)", [], actions),
        ("bad input (local)", ["bogus"], local),
    ):
        modules = imported(python, args, env, cwd)
        heavy = [m for m in HEAVY if m in modules]
        info.setdefault("importtime_us", {})[label] = dict(top_level(modules)[:12])
        rows.append(
            Row(
                "startup",
                f"heavy modules imported: {label}",
                len(heavy),
                len(heavy),
                len(heavy),
                unit="",
                goal="0",
                goal_max=0,
                note=", ".join(heavy) or "none",
            )
        )
    return rows


# --------------------------------------------------------------------------- 3. redispatch


class _ApiHandler(http.server.BaseHTTPRequestHandler):
    """A stand-in for api.github.com: 204 for dispatches, small JSON for anything else."""

    server: FakeApi
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with self.server.lock:
            self.server.requests.append(f"{self.command} {self.path.split('?')[0]}")
        if self.command == "POST" and self.path.endswith("/dispatches"):
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = b"[]" if self.command == "GET" else b'{"id": 1, "number": 1, "html_url": ""}'
        self.send_response(200 if self.command == "GET" else 201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


class FakeApi(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ApiHandler)
        self.lock = threading.Lock()
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def take(self) -> list[str]:
        with self.lock:
            out, self.requests = self.requests, []
        return out


TOKEN = "ghp_benchTOKEN0123456789abcdefghijklmn"  # noqa: S105 (a fake, for 127.0.0.1)


def curl_dispatch(url: str, curl: str = "curl") -> list[str]:
    body = json.dumps({"event_type": "post-remediation-check", "client_payload": {"a": 1}})
    return [
        curl, "-sS", "--fail", "-o", os.devnull, "-X", "POST",
        "-H", "Accept: application/vnd.github+json",
        "-H", f"Authorization: Bearer {TOKEN}",
        "-H", "X-GitHub-Api-Version: 2022-11-28",
        "--data", body, f"{url}/repos/octo-org/octo-repo/dispatches",
    ]  # fmt: skip


def bench_redispatch(opts: argparse.Namespace, work: Path, info: dict[str, Any]) -> list[Row]:
    python = action_python(info)
    curl = shutil.which("curl")
    rows: list[Row] = []
    with serving(FakeApi()) as server:
        assert isinstance(server, FakeApi)
        env = actions_env(
            work / "redispatch", mode="redispatch", token=TOKEN, working_directory=str(work)
        )
        env["GITHUB_API_URL"] = server.url
        argv = [python, "-m", "autoheal"]
        requests: list[str] = []

        def once() -> float:
            server.take()  # curl's, run just before
            result = run(argv, env=env, cwd=work)
            if result.code != 0:
                raise RuntimeError(f"redispatch failed: {result.code}\n{result.out}{result.err}")
            requests.extend(server.take())
            return result.seconds

        def once_curl(curl: str = curl or "") -> float:
            return run(curl_dispatch(server.url, curl)).seconds

        # Warm-up: the first run byte-compiles what it imports (measured apart, below).
        rounds = opts.repeat * 2
        if curl:
            stat, base = measure_together([once, once_curl], rounds, warmup=1)
            rows.append(row("redispatch", "baseline: curl POST /dispatches", base))
        else:
            stat, base = measure(once, rounds, warmup=1), None
        per_run = len(requests) / (rounds + 1)
        info["redispatch_requests"] = sorted(set(requests))
        rows.append(
            row(
                "redispatch",
                "python -m autoheal redispatch (end to end)",
                stat,
                baseline="curl" if base else "",
                base_median=base.median if base else None,
                goal="≤ 20×",
                goal_max=20.0,
                note=f"{per_run:g} request(s) per run",
            )
        )
        rss = Stat([run(argv, env=env, cwd=work, rss=True).max_rss / MIB for _ in range(3)])
        server.take()
        rows.append(
            row("memory", "redispatch peak RSS", rss, unit="MiB", goal="< 40 MiB", goal_max=40.0)
        )
        if base and info.get("action_python"):
            stat = measure_first_runs(opts, env, work / "first-run", info["action_python"])
            server.take()
            rows.append(
                row(
                    "redispatch",
                    "first run after setup (byte-compiles what it imports)",
                    stat,
                    baseline="curl",
                    base_median=base.median,
                    note="what a job that installs and runs once pays",
                )
            )
        counts = [("redispatch", per_run)]
        for mode, extra in MODE_RUNS.items():
            if not opts.request_modes:
                continue
            repo = sample_repo(work / f"requests-{mode}", [0.01], heal=mode == "heal")
            rt = work / f"requests-{mode}-rt"
            env2 = actions_env(rt, mode=mode, token=TOKEN, working_directory=str(repo), **extra)
            env2["GITHUB_API_URL"] = server.url
            env2["GITHUB_SHA"] = git(repo, "rev-parse", "HEAD").strip()
            result = run(argv, env=env2, cwd=repo, rss=True)
            status = output_value(rt, "status")
            counts.append((f"{mode} ({status}, exit {result.code})", len(server.take())))
            if mode == "heal":
                if status != "PATCH":
                    raise RuntimeError(f"heal did not make its fix: {status}\n{result.out}")
                mib = result.max_rss / MIB
                rows.append(
                    row(
                        "memory",
                        "heal peak RSS (one failing check, fixed)",
                        Stat([mib]),
                        unit="MiB",
                    )
                )
        for label, count in counts:
            rows.append(
                Row("requests", f"HTTP requests per run: {label}", count, count, count, unit="")
            )
    return rows


def measure_first_runs(
    opts: argparse.Namespace, env: dict[str, str], where: Path, venv_python: str
) -> Stat:
    """redispatch in a copy of the setup part's venv and of src/ without byte-compiled files:
    a runner right after the setup step, which installs without compiling (--no-compile, uv's
    default), and the action's own checkout, which has no __pycache__ either."""
    copies = itertools.count()

    def once() -> float:
        copy = where / str(next(copies))
        python, src = fresh_copy(Path(venv_python).parent.parent, copy)
        result = run([python, "-m", "autoheal"], env={**env, "PYTHONPATH": src}, cwd=where)
        if result.code != 0:
            raise RuntimeError(f"redispatch failed: {result.code}\n{result.out}{result.err}")
        shutil.rmtree(copy)
        return result.seconds

    return measure(once, opts.repeat)


def fresh_copy(venv: Path, where: Path) -> tuple[str, str]:
    """Copies of a venv and of src/ without __pycache__: (its python, the src folder)."""
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(venv, where / "venv", symlinks=True, ignore=skip)
    shutil.copytree(ROOT / "src", where / "src", ignore=skip)
    return str(where / "venv" / "bin" / "python"), str(where / "src")


#: Inputs that make each mode do its usual work on the sample repo (for request counts; heal
#: gets a failing check with a fix, and keeps the fix as a patch in the dry run).
MODE_RUNS: dict[str, dict[str, str]] = {
    "heal": {"dry_run": "true", "detect": "false"},
    "validate": {"detect": "false", "retries": "0"},
    "rollback": {"rollback_required": "false"},
}


def output_value(runner_temp: Path, name: str) -> str:
    """The first line of a step output the run wrote to GITHUB_OUTPUT (as actions_env set it):
    `name=value`, or a `name<<DELIMITER` block."""
    lines = (runner_temp / "github_output").read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(name + "="):
            return line.split("=", 1)[1]
        if line.startswith(name + "<<") and i + 1 < len(lines):
            return lines[i + 1]
    return ""


# --------------------------------------------------------------------------- 4. checks


def sleep_durations(n: int, longest: float) -> list[float]:
    """n durations from longest/4 up to longest (the longest is unique and last)."""
    if n == 1:
        return [longest]
    return [round(longest / 4 + (longest - longest / 4) * i / (n - 1), 3) for i in range(n)]


def checks_config(durations: Sequence[float]) -> str:
    """A `.github/autoheal.yml` with one `test` check per duration (sleep commands)."""
    lines = ["checks:", "  test:"]
    for i, seconds in enumerate(durations):
        lines.append(f"    - name: sleep-{i + 1}")
        lines.append(f'      command: ["sleep", "{seconds}"]')
    return "\n".join(lines) + "\n"


#: heal's sample: a lint check that fails until its fix command has run.
HEAL_CONFIG = """checks:
  lint:
    - name: app-says-ok
      command: ["grep", "-qx", "ok", "app.txt"]
      fix: ["sh", "-c", "echo ok > app.txt"]
"""


def sample_repo(where: Path, durations: Sequence[float], heal: bool = False) -> Path:
    """A git repository with one commit whose config has the sleeping checks (or, for heal,
    one failing check with a fix)."""
    where.mkdir(parents=True, exist_ok=True)
    (where / ".github").mkdir(exist_ok=True)
    config = HEAL_CONFIG if heal else checks_config(durations)
    (where / ".github" / "autoheal.yml").write_text(config)
    (where / "app.txt").write_text("not ok\n")
    git(where, "init", "-q", "-b", "main")
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "sample")
    return where


GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str, stdin: bytes | None = None) -> str:
    env = {**os.environ, **GIT_ENV}
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=env, input=stdin, capture_output=True, check=True
    )
    return out.stdout.decode()


def validate_argv(python: str, repo: Path, *extra: str) -> list[str]:
    return [
        python,
        "-m",
        "autoheal",
        "validate",
        "--working-directory",
        str(repo),
        "--detect",
        "false",
        "--post-status",
        "false",
        "--retries",
        "0",
        *extra,
    ]


def bench_checks(opts: argparse.Namespace, work: Path, info: dict[str, Any]) -> list[Row]:
    """validate on N sleeping checks: by default (one check per core at a time) and with
    `--max-parallel N` (all at once, what sleeping or waiting checks allow)."""
    python = action_python(info)
    info["checks_via"] = "python -m autoheal validate"
    cores = os.cpu_count() or 1
    env = autoheal_env(PATH=os.environ.get("PATH", ""))
    rows = []
    for n in opts.checks:
        durations = sleep_durations(n, opts.longest)
        repo = sample_repo(work / f"checks-{n}", durations)
        longest, serial = max(durations), sum(durations)
        for label, extra, goal in (
            (f"default, {cores} at a time", (), None),
            (f"--max-parallel {n}", ("--max-parallel", str(n)), 1.1),
        ):
            argv = validate_argv(python, repo, *extra)

            def once(argv: list[str] = argv, repo: Path = repo) -> float:
                result = run(argv, env=env, cwd=repo)
                if result.code != 0:
                    raise RuntimeError(f"validate failed: {result.code}\n{result.out}")
                return result.seconds

            stat = measure(once, opts.repeat)
            rows.append(
                row(
                    "checks",
                    f"validate, N={n} sleeping checks, {label}",
                    stat,
                    baseline="longest check",
                    base_median=longest,
                    goal="≤ 1.1×" if goal else "",
                    goal_max=goal,
                    note=f"serial CI = {serial:.2f} s ({stat.median / serial:.2f}× of serial)",
                )
            )
    argv = validate_argv(python, repo, "--max-parallel", str(opts.checks[-1]))
    rss = [run(argv, env=env, cwd=repo, rss=True).max_rss / MIB]
    rows.append(row("memory", f"validate peak RSS (N = {opts.checks[-1]})", Stat(rss), unit="MiB"))
    return rows


# --------------------------------------------------------------------------- 5. rollback


def fast_import(repo: Path, commits: int, bad_at: int | None = None, files: int = 100) -> None:
    """A bare repository of `commits` commits on main, made with one `git fast-import`.

    Commit i (1-based) changes f{i % files}.txt; from commit `bad_at` on, app.txt says "bug"
    (what the sample check rejects)."""
    git(repo.parent, "init", "-q", "--bare", "-b", "main", str(repo))
    now = int(time.time()) - commits  # one second apart, the newest now
    out = []
    for i in range(1, commits + 1):
        msg = f"change {i}\n".encode()
        out.append(b"commit refs/heads/main\nmark :%d\n" % i)
        out.append(b"committer bench <bench@example.com> %d +0000\n" % (now + i))
        out.append(b"data %d\n%s" % (len(msg), msg))
        if i > 1:
            out.append(b"from :%d\n" % (i - 1))
        content = f"line {i}\n".encode()
        out.append(b"M 100644 inline f%d.txt\ndata %d\n%s\n" % (i % files, len(content), content))
        if i == bad_at:
            out.append(b"M 100644 inline app.txt\ndata 4\nbug\n\n")
        elif i == 1:
            out.append(b"M 100644 inline app.txt\ndata 3\nok\n\n")
    git(repo, "fast-import", "--quiet", stdin=b"".join(out))


#: The check of the rollback samples; counts its own runs in $BENCH_COUNTER.
ROLLBACK_CHECK = "echo run >> \"$BENCH_COUNTER\"; ! grep -qs '^bug' app.txt"


def rollback_argv(python: str, repo: Path, before: str, after: str, strategy: str) -> list[str]:
    return [python, "-m", "autoheal", "rollback", "--repo", str(repo), "--rollback-required",
            "--detect", "false", "--test-command", ROLLBACK_CHECK, "--open-issue", "false",
            "--strategy", strategy, "--before", before, "--after", after,
            "--fail-after-rollback", "false", "--max-rollbacks-per-day", "100"]  # fmt: skip


def bench_rollback(opts: argparse.Namespace, work: Path, info: dict[str, Any]) -> list[Row]:
    python = action_python(info)
    rows: list[Row] = []
    counter = work / "rollback-counter"
    env = autoheal_env(PATH=os.environ.get("PATH", ""), BENCH_COUNTER=str(counter), **GIT_ENV)

    def rollback_once(repo: Path, before: str, after: str, strategy: str) -> tuple[Run, int]:
        counter.write_text("")
        argv = rollback_argv(python, repo, before, after, strategy)
        result = run(argv, env=env, cwd=repo, rss=strategy == "range")
        if result.code != 0:
            raise RuntimeError(f"rollback failed ({result.code}):\n{result.out}\n{result.err}")
        return result, len(counter.read_text().splitlines())

    for n in opts.pushes:
        remote = work / f"bisect-{n}.git"
        bad_at = 2 + (2 * n) // 3  # commit 1 is the good base; the push is commits 2..n+1
        fast_import(remote, n + 1, bad_at=bad_at)
        clone = work / f"bisect-{n}"
        git(work, "clone", "-q", f"file://{remote}", str(clone))
        tip = git(clone, "rev-parse", "HEAD").strip()
        base = git(clone, "rev-parse", "HEAD~" + str(n)).strip()
        culprit = git(clone, "rev-parse", f"HEAD~{n + 1 - bad_at}").strip()
        runs: list[int] = []

        def once(
            clone: Path = clone,
            tip: str = tip,
            base: str = base,
            culprit: str = culprit,
            runs: list[int] = runs,
        ) -> float:
            git(clone, "reset", "-q", "--hard", tip)
            result, count = rollback_once(clone, base, tip, "culprit")
            if culprit not in result.out:
                raise RuntimeError(f"bisect did not name the culprit {culprit}:\n{result.out}")
            runs.append(count)
            return result.seconds

        stat = measure(once, max(1, opts.repeat // 2))
        limit = math.log2(n) + 2
        rows.append(
            row(
                "rollback",
                f"bisect a push of {n} commits",
                stat,
                note=f"{runs[-1]} check runs (goal ≤ log2(n)+2 = {limit:g})",
            )
        )
        rows.append(
            Row(
                "rollback",
                f"check runs to bisect {n} commits",
                runs[-1],
                min(runs),
                max(runs),
                unit="",
                goal=f"≤ {limit:g}",
                goal_max=limit,
            )
        )
    # Revert the newest commit of a long history, in a full and in a shallow clone.
    n = opts.history
    remote = work / f"history-{n}.git"
    start = time.perf_counter()
    fast_import(remote, n, bad_at=n)
    info["fast_import_seconds"] = round(time.perf_counter() - start, 3)
    rss: list[float] = []
    for label, depth in (("full clone", None), ("shallow clone (depth 1)", 1)):
        clone = work / f"history-{n}-{depth or 'full'}"

        def prepare(clone: Path = clone, depth: int | None = depth) -> None:
            shutil.rmtree(clone, ignore_errors=True)
            extra = ["--depth", str(depth)] if depth else []
            git(work, "clone", "-q", *extra, f"file://{remote}", str(clone))

        prepare()
        tip = git(clone, "rev-parse", "HEAD").strip()
        before = git(work, "--git-dir", str(remote), "rev-parse", "main~1").strip()

        def once_range(clone: Path = clone, tip: str = tip, before: str = before) -> float:
            result, _ = rollback_once(clone, before, tip, "range")
            rss.append(result.max_rss / MIB)
            return result.seconds

        stat = measure(once_range, max(1, opts.repeat // 2), prepare=prepare)
        rows.append(row("rollback", f"revert on {n} commits, {label}", stat))
    rows.append(row("memory", f"rollback peak RSS ({n}-commit history)", Stat(rss), unit="MiB"))
    return rows


# --------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--parts", default=",".join(PARTS), help="comma list of " + ", ".join(PARTS))
    p.add_argument("--quick", action="store_true", help="fewer repeats and smaller sizes")
    p.add_argument("--repeat", type=int, default=None, help="repeats per figure (default 5)")
    p.add_argument("--setup-repeat", type=int, default=None, help="repeats per install (3)")
    p.add_argument("--checks", default=None, help="N sleeping checks (default 1,4,8,16)")
    p.add_argument("--longest", type=float, default=None, help="longest check, s (default 3)")
    p.add_argument("--pushes", default=None, help="push sizes to bisect (2,8,32,128)")
    p.add_argument("--history", type=int, default=None, help="commits of the revert repo (10000)")
    p.add_argument("--json", default=str(ROOT / "bench" / "results.json"), help="JSON output")
    p.add_argument("--offline", action="store_true", help="never fill the wheel cache")
    p.add_argument("--keep", action="store_true", help="keep the temporary folder")
    opts = p.parse_args(argv)
    quick = opts.quick
    opts.repeat = opts.repeat or (2 if quick else 5)
    opts.setup_repeat = opts.setup_repeat or (1 if quick else 3)
    opts.checks = [int(x) for x in (opts.checks or ("1,4" if quick else "1,4,8,16")).split(",")]
    opts.longest = opts.longest or (0.5 if quick else 3.0)
    opts.pushes = [int(x) for x in (opts.pushes or ("2,8" if quick else "2,8,32,128")).split(",")]
    opts.history = opts.history or (500 if quick else 10_000)
    opts.parts = [x.strip() for x in opts.parts.split(",") if x.strip()]
    opts.request_modes = True  # count the HTTP requests of every mode (the smoke test skips it)
    unknown = set(opts.parts) - set(PARTS)
    if unknown:
        p.error(f"unknown parts: {', '.join(sorted(unknown))}")
    return opts


BENCHES: dict[str, Callable[[argparse.Namespace, Path, dict[str, Any]], list[Row]]] = {
    "setup": bench_setup,
    "startup": bench_startup,
    "redispatch": bench_redispatch,
    "rollback": bench_rollback,
    "checks": bench_checks,
}


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse_args(argv)
    info: dict[str, Any] = {
        "machine": machine(),
        "command": "python3 bench/run.py " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="autoheal-bench-"))
    try:
        for part in PARTS:
            if part in opts.parts and part in BENCHES:
                print(f"== {part}", file=sys.stderr, flush=True)
                rows += BENCHES[part](opts, work, info)
    finally:
        if opts.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    m = info["machine"]
    print(f"machine: nproc={m['nproc']}, {m['cpu']}, Python {m['python']}")
    for key in ("pip", "uv", "naive_venv_pip", "checks_via"):
        if key in info:
            print(f"{key}: {info[key]}")
    print(table(rows))
    if opts.json:
        Path(opts.json).write_text(
            json.dumps({"info": info, "rows": [r.as_dict() for r in rows]}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
