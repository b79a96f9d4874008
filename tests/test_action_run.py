"""action.yml's Python step, run the way the runner runs it: bash, its env mapping, its run line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.actions import TOKEN, parse_outputs

ROOT = Path(__file__).resolve().parent.parent


def run_python_step(tmp_path: Path, inputs: dict[str, str]) -> tuple[int, str, dict[str, str]]:
    action: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "autoheal")
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values["token"] = ""  # `${{ github.token }}` is the runner's to fill
    values.update(inputs)

    def expand(text: str) -> str:
        text = re.sub(r"\$\{\{ inputs\.([\w-]+) \}\}", lambda m: values[m.group(1)], text)
        return text.replace("${{ steps.setup.outputs.python }}", sys.executable)

    output = tmp_path / "output"
    output.touch()
    env = {
        "PATH": os.environ["PATH"],
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_OUTPUT": str(output),
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_REPOSITORY": "octo-org/octo-repo",
        "GITHUB_SHA": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        **{key: expand(str(value)) for key, value in step["env"].items()},
    }
    proc = subprocess.run(
        [step["shell"], "-c", step["run"]],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr, parse_outputs(output)


def test_step_runs_the_package_from_the_action_path(tmp_path: Path) -> None:
    code, out, outputs = run_python_step(
        tmp_path, {"mode": "redispatch", "working-directory": str(tmp_path)}
    )
    # No token: redispatch skips with a warning and still writes its outputs.
    assert code == 0, out
    assert outputs["mode"] == "redispatch"
    assert outputs["dispatched"] == "false"
    assert "::warning" in out


def test_bad_input_through_the_step_is_exit_2_with_one_error(tmp_path: Path) -> None:
    code, out, outputs = run_python_step(
        tmp_path,
        {
            "mode": "validate",
            "threshold": "high",
            "token": TOKEN,
            "working-directory": str(tmp_path),
        },
    )
    assert code == 2
    assert [ln for ln in out.splitlines() if ln.startswith("::error")] == [
        "::error::Input `threshold` is 'high', which is not valid. Write a whole number from "
        "0 to 100 instead."
    ]
    assert outputs["status"] == "FAILED"
    assert all(TOKEN not in ln for ln in out.splitlines() if not ln.startswith("::add-mask::"))
