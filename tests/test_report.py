"""The report module: output file format, summary escaping and limits, masking."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from autoheal.markdown import SUMMARY_LIMIT, code_block, code_cell, table_cell, truncate_summary
from autoheal.report import Report, format_output
from tests.actions import forged_commands, parse_outputs, runner_commands


def make(tmp_path: Path, **env: str) -> tuple[Report, io.StringIO]:
    out = io.StringIO()
    base = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "out"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
    }
    base.update(env)
    return Report(base, out=out, err=out), out


def test_multiline_and_delimiter_like_values_round_trip(tmp_path: Path) -> None:
    report, _ = make(tmp_path)
    tricky = "line one\nghadelimiter_x\nEOF\nname<<EOF\n"
    report.output("breakdown", tricky)
    report.output("flag", True)
    report.flush()
    outputs = parse_outputs(tmp_path / "out")
    assert outputs == {"breakdown": tricky, "flag": "true"}


def test_delimiter_is_random_and_not_in_value() -> None:
    first, second = format_output("a", "x"), format_output("a", "x")
    assert first != second
    delim = first.split("<<", 1)[1].split("\n", 1)[0]
    assert delim.startswith("ghadelimiter_") and len(delim) > 20


def test_code_block_cannot_be_closed_by_tool_output() -> None:
    block = code_block("before\n```\n`````\nafter")
    fence = block.split("\n", 1)[0]
    assert fence == "``````"
    assert block.endswith("\n" + fence)


def test_summary_truncated_under_limit_with_fence_closed() -> None:
    text = "# title\n```\n" + ("x" * 100 + "\n") * 20000
    cut = truncate_summary(text)
    assert len(cut.encode()) <= SUMMARY_LIMIT
    assert "summary truncated" in cut
    assert cut.count("```") % 2 == 0


def test_tool_output_cannot_issue_workflow_commands(tmp_path: Path) -> None:
    report, out = make(tmp_path)
    report.tool_output("lint", "::error::fake\n::add-mask::x\n")
    lines = out.getvalue().splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("::stop-commands::"))
    token = lines[start].split("::")[2]
    assert len(token) >= 32
    end = lines.index(f"::{token}::")
    assert start < lines.index("::error::fake") < end


def test_log_lines_quoting_workflow_commands_are_inert(tmp_path: Path) -> None:
    # A check's name (from the project's config) or a commit subject in a message.
    report, out = make(tmp_path)
    report.info("heal: NOT FIXED (fmt\n  ::error title=forged::pwned\n::stop-commands::x)")
    assert runner_commands(out.getvalue()) == []
    assert "  ::error title=forged::pwned" in out.getvalue().splitlines()
    report, out = make(tmp_path)
    report.info("heal: HEALED. Fixed lint.")
    assert out.getvalue() == "heal: HEALED. Fixed lint.\n"  # nothing to wrap: a plain line


def test_a_secret_with_line_breaks_is_masked_line_by_line(tmp_path: Path) -> None:
    report, out = make(tmp_path)
    report.mask("first-line-of-it\r\nsecond-line-of-it\n")
    assert runner_commands(out.getvalue()) == [
        "::add-mask::first-line-of-it%0D%0Asecond-line-of-it",
        "::add-mask::first-line-of-it",
        "::add-mask::second-line-of-it",
    ]
    assert report.redact("a first-line-of-it b second-line-of-it") == "a *** b ***"


def test_secrets_are_masked_and_redacted(tmp_path: Path) -> None:
    report, out = make(tmp_path)
    report.mask("s3cr3t-value")
    report.warning("found s3cr3t-value here")
    report.output("x", "s3cr3t-value")
    report.section("s3cr3t-value")
    report.flush()
    lines = out.getvalue().splitlines()
    assert lines[0] == "::add-mask::s3cr3t-value"
    assert all("s3cr3t-value" not in ln for ln in lines[1:])
    assert "s3cr3t-value" not in (tmp_path / "out").read_text()
    assert "s3cr3t-value" not in (tmp_path / "summary").read_text()


def test_debug_only_with_runner_debug(tmp_path: Path) -> None:
    report, out = make(tmp_path)
    report.debug("hidden")
    assert out.getvalue() == ""
    report, out = make(tmp_path, RUNNER_DEBUG="1")
    report.debug("shown")
    assert out.getvalue() == "::debug::shown\n"


def test_annotation_escapes_newlines(tmp_path: Path) -> None:
    report, out = make(tmp_path)
    report.error("two\nlines", title="T")
    assert out.getvalue() == "::error title=T::two%0Alines\n"


def test_flushed_summary_stays_under_one_mib_and_renders(tmp_path: Path) -> None:
    report, _ = make(tmp_path)
    report.section("### Checks")
    report.section(code_block("````\n" + "é log line with `backticks`\n" * 60000))
    report.flush()
    written = (tmp_path / "summary").read_bytes()
    assert len(written) < 1024 * 1024
    text = written.decode("utf-8")  # cut on a character boundary
    assert text.startswith("### Checks") and "summary truncated" in text
    fence = text.split("\n")[2]
    assert fence == "`````" and text.count(fence + "\n") == 2  # opened and closed again


def test_table_cells_keep_the_row_intact() -> None:
    command = "grep -E 'a\\.b|c' `x`\nnext"
    # Plain text: what Markdown acts on is written as entities; the reader sees the text.
    assert table_cell(command) == "grep -E 'a&#92;.b&#124;c' &#96;x&#96; next"
    # A code span shows backslashes as they are: only the pipe is escaped, for the table.
    assert code_cell(command) == "``grep -E 'a\\.b\\|c' `x` next``"
    for cell in (table_cell(command), code_cell(command)):
        assert "\n" not in cell and cell.replace("\\|", "").count("|") == 0


def test_table_cells_open_no_html() -> None:
    # A check name or commit subject inside a <summary> or a cell must not close or open
    # elements: an unclosed <details> would fold the rest of the summary away.
    name = "lint </summary></details><details><img src=x>"
    assert table_cell(name) == (
        "lint &lt;/summary&gt;&lt;/details&gt;&lt;details&gt;&lt;img src=x&gt;"
    )


def test_a_token_is_masked_in_every_form_it_travels_in(tmp_path: Path) -> None:
    # A server or a tool that echoes the token URL-encoded, or git's basic auth header,
    # must not show it either.
    token = "gho_Ab/Cd+Ef=Gh%Ij"
    forms = [
        token,
        quote(token, safe=""),
        quote_plus(token),
        base64.b64encode(f"x-access-token:{token}".encode()).decode(),
    ]
    report, out = make(tmp_path)
    report.mask_token(token)
    commands = runner_commands(out.getvalue())
    # The runner reads `%25` in a command's value as `%`.
    masked = [line.removeprefix("::add-mask::").replace("%25", "%") for line in commands]
    assert set(forms) <= set(masked)
    for form in forms:
        assert report.redact(f"echoed: {form}.") == "echoed: ***."


# Text from the project or the event, as the runner reads it: the old form `##[cmd]` anywhere
# in a line, the new form `::cmd::` at the start of any line (after CR or LF and spaces).
HOSTILE = {
    "old-form": ".github/workflows/ci ##[set-output name=sha]x.yml",
    "old-form-mask": "feature ##[add-mask]value-to-hide",
    "old-form-stop": "x ##[stop-commands]tok",
    "old-form-3-hashes": "###[set-output name=a]b",
    "new-form-lf": "a\n::set-output name=sha::x",
    "new-form-cr": "a\r::add-mask::y",
    "new-form-crlf-indented": "a\r\n \t::error title=t::forged",
    "new-form-unicode-space": "a\n\u3000\u2028::warning::forged",
    "new-form-first": "::notice::forged",
}
SPEAKERS: dict[str, Callable[[Report, str], None]] = {
    "info": lambda r, t: r.info(f"heal: NOT FIXED. {t}"),
    "notice": lambda r, t: r.notice(t),
    "warning": lambda r, t: r.warning(t, title="Fix not used"),
    "error": lambda r, t: r.error(t),
    "annotation-title": lambda r, t: r.warning("message", title=t),
    "debug": lambda r, t: r.debug(t),
    "group-title": lambda r, t: r.tool_output(f"lint: {t} output", "plain output"),
    "tool-output": lambda r, t: r.tool_output("lint", f"out {t}\nmore {t}"),
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("speak", SPEAKERS.values(), ids=SPEAKERS.keys())
@pytest.mark.parametrize("in_actions", [True, False], ids=["actions", "local"])
def test_every_printed_line_is_inert_to_both_command_forms(
    tmp_path: Path, speak: Callable[[Report, str], None], text: str, in_actions: bool
) -> None:
    report, out = make(tmp_path, RUNNER_DEBUG="1", GITHUB_ACTIONS="true" if in_actions else "")
    speak(report, text)
    report.section(f"summary {text}")
    report.output("name", text)
    report.flush()  # locally the summary and outputs are printed too
    printed = out.getvalue()
    assert forged_commands(printed) == [], printed
    # Still readable: the words are all there, only made inert.
    words = text.replace("\u2028", " ").replace("##[", " ").replace("::", " ").split()
    assert all(word.strip("[]") in printed for word in words), printed


def test_a_secret_is_registered_exactly_as_it_is(tmp_path: Path) -> None:
    # `::add-mask::` is parsed as the new form whatever its value holds; changing the value
    # to make it inert would register another string and leave the secret unmasked.
    report, out = make(tmp_path)
    report.mask("pa##[ss")
    assert out.getvalue() == "::add-mask::pa##[ss\n"
