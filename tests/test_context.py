"""Context from GitHub's real event payloads (and edited copies for other cases)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from autoheal import context
from autoheal.errors import InputError
from tests.actions import load_event

ENV = {"GITHUB_REPOSITORY": "Codertocat/Hello-World"}


def ctx_for(tmp_path: Path, payload: dict[str, Any], **env: str) -> context.Context:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return context.load({**ENV, "GITHUB_EVENT_PATH": str(path), **env})


def test_push_new_branch_has_no_range(tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path, load_event("push.branch.json"), GITHUB_EVENT_NAME="push")
    assert ctx.push_before is None  # all-zero before: the branch was created
    assert ctx.push_after == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert ctx.branch == "master"
    assert ctx.default_branch == "master"
    assert ctx.pull_request is None


def test_push_with_range_and_force(tmp_path: Path) -> None:
    payload = load_event("push.branch.json")
    payload["before"] = "1" * 40
    payload["forced"] = True
    ctx = ctx_for(tmp_path, payload)
    assert (ctx.push_before, ctx.push_forced) == ("1" * 40, True)


def test_pull_request_same_repo(tmp_path: Path) -> None:
    ctx = ctx_for(
        tmp_path,
        load_event("pull_request.opened.json"),
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_REF="refs/pull/2/merge",
    )
    assert ctx.pull_request is not None
    assert ctx.pull_request.number == 2
    assert ctx.pull_request.is_fork is False
    assert ctx.branch == "changes"
    assert ctx.pr_number == 2


def test_pull_request_from_fork(tmp_path: Path) -> None:
    payload = load_event("pull_request.opened.json")
    payload["pull_request"]["head"]["repo"]["full_name"] = "forker/Hello-World"
    ctx = ctx_for(tmp_path, payload)
    assert ctx.pull_request is not None and ctx.pull_request.is_fork is True


def test_pull_request_whose_fork_was_deleted_counts_as_fork(tmp_path: Path) -> None:
    payload = load_event("pull_request.opened.json")
    payload["pull_request"]["head"]["repo"] = None
    ctx = ctx_for(tmp_path, payload)
    assert ctx.pull_request is not None and ctx.pull_request.is_fork is True


def test_workflow_run(tmp_path: Path) -> None:
    payload = load_event("workflow_run.completed.json")
    payload["workflow_run"]["conclusion"] = "failure"
    payload["workflow_run"]["run_attempt"] = 2
    payload["workflow_run"]["pull_requests"] = [{"number": 7}]
    ctx = ctx_for(tmp_path, payload, GITHUB_REPOSITORY="octo-org/octo-repo")
    run = ctx.workflow_run
    assert run is not None
    assert (run.id, run.attempt, run.conclusion, run.is_fork) == (289782451, 2, "failure", False)
    assert ctx.branch == "master"
    assert ctx.pr_number == 7


def test_repository_dispatch_client_payload(tmp_path: Path) -> None:
    payload = load_event("repository_dispatch.json")
    payload["client_payload"] = {"autoheal": {"version": 1, "sha": "a" * 40}}
    ctx = ctx_for(tmp_path, payload, GITHUB_REPOSITORY="octo-org/octo-repo")
    assert ctx.client_payload["autoheal"]["sha"] == "a" * 40


def test_workflow_dispatch(tmp_path: Path) -> None:
    ctx = ctx_for(
        tmp_path, load_event("workflow_dispatch.json"), GITHUB_EVENT_NAME="workflow_dispatch"
    )
    assert ctx.branch == "master"
    assert ctx.client_payload == {}
    assert ctx.payload["inputs"] == {"reason": "manual check"}


def test_no_event_file_outside_actions_is_fine() -> None:
    ctx = context.load({})
    assert ctx.payload == {} and ctx.branch is None and ctx.run_url == ""


def test_issue_comment_on_an_issue(tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path, load_event("issue_comment.created.json"))
    comment = ctx.issue_comment
    assert comment is not None
    assert (comment.action, comment.comment_id, comment.issue_number) == ("created", 492700400, 1)
    assert (comment.author, comment.author_type) == ("Codertocat", "User")
    assert comment.body.startswith("You are totally right!")
    assert comment.on_pull_request is False
    assert ctx.pull_request is None and ctx.pr_number is None


def test_issue_comment_on_a_pull_request(tmp_path: Path) -> None:
    payload = load_event("issue_comment.created.json")
    payload["issue"]["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/1"}
    ctx = ctx_for(tmp_path, payload)
    assert ctx.issue_comment is not None and ctx.issue_comment.on_pull_request is True


def test_issue_comment_fields_of_the_wrong_type_are_named(tmp_path: Path) -> None:
    for where, edit in (
        ("comment.id", lambda p: p["comment"].update(id="12")),
        ("comment.body", lambda p: p["comment"].update(body=["/autoheal fix"])),
        ("comment.user", lambda p: p["comment"].update(user="octocat")),
        ("issue.number", lambda p: p["issue"].update(number=True)),
    ):
        payload = load_event("issue_comment.created.json")
        edit(payload)
        with pytest.raises(InputError, match=f"`{where}` is"):
            ctx_for(tmp_path, payload)
