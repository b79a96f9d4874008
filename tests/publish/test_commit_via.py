"""`commit-via`: what only the API path does (its requests, signing, refusals, a lost answer),
and how `auto` chooses. The scenarios both paths share (a colleague's push, shallow clones,
every kind of file) run on both in test_heal.py and test_rollback.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.actions import TOKEN, Run, assert_input_error
from tests.fake_gitdb import BOT_NAME, GitDatabase, use_commit_via
from tests.gitfixtures import git, install_reject_hook
from tests.heal_helpers import FORMATTED, UNFORMATTED, Setup, setup_heal
from tests.publish.test_branch_rules import on_github

# What GitHub says to a git push of unsigned commits where signatures are required.
UNSIGNED_REFUSED = "GH013: Repository rule violations found. Commits must have verified signatures."
PR_URL = "https://github.com/octo-org/octo-repo/pull/8"


Heal = Callable[..., tuple[Setup, GitDatabase]]


@pytest.fixture
def heal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> Heal:
    """`heal(via, **inputs)`: heal's set-up with `commit-via: via`, origin on GitHub, and
    GitHub's Git database (no rules unless a test sets `db.rules`)."""

    def make(via: str, **inputs: str) -> tuple[Setup, GitDatabase]:
        s = setup_heal(tmp_path, monkeypatch, **inputs)
        on_github(s.ci, s.repos)  # origin as actions/checkout leaves it: the rules are read
        db = use_commit_via(via, s.actions, httpserver, s.repos.remote)
        assert db is not None
        return s, db

    return make


def _author(s: Setup, sha: str) -> str:
    return git(s.repos.remote, "show", "-s", "--format=%an", sha).strip()


def _healed(s: Setup, r: Run, start: str) -> str:
    """heal pushed one fix commit on `start` and the checkout is on it; returns its sha."""
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    tip = s.repos.remote_sha("main")
    assert tip == r.outputs["commit-sha"] == s.head() and s.status() == ""
    assert git(s.repos.remote, "rev-parse", f"{tip}^").strip() == start
    assert s.repos.remote_file("main", "app.py") == FORMATTED
    return tip


def _pulls(db: GitDatabase) -> None:
    db.fake.route("GET", "/repos/octo-org/octo-repo/pulls", body=[])
    pull = {"number": 8, "html_url": PR_URL}
    db.fake.route("POST", "/repos/octo-org/octo-repo/pulls", status=201, body=pull)


