"""docs/configuration.md documents every key the config file accepts, and nothing it refuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autoheal.checks import CATEGORIES, CONFIG_KEYS
from autoheal.inputs import INPUTS, Input

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DOC = (ROOT / "docs" / "configuration.md").read_text()


def table_rows(text: str, heading: str) -> dict[str, list[str]]:
    """The rows of the first table under a `## heading`, by their first (backticked) cell."""
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            for name in re.findall(r"`([^`]+)`", cells[0]):
                rows[name] = cells
    return rows


KEYS = table_rows(CONFIG_DOC, "Keys")
REFUSED = table_rows(CONFIG_DOC, "Inputs that cannot be set in the file")


@pytest.mark.parametrize("spec", [i for i in INPUTS if i.in_config], ids=lambda i: i.name)
def test_every_config_key_is_documented_with_type_default_and_modes(spec: Input) -> None:
    assert spec.name in KEYS, f"`{spec.name}` is missing from the Keys table"
    _, kind, default, modes, _help = KEYS[spec.name][:5]
    assert kind
    if spec.default:
        assert f"`{spec.default}`" == default, (spec.name, default)
    for mode in spec.modes if len(spec.modes) < 4 else ():
        assert mode in modes, (spec.name, modes)
    if len(spec.modes) == 4:
        assert modes == "all"


def test_no_refused_input_is_offered_as_a_key() -> None:
    offered = set(KEYS) - {"checks"}
    assert offered == {i.name for i in INPUTS if i.in_config}


@pytest.mark.parametrize("spec", [i for i in INPUTS if not i.in_config], ids=lambda i: i.name)
def test_every_refused_input_says_why(spec: Input) -> None:
    assert spec.name in REFUSED, f"`{spec.name}` is not in the table of inputs the file refuses"
    assert len(REFUSED[spec.name][1]) > 20


def test_checks_table_keys_and_categories_are_documented() -> None:
    rows = table_rows(CONFIG_DOC, "The checks table")
    assert set(rows) == set(CONFIG_KEYS)
    for category in CATEGORIES:
        assert f"`{category}`" in CONFIG_DOC
    for example in ("### Python", "### Node", "multi-step fix"):
        assert example in CONFIG_DOC


def test_config_examples_are_valid(tmp_path: Path) -> None:
    """Every yaml block of the page loads through the real settings and checks parsers."""
    import yaml

    from autoheal import settings
    from autoheal.checks import parse_config

    blocks = re.findall(r"```yaml\n(.*?)```", CONFIG_DOC, flags=re.DOTALL)
    assert len(blocks) >= 5
    (tmp_path / "web").mkdir()
    (tmp_path / ".github").mkdir()
    for block in blocks:
        doc = yaml.safe_load(block)
        (tmp_path / ".github" / "autoheal.yml").write_text(block)
        loaded = settings.load(["validate", "--repo", str(tmp_path)], {})
        parse_config(tmp_path, loaded.checks_config)
        if "checks" in doc:
            assert loaded.checks_config == doc["checks"]


def test_security_policy_covers_the_model() -> None:
    text = (ROOT / "SECURITY.md").read_text().lower()
    for words in ("report", "supported versions", "mask", "fork", "trailer", "force-push"):
        assert words in text, words


def test_releasing_names_the_steps() -> None:
    text = (ROOT / "docs" / "releasing.md").read_text()
    for words in ("CHANGELOG.md", "v1.0.0", "scripts/lock", "branding", "release.yml", "SHA"):
        assert words in text, words
