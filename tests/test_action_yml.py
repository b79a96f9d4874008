"""action.yml's contract with the runner, and docs/reference.md's tables kept in step with it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from autoheal.settings.inputs import INPUTS
from autoheal.settings.outputs import OUTPUTS

ROOT = Path(__file__).resolve().parent.parent
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]


def test_marketplace_metadata() -> None:
    for key in ("name", "description", "author"):
        assert ACTION[key]
    assert set(ACTION["branding"]) == {"icon", "color"}
    assert ACTION["runs"]["using"] == "composite"


def test_every_input_is_mapped_into_the_python_step_env() -> None:
    python_step = next(s for s in STEPS if s.get("id") == "autoheal")
    env = python_step["env"]
    for name in ACTION["inputs"]:
        matching = [k for k, v in env.items() if v == f"${{{{ inputs.{name} }}}}"]
        assert matching, f"input {name} is not mapped into the step's env"
        assert matching[0] == "INPUT_" + name.upper().replace("-", "_")


def test_inputs_match_the_catalogue() -> None:
    assert list(ACTION["inputs"]) == [i.name for i in INPUTS]
    assert ACTION["inputs"]["token"]["default"] == "${{ github.token }}"
    assert ACTION["inputs"]["mode"]["required"] is True
    for name, spec in ACTION["inputs"].items():
        assert spec["description"], name


def test_no_expression_inside_run() -> None:
    for step in STEPS:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_every_uses_is_pinned_to_a_full_sha() -> None:
    files = [
        ROOT / "action.yml",
        *(ROOT / ".github" / "workflows").glob("*.yml"),
        *(ROOT / "examples").glob("*.yml"),
    ]
    for path in files:
        for ref in re.findall(r"(?m)^\s*(?:-\s+)?uses:\s*([^\s#]+)", path.read_text()):
            if ref.startswith(("./", "$/", "docker://")):
                continue
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), f"{path.name}: {ref}"


def test_outputs_map_to_the_python_step() -> None:
    assert set(ACTION["outputs"]) == {"mode", *OUTPUTS}
    for name, spec in ACTION["outputs"].items():
        assert spec["value"] == f"${{{{ steps.autoheal.outputs.{name} }}}}"
        assert spec["description"]


def reference_table(marker: str) -> list[list[str]]:
    text = (ROOT / "docs" / "reference.md").read_text()
    block = text.split(f"<!-- {marker}:start -->")[1].split(f"<!-- {marker}:end -->")[0]
    rows = [ln for ln in block.strip().splitlines() if ln.startswith("| `")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def test_reference_inputs_table_matches_action_yml() -> None:
    rows = reference_table("inputs")
    assert [r[0].strip("`") for r in rows] == list(ACTION["inputs"])
    for row in rows:
        description = ACTION["inputs"][row[0].strip("`")]["description"]
        assert row[2].replace("\\|", "|") in description


def test_reference_outputs_table_matches_action_yml() -> None:
    rows = reference_table("outputs")
    assert {r[0].strip("`") for r in rows} == set(ACTION["outputs"])
    for row in rows:
        assert row[1].replace("\\|", "|") == ACTION["outputs"][row[0].strip("`")]["description"]


def test_setup_step_uses_hash_locked_requirements() -> None:
    script = (ROOT / "scripts" / "setup-action.sh").read_text()
    assert "--require-hashes" in script and "--no-deps" in script
    lock = (ROOT / "requirements" / "action.txt").read_text()
    packages = re.findall(r"^([A-Za-z0-9_.-]+)==", lock, flags=re.MULTILINE)
    assert {"requests", "pyyaml", "actions-toolkit"} <= {p.lower() for p in packages}
    for block in re.split(r"\n(?=[A-Za-z])", lock.split("\n", 2)[2]):
        if "==" in block:
            assert "--hash=sha256:" in block, block.splitlines()[0]
