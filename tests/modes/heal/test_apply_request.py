"""`/autoheal fix` on a fork's pull request: the accept stage found the CI run that left the
`autoheal-fix` artifact, the job downloaded it, and heal runs with `apply-patch` under the same
`issue_comment` event. The commenter and the pull request are checked again, the artifact is
bound to the head GitHub reports now, and the fix is posted as suggestions; nothing of the pull
request runs. Through main(), with real git and the OpenAPI-checked fake GitHub."""

from __future__ import annotations

import pytest

from tests.actions import Run, assert_input_error
from tests.apply_helpers import FORK, Scene
from tests.request_helpers import STRANGER, PullSide, comment_event


def _requested(
    scene: Scene, capsys: pytest.CaptureFixture[str], **user: str
) -> tuple[Run, PullSide]:
    """heal with `apply-patch` in the `issue_comment` run of a `/autoheal fix` comment."""
    side = PullSide(scene.fake, scene.pr.repos, head_repo=FORK, serve_pull=False)
    actions = scene.pr.trusted_job(scene.fake.api_url, scene.artifact)
    actions.set_event(comment_event(user=dict(user) or None), "issue_comment")
    return actions.run(capsys), side


def test_a_writers_request_posts_the_forks_fix_as_suggestions(
    fork: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    refs = fork.pr.remote_refs()
    r, side = _requested(fork, capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SUGGESTED"
    [review] = fork.reviews.reviews
    assert r.outputs["review-url"] == review["html_url"]
    assert fork.reviews.comments_of(review)  # suggested changes on the pull request's lines
    assert side.reactions() == ["+1"]
    assert "suggested changes" in side.answer() and "**SUGGESTED**" in side.answer()
    assert fork.pr.remote_refs() == refs  # a fork's branch: nothing pushed
    assert fork.pr.trusted_ran_code() == []


def test_a_strangers_request_posts_nothing(fork: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    r, side = _requested(fork, capsys, **STRANGER)
    assert r.code == 0, r.out + r.err
    assert fork.reviews.reviews == []
    assert side.reactions() == ["-1"]
    assert "write access" in side.answer()
    assert fork.pr.trusted_ran_code() == []


def test_an_artifact_of_another_pull_request_is_refused(
    fork: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    fork.forge(pull_request=8)
    refs = fork.pr.remote_refs()
    r, side = _requested(fork, capsys)
    assert "names pull request #8, not #7" in assert_input_error(r)
    assert fork.reviews.reviews == [] and fork.pr.remote_refs() == refs
    assert side.reactions() == ["-1"]


def test_a_head_that_moved_on_is_skipped(fork: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    fork.reviews.head = "f" * 40  # someone pushed to the fork after its CI run
    r, side = _requested(fork, capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SKIPPED"
    assert "moved on" in r.summary
    assert fork.reviews.reviews == []
    assert side.reactions() == ["-1"] and "Nothing was posted" in side.answer()
