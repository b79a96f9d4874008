"""rollback mode against real repositories: a bare remote, full and shallow clones.

After every run the remote must still hold every commit it had before (`assert_remote_keeps`):
the `world` fixture checks that at teardown.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses
from pytest_httpserver import HTTPServer

from autoheal.git import Git
from tests.actions import TOKEN, ActionsEnv, Run
from tests.fake_gitdb import BOT_NAME, VIA, GitDatabase, before_push, use_commit_via
from tests.fakes import ACTIONS_BOT, as_github_actions
from tests.gitfixtures import Repos, assert_remote_keeps, git, install_reject_hook, make_repo
from tests.markdown_check import assert_inert, code_spans, comments, shown

ZERO = "0" * 40
API = "https://api.github.com/repos/octo-org/octo-repo"
RUN_URL = "https://github.com/octo-org/octo-repo/actions/runs/1234"
# The sample project's test: fails when any *.txt file has a line starting with "bug".
CHECK = """\
import os, pathlib, sys
if os.environ.get("CHECK_COUNTER"):
    with open(os.environ["CHECK_COUNTER"], "a") as f:
        f.write("run\\n")
bad = [p.name for p in pathlib.Path(".").glob("*.txt")
       if any(line.startswith("bug") for line in p.read_text().splitlines())]
