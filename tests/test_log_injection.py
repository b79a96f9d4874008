"""Names and text from the project or the event, printed by a whole run: the runner must read
no workflow command in them, in either form (`::cmd::` at a line start, `##[cmd]` anywhere).

`forged_commands` reads the output by the runner's rule; every run here also checks that the
hostile text really was printed (inert, not dropped), so the tests cannot pass by silence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autoheal.markdown import ZWSP
from tests.actions import forged_commands
from tests.heal_helpers import push_event, setup_heal

OLD_FORM = "ci ##[set-output name=sha]x"
NEW_FORM = "ci\n::set-output name=healed::true\n"


@pytest.mark.parametrize("name", [OLD_FORM, NEW_FORM], ids=["old-form", "new-form"])
def test_a_workflow_file_a_fixer_writes_is_quoted_inertly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """heal refuses a fix that changes workflow files and names them: in its log line, its
    warning and the summary."""
    fixer = (
        f"ruff format . && mkdir -p .github/workflows && printf x > '.github/workflows/{name}.yml'"
    )
    s = setup_heal(tmp_path, monkeypatch, fix_command=fixer)
    r = s.actions.run(capsys)
    assert r.outputs["status"] == "NOT FIXED", r.out
    assert "set-output name=" in r.out  # quoted, in the info line and the warning
    assert forged_commands(r.out + r.err) == []
    assert "sha" not in r.outputs and r.outputs["healed"] == "false"


@pytest.mark.parametrize(
    "branch",
    ["feat##[add-mask]hidden", "feat\n::set-output name=healed::true", "x##[stop-commands]t"],
    ids=["old-form-mask", "new-form", "old-form-stop"],
)
def test_a_branch_the_event_names_is_quoted_inertly(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    branch: str,
) -> None:
    """An event's branch is not checked against git's rules before it is quoted: heal refuses
    (HEAD is not that branch's tip) and says so, naming it."""
    s = setup_heal(tmp_path, monkeypatch)
    event = push_event()
    event["ref"] = f"refs/heads/{branch}"
    s.actions.set_event(event)
    s.actions.env["GITHUB_REF"] = f"refs/heads/{branch}"
    r = s.actions.run(capsys)
    assert r.code != 0 and r.outputs["status"] == "FAILED"
    assert branch.split("\n")[0] in r.out.replace(ZWSP, "")  # the error names it
    assert forged_commands(r.out + r.err) == []


def test_check_output_is_echoed_where_neither_form_is_obeyed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "echo 'done ##[set-output name=healed]true'; echo '::add-mask::x'; echo '##[error]x'"
    s = setup_heal(tmp_path, monkeypatch, lint_command=f"{evil}; exit 1", fix_command="true")
    r = s.actions.run(capsys)
    assert r.outputs["status"] == "NOT FIXED"
    assert "done ##[set-output name=healed]true" in r.out  # shown as it is, in the block
    assert forged_commands(r.out + r.err) == []
