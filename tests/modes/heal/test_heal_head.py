"""heal pushes only a HEAD that GitHub vouches for: the commit the event names, or the tip of
the branch on the remote. A local branch's name proves nothing: a workflow can put any commit
under it (`git checkout -B main <sha>`, a local commit), and heal would push that commit to the
branch with a token that can write.

Real repositories: a bare remote, the CI clone heal runs in, a contributor's commit that is on
no branch (as a fork's pull request head is, under refs/pull/N/head).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.actions import forged_commands, load_event
from tests.gitfixtures import git
from tests.heal_helpers import FORMATTED, REPO, Setup, pr_event, push_event, setup_heal


def _event(name: str, tip: str) -> dict[str, Any]:
    """A payload for `name` about main, whose tip was `tip` when it happened."""
    repository = {**load_event("push.branch.json")["repository"], "full_name": REPO}
    repository["default_branch"] = "main"
    if name == "push":
        return {**push_event(), "after": tip}
    return {"ref": "refs/heads/main", "inputs": {}, "repository": repository}


def _on(s: Setup, name: str) -> None:
    """The event `name` on main, as the runner gives it: GITHUB_SHA is main's tip then."""
    tip = s.repos.remote_sha("main")
    assert tip is not None
    s.actions.set_event(_event(name, tip), name)
    s.actions.env["GITHUB_SHA"] = tip


def _contribution(s: Setup) -> str:
    """A contributor's commit (still badly formatted, so heal has work), on no branch."""
    sha = s.repos.commit("evil.py", "y=2\n", "a contribution")
    git(s.repos.work, "push", "-q", "origin", "HEAD:refs/pull/7/head")
    git(s.repos.work, "reset", "-q", "--hard", "HEAD~1")
    git(s.ci, "fetch", "-q", "origin", "refs/pull/7/head")
    return sha


def _assert_refused(s: Setup, r: Any, marker: Path, tip: str | None) -> None:
    assert r.code == 1 and r.outputs["status"] == "FAILED", r.out
    assert "Refusing to heal: HEAD" in r.summary and "is not the tip of `main`" in r.summary
    assert any(line.startswith("::error::Refusing to heal") for line in r.out.splitlines())
    assert not marker.exists(), "a check ran before the refusal"
    assert s.repos.remote_sha("main") == tip  # nothing pushed
    assert s.repos.remote_sha("autoheal/main") is None
    assert forged_commands(r.out) == []


@pytest.mark.parametrize("event", ["push", "workflow_dispatch"])
def test_a_contributors_commit_checked_out_under_the_branch_name_is_not_pushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], event: str
) -> None:
    marker = tmp_path / "check-ran"
    s = setup_heal(tmp_path, monkeypatch, lint_command=f"touch {marker}; ruff format --check .")
    contributed = _contribution(s)
    git(s.ci, "checkout", "-q", "-B", "main", contributed)
    _on(s, event)
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    _assert_refused(s, r, marker, tip)
    assert contributed[:12] in r.summary


@pytest.mark.parametrize("event", ["push", "workflow_dispatch"])
def test_an_extra_local_commit_on_the_branch_is_not_pushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], event: str
) -> None:
    marker = tmp_path / "check-ran"
    s = setup_heal(tmp_path, monkeypatch, lint_command=f"touch {marker}; ruff format --check .")
    _on(s, event)
    git(s.ci, "-c", "user.name=Step", "-c", "user.email=s@x", "commit", "-q",
        "--allow-empty", "-m", "written by an earlier step")  # fmt: skip
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    _assert_refused(s, r, marker, tip)


def test_the_branch_moved_to_another_sha_under_a_pull_request_head_ref_is_not_pushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A same-repository pull request: HEAD must be the head sha the event names."""
    marker = tmp_path / "check-ran"
    s = setup_heal(tmp_path, monkeypatch, lint_command=f"touch {marker}; ruff format --check .")
    head = s.repos.remote_sha("main")
    assert head is not None
    git(s.repos.work, "push", "-q", "origin", "HEAD:refs/heads/feature")
    s.actions.set_event(pr_event("feature", head), "pull_request")
    contributed = _contribution(s)
    git(s.ci, "checkout", "-q", "-B", "feature", contributed)
    r = s.actions.run(capsys)
    assert r.code == 1 and "is not the tip of `feature`" in r.summary
    assert not marker.exists()
    assert s.repos.remote_sha("feature") == head


# --------------------------------------------------------------------------- allowed


def test_the_commit_the_event_names_is_healed_even_after_the_branch_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """HEAD is the push's `after`; a colleague pushed on top since: the fix is rebased onto
    their commit, which stays."""
    s = setup_heal(tmp_path, monkeypatch)
    _on(s, "push")
    theirs = s.repos.commit("notes.txt", "hello\n", "a colleague's commit")
    s.repos.push()
    r = s.actions.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "HEALED", r.out + r.err
    pushed = s.repos.remote_sha("main")
    assert pushed == r.outputs["commit-sha"]
    assert git(s.repos.remote, "rev-parse", f"{pushed}~1").strip() == theirs
    assert s.repos.remote_file("main", "app.py") == FORMATTED


def test_the_remote_tip_is_healed_for_events_that_name_no_commit_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """workflow_dispatch names a ref, not a commit. (An `issue_comment` heals only the pull
    request a `/autoheal fix` names: tests/modes/heal/test_request.py.)"""
    s = setup_heal(tmp_path, monkeypatch)
    _on(s, "workflow_dispatch")
    s.actions.env["GITHUB_SHA"] = "5" * 40  # not HEAD: the remote tip is what vouches for it
    r = s.actions.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "HEALED", r.out + r.err
    assert s.repos.remote_sha("main") == r.outputs["commit-sha"]


def test_a_same_repository_pull_request_head_is_healed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, branch="feature")
    head = s.repos.remote_sha("feature")
    assert head is not None
    s.actions.set_event(pr_event("feature", head), "pull_request")
    r = s.actions.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "HEALED", r.out + r.err
    assert s.repos.remote_sha("feature") == r.outputs["commit-sha"]
