"""The quick start's main job: the demo runs the whole loop on its sample and ends healthy."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
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
        ["git", "log", "--format=%H %s"], cwd=work, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    subjects = [line.split(" ", 1)[1] for line in log]
    assert subjects[0] == 'Revert "Read the tax rate from the pricing module"'
    assert subjects[1].startswith("autoheal: apply lint fixes")
    assert "Read the tax rate from the pricing module" in subjects[2:]  # history kept
    culprit = next(line.split()[0] for line in log if line.endswith(" pricing module"))
    assert "Fixed lint. Still failing: build, test" in out
    assert "rollback required: yes" in out
    assert "Heal reported vs validate found" in out  # heal's outcomes reach validate
    recap = out.split("\nWhat happened:\n", 1)[1].splitlines()
    assert recap == [
        "  heal      PARTIAL: fixed lint; confidence 0 -> 20",
        "  validate  CRITICAL: effectiveness 25; rollback required: true",
        f'  rollback  ROLLBACK EXECUTED: culprit {culprit[:12]} "Read the tax rate from the '
        f'pricing module" reverted as {log[0].split()[0][:12]}',
        "  validate  HEALTHY: effectiveness 100",
    ]
    assert "origin/main unchanged: yes" in out
    assert "--- build:" not in out  # the echoed check output is folded away
    # Notices are printed where they happen: the rollback's after its bisection.
    assert out.index("bisect: ") < out.index("notice: Rollback: Rolled back")
    assert "\n1. Read the failing checks" in out and "\n2. Re-land the change" in out
    assert out.count("left out; --verbose shows it") == 3  # heal, validate, rollback
    assert "\nheal runs the checks" in out.replace("CI failed on that push. ", "\n")
    summaries = "\n".join(p.read_text() for p in sorted(tmp_path.glob("*.summary.md")))
    assert_doc_samples_are_in(summaries)
    assert "**" not in out and "|---" not in out  # the terminal gets plain text


def test_fold_keeps_everything_but_the_echoed_tool_output() -> None:
    import io

    from autoheal.report import Report

    out = io.StringIO()
    report = Report({}, out=out)
    report.info("Running 2 check(s).")
    report.tool_output("build: build output", "Traceback\nModuleNotFoundError\n")
    report.tool_output("test: test output", "---\nFAILED (errors=1)")
    report.info("CRITICAL: effectiveness 25.")
    folded = demo.fold_tool_output(out.getvalue())
    assert folded == (
        "Running 2 check(s).\n"
        "(output of 2 check and fix run(s) left out; --verbose shows it)\n"
        "CRITICAL: effectiveness 25.\n"
    )
    assert demo.fold_tool_output("no tool output\n") == "no tool output\n"


def test_demo_leaves_nothing_behind_and_ignores_your_git_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    temp, cwd = tmp_path / "temp", tmp_path / "cwd"
    temp.mkdir()
    cwd.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(cwd)
    # Settings a developer may have globally: signed commits (with no key here) and hooks.
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 1\n")
    (hooks / "pre-commit").chmod(0o755)
    config = Path(os.environ["GIT_CONFIG_GLOBAL"])
    config.write_text(
        config.read_text() + f"[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n"
        f"[core]\n\thooksPath = {hooks}\n"
    )
    assert demo.main([]) == 0
    assert "validate  HEALTHY" in capsys.readouterr().out
    assert list(temp.iterdir()) == [] and list(cwd.iterdir()) == []


def _normal(text: str) -> str:
    """Run-specific parts (commit ids, durations) blanked, lines of a paragraph joined."""
    text = re.sub(r"\b[0-9a-f]{12,40}\b", "SHA", text)
    return re.sub(r"\b\d+\.\ds\b", "N.Ns", re.sub(r"(?<=[^|\n])\n(?=[^|\n>])", " ", text))


def assert_doc_samples_are_in(out: str) -> None:
    """The rendered summaries of docs/getting-started.md are what the demo really writes."""
    page = Path(__file__).resolve().parent.parent / "docs" / "getting-started.md"
    section = page.read_text().split("\n## What the summaries say\n", 1)[1].split("\n## ", 1)[0]
    quoted = "\n".join(ln[2:] for ln in section.splitlines() if ln.startswith(">"))
    assert quoted.count("\n|---") == 3  # heal, validate and rollback tables
    printed = _normal(out)
    for line in _normal(quoted).splitlines():
        assert line in printed, f"getting-started.md sample line not in the demo's output: {line}"
