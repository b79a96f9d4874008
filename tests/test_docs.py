"""docs/configuration.md documents every key the config file accepts, and nothing it refuses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from autoheal.checks import CATEGORIES, CONFIG_KEYS
from autoheal.settings.inputs import INPUTS, Input

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


# --------------------------------------------------------------------------- troubleshooting


def _error_classes(trees: list[ast.Module]) -> set[str]:
    """AutohealError and every class derived from it, however deep."""
    bases: dict[str, set[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.id for b in node.bases if isinstance(b, ast.Name)}
    found = {"AutohealError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def _template(node: ast.expr) -> str:
    """A message's text with `{}` where it is filled in at run time."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_template(v) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _template(node.left) + _template(node.right)
    return "{}"


def _message_arg(call: ast.Call, errors: set[str]) -> ast.expr | None:
    """The message of a call that ends the run with an `::error::`, else None."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    keywords = {k.arg: k.value for k in call.keywords}
    if name in errors:
        return call.args[0] if call.args else keywords.get("message")
    if name == "error" and isinstance(func, ast.Attribute) and call.args:  # report.error(...)
        return call.args[0]
    if name == "Stop" and len(call.args) > 1:  # rollback's early end; code=0 is a notice
        code = keywords.get("code")
        if not (isinstance(code, ast.Constant) and code.value == 0):
            return call.args[1]
    if name == "_error" and "message" in keywords:  # Git._error(..., message=...)
        return keywords["message"]
    return None


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[`'\"\\]", "", text)).lower()


def error_messages() -> list[tuple[str, str]]:
    """(where, a fixed part of the message) for every error message in src/."""
    files = sorted((ROOT / "src" / "autoheal").rglob("*.py"))
    trees = [ast.parse(p.read_text()) for p in files]
    errors = _error_classes(trees)
    found = []
    for path, tree in zip(files, trees, strict=True):
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            arg = _message_arg(node, errors)
            if arg is None:
                continue
            template = _template(arg)
            # The start of the message when it is fixed text, else its longest fixed part.
            parts = [p.strip(" .:;,({)`") for p in template.split("{}")]
            key = parts[0] if len(parts[0]) >= 12 else max(parts, key=len)
            if len(key) >= 8:  # a message built whole elsewhere has no fixed part here
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", key))
    return found


TROUBLESHOOTING = _normal((ROOT / "docs" / "troubleshooting.md").read_text())


def test_the_error_scan_finds_the_known_kinds() -> None:
    texts = [text for _, text in error_messages()]
    assert len(texts) > 60
    for known in ("Input `mode` is required", "Event file", "Refusing to heal", "timed out after"):
        assert any(known in t for t in texts), known


@pytest.mark.parametrize(("where", "text"), error_messages(), ids=lambda v: str(v)[:60])
def test_troubleshooting_explains_every_error_message(where: str, text: str) -> None:
    key = _normal(text)[:40].strip()
    assert key in TROUBLESHOOTING, f"{where}: {text!r} is not in docs/troubleshooting.md"
