"""The local report as a terminal shows it: the summary's Markdown without its markup."""

from __future__ import annotations

import pytest

from autoheal.markdown import code_block, code_cell, table_cell
from autoheal.plaintext import inline, render, width


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("**Confidence:** 0 → 20", "Confidence: 0 → 20"),
        ("Run `git switch main` first.", "Run git switch main first."),
        ("`a **b**` and **c**", "a **b** and c"),  # a code span is shown as it is
        ("See [docs/heal.md](docs/heal.md).", "See docs/heal.md."),
        ("The [run](https://x.test/r/1) failed", "The run (https://x.test/r/1) failed"),
        ("_(summary truncated)_", "(summary truncated)"),
        ("max_diff_lines and __init__", "max_diff_lines and __init__"),
        ("a &lt;details> tag", "a <details> tag"),
    ],
    ids=["bold", "code", "code-keeps-stars", "link-same", "link", "italic", "snake", "entity"],
)
def test_inline_markup_is_dropped(markdown: str, text: str) -> None:
    assert inline(markdown) == text


def test_headings_are_underlined_and_blocks_indented() -> None:
    markdown = "## heal: PARTIAL\n\nFixed lint.\n\n### Changes\n\n" + code_block(
        " a.py | 2 +-\n``` inside\n"
    )
    assert render(markdown) == (
        "heal: PARTIAL\n=============\n\nFixed lint.\n\nChanges\n-------\n\n"
        "     a.py | 2 +-\n    ``` inside"
    )


def test_a_table_becomes_aligned_columns() -> None:
    markdown = "\n".join(
        [
            "| Part | Outcome | Points |",
            "|---|---|---:|",
            "| confidence | | 20 |",
            "| lint | ✅ pass | +5 |",
            "| **effectiveness** | | **25** |",
        ]
    )
    # Columns two spaces apart, as wide as their widest cell (✅ takes two); `---:` aligns right.
    assert render(markdown).splitlines() == [
        "Part           Outcome  Points",
        "-------------  -------  ------",
        "confidence" + " " * 18 + "20",
        "lint           ✅ pass      +5",
        "effectiveness" + " " * 15 + "25",
    ]


def test_table_cells_lose_their_escapes_but_keep_their_text() -> None:
    """What `table_cell` and `code_cell` escaped comes back as it was written."""
    name, command = "a|b \\ <x>", "grep 'a|b' \\d"
    markdown = f"| Check | Command |\n|---|---|\n| {table_cell(name)} | {code_cell(command)} |"
    assert render(markdown).splitlines()[2].split("  ")[0] == name
    assert render(markdown).splitlines()[2].endswith(command)


def test_details_show_their_summary_and_content() -> None:
    markdown = (
        "### Still failing\n\n<details><summary>test: unit (❌ fail)</summary>\n\n"
        + code_block("FAILED x")
        + "\n\n</details>\n\nDone."
    )
    assert render(markdown) == (
        "Still failing\n-------------\n\ntest: unit (❌ fail):\n\n    FAILED x\n\nDone."
    )


def test_wide_characters_count_twice() -> None:
    assert width("✅ pass") == 7
    assert width("⚠️ flaky") == 8
    assert width("abc") == 3