sys.exit(1 if bad else 0)
"""


class World:
    """The sample repository, the clone the action works in, and the remote snapshots."""

    def __init__(self, tmp_path: Path, actions: ActionsEnv, counter: Path) -> None:
        self.repos: Repos = make_repo(tmp_path, files={"README.md": "# demo\n", "check.py": CHECK})
        self.actions = actions
        self.counter = counter
        self.snapshots: list[list[str]] = []
        self.clone: Path = self.repos.work

    def commit(self, name: str, content: str, message: str = "") -> str:
        return self.repos.commit(name, content, message or f"change {name}")

    def good_then_bad_push(self) -> tuple[str, str]:
        """A pushed good commit then a bad one on main; returns (before the push, the bad)."""
        before = self.repos.sha()
        self.commit("ok.txt", "ok\n", "good")
        bad = self.commit("app.txt", "bug\n", "bad")
        self.repos.push()
        return before, bad

    def checkout(self, shallow: bool) -> Path:
        """The CI checkout (depth 1 like actions/checkout, or full history)."""
        self.clone = self.repos.clone("ci", depth=1 if shallow else None)
        assert Git(self.clone).is_shallow() == shallow
        self.actions.env["INPUT_WORKING_DIRECTORY"] = str(self.clone)
        return self.clone

    def use(self, via: str, httpserver: HTTPServer) -> GitDatabase | None:
        """Push with `commit-via: via` (for `api`, through GitHub's Git database over the
        remote)."""
        return use_commit_via(via, self.actions, httpserver, self.repos.remote)

    def run(self, capsys: pytest.CaptureFixture[str], **inputs: str) -> Run:
        values = {
            "mode": "rollback",
            "rollback_required": "true",
            "test_command": "python3 check.py",
            "detect": "false",
            "open_issue": "false",
            **inputs,
        }
        self.actions.inputs(**values)
        self.snapshots.append(self.repos.remote_log())
        return self.actions.run(capsys)

    def check_runs(self) -> int:
        return len(self.counter.read_text().splitlines()) if self.counter.exists() else 0

    def remote_has_bug(self) -> bool:
        files = git(self.repos.remote, "ls-tree", "--name-only", "refs/heads/main").split()
        return any(
            (self.repos.remote_file("main", f) or "").startswith("bug")
            or "\nbug" in (self.repos.remote_file("main", f) or "")
            for f in files
            if f.endswith(".txt")
        )


@pytest.fixture
def world(tmp_path: Path, actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    counter = tmp_path / "check-runs"
    monkeypatch.setenv("CHECK_COUNTER", str(counter))
    w = World(tmp_path, actions, counter)
    yield w
    for before in w.snapshots:  # the invariant: history was only added to
        assert_remote_keeps(w.repos.remote, "main", before)


def _reverts(w: World, count: int) -> list[str]:
    """Messages of the newest `count` first-parent commits on the remote."""
    shas = git(w.repos.remote, "rev-list", "--first-parent", f"-n{count}", "refs/heads/main")
    return [w.repos.remote_message(s) for s in shas.split()]


SHALLOW = pytest.mark.parametrize("shallow", [False, True], ids=["full", "shallow"])


# --------------------------------------------------------------------------- ranges


@SHALLOW
@VIA
def test_one_bad_commit(
    world: World,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    shallow: bool,
    via: str,
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "introduce a bug")
    world.repos.push()
    world.checkout(shallow)
    db = world.use(via, httpserver)
    result = world.run(capsys, before=before, after=bad)
    assert result.code == 1, result.err  # fail-after-rollback stops the line
    assert result.outputs["status"] == "ROLLBACK EXECUTED"
    assert result.outputs["rolled-back"] == "true"
    assert result.outputs["reverted-shas"] == bad
    assert not world.remote_has_bug()
    assert f"Autoheal-Revert-Of: {bad}" in _reverts(world, 1)[0]
    assert world.repos.remote_sha() == result.outputs["revert-sha"]
    assert "rollback happened" in result.out or "A person must look" in result.out
    assert "Rollback Safety Status: ROLLBACK EXECUTED" in result.summary
    revert = result.outputs["revert-sha"]
    assert world.repos.remote_tree(revert) == world.repos.remote_tree(before)
    if db is not None:  # GitHub's commit, signed, authored by the token's identity
        assert db.verified[revert]
        author = git(world.repos.remote, "show", "-s", "--format=%an", revert).strip()
        assert author == BOT_NAME
        assert "signed by GitHub: **Verified**" in result.summary
        assert "`commit-author` does not apply" in result.summary


@SHALLOW
def test_culprit_in_the_middle_is_found_by_bisect(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    before = world.repos.sha()
    shas = []
    for i in range(7):
        content = "bug\n" if i == 3 else f"ok {i}\n"
        shas.append(world.commit(f"f{i}.txt", content, f"commit {i}"))
    world.repos.push()
    world.checkout(shallow)
    result = world.run(capsys, before=before, after=shas[-1])
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.err
    assert result.outputs["culprit-sha"] == shas[3]
    assert result.outputs["reverted-shas"] == shas[3]
    assert world.check_runs() <= math.log2(7) + 2
    assert not world.remote_has_bug()
    for i in (0, 1, 2, 4, 5, 6):  # the good commits stay
        assert world.repos.remote_file("main", f"f{i}.txt") == f"ok {i}\n"
    assert "### Bisect" in result.summary and shas[3][:12] in result.summary


@SHALLOW
@VIA
def test_merge_commit_is_reverted_as_one_unit(
    world: World,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    shallow: bool,
    via: str,
) -> None:
    repos = world.repos
    before = repos.sha()
    work = repos.work
    git(work, "switch", "-q", "-c", "feature")
    world.commit("feat.txt", "feature\n", "feature part 1")
    world.commit("feat2.txt", "bug\n", "feature part 2 (bad)")
    git(work, "switch", "-q", "main")
    good = world.commit("good.txt", "fine\n", "unrelated good change")
    git(work, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = repos.sha()
    repos.push()
    world.checkout(shallow)
    world.use(via, httpserver)
    result = world.run(capsys, before=before, after=merge)
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.err
    assert result.outputs["reverted-shas"] == merge  # first parent: the merge is the unit
    assert repos.remote_sha() == result.outputs["revert-sha"]
    assert repos.remote_file("main", "feat.txt") is None
    assert repos.remote_file("main", "feat2.txt") is None
    assert repos.remote_file("main", "good.txt") == "fine\n"
    assert good in repos.remote_log()


@SHALLOW
def test_branch_already_broken_before_the_push(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    world.commit("old.txt", "bug\n", "older breakage")
    world.repos.push()
    before = world.repos.sha()
    shas = [world.commit(f"f{i}.txt", "ok\n", f"good {i}") for i in range(3)]
    world.repos.push()
    world.checkout(shallow)
    tip = world.repos.remote_sha()
    result = world.run(capsys, before=before, after=shas[-1])
    assert result.code == 1
    assert result.outputs["status"] == "SKIPPED"
    assert "already broken" in result.summary
    assert world.repos.remote_sha() == tip  # nothing reverted


@pytest.mark.parametrize("before", ["push", "unknown"])
def test_one_commit_push_on_an_already_broken_branch_is_not_reverted(
    world: World, capsys: pytest.CaptureFixture[str], before: str
) -> None:
    """auto proves a one-commit push bad too: its parent must pass, or the breakage is older
    (it once reverted the commit without running a check)."""
    world.commit("old.txt", "bug\n", "older breakage")
    world.repos.push()
    start = world.repos.sha()
    innocent = world.commit("docs.txt", "ok\n", "innocent")
    world.repos.push()
    world.checkout(True)
    tip = world.repos.remote_sha()
    # Without `before` (an all-zero one, or none known), the range is `after` alone.
    result = world.run(capsys, before=start if before == "push" else ZERO, after=innocent)
    assert result.code == 1
    assert result.outputs["status"] == "SKIPPED"
    assert "already broken" in result.summary
    assert world.repos.remote_sha() == tip  # nothing reverted


@SHALLOW
def test_before_all_zeros_reverts_only_after(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    world.commit("a.txt", "ok\n", "good")
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(shallow)
    result = world.run(capsys, before=ZERO, after=bad)
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.err
    assert result.outputs["reverted-shas"] == bad
    assert world.repos.remote_file("main", "a.txt") == "ok\n"
    assert not world.remote_has_bug()


def _force_push(repos: Repos) -> None:
    """Someone rewrites the remote's main with the work clone's HEAD."""
    git(repos.work, "push", "-q", "--force", "origin", "HEAD:refs/heads/main")


@SHALLOW
def test_forced_push_reverts_only_what_before_lacks(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    repos = world.repos
    base = repos.sha()
    old = world.commit("old.txt", "ok\n", "to be rewritten")
    repos.push()
    git(repos.work, "reset", "-q", "--hard", base)
    c1 = world.commit("c1.txt", "ok\n", "new good")
    bad = world.commit("c2.txt", "bug\n", "new bad")
    _force_push(repos)
    world.checkout(shallow)
    result = world.run(capsys, before=old, after=bad)
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.err
    assert result.outputs["reverted-shas"] == bad
    assert repos.remote_file("main", "c1.txt") == "ok\n"
    assert c1 in repos.remote_log()
    assert "forced" in result.out.lower()


@SHALLOW
def test_range_strategy_reverts_the_whole_push_newest_first(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    before = world.repos.sha()
    a = world.commit("a.txt", "one\n", "a")
    b = world.commit("a.txt", "one\nbug\n", "b")
    world.repos.push()
    world.checkout(shallow)
    result = world.run(capsys, before=before, after=b, strategy="range")
    assert result.outputs["reverted-shas"] == f"{b}, {a}", result.err
    assert world.repos.remote_file("main", "a.txt") is None
    assert world.check_runs() == 0


def test_push_event_gives_the_range(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    world.actions.set_event({"ref": "refs/heads/main", "before": before, "after": bad}, "push")
    result = world.run(capsys)
    assert result.outputs["reverted-shas"] == bad, result.err


def test_dispatch_payload_gives_range_and_branch(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    world.commit("ok.txt", "ok\n", "good")
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    clone = world.checkout(True)
    git(clone, "checkout", "-q", "--detach", "HEAD")  # validate checked out the payload sha
    payload = {
        "autoheal": {"version": 1, "dispatch_id": "x/1/1/abc", "sha": bad, "before": before,
                     "ref": "refs/heads/main"},
    }  # fmt: skip
    world.actions.set_event({"action": "heal", "client_payload": payload}, "repository_dispatch")
    result = world.run(capsys)
    assert result.outputs["culprit-sha"] == bad, result.err
    assert not world.remote_has_bug()


# --------------------------------------------------------------------------- guardrails


def _refused(result: Run, world: World, tip: str | None, words: str) -> None:
    assert result.code == 1, result.err
    assert result.outputs["status"] == "SKIPPED"
    assert result.outputs["rolled-back"] == "false"
    assert words in result.summary, result.summary
    assert "### Guardrails" in result.summary
    assert world.repos.remote_sha() == tip


@pytest.mark.parametrize(
    ("message", "words"),
    [
        ("Revert something\n\nThis reverts commit " + "a" * 40 + ".", "not a revert or heal"),
        ("fix\n\nAutoheal-Revert-Of: " + "b" * 40, "not a revert or heal"),
        ("heal\n\nAutoheal-Run: 42", "not a revert or heal"),
        ("risky\n\nAutoheal-No-Rollback: true", "Autoheal-No-Rollback"),
    ],
    ids=["git-revert", "our-revert", "heal", "opt-out"],
)
def test_marked_commits_are_never_reverted(
    world: World, capsys: pytest.CaptureFixture[str], message: str, words: str
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", message)
    world.repos.push()
    world.checkout(False)
    result = world.run(capsys, before=before, after=bad)
    _refused(result, world, bad, words)


def test_already_reverted_is_not_reverted_twice(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    git(world.repos.work, "revert", "--no-edit", bad)
    world.repos.push()
    world.checkout(False)
    tip = world.repos.remote_sha()
    result = world.run(capsys, before=before, after=bad, strategy="range")
    assert result.code == 0, result.err
    assert result.outputs["status"] == "SKIPPED"
    assert "Already reverted" in result.summary
    assert world.repos.remote_sha() == tip


def test_daily_cap(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(2):
        world.commit(f"r{i}.txt", "x\n", f"Revert x\n\nAutoheal-Revert-Of: {str(i) * 40}")
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(True)
    result = world.run(capsys, before=before, after=bad, max_rollbacks_per_day="2")
    _refused(result, world, bad, "2 of max 2")


def test_daily_cap_counts_only_this_branch_in_the_last_day(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repos = world.repos
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
    world.commit("r0.txt", "x\n", f"Revert x\n\nAutoheal-Revert-Of: {'0' * 40}")  # long ago
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    repos.push()
    git(repos.work, "switch", "-q", "-c", "release")
    world.commit("r1.txt", "x\n", f"Revert y\n\nAutoheal-Revert-Of: {'1' * 40}")  # elsewhere
    repos.push("release")
    git(repos.work, "switch", "-q", "main")
    before = repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    repos.push()
    world.checkout(True)
    result = world.run(capsys, before=before, after=bad, max_rollbacks_per_day="1")
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.summary
    assert "| rollbacks in the last 24 h | 0 of max 1 | ✅ pass |" in result.summary


def test_max_age(world: World, capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    before = world.repos.sha()
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2000-01-01T00:00:00Z")
    bad = world.commit("app.txt", "bug\n", "old bad")
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    world.repos.push()
    world.checkout(False)
    result = world.run(capsys, before=before, after=bad)
    _refused(result, world, bad, "age ≤ 72 h")


@pytest.mark.parametrize(
    ("name", "content"),
    [("scratch.txt", "local change\n"), ("check.py", "print('my edit')\n")],
    ids=["untracked", "modified"],
)
def test_dirty_tree(
    world: World, capsys: pytest.CaptureFixture[str], name: str, content: str
) -> None:
    """Bisect checks commits out in this checkout: someone's changes there are refused before
    any commit is checked out or any check runs."""
    before = world.repos.sha()
    world.commit("ok.txt", "ok\n", "good")
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    clone = world.checkout(False)
    (clone / name).write_text(content)
    local = _local_state(clone)
    result = world.run(capsys, before=before, after=bad)
    _refused(result, world, bad, "clean working tree")
    assert name in result.out and "stash or .gitignore" in result.out
    assert _local_state(clone) == local and (clone / name).read_text() == content
    assert world.check_runs() == 0


def test_sha_not_on_the_branch(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    base = world.repos.sha()
    git(world.repos.work, "switch", "-q", "-c", "other")
    elsewhere = world.commit("app.txt", "bug\n", "on another branch")
    world.repos.push("other")
    world.checkout(False)
    result = world.run(capsys, before=base, after=elsewhere)
    _refused(result, world, base, "not on `main`")


@SHALLOW
def test_sha_that_does_not_exist(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    before = world.repos.sha()
    world.checkout(shallow)
    gone = "0123456789abcdef0123456789abcdef01234567"
    result = world.run(capsys, before=before, after=gone)
    _refused(result, world, before, "Nothing can be reverted")
    assert f"| commit exists | {gone[:12]} | ❌ refused |" in result.summary


@SHALLOW
def test_sha_force_pushed_away(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    repos = world.repos
    before = repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad, then force-pushed away")
    repos.push()
    git(repos.work, "reset", "-q", "--hard", before)
    _force_push(repos)
    git(repos.remote, "reflog", "expire", "--expire=now", "--all")
    git(repos.remote, "gc", "-q", "--prune=now")
    world.checkout(shallow)
    result = world.run(capsys, before=before, after=bad)
    _refused(result, world, before, "force-pushed away")
    assert f"| commit exists | {bad[:12]} | ❌ refused |" in result.summary


def test_not_required_is_skipped(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    result = world.run(capsys, after=bad, rollback_required="false")
    assert result.code == 0
    assert result.outputs["status"] == "SKIPPED"
    assert "not required" in result.summary.lower()
    assert world.repos.remote_sha() == bad


def test_checks_pass_at_after_reverts_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    world.commit("a.txt", "ok\n", "good 1")
    after = world.commit("b.txt", "ok\n", "good 2")
    world.repos.push()
    world.checkout(False)
    result = world.run(capsys, before=before, after=after)
    _refused(result, world, after, "does not reproduce")


# --------------------------------------------------------------------------- conflicts, races


def _api(rsps: responses.RequestsMock, login: str = "octocat") -> None:
    rsps.get(re.compile(API + "/commits/[0-9a-f]{40}"), json={"author": {"login": login}})
    rsps.get(API + "/issues", json=[])
    rsps.post(API + "/issues", json={"number": 7, "html_url": "https://github.com/i/7"})


def _pulls_api(rsps: responses.RequestsMock, login: str = "octocat") -> None:
    """The API as for `_api`, plus no open pull request, and #9 opened for the revert."""
    _api(rsps, login)
    rsps.get(API + "/pulls", json=[])
    rsps.post(API + "/pulls", json={"number": 9, "html_url": "https://github.com/p/9"})


