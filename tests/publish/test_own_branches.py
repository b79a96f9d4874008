"""heal's `autoheal/<branch>` pull request branch is never forced: a reviewer's or colleague's
commit on it stays. It is updated only while it holds nothing but our own commits on the
branch's history; otherwise the fix goes to the next name (`autoheal/main-2`, ...).

Real repositories (a protected `main` refuses pushes through a pre-receive hook), a colleague's
clone that pushes to the pull request branch between two heal runs, the API through `responses`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from autoheal.git import Git
from tests.actions import Run
from tests.gitfixtures import assert_remote_keeps, git, install_reject_hook
from tests.heal_helpers import API, FORMATTED, REPO, Setup, setup_heal

PULLS = f"{API}/repos/{REPO}/pulls"
# The identity heal commits with by default (input `commit-author`).
BOT = ("-c", "user.name=autoheal[bot]", "-c", "user.email=autoheal-bot@users.noreply.github.com")


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(PULLS, json=[])
        mock.post(PULLS, json={"number": 8, "html_url": "https://github.com/o/r/pull/8"})
        yield mock


@pytest.fixture
def s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Setup:
    s = setup_heal(tmp_path, monkeypatch)
    install_reject_hook(s.repos.remote)
    return s


def heal(s: Setup, capsys: pytest.CaptureFixture[str], name: str) -> Run:
    """A heal run in a fresh CI clone `name` (as each workflow run gets one)."""
    clone = s.repos.clone(name, identity=False)
    s.actions.env["INPUT_WORKING_DIRECTORY"] = str(clone)
    s.actions.output.write_text("")
    s.actions.summary.write_text("")
    return s.actions.run(capsys)


def colleague_adds(s: Setup, branch: str, message: str = "a reviewer's change") -> str:
    """A colleague commits on top of `branch` and pushes it; returns their commit."""
    clone = s.repos.root / f"colleague-{branch.replace('/', '-')}"
    if not clone.exists():
        s.repos.clone(clone.name, branch=branch)
    git(clone, "pull", "-q", "--ff-only", "origin", branch)
    sha = s.repos.commit("review.txt", f"{message}\n", message, repo=clone)
    s.repos.push(branch, repo=clone)
    return sha


def main_moves_on(s: Setup) -> None:
    """Someone allowed to push to the protected main lands an unrelated commit there."""
    (s.repos.remote / "hooks" / "pre-receive").unlink()
    s.repos.commit("other.py", "z = 3\n", "unrelated work")
    s.repos.push()
    install_reject_hook(s.repos.remote)


def pull_heads(api: responses.RequestsMock) -> list[str]:
    posts = [c for c in api.calls if c.request.method == "POST"]
    return [json.loads(c.request.body or b"{}")["head"] for c in posts]


def healed_on(s: Setup, branch: str, r: Run) -> None:
    assert r.outputs["status"] == "HEALED", r.out + r.err
    assert s.repos.remote_sha(branch) == r.outputs["commit-sha"]
    assert s.repos.remote_file(branch, "app.py") == FORMATTED


def test_a_colleagues_commit_on_the_pull_request_branch_is_kept(
    s: Setup, capsys: pytest.CaptureFixture[str], api: responses.RequestsMock
) -> None:
    healed_on(s, "autoheal/main", heal(s, capsys, "ci-1"))
    theirs = colleague_adds(s, "autoheal/main")
    r = heal(s, capsys, "ci-2")
    assert s.repos.remote_sha("autoheal/main") == theirs  # untouched
    healed_on(s, "autoheal/main-2", r)
    assert pull_heads(api) == ["octo-org:autoheal/main", "octo-org:autoheal/main-2"]
    assert "autoheal/main-2" in r.summary and "commits that are not ours" in r.out


def test_our_own_branch_is_updated_in_place(
    s: Setup, capsys: pytest.CaptureFixture[str], api: responses.RequestsMock
) -> None:
    first = heal(s, capsys, "ci-1")
    healed_on(s, "autoheal/main", first)
    main_moves_on(s)
    r = heal(s, capsys, "ci-2")
    assert r.outputs["commit-sha"] != first.outputs["commit-sha"]
    healed_on(s, "autoheal/main", r)  # the old fix was ours alone: replaced
    assert s.repos.remote_sha("autoheal/main-2") is None


def _ours_on_top_of_theirs(s: Setup) -> str:
    """Someone's commit on autoheal/main, and a commit looking like ours on top of it (heal
    ran on that branch, say): replacing the tip would drop their commit."""
    clone = s.repos.clone("someone")
    theirs = s.repos.commit("review.txt", "mine\n", "their change", repo=clone)
    git(clone, *BOT, "commit", "-q", "--allow-empty", "-m", "autoheal: x\n\nAutoheal-Run: 1")
    git(clone, "push", "-q", "origin", "HEAD:refs/heads/autoheal/main")
    return theirs


def _ours_amended_by_them(s: Setup) -> str:
    """Our commit, amended by a colleague (it keeps our trailer, not our committer)."""
    clone = s.repos.clone("someone")
    git(clone, *BOT, "commit", "-q", "--allow-empty", "-m", "autoheal: x\n\nAutoheal-Run: 1")
    git(clone, "commit", "-q", "--amend", "--allow-empty", "--no-edit")
    git(clone, "push", "-q", "origin", "HEAD:refs/heads/autoheal/main")
    return git(clone, "rev-parse", "HEAD").strip()


@pytest.mark.parametrize("make", [_ours_on_top_of_theirs, _ours_amended_by_them])
def test_a_tip_that_only_looks_like_ours_is_kept(
    s: Setup, capsys: pytest.CaptureFixture[str], api: responses.RequestsMock, make: Any
) -> None:
    (s.repos.remote / "hooks" / "pre-receive").unlink()
    theirs = make(s)
    install_reject_hook(s.repos.remote)
    tip = s.repos.remote_sha("autoheal/main")
    r = heal(s, capsys, "ci-1")
    assert s.repos.remote_sha("autoheal/main") == tip
    assert_remote_keeps(s.repos.remote, "autoheal/main", [theirs])
    healed_on(s, "autoheal/main-2", r)


def test_a_colleague_pushing_between_our_look_and_our_push_is_not_overwritten(
    s: Setup,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The update is a compare-and-swap on the tip we checked: their push makes it fail, and
    the branch is looked at again."""
    healed_on(s, "autoheal/main", heal(s, capsys, "ci-1"))
    main_moves_on(s)
    original, theirs = Git.push_branch, []

    def race(self: Git, local_ref: str, remote_branch: str, **kwargs: Any) -> str:
        if not theirs:
            theirs.append(colleague_adds(s, remote_branch))
        return original(self, local_ref, remote_branch, **kwargs)

    monkeypatch.setattr(Git, "push_branch", race)
    r = heal(s, capsys, "ci-2")
    assert s.repos.remote_sha("autoheal/main") == theirs[0]
    healed_on(s, "autoheal/main-2", r)


def test_when_every_name_holds_someone_elses_work_nothing_is_pushed(
    s: Setup,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("autoheal.publish.own_branch.MAX_NAMES", 2)
    (s.repos.remote / "hooks" / "pre-receive").unlink()
    taken = {}
    for name in ("autoheal/main", "autoheal/main-2"):
        git(s.repos.work, "push", "-q", "origin", f"HEAD:refs/heads/{name}")
        taken[name] = colleague_adds(s, name)
    install_reject_hook(s.repos.remote)
    r = heal(s, capsys, "ci-1")
    assert r.code == 1 and r.outputs["status"] == "FAILED"
    assert {name: s.repos.remote_sha(name) for name in taken} == taken
    assert s.repos.remote_sha("autoheal/main-3") is None
    assert "autoheal/main-2" in r.summary and "Nothing was pushed" in r.summary
    assert pull_heads(api) == []
