#!/usr/bin/env python3
"""Write action.yml's inputs/outputs and the README's tables from src/autoheal/inputs.py.

Run after changing an input or output: `python3 scripts/sync_docs.py`. With `--check` it only
reports whether the files are current (the tests do the same, independently).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from autoheal.inputs import INPUTS, OUTPUTS  # noqa: E402

HEADER = """\
# CI Autoheal: the inputs, outputs and env mapping below are written by scripts/sync_docs.py
# from src/autoheal/inputs.py. Edit that file, then run the script.
name: CI Autoheal
description: Fix mechanical CI breakage, re-validate the fix, and roll back what stays broken.
author: CI Autoheal maintainers
branding:
  icon: activity
  color: green
"""

RUNS = """\
runs:
  using: composite
  steps:
    - name: Set up CI Autoheal
      id: setup
      shell: bash
      run: '"$GITHUB_ACTION_PATH/scripts/setup-action.sh"'
    - name: Run CI Autoheal
      id: autoheal
      shell: bash
      env:
        AUTOHEAL_PYTHON: ${{{{ steps.setup.outputs.python }}}}
{env}      run: 'PYTHONPATH="$GITHUB_ACTION_PATH/src" "$AUTOHEAL_PYTHON" -m autoheal'
"""


def yaml_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def described(spec_help: str, default: str) -> str:
    return f"{spec_help} Default: `{default}`." if default else spec_help


def action_yml() -> str:
    lines = [HEADER, "inputs:"]
    for spec in INPUTS:
        lines.append(f"  {spec.name}:")
        if spec.name == "token":
            lines.append(f"    description: {yaml_str(spec.help)}")
            lines.append("    required: false")
            lines.append("    default: ${{ github.token }}")
            continue
        lines.append(f"    description: {yaml_str(described(spec.help, spec.default))}")
        lines.append(f"    required: {'true' if spec.name == 'mode' else 'false'}")
        if spec.name != "mode":
            # Empty on purpose: an unset input must not hide the config file's value.
            lines.append("    default: ''")
    lines.append("outputs:")
    lines.append("  mode:")
    lines.append("    description: 'The mode that ran.'")
    lines.append("    value: ${{ steps.autoheal.outputs.mode }}")
    for name, help_text in OUTPUTS.items():
        lines.append(f"  {name}:")
        lines.append(f"    description: {yaml_str(help_text)}")
        lines.append(f"    value: ${{{{ steps.autoheal.outputs.{name} }}}}")
    env = "".join(f"        {s.env}: ${{{{ inputs.{s.name} }}}}\n" for s in INPUTS)
    return "\n".join(lines) + "\n" + RUNS.format(env=env)


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_tables() -> dict[str, str]:
    rows = ["| Input | Modes | Description | Default |", "|---|---|---|---|"]
    for spec in INPUTS:
        modes = "all" if len(spec.modes) == 4 else ", ".join(spec.modes)
        default = (
            "`${{ github.token }}`"
            if spec.name == "token"
            else (
                f"`{spec.default}`" if spec.default else ("required" if spec.name == "mode" else "")
            )
        )
        rows.append(f"| `{spec.name}` | {modes} | {cell(spec.help)} | {default} |")
    outs = ["| Output | Description |", "|---|---|", "| `mode` | The mode that ran. |"]
    outs += [f"| `{name}` | {cell(text)} |" for name, text in OUTPUTS.items()]
    return {"inputs": "\n".join(rows), "outputs": "\n".join(outs)}


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


def main() -> int:
    check = "--check" in sys.argv
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    new_readme = readme
    for name, body in readme_tables().items():
        new_readme = replace_block(new_readme, name, body)
    wanted = {ROOT / "action.yml": action_yml(), readme_path: new_readme}
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    if check:
        for path in stale:
            print(f"{path.name} is out of date: run python3 scripts/sync_docs.py")
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