def _conflicting_push(world: World) -> tuple[str, str, str]:
    """before, the bad commit and a later one that edits its line: reverting bad conflicts."""
    world.commit("app.txt", "a\n", "base")
    before = world.repos.sha()
    bad = world.commit("app.txt", "a\nbug\n", "bad")
    after = world.commit("app.txt", "a\nbug-and-more\n", "builds on the bad line")
    world.repos.push()
    return before, bad, after


def test_conflict_opens_an_issue(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    before, bad, after = _conflicting_push(world)
    clone = world.checkout(False)
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _api(rsps)
        result = world.run(capsys, before=before, after=after, open_issue="true")
        posted = [c for c in rsps.calls if c.request.method == "POST"]
    assert result.code == 1
    assert result.outputs["status"] == "FAILED"
    assert result.outputs["issue-url"] == "https://github.com/i/7"
    body = json.loads(posted[0].request.body or b"{}")["body"]
    assert bad in body and "app.txt" in body and "@octocat" in body
    assert Git(clone).is_clean()
    assert world.repos.remote_sha() == after


def test_conflict_with_a_known_pull_request_comments_there(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad, after = _conflicting_push(world)
    world.checkout(True)
    payload = {
        "autoheal": {"version": 1, "dispatch_id": "x/1/1/abc", "sha": after, "before": before,
                     "ref": "refs/heads/main", "pr": 5},
    }  # fmt: skip
    world.actions.set_event({"action": "heal", "client_payload": payload}, "repository_dispatch")
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _api(rsps)
        rsps.get(API + "/issues/5/comments", json=[])
        url = "https://github.com/octo-org/octo-repo/pull/5#issuecomment-1"
        rsps.post(API + "/issues/5/comments", json={"id": 1, "html_url": url})
        result = world.run(capsys, open_issue="true")
        posted = [c.request for c in rsps.calls if c.request.method == "POST"]
    assert result.code == 1
    assert result.outputs["status"] == "FAILED"
    assert [r.url for r in posted] == [API + "/issues/5/comments"]  # no issue besides
    body = json.loads(posted[0].body or b"{}")["body"]
    assert bad in body and "app.txt" in body and "@octocat" in body
    assert result.outputs["issue-url"] == url
    assert world.repos.remote_sha() == after


def test_local_conflict_leaves_the_checkout_as_it_was(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad, after = _conflicting_push(world)
    work = Git(world.repos.work)
    code, out = _local(world, capsys, "--before", before, "--after", after)
    assert code == 1, out
    assert f"Reverting {bad[:12]} conflicts with later changes in `app.txt`" in out
    assert work.head_sha() == after and work.is_clean()
    assert not (world.repos.work / ".git" / "REVERT_HEAD").exists()
    assert (world.repos.work / "app.txt").read_text() == "a\nbug-and-more\n"


def _every_kind_of_change(work: Path) -> None:
    """Stage a change of every kind a tree entry can carry (and a bug) in `work`."""
    git(work, "update-index", "--chmod=-x", "run.sh")  # executable bit
    git(work, "rm", "-q", "old.txt", "gone/only.txt")  # deletions, a folder's last file
    (work / "docs").mkdir()
    git(work, "mv", "name1.txt", "docs/name2.txt")  # rename into a new folder
    (work / "logo.bin").write_bytes(b"\x00\xff" * 300)  # binary
    (work / "link").unlink()
    (work / "link").symlink_to("check.py")  # symlink retargeted
    (work / "app.txt").write_text("bug\n")
    git(work, "add", "-A")


@VIA
def test_every_kind_of_change_is_reverted_exactly(
    world: World, capsys: pytest.CaptureFixture[str], httpserver: HTTPServer, via: str
) -> None:
    work = world.repos.work
    for name, content in (("old.txt", "old\n"), ("name1.txt", "n\n"), ("gone/only.txt", "l\n")):
        (work / name).parent.mkdir(exist_ok=True)
        (work / name).write_text(content)
    (work / "run.sh").write_text("#!/bin/sh\n")
    (work / "run.sh").chmod(0o755)
    (work / "logo.bin").write_bytes(bytes(range(256)))
    (work / "link").symlink_to("README.md")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "every kind of file")
    before = world.repos.sha()
    _every_kind_of_change(work)
    git(work, "commit", "-q", "-m", "change every kind of file, and a bug")
    bad = world.repos.sha()
    world.repos.push()
    world.checkout(True)
    db = world.use(via, httpserver)
    result = world.run(capsys, before=before, after=bad)
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.summary
    revert = world.repos.remote_sha()
    assert revert == result.outputs["revert-sha"]
    # The same tree as before the culprit: every mode, link, deleted and renamed file is back.
    assert world.repos.remote_tree(revert) == world.repos.remote_tree(before)
    if db is not None:
        assert db.verified[revert]


def test_revert_that_does_more_than_undo_is_never_pushed(
    world: World, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(True)
    real_revert = Git.revert

    def sloppy_revert(self: Git, sha: str, **kwargs: Any) -> str:
        """A revert commit that also touches a file the reverted commit never changed."""
        real_revert(self, sha, **kwargs)
        (self.path / "README.md").write_text("# demo, edited by the revert\n")
        git(self.path, "commit", "-q", "-a", "--amend", "--no-edit")
        return self.head_sha()

    monkeypatch.setattr(Git, "revert", sloppy_revert)
    result = world.run(capsys, before=before, after=bad)
    assert result.code == 1
    assert result.outputs["status"] == "FAILED"
    assert result.outputs["rolled-back"] == "false"
    assert "does not exactly undo" in result.out and "README.md" in result.out
    assert world.repos.remote_sha() == bad  # nothing pushed
    assert git(world.repos.remote, "branch", "--list", "autoheal/*").strip() == ""


def _colleague_pushes_first(
    world: World, monkeypatch: pytest.MonkeyPatch, db: GitDatabase | None
) -> list[str]:
    """A colleague pushes `other.txt` just before our first push (for the API: its ref
    update); returns [their sha]."""
    colleague = world.repos.clone("colleague")
    pushed: list[str] = []

    def push() -> None:
        pushed.append(world.repos.commit("other.txt", "theirs\n", "colleague", repo=colleague))
        world.repos.push(repo=colleague)

    before_push(db, monkeypatch, push)
    return pushed


@VIA
def test_colleague_pushes_between_revert_and_push(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    via: str,
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(True)
    db = world.use(via, httpserver)
    pushed = _colleague_pushes_first(world, monkeypatch, db)
    result = world.run(capsys, before=before, after=bad)
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.err
    tip = world.repos.remote_sha()
    assert tip == result.outputs["revert-sha"]
    assert git(world.repos.remote, "rev-parse", f"{tip}^").strip() == pushed[0]
    assert world.repos.remote_file("main", "other.txt") == "theirs\n"
    assert not world.remote_has_bug()
    assert "moved meanwhile" in result.summary


@VIA
def test_branch_that_keeps_moving_gives_up_after_push_retries(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    via: str,
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(True)
    db = world.use(via, httpserver)
    colleague = world.repos.clone("colleague")
    theirs: list[str] = []

    def push() -> None:
        n = len(theirs)
        theirs.append(world.repos.commit(f"c{n}.txt", "x\n", f"colleague {n}", repo=colleague))
        world.repos.push(repo=colleague)

    before_push(db, monkeypatch, push, every=True)
    result = world.run(capsys, before=before, after=bad, push_retries="2")
    assert result.code == 1
    assert result.outputs["status"] == "FAILED"
    assert result.outputs["rolled-back"] == "false"
    assert len(theirs) == 3  # the first push and two retries, then it stops
    assert "after 3 attempts" in result.out
    assert world.repos.remote_sha() == theirs[-1]  # their work, none of ours
    assert world.remote_has_bug()  # still broken: nothing was reverted


def test_protected_branch_falls_back_to_a_pull_request(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    install_reject_hook(world.repos.remote)
    world.checkout(False)
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _pulls_api(rsps)
        result = world.run(capsys, before=before, after=bad)
        pull = [c for c in rsps.calls if c.request.url == API + "/pulls"]
    assert result.outputs["pr-url"] == "https://github.com/p/9", result.err
    assert result.outputs["status"] == "ROLLBACK EXECUTED"
    branch = f"autoheal/revert-{bad[:12]}"
    assert world.repos.remote_sha(branch) == result.outputs["revert-sha"]
    assert json.loads(pull[0].request.body or b"{}")["base"] == "main"
    assert world.repos.remote_sha() == bad  # main untouched


def test_rollback_via_pull_request(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _api(rsps)
        as_github_actions(rsps)
        rsps.get(API + "/pulls", json=[{"number": 9, "user": ACTIONS_BOT}])  # a re-run: ours
        rsps.patch(API + "/pulls/9", json={"number": 9, "html_url": "https://github.com/p/9"})
        result = world.run(capsys, before=before, after=bad, rollback_via="pull-request")
    assert result.outputs["pr-url"] == "https://github.com/p/9", result.err
    assert world.repos.remote_sha() == bad


def test_a_colleagues_commit_on_the_revert_branch_is_kept(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A re-run must not drop what a reviewer pushed to the revert pull request's branch: the
    revert goes to the next name instead."""
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    branch = f"autoheal/revert-{bad[:12]}"
    world.checkout(False)
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _pulls_api(rsps)
        first = world.run(capsys, before=before, after=bad, rollback_via="pull-request")
        assert world.repos.remote_sha(branch) == first.outputs["revert-sha"], first.err
        colleague = world.repos.clone("colleague", branch=branch)
        theirs = world.repos.commit("app.txt", "fixed\n", "fix forward instead", repo=colleague)
        world.repos.push(branch, repo=colleague)
        second = world.run(capsys, before=before, after=bad, rollback_via="pull-request")
        heads = [json.loads(c.request.body or b"{}")["head"] for c in rsps.calls
                 if c.request.method == "POST" and c.request.url == API + "/pulls"]  # fmt: skip
    assert second.outputs["status"] == "ROLLBACK EXECUTED", second.err
    assert world.repos.remote_sha(branch) == theirs
    assert world.repos.remote_sha(f"{branch}-2") == second.outputs["revert-sha"]
    assert heads == [f"octo-org:{branch}", f"octo-org:{branch}-2"]
    assert world.repos.remote_sha() == bad  # main untouched


def test_a_local_commit_in_the_checkout_is_never_pushed(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """The revert is made on the branch's tip fetched from the remote, not on the checkout's
    HEAD: a commit an earlier step made there (or a fork's, under the branch's name) stays."""
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    clone = world.checkout(False)
    local = world.repos.commit("local.txt", "x\n", "written by an earlier step", repo=clone)
    result = world.run(capsys, before=before, after=bad)
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.err
    tip = world.repos.remote_sha()
    assert tip == result.outputs["revert-sha"]
    assert git(world.repos.remote, "rev-parse", f"{tip}^").strip() == bad
    assert world.repos.remote_file("main", "local.txt") is None
    assert subprocess.run(["git", "cat-file", "-e", local], cwd=world.repos.remote,
                          capture_output=True, check=False).returncode != 0  # fmt: skip


def test_a_hostile_branch_and_subject_stay_inert_in_issue_pull_request_and_summary(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A branch named to close the issue's hidden marker and mention someone, and a commit
    subject full of Markdown: the issue, the revert pull request and the summary show them as
    text, and the marker still finds the issue."""
    branch = "a-->@someone<!--x"
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "break @someone #1 <b>`x` [y](javascript:1)")
    world.repos.push(branch)
    world.checkout(False)
    world.actions.env["GITHUB_REF"] = f"refs/heads/{branch}"
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _pulls_api(rsps, login="someone\n@other")  # not a login: named as code, not mentioned
        result = world.run(
            capsys, before=before, after=bad, rollback_via="pull-request", open_issue="true"
        )
        sent = {c.request.url.rsplit("/", 1)[1]: json.loads(c.request.body or b"{}")
                for c in rsps.calls if c.request.method == "POST"}  # fmt: skip
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.err
    assert set(sent) == {"issues", "pulls"}, (sent, result.out)
    issue, pull = sent["issues"], sent["pulls"]
    links = ("https://github.com/p/9", "https://github.com/i/7", RUN_URL)
    for markdown in (issue["body"], issue["title"], pull["body"], pull["title"], result.summary):
        assert_inert(markdown, links=links)
    assert comments(issue["body"]) == [" autoheal:rollback:a--%3E%40someone%3C%21--x "]
    assert branch in code_spans(issue["body"].splitlines()[0])
    assert "break @someone #1 <b>`x` [y](javascript:1)" in code_spans(pull["body"])
    assert branch in shown(issue["title"])


def test_rollback_via_pull_request_carries_signed_reverts(
    world: World, capsys: pytest.CaptureFixture[str], httpserver: HTTPServer
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(True)
    db = world.use("api", httpserver)
    assert db is not None
    db.fake.route("GET", "/repos/octo-org/octo-repo/pulls", body=[])
    pull = {"number": 9, "html_url": "https://github.com/p/9"}
    db.fake.route("POST", "/repos/octo-org/octo-repo/pulls", status=201, body=pull)
    result = world.run(capsys, before=before, after=bad, rollback_via="pull-request")
    assert result.outputs["pr-url"] == "https://github.com/p/9", result.summary
    assert world.repos.remote_sha() == bad  # main untouched, no ref update sent
    assert db.ref_updates() == []
    revert = world.repos.remote_sha(f"autoheal/revert-{bad[:12]}")
    assert revert == result.outputs["revert-sha"] and db.verified[revert]
    assert world.repos.remote_tree(revert) == world.repos.remote_tree(before)
    assert f"Autoheal-Revert-Of: {bad}" in world.repos.remote_message(revert)
    assert "signed by GitHub: **Verified**" in result.summary


# --------------------------------------------------------------------------- heal commits


def _dispatch(world: World, before: str, sha: str) -> None:
    """The repository_dispatch that validate's workflow runs on: the range is before..sha."""
    payload = {
        "autoheal": {"version": 1, "dispatch_id": "x/42/1/abc", "sha": sha, "before": before,
                     "ref": "refs/heads/main"},
    }  # fmt: skip
    world.actions.set_event({"action": "heal", "client_payload": payload}, "repository_dispatch")


HEAL = "autoheal: fix lint\n\nAutoheal-Run: 42/1"


def _healed_push(world: World) -> tuple[str, str, str]:
    """The loop's most common case: a push P breaks formatting and a test; heal commits H on
    top, reformatting P's own lines; the test still fails. Returns before, P and H."""
    world.commit("app.txt", "a\n", "base")
    world.repos.push()
    before = world.repos.sha()
    bad = world.commit("app.txt", "a\nnew feature   \nbug\n", "add a feature (and a bug)")
    healed = world.commit("app.txt", "a\nnew feature\nbug\n", HEAL)
    world.repos.push()
    # The reason for companions: P alone does not revert on top of H.
    probe = world.repos.clone("probe")
    alone = subprocess.run(
        ["git", "revert", "--no-edit", bad], cwd=probe, capture_output=True, check=False
    )
    assert alone.returncode != 0, "reverting P on top of H should conflict"
    return before, bad, healed


def _assert_reverted_with_heal(world: World, result: Run, bad: str, healed: str) -> None:
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.summary
    assert result.outputs["reverted-shas"] == f"{healed}, {bad}"
    newest, below = git(world.repos.remote, "rev-list", "-n2", "refs/heads/main").split()
    assert newest == result.outputs["revert-sha"]
    assert Git(world.repos.remote).trailers(newest) == {"Autoheal-Revert-Of": bad}
    assert Git(world.repos.remote).trailers(below) == {
        "Autoheal-Revert-Of": healed,
        "Autoheal-Reverted-With": bad,
    }
    assert world.repos.remote_file("main", "app.txt") == "a\n"  # `before`'s content
    check = world.repos.clone("verify")
    Git(check).verify_revert(below, healed)  # each revert is the exact inverse of its commit
    Git(check).verify_revert(newest, bad)
    assert "| heal commit reverted with its culprit | " + healed[:12] in result.summary
    assert f"Heal commit(s) `{healed[:12]}` reverted with the culprit" in result.summary


@SHALLOW
@VIA
def test_heal_commit_on_the_culprit_is_reverted_with_it(
    world: World,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    shallow: bool,
    via: str,
) -> None:
    before, bad, healed = _healed_push(world)
    world.checkout(shallow)
    _dispatch(world, before, healed)
    world.use(via, httpserver)
    result = world.run(capsys, strategy="culprit")
    assert result.outputs["culprit-sha"] == bad, result.summary
    _assert_reverted_with_heal(world, result, bad, healed)
    assert f"| 2 | `{bad[:12]}` | add a feature (and a bug) | ❌ fail |" in result.summary


def test_range_from_a_dispatch_reverts_the_push_with_its_heal_commit(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad, healed = _healed_push(world)
    world.checkout(True)
    _dispatch(world, before, healed)
    result = world.run(capsys, strategy="range")
    _assert_reverted_with_heal(world, result, bad, healed)
    assert world.check_runs() == 0
    assert "culprit-sha" not in result.outputs


def test_rollback_issue_says_the_heal_commit_went_with_the_culprit(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad, healed = _healed_push(world)
    world.checkout(False)
    _dispatch(world, before, healed)
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _api(rsps)
        result = world.run(capsys, open_issue="true")
        issue = next(c for c in rsps.calls if c.request.method == "POST")
    assert result.outputs["reverted-shas"] == f"{healed}, {bad}", result.summary
    body = json.loads(issue.request.body or b"{}")["body"]
    assert f"- `{healed}` `autoheal: fix lint` (heal commit)" in body
    assert f"- `{bad}` `add a feature (and a bug)` (by @octocat)" in body
    assert f"Heal commit(s) `{healed[:12]}` reverted with the culprit" in body
    assert "changed the same files" in body


@SHALLOW
def test_heal_commit_on_a_merged_culprit_is_reverted_with_it(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    """A merge's files are what it brought into the branch (its first-parent diff)."""
    repos = world.repos
    before = repos.sha()
    git(repos.work, "switch", "-q", "-c", "feature")
    world.commit("feat.txt", "x   \nbug\n", "feature (bad)")
    git(repos.work, "switch", "-q", "main")
    good = world.commit("good.txt", "fine\n", "unrelated good change")
    git(repos.work, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = repos.sha()
    healed = world.commit("feat.txt", "x\nbug\n", HEAL)
    repos.push()
    world.checkout(shallow)
    _dispatch(world, before, healed)
    result = world.run(capsys, strategy="culprit")
    assert result.outputs["culprit-sha"] == merge, result.summary
    assert result.outputs["reverted-shas"] == f"{healed}, {merge}"
    assert repos.remote_file("main", "feat.txt") is None
    assert repos.remote_file("main", "good.txt") == "fine\n"
    assert good in repos.remote_log()


@VIA
def test_colleague_push_under_a_revert_with_companions(
    world: World,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    via: str,
) -> None:
    """Both reverts are rebased onto the colleague's commit and verified again."""
    before, bad, healed = _healed_push(world)
    world.checkout(True)
    _dispatch(world, before, healed)
    db = world.use(via, httpserver)
    pushed = _colleague_pushes_first(world, monkeypatch, db)
    result = world.run(capsys, strategy="culprit")
    _assert_reverted_with_heal(world, result, bad, healed)
    tip = world.repos.remote_sha()
    assert git(world.repos.remote, "rev-parse", f"{tip}~2").strip() == pushed[0]
    assert world.repos.remote_file("main", "other.txt") == "theirs\n"


@pytest.mark.parametrize("strategy", ["culprit", "range"])
def test_heal_commit_that_touches_other_files_stays(
    world: World, capsys: pytest.CaptureFixture[str], strategy: str
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    healed = world.commit("style.txt", "x\n", HEAL)  # fixed something else
    world.repos.push()
    world.checkout(True)
    _dispatch(world, before, healed)
    result = world.run(capsys, strategy=strategy)
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.summary
    assert result.outputs["reverted-shas"] == bad
    assert world.repos.remote_file("main", "style.txt") == "x\n"
    assert not world.remote_has_bug()
    assert "reverted with the culprit" not in result.summary


def test_already_reverted_heal_commit_is_not_reverted_again(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad, healed = _healed_push(world)
    git(world.repos.work, "revert", "--no-edit", healed)  # a person undid the heal already
    world.repos.push()
    world.checkout(False)
    _dispatch(world, before, healed)
    result = world.run(capsys, strategy="culprit")
    assert result.outputs["status"] == "ROLLBACK EXECUTED", result.summary
    assert result.outputs["reverted-shas"] == bad
    assert f"| not already reverted | {healed[:12]} by " in result.summary
    assert world.repos.remote_file("main", "app.txt") == "a\n"


def test_range_of_only_heal_commits_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    world.commit("app.txt", "bug\n", HEAL)
    healed = world.commit("app.txt", "bug\nmore\n", HEAL.replace("42/1", "43/1"))
    world.repos.push()
    world.checkout(True)
    _dispatch(world, before, healed)
    result = world.run(capsys, strategy="range")
    _refused(result, world, healed, f"{healed[:12]} fails “not a revert or heal commit”")
    assert "heal commit reverted with its culprit" not in result.summary


def test_bisect_landing_on_a_heal_commit_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    world.commit("app.txt", "fine\n", "good")
    healed = world.commit("app.txt", "bug\n", HEAL)  # the heal itself broke the test
    world.repos.push()
    world.checkout(False)
    _dispatch(world, before, healed)
    result = world.run(capsys, strategy="culprit")
    _refused(result, world, healed, f"{healed[:12]} fails “not a revert or heal commit”")


def test_dry_run_plans_the_heal_commit_with_the_culprit(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad, healed = _healed_push(world)
    clone = world.checkout(True)
    _dispatch(world, before, healed)
    local, remote = _local_state(clone), world.repos.remote_log()
    dry = world.run(capsys, dry_run="true")
    assert dry.code == 0, dry.summary
    assert dry.outputs["reverted-shas"] == f"{healed}, {bad}"
    assert f"Heal commit(s) `{healed[:12]}` reverted with the culprit" in dry.summary
    assert _local_state(clone) == local
    assert world.repos.remote_log() == remote
    world.actions.summary.write_text("")
    world.actions.output.write_text("")
    real = world.run(capsys, dry_run="false")
    _assert_reverted_with_heal(world, real, bad, healed)
    assert _diffstat(dry.summary) == _diffstat(real.summary)


def test_person_commit_on_the_culprit_lines_still_conflicts(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only heal commits go with the culprit: a person's later edit of its lines stays, so
    the revert conflicts, is aborted and nothing is pushed."""
    world.commit("app.txt", "a\n", "base")
    before = world.repos.sha()
    bad = world.commit("app.txt", "a\nnew   \nbug\n", "bad")
    world.commit("app.txt", "a\nnew   \nbug-and-more\n", "a person builds on the bad line")
    healed = world.commit("app.txt", "a\nnew\nbug-and-more\n", HEAL)
    world.repos.push()
    clone = world.checkout(False)
    _dispatch(world, before, healed)
    result = world.run(capsys, strategy="culprit")
    assert result.code == 1
    assert result.outputs["status"] == "FAILED", result.summary
    assert result.outputs["rolled-back"] == "false"
    assert f"Reverting {bad[:12]} conflicts with later changes in `app.txt`" in result.summary
    assert world.repos.remote_sha() == healed
    assert Git(clone).is_clean()


@pytest.mark.parametrize("unit", ["culprit-with-heal", "range-of-two"])
def test_daily_cap_counts_one_rollback_once(
    world: World, capsys: pytest.CaptureFixture[str], unit: str
) -> None:
    if unit == "culprit-with-heal":
        before, bad, healed = _healed_push(world)
        _dispatch(world, before, healed)
        world.checkout(False)
        first = world.run(capsys, strategy="culprit")
    else:
        before = world.repos.sha()
        world.commit("a.txt", "ok\n", "a")
        after = world.commit("b.txt", "bug\n", "b")
        world.repos.push()
        world.checkout(False)
        first = world.run(capsys, before=before, after=after, strategy="range")
    assert len(first.outputs["reverted-shas"].split(", ")) == 2, first.summary
    world.repos.pull()
    before = world.repos.sha()
    bad = world.commit("c.txt", "bug\n", "bad again")
    world.repos.push()
    world.actions.summary.write_text("")
    world.actions.output.write_text("")
    second = world.run(capsys, before=before, after=bad, max_rollbacks_per_day="2")
    assert "| rollbacks in the last 24 h | 1 of max 2 | ✅ pass |" in second.summary
    assert second.outputs["status"] == "ROLLBACK EXECUTED"


# --------------------------------------------------------------------------- dry run, issue


def _local_state(path: Path) -> tuple[str, str, str]:
    return (
        git(path, "for-each-ref", "--format=%(refname) %(objectname)"),
        git(path, "rev-parse", "HEAD"),
        git(path, "status", "--porcelain", "--untracked-files=all"),
    )


@SHALLOW
def test_dry_run_changes_nothing_and_plans_what_a_real_run_does(
    world: World, capsys: pytest.CaptureFixture[str], shallow: bool
) -> None:
    before = world.repos.sha()
    shas = [world.commit(f"f{i}.txt", "bug\n" if i == 2 else "ok\n", f"c{i}") for i in range(5)]
    world.repos.push()
    clone = world.checkout(shallow)
    local, remote = _local_state(clone), world.repos.remote_log()
    dry = world.run(capsys, before=before, after=shas[-1], dry_run="true")
    assert dry.code == 0, dry.err
    assert dry.outputs["status"] == "SKIPPED"
    assert dry.outputs["rolled-back"] == "false"
    assert "Dry run" in dry.summary
    assert _local_state(clone) == local
    assert world.repos.remote_log() == remote
    world.actions.summary.write_text("")  # the real run's outputs and summary alone
    world.actions.output.write_text("")
    real = world.run(capsys, before=before, after=shas[-1], dry_run="false")
    assert real.outputs["reverted-shas"] == dry.outputs["reverted-shas"] == shas[2]
    assert real.outputs["culprit-sha"] == dry.outputs["culprit-sha"] == shas[2]
    stat = _diffstat(real.summary)
    assert "f2.txt" in stat and _diffstat(dry.summary) == stat  # rehearsed in a scratch tree


def _diffstat(summary: str) -> str:
    return summary.split("### Revert diff stat", 1)[1].split("###", 1)[0]


def test_dry_run_reports_the_conflict_a_real_run_would_meet(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad, after = _conflicting_push(world)
    clone = world.checkout(True)
    local, remote = _local_state(clone), world.repos.remote_log()
    result = world.run(capsys, before=before, after=after, dry_run="true", open_issue="true")
    assert result.code == 0, result.err
    assert result.outputs["status"] == "SKIPPED"
    assert f"Dry run: reverting {bad[:12]} would conflict with later changes in app.txt" in (
        result.summary
    )
    assert "skipping the rollback issue" not in result.out  # a dry run tells no one
    assert _local_state(clone) == local
    assert world.repos.remote_log() == remote


def test_issue_mentions_author_and_token_never_leaks(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _api(rsps, login="mona")
        result = world.run(capsys, before=before, after=bad, open_issue="true")
        issue = next(c for c in rsps.calls if c.request.method == "POST")
    body = json.loads(issue.request.body or b"{}")
    assert "@mona" in body["body"] and bad in body["body"]
    assert "<!-- autoheal:rollback:main -->" in body["body"]
    assert result.outputs["issue-url"] == "https://github.com/i/7"
    out = "\n".join(line for line in result.out.splitlines() if "::add-mask::" not in line)
    for text in (out, result.err, result.summary, json.dumps(result.outputs)):
        assert TOKEN not in text


def _outside_code(markdown: str) -> str:
    """The Markdown with every code span and fenced block taken out: what GitHub renders
    as text (mentions, references, closing keywords, HTML)."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"(?s)```.*?```", "", markdown))


def test_issue_quotes_the_culprit_subject_and_author_as_code(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A commit subject and an author name are the committer's to write: quoted as code they
    ping no one, close no issue and open no HTML in the issue (or revert pull request)."""
    before = world.repos.sha()
    subject = "Fixes #1, cc @octo-org/everyone </details><img src=x>"
    (world.repos.work / "app.txt").write_text("bug\n")
    git(world.repos.work, "add", "app.txt")
    ident = ("-c", "user.name=@everyone-pinged", "-c", "user.email=x@example.com")
    git(world.repos.work, *ident, "commit", "-q", "-m", subject)
    bad = world.repos.sha()
    world.repos.push()
    world.checkout(False)
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _api(rsps, login="")  # the API knows no GitHub user for this author
        result = world.run(capsys, before=before, after=bad, open_issue="true")
        issue = next(c for c in rsps.calls if c.request.method == "POST")
    assert result.outputs["reverted-shas"] == bad, result.out
    body = json.loads(issue.request.body or b"{}")["body"]
    assert f"`{subject}`" in body and "`@everyone-pinged`" in body
    text = _outside_code(body)
    for inert in ("Fixes #1", "@octo-org", "@everyone", "<details", "</details>", "<img"):
        assert inert not in text, inert


def test_issue_without_bisect_says_where_the_failing_checks_are(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(True)
    payload = {
        "autoheal": {"version": 1, "dispatch_id": "x/1/1/abc", "sha": bad, "before": before,
                     "ref": "refs/heads/main", "checks": {"lint": "pass", "test": "pass"}},
    }  # fmt: skip
    world.actions.set_event({"action": "heal", "client_payload": payload}, "repository_dispatch")
    world.actions.inputs(token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _api(rsps)
        result = world.run(capsys, open_issue="true", strategy="range")
        issue = next(c for c in rsps.calls if c.request.method == "POST")
    assert result.outputs["reverted-shas"] == bad, result.err
    assert world.check_runs() == 0  # range: reverted without re-running the checks
    body = json.loads(issue.request.body or b"{}")["body"]
    assert "not re-run here; see validate's summary" in body
    assert "Outcomes heal reported after its fix: lint: pass, test: pass" in body
    assert "Validate's outcomes" not in body


def test_without_token_skips_the_issue_with_a_warning(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    result = world.run(capsys, before=before, after=bad, open_issue="true")
    assert result.outputs["status"] == "ROLLBACK EXECUTED"
    assert "skipping the rollback issue" in result.out


def test_fail_after_rollback_false_exits_zero(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    result = world.run(capsys, before=before, after=bad, fail_after_rollback="false")
    assert result.code == 0
    assert result.outputs["status"] == "ROLLBACK EXECUTED"


# --------------------------------------------------------------------------- local runs


def _local(world: World, capsys: pytest.CaptureFixture[str], *flags: str) -> tuple[int, str]:
    """A local run: its exit code, and what it printed (the report, then the stderr lines)."""
    from autoheal.cli import main

    world.snapshots.append(world.repos.remote_log())
    env = {"PATH": "/usr/bin:/bin", "CHECK_COUNTER": str(world.counter)}
    argv = ["rollback", "--repo", str(world.repos.work), "--rollback-required"]
    argv += ["--detect", "false", "--test-command", "python3 check.py", "--open-issue", "false"]
    argv += flags
    capsys.readouterr()
    code = main(argv, env)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_local_run_reverts_on_the_current_branch_and_never_pushes(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad = world.good_then_bad_push()
    code, out = _local(world, capsys, "--before", before, "--after", bad)
    # fail-after-rollback (true by default) stops the line locally too, with one error.
    assert code == 1, out
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and f"Rolled back {bad}" in errors[0], out
    assert "fail-after-rollback" in errors[0]
    work = Git(world.repos.work)
    assert work.current_branch() == "main"
    assert work.trailers(work.head_sha())["Autoheal-Revert-Of"] == bad
    assert not (world.repos.work / "app.txt").exists()
    assert world.repos.remote_sha() == bad  # never pushed
    assert "not pushed" in out


def test_local_run_honours_fail_after_rollback_false(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before, bad = world.good_then_bad_push()
    code, out = _local(
        world, capsys, "--before", before, "--after", bad, "--fail-after-rollback", "false"
    )
    assert code == 0, out
    assert "error: " not in out
    assert f"notice: Rollback: Rolled back {bad}" in out
    work = Git(world.repos.work)
    assert work.trailers(work.head_sha())["Autoheal-Revert-Of"] == bad
    assert world.repos.remote_sha() == bad  # never pushed


def test_local_run_takes_revisions_as_git_names_them(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--before HEAD~2 --after HEAD`: resolved in the repository to the push's full shas."""
    before, bad = world.good_then_bad_push()
    code, out = _local(
        world, capsys, "--before", "HEAD~2", "--after", "HEAD", "--fail-after-rollback", "false"
    )
    assert code == 0, out
    assert f"Push (inputs): {before[:12]}..{bad[:12]}," in out
    work = Git(world.repos.work)
    assert work.trailers(work.head_sha())["Autoheal-Revert-Of"] == bad
    assert not (world.repos.work / "app.txt").exists()
    assert world.repos.remote_sha() == bad


def test_local_run_on_a_detached_head_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    git(world.repos.work, "checkout", "-q", "--detach", "HEAD")
    code, out = _local(world, capsys, "--after", bad)
    assert code == 2, out  # locally the branch is the checked-out one: there is none
    assert "Cannot tell which branch" in out
    assert world.repos.remote_sha() == bad


def test_pull_request_fallback_without_token_fails_clearly(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    result = world.run(capsys, before=before, after=bad, rollback_via="pull-request")
    assert result.code == 1
    assert result.outputs["status"] == "FAILED"
    assert world.repos.remote_sha(f"autoheal/revert-{bad[:12]}") is not None
    assert "Open a pull request" in result.summary
    assert world.repos.remote_sha() == bad


def test_culprit_without_critical_checks_is_refused(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    before = world.repos.sha()
    world.commit("a.txt", "ok\n", "good")
    bad = world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    result = world.run(
        capsys, before=before, after=bad, strategy="culprit", critical_categories="lint"
    )
    _refused(result, world, bad, "nothing to bisect with")


@pytest.mark.parametrize(
    ("inputs", "config", "named"),
    [
        ({"max_age_hours": "forever"}, "", "`max-age-hours`"),
        ({"token": TOKEN + "\nsecond line"}, "", "`token`"),
        ({"test_command": "python3 check.py 'x"}, "", "`test-command`"),
        ({"after": "HEAD"}, "", "`after`"),
        ({}, "max-rollbacks-per-day: many\n", "`max-rollbacks-per-day`"),
        ({"commit_via": "ssh"}, "", "`commit-via`"),
        # range runs no check at all: the table must still be refused, not ignored.
        ({"strategy": "range"}, "checks:\n  tset: {command: x}\n", "checks.tset"),
        ({"strategy": "culprit"}, "checks:\n  test: {command: x, timeout: 0}\n", "timeout"),
    ],
    ids=[
        "bad-int",
        "token-newline",
        "unbalanced-quote",
        "after-not-a-sha",
        "config-value",
        "bad-commit-via",
        "range-with-a-bad-checks-table",
        "culprit-with-a-bad-timeout",
    ],
)
def test_bad_input_reverts_and_pushes_nothing(
    world: World,
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, str],
    config: str,
    named: str,
) -> None:
    from tests.actions import assert_input_error

    before = world.repos.sha()
    if config:
        world.commit(".github/autoheal.yml", config, "config")
    bad = world.commit("app.txt", "bug\n", "introduce a bug")
    world.repos.push()
    clone = world.checkout(shallow=False)
    head, remote = world.repos.sha(repo=clone), world.repos.remote_log()
    result = world.run(capsys, **{"before": before, "after": bad, "token": TOKEN, **inputs})
    assert_input_error(result, named)
    assert world.repos.remote_log() == remote and world.remote_has_bug()
    assert world.repos.sha(repo=clone) == head
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(clone, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert world.check_runs() == 0
