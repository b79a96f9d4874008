#!/usr/bin/env python3
"""Write what the docs repeat from their sources, so the copies never drift:

- action.yml's inputs, outputs and env mapping, and the tables of docs/reference.md, from
  the catalogue in src/autoheal/settings/ (inputs*.py, outputs.py);
- every workflow snippet of the docs, from the example file it shows. A block

      <!-- include: examples/ci.yml -->
      ...
      <!-- include:end -->

  is rewritten as a yaml fence holding the whole file; `examples/ci.yml#redispatch` holds the
  lines between the file's `# [redispatch]` and `# [/redispatch]` comments, dedented; and
  `examples/post-remediation-check.yml tools=examples/ci-node.yml#tools` the whole file with
  its `tools` part replaced by that of another file.

Run after changing an input, an output or an example: `python3 scripts/sync_docs.py`. With
`--check` it only reports whether the files are current (the tests do the same, independently).
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from autoheal.settings.inputs import INPUTS  # noqa: E402
from autoheal.settings.outputs import OUTPUTS  # noqa: E402

HEADER = """\
# CI Autoheal: the inputs, outputs and env mapping below are written by scripts/sync_docs.py
# from src/autoheal/settings/inputs*.py and outputs.py. Edit those, then run the script.
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


def reference_tables() -> dict[str, str]:
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


def replace_block(text: str, name: str, body: str, where: str = "docs/reference.md") -> str:
    pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{where} has no <!-- {name}:start --> ... <!-- {name}:end --> block")
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(2), text)


# --------------------------------------------------------------------------- example snippets

INCLUDE = re.compile(r"(<!-- include: ([^>]*?) -->\n).*?(<!-- include:end -->)", re.DOTALL)
MARKER = re.compile(r"^(\s*)# \[(/?)([a-z][a-z0-9-]*)\]")


def part_span(lines: list[str], name: str, where: str) -> tuple[int, int]:
    """The indexes of the `# [name]` and `# [/name]` marker lines of a file."""
    found: dict[str, list[int]] = {"": [], "/": []}
    for index, line in enumerate(lines):
        marker = MARKER.match(line)
        if marker and marker[3] == name:
            found[marker[2]].append(index)
    starts, ends = found[""], found["/"]
    if len(starts) != 1 or len(ends) != 1 or starts[0] > ends[0]:
        raise SystemExit(f"{where} has no single `# [{name}]` ... `# [/{name}]` part")
    return starts[0], ends[0]


def read(path: str) -> str:
    if not (ROOT / path).is_file():
        raise SystemExit(f"include: {path} does not exist")
    return (ROOT / path).read_text(encoding="utf-8")


def part(path: str, name: str) -> str:
    """The lines between a file's markers for `name`, dedented."""
    lines = read(path).splitlines(keepends=True)
    start, end = part_span(lines, name, path)
    return textwrap.dedent("".join(lines[start + 1 : end]))


def with_part(text: str, where: str, name: str, donor: str) -> str:
    """`text` with the lines of its part `name` replaced by those of `donor`
    (`other-file#part`), at this file's indentation; the markers stay."""
    lines = text.splitlines(keepends=True)
    start, end = part_span(lines, name, where)
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    donor_path, _, donor_name = donor.partition("#")
    body = textwrap.indent(part(donor_path, donor_name or name), indent)
    return "".join(lines[: start + 1]) + body + "".join(lines[end:])


def example(spec: str) -> str:
    """The text an include spec stands for (see the module docstring)."""
    source, *replacements = spec.split()
    path, _, name = source.partition("#")
    if name:
        return part(path, name)
    text = read(path)
    for replacement in replacements:
        name, _, donor = replacement.partition("=")
        text = with_part(text, path, name, donor)
    return text


def includes(text: str) -> str:
    """`text` with every include block rewritten from its example file."""

    def fill(m: re.Match[str]) -> str:
        return f"{m[1]}```yaml\n{example(m[2])}```\n{m[3]}"

    return INCLUDE.sub(fill, text)


def main() -> int:
    check = "--check" in sys.argv
    reference = ROOT / "docs" / "reference.md"
    wanted = {ROOT / "action.yml": action_yml()}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = includes(path.read_text(encoding="utf-8"))
        if path == reference:
            for name, body in reference_tables().items():
                text = replace_block(text, name, body)
        wanted[path] = text
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    if check:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python3 scripts/sync_docs.py")
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
