"""`heal-via: suggest`: in a pull request's run whose token can write, heal posts its fix as
one review of suggested changes and pushes nothing; on a push to a branch, a patch and a
notice. Through `main()` with GitHub's payloads, real git and the fake GitHub."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.actions import runner_commands
from tests.apply_helpers import FIXED_APP, NUMBER, PULLS, open_pull_request
from tests.fake_github import FakeGitHub
from tests.fake_reviews import FakeReviews
from tests.gitfixtures import git
from tests.heal_helpers import REPO, setup_heal
from tests.suggest_helpers import apply_suggestions, assert_makes_the_fix, patch_in, suggestions_in


def test_a_pull_requests_fix_is_suggested_and_nothing_is_pushed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
) -> None:
    pr = open_pull_request(tmp_path, fork=False)
    fake = FakeGitHub(httpserver)
    fake.as_github_actions()
    reviews = FakeReviews(
        fake, REPO, number=NUMBER, head=pr.head, files=pr.pull.files(), head_ref=pr.head_ref
    )
    refs = pr.remote_refs()
    _, r = pr.ci_run(
        monkeypatch,
        capsys,
        GITHUB_ACTOR="octocat",  # a person's push: the run's token can write
        GITHUB_API_URL=fake.api_url,
        INPUT_HEAL_VIA="suggest",
    )
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SUGGESTED" and r.outputs["healed"] == "false"
    assert pr.remote_refs() == refs  # no push, no autoheal/ branch
    [sent] = [q.body for q in fake.requests("POST", f"{PULLS}/{NUMBER}/reviews")]
    assert sent["commit_id"] == pr.head
    places = [(c["path"], c.get("start_line"), c["line"], c["side"]) for c in sent["comments"]]
    assert places == [("app.py", None, 2, "RIGHT"), ("app.py", 5, 7, "RIGHT")]
    head_file = git(pr.repos.work, "show", f"{pr.head}:app.py")
    assert apply_suggestions(head_file, suggestions_in(sent)) == FIXED_APP
    assert_makes_the_fix(pr.expected_fix(), suggestions_in(sent), patch_in(sent["body"]))
    [review] = reviews.reviews
    assert r.outputs["review-url"] == review["html_url"]
    assert r.outputs["patch-artifact"] == "" and r.outputs["commit-sha"] == ""
    ci = pr.repos.clones["pr-ci"]
    assert git(ci, "rev-parse", "HEAD").strip() == pr.head
    assert git(ci, "status", "--porcelain", "--untracked-files=all") == ""
    assert review["html_url"] in r.summary and "2 suggested change(s)" in r.summary


def test_on_a_push_suggest_means_a_patch_and_a_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, heal_via="suggest")
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "PATCH" and r.outputs["review-url"] == ""
    assert s.repos.remote_sha("main") == tip
    assert Path(r.outputs["patch-path"]).is_file()
    [notice] = [line for line in runner_commands(r.out) if line.startswith("::notice")]
    assert "a push to a branch has no pull request to suggest the fix on" in notice
