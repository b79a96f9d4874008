"""heal's `validate-sha`: which commit the loop validates next, through main() on real remotes.

The rule: heal's fix when it is on the branch that failed; else, on a push to the default
branch whose checks still fail, the failing commit itself (so an insufficient heal still
reaches validate and rollback); else heal's fix wherever it went; else nothing. A pull
request's failing commit is never sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import responses

from autoheal.snippets import redispatch_step
from tests.gitfixtures import install_reject_hook
from tests.heal_helpers import (
    API,
    REPO,
    Setup,
    pr_event,
    push_event,
    setup_heal,
    workflow_run_event,
)

UNFIXABLE_TEST = "python3 -c 'raise SystemExit(1)'"  # a failing test with no fix command
PULLS = f"{API}/repos/{REPO}/pulls"


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def on_event(s: Setup, event: str) -> None:
    """Set the event heal runs under; the CI clone is checked out on the failing branch."""
    head = s.head()
    if event == "pull_request":
        s.actions.env["GITHUB_REF"] = "refs/pull/7/merge"
        s.actions.set_event(pr_event("feature", head), "pull_request")
    elif event.startswith("workflow_run"):
        payload = workflow_run_event(99)
        payload["workflow_run"].update(
            head_sha=head, head_branch="feature" if "feature" in event else "main"
        )
        if event.endswith("pull_request"):
            payload["workflow_run"]["event"] = "pull_request"
        s.actions.set_event(payload, "workflow_run")
    elif event == "push-feature":
        s.actions.set_event(push_event("feature"), "push")


@pytest.mark.parametrize(
    ("event", "branch", "inputs", "status", "expected"),
    [
        pytest.param("push", "main", {"fix_command": ""}, "NOT FIXED", "failing",
                     id="default-branch-push-not-fixed"),
        pytest.param("push", "main", {"test_command": UNFIXABLE_TEST}, "PARTIAL", "fix",
                     id="default-branch-push-partial-fix-pushed"),
        pytest.param("push", "main", {}, "HEALED", "fix", id="default-branch-push-healed"),
        pytest.param("push", "main", {"lint_command": "true"}, "HEALTHY", "",
                     id="nothing-fails"),
        pytest.param("workflow_run", "main", {"fix_command": ""}, "NOT FIXED", "failing",
                     id="workflow-run-of-a-default-branch-push"),
        pytest.param("workflow_run:pull_request", "main", {"fix_command": ""}, "NOT FIXED", "",
                     id="workflow-run-of-a-pull-request"),
        pytest.param("workflow_run:feature", "feature", {"fix_command": ""}, "NOT FIXED", "",
                     id="workflow-run-of-another-branch"),
        pytest.param("pull_request", "feature", {"fix_command": ""}, "NOT FIXED", "",
                     id="pull-request-never"),
        pytest.param("pull_request", "feature", {"test_command": UNFIXABLE_TEST}, "PARTIAL",
                     "fix", id="pull-request-fix-pushed"),
        pytest.param("push-feature", "feature", {"fix_command": ""}, "NOT FIXED", "",
                     id="push-to-another-branch"),
        pytest.param("push", "main", {"fix_command": "", "dry_run": "true"}, "NOT FIXED",
                     "failing", id="dry-run-still-names-the-failing-commit"),
    ],
)  # fmt: skip
def test_validate_sha(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    event: str,
    branch: str,
    inputs: dict[str, str],
    status: str,
    expected: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, branch=branch, **inputs)
    on_event(s, event)
    failing = s.head()

    r = s.actions.run(capsys)

    assert r.outputs["status"] == status, r.out
    want = {"failing": failing, "fix": r.outputs["commit-sha"], "": ""}[expected]
    assert r.outputs["validate-sha"] == want
    if want:  # the summary says how to chain it
        assert "steps.heal.outputs.validate-sha != ''" in r.summary
        assert redispatch_step() in r.summary  # the one secret, our action pinned by SHA
        assert f"`{want[:12]}` (`validate-sha`)" in r.summary
        failing_words = "validate checks the failing commit"
        assert (failing_words in r.summary) is (expected == "failing")
    else:
        assert "### Next step" not in r.summary


@pytest.mark.parametrize(
    ("inputs", "status", "expected"),
    [
        pytest.param({"test_command": UNFIXABLE_TEST}, "PARTIAL", "failing", id="partial"),
        pytest.param({}, "HEALED", "fix", id="healed"),
    ],
)
def test_protected_default_branch(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
    inputs: dict[str, str],
    status: str,
    expected: str,
) -> None:
    """The fix went to `autoheal/main`. A test still fails: what is broken on `main` is the
    failing commit, so that is what validate (and, if critical, rollback) must see. Every
    check passes: the fix in its pull request is what there is to validate."""
    s = setup_heal(tmp_path, monkeypatch, **inputs)
    install_reject_hook(s.repos.remote)
    api.get(PULLS, json=[])
    api.post(PULLS, json={"number": 8, "html_url": f"https://github.com/{REPO}/pull/8"})
    failing = s.head()

    r = s.actions.run(capsys)

    assert r.outputs["status"] == status
    assert s.repos.remote_sha("autoheal/main") == r.outputs["commit-sha"] != ""
    assert s.repos.remote_sha("main") == failing
    assert r.outputs["validate-sha"] == (
        failing if expected == "failing" else r.outputs["commit-sha"]
    )


def test_an_error_leaves_validate_sha_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, fix_command="")
    (s.ci / "app.py").write_text("x = 2\n")  # a dirty tree: heal refuses before anything

    r = s.actions.run(capsys)

    assert r.outputs["status"] == "FAILED"
    assert r.outputs["validate-sha"] == ""
