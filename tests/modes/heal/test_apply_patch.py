"""The trusted job: heal with `apply-patch` in the `workflow_run` after a pull request's
read-only run, through `main()` with GitHub's payloads, real git (a bare remote) and the fake
GitHub (requests checked against GitHub's description). The artifact is the one the pull
request's run really wrote (tests/apply_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from autoheal.markers import HEAL_TRAILER, REVIEW_MARKER
from tests.apply_helpers import FIXED_APP, NUMBER, PULLS, Scene, make_scene
from tests.fakes import ACTIONS_BOT
from tests.gitfixtures import git
from tests.heal_helpers import REPO
from tests.suggest_helpers import apply_suggestions, assert_makes_the_fix, patch_in, suggestions_in

# ------------------------------------------------------------------ a branch of this repository


def test_the_fix_is_pushed_as_one_commit_on_the_recorded_head(
    same_repo: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = same_repo.pr
    r = same_repo.apply(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED" and r.outputs["healed"] == "true"
    tip = pr.repos.remote_sha(pr.head_ref)
    assert tip == r.outputs["commit-sha"]
    # Exactly one new commit, whose parent is the recorded head and whose tree is head + fix.
    assert pr.repos.remote_log(pr.head_ref)[:2] == [tip, pr.head]
    assert git(pr.repos.remote, "rev-parse", f"{tip}^@").split() == [pr.head]
    fixed = pr.expected_fix().fixed  # made the ordinary way, in another clone
    assert pr.repos.remote_tree(tip) == git(pr.repos.work, "rev-parse", f"{fixed}^{{tree}}").strip()
    assert pr.repos.remote_file(pr.head_ref, "app.py") == FIXED_APP
    message = pr.repos.remote_message(tip)
    assert f"{HEAL_TRAILER}: https://github.com/{REPO}/actions/runs/1234" in message
    assert pr.repos.remote_sha("main") == pr.base
    # Nothing of the pull request ran, or was even checked out, in the trusted job; nor
    # did its own checks run.
    assert pr.trusted_ran_code() == []
    assert "### Checks" not in r.summary and "touch " not in r.summary
    assert same_repo.posted() == [] and same_repo.writes() == []
    assert f"to `{pr.head_ref}`" in r.summary


def test_heal_via_suggest_posts_a_review_instead_of_pushing(
    same_repo: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = same_repo.pr
    refs = pr.remote_refs()
    r = same_repo.apply(capsys, heal_via="suggest")
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SUGGESTED"
    assert pr.remote_refs() == refs
    [review] = same_repo.reviews.reviews
    assert r.outputs["review-url"] == review["html_url"]


def test_a_branch_that_moved_meanwhile_is_left_alone(
    same_repo: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub still names the recorded head, but a push landed before ours: no force."""
    pr = same_repo.pr
    work = pr.repos.work
    git(work, "fetch", "-q", "origin", pr.head_ref)
    git(work, "checkout", "-q", "--detach", "FETCH_HEAD")
    pushed = pr.repos.commit("other.txt", "a colleague's\n", "meanwhile")
    git(work, "push", "-q", "origin", f"HEAD:refs/heads/{pr.head_ref}")
    r = same_repo.apply(capsys)
    assert r.code == 0 and r.outputs["status"] == "SKIPPED", r.out + r.err
    assert "the pull request moved on; its next CI run makes a new patch" in r.summary
    assert pr.repos.remote_sha(pr.head_ref) == pushed
    assert r.outputs["commit-sha"] == ""


def test_a_head_github_says_moved_on_is_skipped(
    same_repo: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = same_repo.pr
    refs = pr.remote_refs()
    same_repo.reviews.head = "d" * 40
    r = same_repo.apply(capsys)
    assert r.code == 0 and r.outputs["status"] == "SKIPPED", r.out + r.err
    assert "the pull request moved on" in r.summary and "dddddddddddd" in r.summary
    assert pr.remote_refs() == refs and same_repo.posted() == []


# ------------------------------------------------------------------ a fork


def test_a_forks_fix_is_one_review_of_suggestions_and_a_rerun_replaces_it(
    fork: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    pr = fork.pr
    refs = pr.remote_refs()
    r = fork.apply(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SUGGESTED" and r.outputs["healed"] == "false"
    assert pr.remote_refs() == refs  # nothing pushed anywhere
    [sent] = [r.body for r in fork.fake.requests("POST", f"{PULLS}/{NUMBER}/reviews")]
    assert (sent["commit_id"], sent["event"]) == (pr.head, "COMMENT")
    places = [(c["path"], c.get("start_line"), c["line"], c["side"]) for c in sent["comments"]]
    assert places == [("app.py", None, 2, "RIGHT"), ("app.py", 5, 7, "RIGHT")]
    assert all(c.get("start_side", "RIGHT") == "RIGHT" for c in sent["comments"])
    # GitHub applies each suggestion to the head's file: the result is the fix.
    head_file = git(pr.repos.work, "show", f"{pr.head}:app.py")
    assert apply_suggestions(head_file, suggestions_in(sent)) == FIXED_APP
    assert_makes_the_fix(pr.expected_fix(), suggestions_in(sent), patch_in(sent["body"]))
    [review] = fork.reviews.reviews
    assert r.outputs["review-url"] == review["html_url"]
    assert pr.trusted_ran_code() == []

    again = fork.apply(capsys)
    assert again.code == 0 and again.outputs["status"] == "SUGGESTED", again.out
    first, second = fork.reviews.reviews
    assert REVIEW_MARKER not in first["body"] and "Superseded by" in first["body"]
    assert fork.reviews.comments_of(first) == []
    assert REVIEW_MARKER in second["body"] and len(fork.reviews.comments_of(second)) == 2
    assert again.outputs["review-url"] == second["html_url"]
    assert pr.remote_refs() == refs
    assert not fork.fake.unrouted()


def test_a_review_that_is_not_ours_is_left_alone(
    fork: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    theirs = fork.reviews.add(
        {"login": "mallory", "id": 666, "type": "User"}, f"mine {REVIEW_MARKER}", []
    )
    r = fork.apply(capsys)
    assert r.code == 0, r.out
    assert theirs["body"] == f"mine {REVIEW_MARKER}"
    assert fork.reviews.reviews[-1]["user"] == ACTIONS_BOT


@pytest.mark.parametrize("kind", ["same-repo", "fork"])
def test_a_dry_run_judges_and_applies_the_patch_but_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    kind: str,
) -> None:
    scene = make_scene(tmp_path, monkeypatch, capsys, httpserver, fork=kind == "fork")
    refs = scene.pr.remote_refs()
    r = scene.apply(capsys, dry_run="true")
    assert r.code == 0 and r.outputs["status"] == "PATCH", r.out + r.err
    if kind == "fork":
        assert "heal would post it as suggestions on pull request #7" in r.summary
    else:
        assert "heal would push `" in r.summary and f"to `{scene.pr.head_ref}`" in r.summary
    assert "Nothing was pushed or posted (dry-run)" in r.summary
    assert scene.pr.remote_refs() == refs
    assert scene.posted() == [] and scene.writes() == []
