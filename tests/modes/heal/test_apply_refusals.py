"""What the trusted job refuses, through `main()`: an artifact for another head, pull
request or repository, a patch heal's rules refuse, a run that is no pull request's. Each
refusal is one `::error::` (exit 2) with nothing pushed, nothing posted and nothing run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.actions import assert_input_error
from tests.apply_helpers import FORK, Scene
from tests.heal_helpers import REPO


@pytest.fixture(params=[False, True], ids=["same-repo", "fork"])
def scene(request: pytest.FixtureRequest, new_scene: Callable[[bool], Scene]) -> Scene:
    return new_scene(bool(request.param))


def _event(**changes: Any) -> Callable[[Scene], None]:
    def change(s: Scene) -> None:
        s.pr.run_event_changes = changes

    return change


def _forged(edits: dict[str, Any] | None = None, **fields: Any) -> Callable[[Scene], None]:
    def change(s: Scene) -> None:
        s.forge(edits, **fields)

    return change


def _tampered(s: Scene) -> None:
    patch = s.artifact / "fix.patch"
    patch.write_text(patch.read_text().replace("+y = 2", "+y = 3"))


REFUSED: list[tuple[str, Callable[[Scene], None], dict[str, str], str]] = [
    (
        "made-for-another-head",
        _forged(head_sha="e" * 40),
        {},
        "its head commit is 'eeeeeeee",
    ),
    ("run-of-another-head", _event(head_sha="e" * 40), {}, "where GitHub says 'eeeeeeee"),
    (
        "names-another-pull-request",
        _forged(pull_request=8),
        {},
        "pull request #8",
    ),
    (
        "names-another-repository",
        _forged(repository="other-org/octo-repo"),
        {},
        "its repository is 'other-org/octo-repo'",
    ),
    (
        "names-another-branch",
        _forged(head_ref="main"),
        {},
        "its head branch is 'main'",
    ),
    (
        "workflow-file",
        _forged({".github/workflows/ci.yml": "on: pull_request_target\n"}),
        {},
        "The patch changes workflow files (`.github/workflows/ci.yml`",
    ),
    (
        "over-max-diff-lines",
        lambda s: None,
        {"max_diff_lines": "6"},
        "more than `max-diff-lines` (6)",
    ),
    (
        "binary-file",
        _forged({"logo.png": bytes(range(256))}),
        {},
        "The patch changes 1 binary file(s): `logo.png`",
    ),
    ("push-run", _event(event="push"), {}, "is a `push` run, not a pull request's"),
    ("tampered-patch", _tampered, {}, "does not match the manifest's sha256 digest"),
]


@pytest.mark.parametrize(
    ("change", "inputs", "message"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_a_refused_artifact_changes_nothing(
    scene: Scene,
    capsys: pytest.CaptureFixture[str],
    change: Callable[[Scene], None],
    inputs: dict[str, str],
    message: str,
) -> None:
    pr = scene.pr
    refs = pr.remote_refs()
    change(scene)
    r = scene.apply(capsys, **inputs)
    error = assert_input_error(r)
    assert message in error, error
    assert pr.remote_refs() == refs  # nothing pushed, on any branch
    assert scene.posted() == [] and scene.writes() == []  # nothing posted or changed
    assert pr.trusted_ran_code() == []
    assert scene.reviews.reviews == []


def test_the_pull_request_of_another_repository_is_refused(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub's answer for the number names another base: the artifact is not ours."""
    refs = scene.pr.remote_refs()
    scene.reviews.repo = "other-org/octo-repo"
    r = scene.apply(capsys)
    assert "its repository is 'octo-org/octo-repo', where GitHub says 'other-org" in (
        assert_input_error(r)
    )
    assert scene.pr.remote_refs() == refs and scene.posted() == []


def test_a_closed_pull_request_is_skipped(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    refs = scene.pr.remote_refs()
    scene.reviews.state = "closed"
    r = scene.apply(capsys)
    assert r.code == 0 and r.outputs["status"] == "SKIPPED", r.out
    assert "pull request #7 is `closed`" in r.summary
    assert scene.pr.remote_refs() == refs and scene.posted() == []


def test_only_a_workflow_run_applies_an_artifact(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    actions = scene.pr.trusted_job(scene.fake.api_url, scene.artifact)
    actions.set_event(scene.pr.event(), "pull_request_target")
    r = actions.run(capsys)
    assert "is set in a `pull_request_target` run" in assert_input_error(r, "apply-patch")
    assert scene.fake.log == []


def test_the_head_repository_must_be_the_runs(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    other = REPO if scene.pr.fork else FORK
    scene.pr.run_event_changes = {"head_repository": {"full_name": other}}
    r = scene.apply(capsys)
    assert "its head repository is" in assert_input_error(r)
    assert scene.fake.log == []  # refused from the event alone, before asking GitHub
