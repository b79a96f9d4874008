"""scripts/setup-action.sh (action.yml's first step), with a fake uv that records its calls."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "setup-action.sh"

FAKE_UV = f"""#!/bin/sh
echo "$@" >> "$UV_LOG"
if [ "$1" = venv ]; then
  for last; do :; done
  mkdir -p "$last/bin" && ln -s {sys.executable} "$last/bin/python"
fi
"""


def run_setup(tmp_path: Path, python: str = sys.executable) -> tuple[int, str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    uv = bin_dir / "uv"
    uv.write_text(FAKE_UV)
    uv.chmod(0o755)
    output = tmp_path / "output"
    output.touch()
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_ACTION_PATH": str(ROOT),
        "AUTOHEAL_SETUP_PYTHON": python,
        "UV_LOG": str(tmp_path / "uv.log"),
    }
    proc = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False
    )
    return proc.returncode, proc.stdout + proc.stderr, output.read_text()


def test_uv_installs_the_lock_with_hashes_and_no_deps_then_the_venv_is_reused(
    tmp_path: Path,
) -> None:
    code, out, output = run_setup(tmp_path)
    assert code == 0, out
    calls = (tmp_path / "uv.log").read_text().splitlines()
    assert calls[0].startswith("venv --quiet --no-python-downloads --python ")
    assert calls[1].startswith("pip install --quiet --python ")
    assert "--no-deps --require-hashes -r " in calls[1]
    assert calls[1].endswith(str(ROOT / "requirements" / "action.txt"))
    python = output.strip().removeprefix("python=")
    assert python.startswith(str(tmp_path / "autoheal-venv-")) and os.path.exists(python)

    code, out, again = run_setup(tmp_path)  # a second step of the same job
    assert code == 0, out
    assert len((tmp_path / "uv.log").read_text().splitlines()) == 2  # nothing installed again
    assert again.splitlines()[-1] == output.strip()


def test_missing_or_old_python_is_a_clear_error(tmp_path: Path) -> None:
    code, out, output = run_setup(tmp_path, python=str(tmp_path / "no-python"))
    assert code == 1
    assert "::error::CI Autoheal needs python3 3.10 or newer" in out
    assert output == ""
    assert not (tmp_path / "uv.log").exists()
