"""Heal's fix posted as one review of suggestions, through the fake GitHub (requests checked
against GitHub's description), on a pull request and a fix made by real git."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from autoheal.github.client import GitHub
from autoheal.markers import REVIEW_MARKER, SUPERSEDED_MARKER
from autoheal.modes.heal.review import (
    MAX_BODY_CHARS,
    REFUSED_WHY,
    Posted,
    post_suggestions,
)
from autoheal.modes.heal.suggest import OUTSIDE
from tests.actions import TOKEN
from tests.fake_github import FakeGitHub
from tests.fake_reviews import FakeReviews
from tests.fakes import ACTIONS_BOT, STRANGER
from tests.markdown_check import assert_inert
from tests.suggest_helpers import (
    Pull,
    assert_makes_the_fix,
    numbered,
    open_pull,
    patch_in,
    suggestions_in,
    with_lines,
)

REPO = "octo-org/octo-repo"
NUMBER = 7
PULLS = f"/repos/{REPO}/pulls"
RUN_URL = f"https://github.com/{REPO}/actions/runs/99"
BASE = numbered(30)
HOSTILE = "@mallory #1 <b>x</b> `tick`.txt"


@pytest.fixture
def scene(tmp_path: Path, httpserver: HTTPServer) -> tuple[Pull, FakeGitHub, FakeReviews]:
    pull = open_pull(tmp_path, {"f.txt": BASE}, {"f.txt": with_lines(BASE, {10: "ten"})})
    fake = FakeGitHub(httpserver)
    fake.as_github_actions()
    return pull, fake, FakeReviews(fake, REPO, number=NUMBER, head=pull.head, files=pull.files())


def post(fake: FakeGitHub, pull: Pull, fix_diff: str) -> Posted:
    with GitHub(TOKEN, api_url=fake.api_url, max_retries=0) as gh:
        return post_suggestions(gh, REPO, NUMBER, pull.head, fix_diff, run_url=RUN_URL)


def posted_reviews(fake: FakeGitHub) -> list[dict[str, Any]]:
    return [r.body for r in fake.requests("POST", f"{PULLS}/{NUMBER}/reviews")]


def test_the_fix_is_one_review_of_suggestions_with_the_rest_as_a_patch(scene: Any) -> None:
    pull, fake, reviews = scene
    fix = with_lines(BASE, {10: "TEN", 25: "twenty-five"})
    result = post(fake, pull, pull.fix({"f.txt": fix, HOSTILE: "new\n"}))
    [sent] = posted_reviews(fake)
    assert (sent["commit_id"], sent["event"]) == (pull.head, "COMMENT")
    assert [(c["path"], c["line"], c["side"]) for c in sent["comments"]] == [("f.txt", 10, "RIGHT")]
    assert_makes_the_fix(pull, suggestions_in(sent), patch_in(sent["body"]))
    assert sent["body"].rstrip().endswith(REVIEW_MARKER)
    assert f"`f.txt`: {OUTSIDE}" in sent["body"]
    assert_inert(sent["body"], links=(RUN_URL,))
    [review] = reviews.reviews
    assert result == Posted(
        review_url=review["html_url"],
        suggestions=1,
        left=2,
        leftover=patch_in(sent["body"]),
        reasons=result.reasons,
        refused="",
    )
    assert sorted(path for path, _ in result.reasons) == sorted(["f.txt", HOSTILE])


def test_a_rerun_replaces_our_suggestions_and_leaves_anothers_review(scene: Any) -> None:
    pull, fake, reviews = scene
    old_comments = [{"path": "f.txt", "line": 10, "body": "```suggestion\nold\n```"}] * 2
    ours = reviews.add(ACTIONS_BOT, f"Old.\n\n{REVIEW_MARKER}", old_comments)
    ours_comments = [c["id"] for c in reviews.comments_of(ours)]
    theirs = reviews.add(STRANGER, f"Pasted {REVIEW_MARKER}", old_comments[:1])
    retired = reviews.add(ACTIONS_BOT, f"Gone.\n\n{SUPERSEDED_MARKER}", [])
    their_comments = reviews.comments_of(theirs)
    reply = {**old_comments[0], "id": 1, "user": STRANGER, "pull_request_review_id": ours["id"]}
    reviews.comments.append(reply)  # listed with our review's: still not ours to delete

    first = post(fake, pull, pull.fix({"f.txt": with_lines(BASE, {10: "TEN"})}))

    new = reviews.reviews[-1]
    assert first.superseded == (ours["html_url"],) and first.deleted == 2
    assert reviews.comments_of(ours) == [reply]
    assert ours["body"] == (
        f"Superseded by [a newer review]({new['html_url']}): its suggestions were removed."
        f"\n\n{SUPERSEDED_MARKER}\n"
    )
    assert theirs["body"] == f"Pasted {REVIEW_MARKER}"
    assert reviews.comments_of(theirs) == their_comments
    assert retired["body"] == f"Gone.\n\n{SUPERSEDED_MARKER}"
    deleted = [r.path for r in fake.log if r.method == "DELETE"]
    assert deleted == [f"{PULLS}/comments/{n}" for n in ours_comments]
    assert [r.path for r in fake.log if r.method == "PUT"] == [
        f"{PULLS}/{NUMBER}/reviews/{ours['id']}"
    ]
    for other in (theirs, retired):
        assert not fake.requests("GET", rf"{PULLS}/{NUMBER}/reviews/{other['id']}/comments")

    second = post(fake, pull, pull.fix({"f.txt": with_lines(BASE, {10: "TEN"})}))
    assert second.superseded == (new["html_url"],) and second.deleted == 1
    assert len(fake.requests("PUT", rf"{PULLS}/{NUMBER}/reviews/{ours['id']}")) == 1
    assert [r["id"] for r in reviews.reviews if REVIEW_MARKER in r["body"]] == [
        theirs["id"],
        reviews.reviews[-1]["id"],
    ]
    assert not fake.unrouted()


def test_an_earlier_review_github_will_not_change_is_named_not_raised(scene: Any) -> None:
    pull, fake, reviews = scene
    ours = reviews.add(ACTIONS_BOT, REVIEW_MARKER, [{"path": "f.txt", "line": 10, "body": "x"}])
    reviews.deletes_refused = True
    result = post(fake, pull, pull.fix({"f.txt": with_lines(BASE, {10: "TEN"})}))
    assert result.review_url == reviews.reviews[-1]["html_url"]
    assert (result.superseded, result.deleted) == ((), 0)
    [why] = result.unretired
    assert why.startswith(ours["html_url"]) and "Resource not accessible" in why
    assert ours["body"] == REVIEW_MARKER  # still ours to retire on the next run


def test_nothing_is_posted_for_a_head_that_moved_on(scene: Any) -> None:
    pull, fake, reviews = scene
    ours = reviews.add(ACTIONS_BOT, REVIEW_MARKER, [{"path": "f.txt", "line": 10, "body": "x"}])
    fix_diff = pull.fix({"f.txt": with_lines(BASE, {10: "TEN"})})
    reviews.head = "b" * 40
    result = post(fake, pull, fix_diff)
    assert result == Posted(skipped=f"the pull request's head is now {'b' * 40}, not {pull.head}")
    assert [r.method for r in fake.log] == ["GET"]
    assert ours["body"] == REVIEW_MARKER and reviews.comments_of(ours)


def test_nothing_left_to_suggest_retires_our_earlier_suggestions(scene: Any) -> None:
    pull, fake, reviews = scene
    ours = reviews.add(ACTIONS_BOT, REVIEW_MARKER, [{"path": "f.txt", "line": 10, "body": "x"}])
    result = post(fake, pull, "")
    assert (result.skipped, result.superseded, result.deleted) == (
        "nothing to suggest",
        (ours["html_url"],),
        1,
    )
    assert posted_reviews(fake) == []
    assert ours["body"].startswith(f"Superseded: nothing is left to suggest on `{pull.head[:12]}`")


def test_suggestions_github_refuses_are_posted_as_the_whole_patch(scene: Any) -> None:
    pull, fake, reviews = scene
    reviews.refuse = lambda comment: True
    fix_diff = pull.fix({"f.txt": with_lines(BASE, {10: "TEN", 12: "twelve"})})
    result = post(fake, pull, fix_diff)
    refused, sent = posted_reviews(fake)
    assert len(refused["comments"]) == 2 and "comments" not in sent
    assert patch_in(sent["body"]) == fix_diff
    assert REFUSED_WHY in sent["body"] and "Line could not be resolved" in result.refused
    assert_inert(sent["body"], links=(RUN_URL,))
    assert (result.suggestions, result.left, result.leftover) == (0, 2, fix_diff)
    assert len(reviews.reviews) == 1


def test_a_patch_too_long_for_a_review_is_named_not_shown(scene: Any) -> None:
    pull, fake, _ = scene
    big = "".join(f"{n} {'x' * 70}\n" for n in range(1000))
    result = post(fake, pull, pull.fix({"big.txt": big}))
    [sent] = posted_reviews(fake)
    assert len(sent["body"]) <= MAX_BODY_CHARS
    lines = result.leftover.count("\n")
    assert lines > 1000
    assert (
        f"_The patch ({lines} lines) is too long to show in a review (see [the run]("
        in sent["body"]
    )
    assert patch_in(sent["body"]) == ""