def _to_pull_request(s: Setup, db: GitDatabase, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run heal where the fix ends in the `autoheal/main` pull request, `main` untouched."""
    _pulls(db)
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["pr-url"] == PR_URL and s.repos.remote_sha("main") == tip
    return r


def test_the_commit_is_sent_without_author_committer_or_signature(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("api", commit_author="Heal Bot <heal@example.com>")
    start = s.head()
    r = s.actions.run(capsys)
    tip = _healed(s, r, start)
    # GitHub signs only a commit it authors itself: nothing in the request says who wrote it.
    [body] = db.commit_bodies()
    assert set(body) == {"message", "tree", "parents"}
    assert body["parents"] == [start]
    assert body["message"] == git(s.repos.remote, "cat-file", "commit", tip).split("\n\n", 1)[1]
    assert db.verified[tip] and _author(s, tip) == BOT_NAME
    assert db.ref_updates() == [{"sha": tip, "force": False}]
    [update] = db.fake.requests("PATCH", ".*")
    assert update.path == "/repos/octo-org/octo-repo/git/refs/heads/main"
    assert db.fake.unrouted() == []
    for request in db.fake.log:
        assert "Heal Bot" not in request.text
        assert TOKEN not in json.dumps(request.body)  # only in the Authorization header
    assert "`commit-author` does not apply" in r.summary


def test_auto_uses_the_api_when_the_rules_require_signatures(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("auto")
    db.rules = [{"type": "required_signatures", "ruleset_id": 1}]
    install_reject_hook(s.repos.remote, UNSIGNED_REFUSED)  # git's push would be refused
    start = s.head()
    r = s.actions.run(capsys)
    tip = _healed(s, r, start)
    assert db.verified[tip]
    assert len(db.fake.requests("GET", "/repos/octo-org/octo-repo/rules/branches/main")) == 1
    assert "The rule `required_signatures` of ruleset (id 1) asks for signed commits" in r.summary
    assert "`commit-via: auto`, as the branch's rules require signed commits" in r.summary
    assert "signed by GitHub: **Verified**" in r.summary


def test_auto_pushes_with_git_when_no_rule_requires_signatures(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("auto")
    db.rules = [{"type": "deletion"}, {"type": "non_fast_forward"}]
    start = s.head()
    r = s.actions.run(capsys)
    tip = _healed(s, r, start)
    assert _author(s, tip) == "autoheal[bot]"  # commit-author: git's own commit
    assert db.commit_bodies() == [] and db.ref_updates() == []
    assert len(db.fake.requests("GET", ".*/rules/branches/main")) == 1
    assert "Verified" not in r.summary


def test_auto_switches_to_the_api_when_git_is_refused_for_unsigned_commits(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    """Classic branch protection is not in the rules a token reads: try git, and when the
    push is refused for want of a signature, make the commit through the API instead."""
    s, db = heal("auto")
    db.rules = None  # the rules cannot be read (404); classic protection shows nothing either
    install_reject_hook(s.repos.remote, UNSIGNED_REFUSED)
    start = s.head()
    r = s.actions.run(capsys)
    tip = _healed(s, r, start)
    assert db.verified[tip]
    assert "`main` refused the push of unsigned commits" in r.summary
    assert s.repos.remote_sha("autoheal/main") is None  # no fallback branch


def test_auto_falls_back_to_a_pull_request_for_other_refusals(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("auto")
    db.rules = None
    install_reject_hook(s.repos.remote, "GH006: Protected branch update failed")
    r = _to_pull_request(s, db, capsys)
    assert _author(s, r.outputs["commit-sha"]) == "autoheal[bot]"  # git's commit, as before
    assert db.commit_bodies() == []


def test_refused_ref_update_falls_back_to_a_pull_request_with_the_signed_commit(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("api")
    db.refusal = "Repository rule violations found\n\nChanges must be made through a pull request."
    r = _to_pull_request(s, db, capsys)
    assert r.outputs["status"] == "HEALED"
    assert s.repos.remote_file("main", "app.py") == UNFORMATTED
    fix = s.repos.remote_sha("autoheal/main")
    assert fix == r.outputs["commit-sha"] == s.head()
    assert db.verified[fix]  # the pull request carries GitHub's signed commit
    assert "GitHub refused to move `main`" in r.out
    assert "Changes must be made through a pull request" in r.out


@pytest.mark.parametrize("via", ["api", "auto"])
def test_a_pull_request_the_rules_ask_for_carries_signed_commits(
    heal: Heal, capsys: pytest.CaptureFixture[str], via: str
) -> None:
    """Signatures and a pull request both required: the pull request wins. With `api` its
    commit is GitHub's signed one; under `auto` the pull request rule decided, and git's
    commit goes, as before."""
    s, db = heal(via)
    db.rules = [{"type": "pull_request", "ruleset_id": 7}, {"type": "required_signatures"}]
    r = _to_pull_request(s, db, capsys)
    fix = s.repos.remote_sha("autoheal/main")
    assert fix == r.outputs["commit-sha"] == s.head()
    assert db.ref_updates() == []  # main was never tried
    assert db.verified.get(str(fix)) is (True if via == "api" else None)


def test_heal_via_pull_request_carries_the_signed_commit(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("api", heal_via="pull-request")
    r = _to_pull_request(s, db, capsys)
    fix = s.repos.remote_sha("autoheal/main")
    assert fix == r.outputs["commit-sha"] == s.head() and db.verified[str(fix)]
    assert db.ref_updates() == []  # no ref moved through the API: git pushed the branch
    assert "signed by GitHub: **Verified**" in r.summary


def test_a_token_whose_api_commits_are_not_signed_is_named(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("api")
    db.signs = False  # a personal access token
    start = s.head()
    r = s.actions.run(capsys)
    tip = _healed(s, r, start)
    assert not db.verified[tip]
    assert "::warning title=Commit not signed::GitHub did not sign the commit" in r.out
    assert "but GitHub did not sign it (unsigned)" in r.summary
    assert "**Verified**" not in r.summary


def test_a_lost_answer_to_the_ref_update_is_looked_up_not_repeated(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("api")
    db.lost_answers = 1  # the branch moved, but the answer is a 502
    start = s.head()
    r = s.actions.run(capsys)
    tip = _healed(s, r, start)
    assert len(db.ref_updates()) == 1
    assert db.verified[tip]


def test_api_without_a_token_is_a_bad_input_and_leaves_nothing(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    s, db = heal("api")
    del s.actions.env["INPUT_TOKEN"]
    remote, head = s.repos.remote_log(), s.head()
    r = s.actions.run(capsys)
    assert_input_error(r, "`commit-via: api`")
    assert s.repos.remote_log() == remote
    assert s.head() == head and s.status() == ""
    assert db.fake.log == []
