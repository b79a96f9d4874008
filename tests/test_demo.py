"""The quick start's main job: the demo runs the whole loop on its sample and ends healthy."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from autoheal import demo


def test_demo_heals_finds_the_culprit_and_reverts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo.run_demo(tmp_path) == 0
    out = capsys.readouterr().out
    work = tmp_path / "shop"
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=work, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert log[0] == 'Revert "Read the tax rate from the pricing module"'
    assert log[1].startswith("autoheal: apply lint fixes")
    assert "Read the tax rate from the pricing module" in log[2:]  # history kept
    assert "rollback required: yes" in out
    assert "Loop: heal PARTIAL (confidence 0 -> 20), validate CRITICAL (25)" in out
    assert out.rstrip().endswith("validate HEALTHY (100).")
    assert "origin/main unchanged: yes" in out
