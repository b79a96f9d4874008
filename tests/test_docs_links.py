"""What a reader follows in the docs leads somewhere: links, anchors, named files, and the
workflow snippets, which are the example files themselves (or parts of them) and whose `with:`
keys and outputs must be the action's own."""

from __future__ import annotations

import importlib.util
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.test_examples import (
    ACTION_OUTPUTS,
    STEP_REF,
    is_ours,
    skipped_after_failed_heal,
    step_problems,
)

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
# Paths named in prose or comments, e.g. docs/token-setup.md or examples/ci.yml.
NAMED_PATH = re.compile(
    r"(?<![\w/.-])((?:docs|examples|scripts|bench|tests|requirements)/[\w./-]*\w)"
)
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def github_anchors(markdown: str) -> set[str]:
    """The ids GitHub gives the headings of a Markdown file (duplicates get -1, -2, ...)."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    text = FENCE.sub("", markdown)
    for match in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", match[1].lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def link_problems(path: Path) -> list[str]:
    text = path.read_text()
    prose = FENCE.sub("", text)
    problems = []
    for target in LINK.findall(prose):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        if not dest.exists():
            problems.append(f"{path.name}: link to {target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in github_anchors(dest.read_text()):
            problems.append(f"{path.name}: link to {target}: no heading with that anchor")
    for named in NAMED_PATH.findall(prose):
        if not (ROOT / named).exists():
            problems.append(f"{path.name}: names {named}, which does not exist")
    return problems


def test_anchor_rules_follow_github() -> None:
    text = "# Token setup\n## Troubleshooting `redispatch`\n## A, b & c\n## Notes\n## Notes\n"
    assert github_anchors(text) == {
        "token-setup",
        "troubleshooting-redispatch",
        "a-b--c",
        "notes",
        "notes-1",
    }


def test_the_link_check_catches_a_broken_link_and_anchor(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n## The part\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#the-part) [here](#page) [gone](missing.md) [bad](other.md#nope)\n# Page\n"
    )
    assert link_problems(page) == [
        "page.md: link to missing.md: no such file",
        "page.md: link to other.md#nope: no heading with that anchor",
    ]


@pytest.mark.parametrize(
    "path", [*DOCS, *sorted((ROOT / "examples").glob("*.yml"))], ids=lambda p: p.name
)
def test_every_link_anchor_and_named_file_resolves(path: Path) -> None:
    assert link_problems(path) == []


def _steps(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "uses" in node or "run" in node:
            yield node
        for value in node.values():
            yield from _steps(value)
    elif isinstance(node, list):
        for value in node:
            yield from _steps(value)


def snippets() -> Iterator[tuple[str, str]]:
    for path in DOCS:
        for index, match in enumerate(FENCE.finditer(path.read_text())):
            if match[1] == "yaml" and "ci-autoheal" in match[2]:
                yield f"{path.name}#{index}", textwrap.dedent(match[2])


def snippet_problems(where: str, text: str) -> list[str]:
    doc = yaml.safe_load(text)
    steps = list(_steps(doc))
    by_id = {str(s["id"]): s for s in steps if "id" in s}
    problems = []
    for step in steps:
        problems += step_problems(where, step)
        heal_id = skipped_after_failed_heal(step, by_id)
        if heal_id:
            problems.append(f"{where}: `if:` reads steps.{heal_id} without `!cancelled()`")
    for ref in STEP_REF.finditer(text):
        step_id, kind, name = ref[1], ref[2], ref[3]
        target = by_id.get(step_id)
        if kind != "outputs" or (target is not None and not is_ours(target)):
            continue  # another action's step: test_examples knows the third-party outputs
        if name not in ACTION_OUTPUTS:
            problems.append(f"{where}: `{ref[0]}`: action.yml declares no output `{name}`")
    return problems


def test_the_snippet_check_catches_a_wrong_key_and_output() -> None:
    text = (
        "- id: heal\n  uses: OWNER/ci-autoheal@v1\n  with:\n    mode: heal\n    treshold: 3\n"
        "- uses: OWNER/ci-autoheal@v1\n  with:\n    mode: redispatch\n"
        "    sha: ${{ steps.heal.outputs.commit }}\n"
        "- if: steps.heal.outputs.patch-path != ''\n  run: echo patch\n"
    )
    assert snippet_problems("x", text) == [
        "x: `treshold` is not an input of action.yml",
        "x: `if:` reads steps.heal without `!cancelled()`",
        "x: `steps.heal.outputs.commit`: action.yml declares no output `commit`",
    ]


def test_the_docs_have_workflow_snippets() -> None:
    assert len(list(snippets())) >= 8


@pytest.mark.parametrize(("where", "text"), list(snippets()), ids=lambda v: str(v)[:30])
def test_every_workflow_snippet_uses_real_inputs_and_outputs(where: str, text: str) -> None:
    assert snippet_problems(where, text) == []


# --------------------------------------------------------------------------- snippets = examples


def _sync_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sync_docs", ROOT / "scripts" / "sync_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SYNC = _sync_docs()
INCLUDE = re.compile(r"<!-- include: ([^>]*?) -->\n(.*?)<!-- include:end -->", re.DOTALL)
WORKFLOW = re.compile(r"^\s*(?:-\s+)?uses:|^jobs:", re.MULTILINE)


def stripped(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def include_problems(where: str, text: str) -> list[str]:
    """A workflow snippet that is not an example file (or a part of one), or differs from it."""
    problems = []
    blocks = list(INCLUDE.finditer(text))
    for block in blocks:
        spec, body = block[1], block[2]
        source, _, name = spec.split()[0].partition("#")
        example = (ROOT / source).read_text()
        if spec == source:  # a whole file: compared here without the script's help
            same = body == f"```yaml\n{example}```\n"
        else:
            same = body == f"```yaml\n{SYNC.example(spec)}```\n"
            if name:  # a part: its lines, in order, are lines of the file
                lines, whole = stripped(body)[1:-1], stripped(example)
                same = same and any(
                    whole[i : i + len(lines)] == lines for i in range(len(whole) - len(lines) + 1)
                )
        if not same:
            problems.append(f"{where}: the snippet of {spec} is not that file (run sync_docs.py)")
    for fence in FENCE.finditer(text):
        inside = any(b.start() < fence.start() and fence.end() < b.end() for b in blocks)
        if fence[1] == "yaml" and WORKFLOW.search(fence[2]) and not inside:
            line = text.count("\n", 0, fence.start()) + 1
            problems.append(f"{where}:{line}: a workflow snippet that no example file holds")
    return problems


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_workflow_snippet_is_an_example_file_or_a_part_of_one(path: Path) -> None:
    assert include_problems(path.name, path.read_text()) == []


def test_the_snippet_check_catches_an_edited_copy_and_a_hand_written_workflow() -> None:
    page = (ROOT / "docs" / "getting-started.md").read_text()
    assert page.count("<!-- include: ") == 4
    for spec in ("examples/ci.yml", "examples/post-remediation-check.yml tools="):
        start = page.index(f"<!-- include: {spec}")
        edited = page[:start] + page[start:].replace("mode: heal", "mode: validate", 1)
        if spec.endswith("="):
            edited = page[:start] + page[start:].replace("npm ci", "npm install", 1)
        assert include_problems("p", edited) == [
            f"p: the snippet of {page[start:].split(' -->')[0][len('<!-- include: ') :]} "
            "is not that file (run sync_docs.py)"
        ]
    loose = "# Page\n\n```yaml\njobs:\n  x:\n    steps:\n      - uses: OWNER/ci-autoheal@v1\n```\n"
    assert include_problems("p", loose) == ["p:3: a workflow snippet that no example file holds"]
    fragment = "```yaml\npermissions:\n  contents: write\n```\n"
    assert include_problems("p", fragment) == []


def test_every_example_is_shown_somewhere_in_the_docs() -> None:
    shown = {
        block[1].split()[0].partition("#")[0]
        for path in DOCS
        for block in INCLUDE.finditer(path.read_text())
    }
    assert shown == {str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.yml")}
