"""The pull request review calls, against the fake GitHub (requests checked against GitHub's
own description of each operation)."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from autoheal.errors import InputError
from autoheal.github.client import GitHub
from autoheal.github.errors import GitHubError
from tests.actions import TOKEN
from tests.fake_github import FakeGitHub

REPO = "octo-org/octo-repo"
PULL = f"/repos/{REPO}/pulls/7"
SHA = "a" * 40
COMMENT = {"path": "f.txt", "body": "```suggestion\nx\n```", "line": 3, "side": "RIGHT"}


def client(fake: FakeGitHub) -> GitHub:
    return GitHub(TOKEN, api_url=fake.api_url, max_retries=0)


def test_each_call_sends_what_github_documents(httpserver: HTTPServer) -> None:
    fake = FakeGitHub(httpserver)
    review = {"id": 5, "body": "b", "html_url": "https://github.com/o/r/pull/7#r5"}
    fake.route("GET", PULL, body={"number": 7, "head": {"sha": SHA}})
    fake.route("GET", f"{PULL}/files", body=[{"filename": "f.txt", "patch": "@@ -1 +1 @@"}])
    fake.route("GET", f"{PULL}/reviews", body=[review])
    fake.route("POST", f"{PULL}/reviews", body=review)
    fake.route("PUT", f"{PULL}/reviews/5", body=review)
    fake.route("GET", f"{PULL}/reviews/5/comments", body=[{"id": 9, "body": "x"}])
    fake.route("DELETE", f"/repos/{REPO}/pulls/comments/9", status=204)
    with client(fake) as gh:
        assert gh.get_pull(REPO, 7)["head"]["sha"] == SHA
        assert gh.list_pull_files(REPO, 7)[0]["filename"] == "f.txt"
        assert gh.list_reviews(REPO, 7) == [review]
        gh.create_review(REPO, 7, commit_id=SHA, body="b", comments=[COMMENT])
        gh.create_review(REPO, 7, commit_id=SHA, body="only a body")
        gh.update_review(REPO, 7, 5, "superseded")
        assert gh.list_review_comments(REPO, 7, 5)[0]["id"] == 9
        assert gh.delete_review_comment(REPO, 9) is True
    sent = [(r.method, r.path, r.body) for r in fake.log]
    assert sent == [
        ("GET", PULL, None),
        ("GET", f"{PULL}/files", None),
        ("GET", f"{PULL}/reviews", None),
        ("POST", f"{PULL}/reviews", {"commit_id": SHA, "body": "b", "event": "COMMENT",
                                     "comments": [COMMENT]}),
        ("POST", f"{PULL}/reviews", {"commit_id": SHA, "body": "only a body", "event": "COMMENT"}),
        ("PUT", f"{PULL}/reviews/5", {"body": "superseded"}),
        ("GET", f"{PULL}/reviews/5/comments", None),
        ("DELETE", f"/repos/{REPO}/pulls/comments/9", None),
    ]  # fmt: skip
    assert fake.log[1].query == {"per_page": "100"}


def test_a_comment_already_deleted_is_no_error(httpserver: HTTPServer) -> None:
    fake = FakeGitHub(httpserver)
    with client(fake) as gh:
        assert gh.delete_review_comment(REPO, 9) is False
    assert len(fake.requests("DELETE", f"/repos/{REPO}/pulls/comments/9")) == 1


def test_an_answer_that_is_no_object_is_an_error(httpserver: HTTPServer) -> None:
    fake = FakeGitHub(httpserver)
    fake.route("GET", PULL, body=["not", "a", "pull"], unlike_github="a broken answer")
    with client(fake) as gh, pytest.raises(GitHubError, match="not a JSON object"):
        gh.get_pull(REPO, 7)


def test_a_repository_that_could_leave_the_path_is_refused_before_any_call(
    httpserver: HTTPServer,
) -> None:
    fake = FakeGitHub(httpserver)
    with client(fake) as gh, pytest.raises(InputError, match="owner/name"):
        gh.list_reviews("octo/../../user", 7)
    assert fake.log == []
