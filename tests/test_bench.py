"""Smoke test of bench/run.py on tiny sizes: its pieces work (the figures are not checked)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def tiny(bench: ModuleType, *extra: str) -> argparse.Namespace:
    opts = bench.parse_args(["--quick", "--repeat", "1", "--json", "", *extra])
    opts.request_modes = False
    return opts


def test_run_times_a_child_and_reads_its_peak_memory(bench: ModuleType) -> None:
    result = bench.run([sys.executable, "-c", "import sys; print('hi'); sys.exit(3)"])
    assert (result.code, result.out.strip()) == (3, "hi")
    assert 0 < result.seconds < 10
    assert result.max_rss > 1024 * 1024


def test_rows_ratios_goals_and_table(bench: ModuleType) -> None:
    stat = bench.measure(iter([0.2, 0.1, 0.3]).__next__, 3)
    assert (stat.median, stat.spread) == (0.2, (0.1, 0.3))
    ok = bench.row("p", "fast", stat, baseline="b", base_median=0.1, goal="≤ 3×", goal_max=3)
    bad = bench.row("p", "slow", stat, baseline="b", base_median=0.01, goal="≤ 3×", goal_max=3)
    assert (ok.ratio, ok.met, bad.met) == (2.0, True, False)
    text = bench.table([ok, bad])
    assert "| p | fast | 200 ms | 100 ms–300 ms | b (100 ms) | 2.00× | ≤ 3× | yes |" in text
    assert "**no**" in text
    assert json.dumps(ok.as_dict())


def test_sample_repo_has_the_sleeping_checks(bench: ModuleType, tmp_path: Path) -> None:
    durations = bench.sleep_durations(4, 0.2)
    assert durations[-1] == 0.2 and durations == sorted(durations)
    repo = bench.sample_repo(tmp_path / "repo", durations)
    import yaml

    config = yaml.safe_load((repo / ".github" / "autoheal.yml").read_text())
    assert [c["command"] for c in config["checks"]["test"]] == [
        ["sleep", str(d)] for d in durations
    ]


def test_local_index_serves_wheels_with_hashes(bench: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "Some_Pkg-1.0-py3-none-any.whl").write_bytes(b"wheel")
    with bench.serving(bench.IndexServer(tmp_path)) as server:
        with urllib.request.urlopen(f"{server.url}/some-pkg/", timeout=5) as response:  # noqa: S310
            page = response.read().decode()
        assert "Some_Pkg-1.0-py3-none-any.whl#sha256=" in page
        base = server.url.rsplit("/simple", 1)[0]
        url = f"{base}/files/Some_Pkg-1.0-py3-none-any.whl"
        with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310
            assert r.read() == b"wheel"


def test_path_without_hides_a_tool(bench: ModuleType, tmp_path: Path) -> None:
    tool = tmp_path / "bin" / "uv"
    tool.parent.mkdir()
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert bench.path_without("uv", f"{tool.parent}:/usr/bin") == "/usr/bin"


def test_startup_redispatch_and_checks_parts_on_tiny_sizes(
    bench: ModuleType, tmp_path: Path
) -> None:
    opts = tiny(bench, "--checks", "1,2", "--longest", "0.05")
    info: dict[str, object] = {}
    rows = bench.bench_startup(opts, tmp_path, info)
    rows += bench.bench_redispatch(opts, tmp_path, info)
    rows += bench.bench_checks(opts, tmp_path, info)
    cases = {r.case: r for r in rows}
    assert cases["heavy modules imported: bad input (Actions)"].median == 0
    assert cases["heavy modules imported: bad input (local)"].median == 0
    assert any(r.part == "redispatch" and r.ratio for r in rows)
    assert any(r.case.startswith("validate, N=2") for r in rows)
    assert all(r.median >= 0 for r in rows)


def test_every_mode_is_run_for_requests_and_heal_for_memory(
    bench: ModuleType, tmp_path: Path
) -> None:
    opts = tiny(bench)
    opts.request_modes = True
    rows = bench.bench_redispatch(opts, tmp_path, {})
    counts = {r.case: r.median for r in rows if r.part == "requests"}
    assert counts["HTTP requests per run: redispatch"] == 2  # the pause lookup, the dispatch
    # heal must really fix (PATCH: the dry run keeps the fix as a patch), the others pass.
    assert set(counts) >= {
        "HTTP requests per run: heal (PATCH, exit 0)",
        "HTTP requests per run: validate (HEALTHY, exit 0)",
        "HTTP requests per run: rollback (SKIPPED, exit 0)",
    }
    memory = {r.case: r.median for r in rows if r.part == "memory"}
    assert memory["heal peak RSS (one failing check, fixed)"] > 1
    assert memory["redispatch peak RSS"] > 1


def dev_venv(where: Path) -> Path:
    """A small venv that sees the dev venv's packages through a .pth file."""
    import site
    import subprocess

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    packages = next(where.glob("lib/python*/site-packages"))
    (packages / "dev.pth").write_text(site.getsitepackages()[0] + "\n")
    (packages / "__pycache__").mkdir()
    return where


def test_first_run_starts_without_byte_code(bench: ModuleType, tmp_path: Path) -> None:
    """The first-run figure starts from a venv and a src/ without __pycache__ (as after setup)."""
    venv = dev_venv(tmp_path / "venv")
    python, src = bench.fresh_copy(venv, tmp_path / "copy")
    assert not list((tmp_path / "copy").rglob("__pycache__"))
    assert (Path(src) / "autoheal" / "cli.py").is_file()
    rows = bench.bench_redispatch(tiny(bench), tmp_path / "w", {"action_python": python})
    first = [r for r in rows if r.case.startswith("first run after setup")]
    assert len(first) == 1 and first[0].ratio


def test_measure_together_alternates_case_and_baseline(bench: ModuleType) -> None:
    calls: list[str] = []

    def case() -> float:
        calls.append("case")
        return 2.0

    def base() -> float:
        calls.append("base")
        return 1.0

    case_stat, base_stat = bench.measure_together([case, base], 2, warmup=1)
    assert calls == ["case", "base"] * 3
    assert (case_stat.samples, base_stat.samples) == ([2.0, 2.0], [1.0, 1.0])
