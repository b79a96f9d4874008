"""Values from the project or the event in every Markdown surface (job summaries, pull request
and issue bodies and titles, comments, hidden markers) stay text: no mention, no issue
reference, no HTML, no link, no broken table row, no closed marker comment.

`tests.markdown_check` reads the Markdown as GitHub renders it; each test also checks that the
value is still there to read, so a test cannot pass by dropping it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from autoheal.markdown import ZWSP, code_cell, code_span, link, markdown_text, table_cell
from autoheal.markers import issue_marker
from tests.heal_helpers import API, REPO, UNFORMATTED, setup_heal
from tests.markdown_check import MARKER, assert_inert, code_spans, comments, one_line, shown

HOSTILE = {
    "backticks": "a`b``c ```",
    "leading-backtick": "`x",
    "pipes": "a|b\\|c\\",
    "newlines": "a\n# heading\n| x | y |\n\n- item",
    "closes-comment": "a-->@someone<!--x",
    "opens-comment": "<!-- x",
    "mention": "@someone and @org/team",
    "refs": "Fixes #1, GH-12, o/r#3",
    "script": "<script>alert(1)</script>",
    "js-link": "[x](javascript:alert(1))",
    "image": "![x](https://example.com/x.png)",
    "reference-link": "[x][1]\n[1]: https://example.com",
    "entities": "&#64;someone &commat;other &lt;b&gt;",
    "fence": "```\nfenced",
    "details": "</summary></details><details open>",
    "spaces": " x ",
}
# --------------------------------------------------------------------------- the helpers


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_code_span_shows_any_value_exactly(value: str) -> None:
    markdown = f"Branch {code_span(value)} was healed @ {code_span(value)}."
    assert code_spans(markdown) == [one_line(value)] * 2
    assert_inert(markdown)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_table_cells_keep_their_row_and_show_the_value(value: str) -> None:
    table = "| Plain | Code | End |\n|---|---|---|\n"
    row = f"| {table_cell(value)} | {code_cell(value)} | end |"
    assert_inert(table + row)
    cells = [c.strip() for c in row.split(" | ")]
    assert shown(cells[0].removeprefix("|")).strip() == one_line(value).strip()
    assert [s.replace("\\|", "|").replace(ZWSP, "") for s in code_spans(cells[1])] == [
        one_line(value)
    ]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_plain_text_is_inert_in_html_too(value: str) -> None:
    markdown = f"<details><summary>lint: {table_cell(value)}</summary>\n\nbody\n\n</details>"
    assert_inert(markdown)
    assert markdown.count("<details>") == 1 and markdown.count("</summary>") == 1


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_message_quoting_values_is_inert_however_its_backticks_pair(value: str) -> None:
    """Error messages quote values in backticks themselves: `markdown_text` must make them
    inert in whatever way the backticks end up pairing, and leave them readable."""
    message = f"Refusing to heal: `{value}` is not the tip of `main`.\n{value}"
    text = markdown_text(message)
    assert_inert(text)
    assert text.replace(ZWSP, "") == message


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hidden_marker_cannot_be_closed_or_reopened_by_a_value(value: str) -> None:
    body = f"The issue.\n\n{issue_marker(value)}\n"
    [comment] = comments(body)
    assert MARKER.fullmatch(comment), comment
    assert_inert(body)
    assert issue_marker(value) != issue_marker(value + "x")  # still one marker per branch


def test_a_plain_branch_keeps_the_marker_it_always_had() -> None:
    # Open issues found by earlier versions must still be found.
    assert issue_marker("release/1.2_rc-3") == "<!-- autoheal:rollback:release/1.2_rc-3 -->"


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://github.com/o/r/actions/runs/1", True),
        ("javascript:alert(1)", False),
        ("https://x.example/a) [y](javascript:z", False),
        ("https://x.example/`a`", False),
    ],
)
def test_links_only_to_plain_https_urls(url: str, linked: bool) -> None:
    markdown = link("the run", url)
    assert_inert(markdown, links=(url,) if linked else ())
    assert (markdown == f"[the run]({url})") is linked


# --------------------------------------------------------------------------- heal

# Valid git branch names: backticks, pipes, `@`, `#`, `<`, `>` and `-->` are all allowed.
BRANCH = "fix`@someone|#1<b>-->x"
HOSTILE_NAME = "@someone <b>#1|x`</summary>"
OUR_LINKS = ("https://github.com/octo-org/octo-repo/pull/8",)


def protect_all_but_autoheal(remote: Path) -> None:
    """Branch protection on every branch but autoheal/*: the pushes heal falls back to."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/heads/autoheal/*) ;;\n'
        '*) echo "protected branch" >&2; exit 1;; esac; done\n'
    )
    hook.chmod(0o755)


def test_heal_keeps_a_hostile_branch_and_check_name_inert_in_summary_and_pull_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = (
        f"checks:\n  lint:\n    name: {json.dumps(HOSTILE_NAME)}\n"
        "    command: ruff format --check .\n    fix: 'ruff format . || echo Fixes #2 @someone'\n"
    )
    files = {"app.py": UNFORMATTED, ".github/autoheal.yml": config}
    s = setup_heal(
        tmp_path, monkeypatch, files=files, branch=BRANCH, lint_command="", fix_command=""
    )
    protect_all_but_autoheal(s.repos.remote)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.get(f"{API}/repos/{REPO}/pulls", json=[])
        api.post(f"{API}/repos/{REPO}/pulls", json={"number": 8, "html_url": OUR_LINKS[0]})
        r = s.actions.run(capsys)
        [post] = [c for c in api.calls if c.request.method == "POST"]
    assert r.outputs["status"] == "HEALED", r.out + r.err
    assert s.repos.remote_sha(f"autoheal/{BRANCH}") == r.outputs["commit-sha"]
    pull = json.loads(post.request.body or b"{}")
    for markdown in (r.summary, pull["body"], pull["title"]):
        assert_inert(markdown, links=OUR_LINKS)
    assert BRANCH in code_spans(_line(r.summary, "is protected"))
    assert BRANCH in code_spans(_line(pull["body"], "CI Autoheal fixed"))
    assert BRANCH in shown(pull["title"])
    assert HOSTILE_NAME in shown(r.summary)  # in the checks table
    message = s.repos.remote_message(r.outputs["commit-sha"])  # closing keywords work there
    assert_inert(message)
    assert HOSTILE_NAME in message.replace(ZWSP, "")


def test_heal_keeps_a_workflow_file_name_inert_in_its_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = ".github/workflows/a-->@someone|#1<b>`x.yml"
    s = setup_heal(
        tmp_path,
        monkeypatch,
        fix_command=f"ruff format . && mkdir -p .github/workflows && touch '{name}'",
    )
    r = s.actions.run(capsys)
    assert r.outputs["status"] == "NOT FIXED", r.out
    assert_inert(r.summary)
    assert name in code_spans(_line(r.summary, "workflow files"))


def test_a_dirty_file_name_is_inert_in_the_failure_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    (s.ci / "@someone #1 <img src=x> [x](javascript:1) `a`.txt").write_text("x")
    r = s.actions.run(capsys)
    assert r.code == 1 and "uncommitted changes" in r.summary
    assert_inert(r.summary)
    assert "@someone #1 <img src=x>" in r.summary.replace(ZWSP, "")


def _line(markdown: str, words: str) -> str:
    return next(line for line in markdown.splitlines() if words in line)
