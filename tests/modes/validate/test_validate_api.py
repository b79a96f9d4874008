"""validate against a fake GitHub API (`responses`): commit status, PR comment, duplicates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from autoheal.markers import COMMENT_MARKER, STATUS_CONTEXT
from tests.actions import TOKEN, ActionsEnv, Run
from tests.fakes import ACTIONS_BOT, STRANGER, as_github_actions
from tests.markdown_check import assert_inert, code_spans, one_line
from tests.validate_helpers import break_checks, heal_payload, sample_repo, set_dispatch, use_checks

API = "https://api.github.com/repos/octo-org/octo-repo"
RUN_URL = "https://github.com/octo-org/octo-repo/actions/runs/1234"


class FakeGitHub:
    """Commit statuses and issue comments of one repository, kept in memory."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.next_id = 100
        self.writes: list[tuple[str, str]] = []
        as_github_actions(mock)
        mock.add_callback(
            "GET", re.compile(rf"{API}/commits/(\w+)/statuses(\?.*)?$"), self.list_statuses
        )
        mock.add_callback("POST", re.compile(rf"{API}/statuses/(\w+)$"), self.create_status)
        mock.add_callback(
            "GET", re.compile(rf"{API}/issues/(\d+)/comments(\?.*)?$"), self.list_comments
        )
        mock.add_callback("POST", re.compile(rf"{API}/issues/(\d+)/comments$"), self.create_comment)
        mock.add_callback("PATCH", re.compile(rf"{API}/issues/comments/(\d+)$"), self.edit_comment)

    @staticmethod
    def _part(request: requests.PreparedRequest, pattern: str) -> str:
        match = re.search(pattern, str(request.url))
        assert match is not None
        return match.group(1)

    @staticmethod
    def _json(request: requests.PreparedRequest) -> dict[str, Any]:
        body = request.body or b"{}"
        data = json.loads(body if isinstance(body, (str, bytes)) else b"{}")
        assert isinstance(data, dict)
        return data

    def list_statuses(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sha = self._part(request, r"/commits/(\w+)/")
        # GitHub lists a commit's statuses newest first.
        return 200, {}, json.dumps(list(reversed(self.statuses.get(sha, []))))

    def create_status(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        sha = self._part(request, r"/statuses/(\w+)$")
        status = {"id": len(self.writes) + 1, **self._json(request), "creator": ACTIONS_BOT}
        self.statuses.setdefault(sha, []).append(status)
        self.writes.append(("status", sha))
        return 201, {}, json.dumps(status)

    def list_comments(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        pr = int(self._part(request, r"/issues/(\d+)/"))
        return 200, {}, json.dumps(self.comments.get(pr, []))

    def create_comment(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        pr = int(self._part(request, r"/issues/(\d+)/"))
        self.next_id += 1
        url = f"https://github.com/octo-org/octo-repo/pull/{pr}#issuecomment-{self.next_id}"
        comment = {"id": self.next_id, "body": self._json(request)["body"], "html_url": url}
        comment["user"] = ACTIONS_BOT
        self.comments.setdefault(pr, []).append(comment)
        self.writes.append(("comment-create", str(pr)))
        return 201, {}, json.dumps(comment)

    def edit_comment(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        cid = int(self._part(request, r"/comments/(\d+)$"))
        for comment in (c for cs in self.comments.values() for c in cs):
            if comment["id"] == cid:
                comment["body"] = self._json(request)["body"]
                self.writes.append(("comment-edit", str(cid)))
                return 200, {}, json.dumps(comment)
        return 404, {}, json.dumps({"message": "Not Found"})


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def github(mock: responses.RequestsMock) -> FakeGitHub:
    return FakeGitHub(mock)


def broken_heal(actions: ActionsEnv, *, pr: int | None = 7, dispatch: str = "") -> str:
    """A heal commit whose build and test fail (score 25, CRITICAL), dispatched to validate:
    rollback required, unless it is a pull request's (`pr`)."""
    repos = sample_repo(actions.tmp)
    sha = break_checks(repos, "build", "test")
    use_checks(actions, repos.clone("ci", depth=1), token=TOKEN)
    data = heal_payload(sha, pr=pr)
    if dispatch:
        data["dispatch_id"] = dispatch
    set_dispatch(actions, data)
    return sha


def assert_no_token(run: Run) -> None:
    for line in run.out.splitlines() + run.err.splitlines():
        if not line.startswith("::add-mask::"):
            assert TOKEN not in line
    assert TOKEN not in run.summary
    assert all(TOKEN not in value for value in run.outputs.values())


def test_posts_status_and_creates_the_comment(
    actions: ActionsEnv, capsys: Any, github: FakeGitHub, mock: responses.RequestsMock
) -> None:
    sha = broken_heal(actions)

    run = actions.run(capsys)

    assert run.code == 0, run.out
    # CRITICAL, but a pull request's commit: never rolled back, its author fixes the branch.
    assert run.outputs["status"] == "CRITICAL"
    assert run.outputs["rollback-required"] == "false"
    [status] = github.statuses[sha]
    dispatch = f"octo-org/octo-repo/4242/1/{sha[:12]}"
    assert status == {
        "id": 1,
        "state": "failure",
        "context": STATUS_CONTEXT,
        "description": f"dispatch {dispatch}: score 25 (CRITICAL), no rollback",
        "target_url": RUN_URL,
        "creator": ACTIONS_BOT,
    }
    [comment] = github.comments[7]
    assert COMMENT_MARKER in comment["body"]
    assert "**CRITICAL**: effectiveness **25**/100" in comment["body"]
    assert "Score 25/100 = confidence 20" in comment["body"]
    assert "a pull request (`#7`) and a pull request is never rolled back" in comment["body"]
    assert "pull request is never rolled back" in run.summary
    assert RUN_URL in comment["body"]
    assert "Pull request comment updated" in run.summary
    auth = {c.request.headers.get("Authorization") for c in mock.calls}
    assert auth == {f"Bearer {TOKEN}"}
    assert_no_token(run)


def test_duplicate_dispatch_reports_the_first_decision(
    actions: ActionsEnv, capsys: Any, github: FakeGitHub, mock: responses.RequestsMock
) -> None:
    sha = broken_heal(actions, pr=None)
    first = actions.run(capsys)
    assert first.outputs["rollback-required"] == "true"
    writes = list(github.writes)
    calls = len(mock.calls)
    actions.output.write_text("")
    actions.summary.write_text("")

    second = actions.run(capsys)

    assert second.code == 0, second.out
    assert github.writes == writes  # no new status, no comment
    new_calls = [(c.request.method, c.request.url) for c in mock.calls[calls:]]
    # The statuses, then whose the decision is (GET /user, GraphQL's viewer): reads only.
    assert [method for method, _ in new_calls] == ["GET", "GET", "POST"]
    assert "/statuses" in str(new_calls[0][1])
    assert [str(url) for _, url in new_calls[1:]] == [
        "https://api.github.com/user",
        "https://api.github.com/graphql",
    ]
    assert second.outputs["rollback-required"] == "false"
    assert second.outputs["status"] == "SKIPPED"
    assert second.outputs["effectiveness-score"] == "25"
    assert second.outputs["sha"] == sha
    dispatch = f"octo-org/octo-repo/4242/1/{sha[:12]}"
    assert f"Duplicate delivery of dispatch `{dispatch}`: first decision was" in second.summary
    assert "rollback required" in second.summary
    assert_no_token(second)


def test_new_dispatch_updates_the_comment_in_place(
    actions: ActionsEnv, capsys: Any, github: FakeGitHub
) -> None:
    sha = broken_heal(actions, dispatch="d-1")
    actions.run(capsys)
    set_dispatch(actions, heal_payload(sha, pr=7, dispatch_id="d-2", confidence=100))

    run = actions.run(capsys)

    assert run.code == 0, run.out
    assert [w[0] for w in github.writes] == [
        "status",
        "comment-create",
        "status",
        "comment-edit",
    ]
    [comment] = github.comments[7]
    assert "`d-2`" in comment["body"]
    # Heal claimed 100, but validate measured 20 at this sha (build and test fail): the lower
    # counts, and the failing critical checks cap the score. It once read HEALTHY 100.
    assert "effectiveness **25**/100" in comment["body"]
    assert "validate's own 20, lower than heal's 100 from the dispatch payload" in (comment["body"])
    descriptions = [s["description"] for s in github.statuses[sha]]
    assert descriptions == [
        "dispatch d-1: score 25 (CRITICAL), no rollback",
        "dispatch d-2: score 25 (CRITICAL), no rollback",
    ]
    assert github.statuses[sha][1]["state"] == "failure"
    assert run.outputs["confidence"] == "20"
    assert "heal claimed 100, validate measured 20: the lower counts" in run.summary
    assert_no_token(run)


def test_other_statuses_are_not_duplicates(
    actions: ActionsEnv, capsys: Any, github: FakeGitHub
) -> None:
    sha = broken_heal(actions, pr=None, dispatch="d-1")
    github.statuses[sha] = [
        {"context": "ci/other", "state": "success", "description": "dispatch d-1: score 99 (X)"},
        {"context": STATUS_CONTEXT, "state": "success", "description": "dispatch d-10: score 99"},
        {"context": STATUS_CONTEXT, "state": "pending", "description": "dispatch d-1: running"},
    ]

    run = actions.run(capsys)

    assert run.outputs["status"] == "CRITICAL"
    assert run.outputs["rollback-required"] == "true"
    assert ("status", sha) in github.writes


def test_dry_run_writes_nothing(
    actions: ActionsEnv, capsys: Any, github: FakeGitHub, mock: responses.RequestsMock
) -> None:
    broken_heal(actions)
    actions.inputs(dry_run="true")

    run = actions.run(capsys)

    assert run.code == 0, run.out
    assert github.writes == []
    assert {c.request.method for c in mock.calls} <= {"GET"}
    assert "Dry run: would set commit status `failure`: dispatch" in run.summary
    assert "Dry run: would update the comment on pull request #7" in run.summary
    assert "Dry run: comment that would be posted" in run.out
    assert run.outputs["rollback-required"] == "false"  # pull request #7: never rolled back


def test_without_token_notice_and_skip(
    actions: ActionsEnv, capsys: Any, mock: responses.RequestsMock
) -> None:
    broken_heal(actions, pr=None)
    del actions.env["INPUT_TOKEN"]

    run = actions.run(capsys)

    assert run.code == 0, run.out
    assert list(mock.calls) == []
    assert "::notice::No token: no check for a duplicate delivery" in run.out
    assert "skipped (no token)" in run.summary
    assert run.outputs["rollback-required"] == "true"


def test_without_token_fails_with_fail_on_error(
    actions: ActionsEnv, capsys: Any, mock: responses.RequestsMock
) -> None:
    broken_heal(actions)
    del actions.env["INPUT_TOKEN"]
    actions.inputs(fail_on_error="true")

    run = actions.run(capsys)

    assert run.code == 1
    assert "No token to post the validation outcome" in run.out


def test_post_status_and_comment_can_be_turned_off(
    actions: ActionsEnv, capsys: Any, github: FakeGitHub
) -> None:
    sha = broken_heal(actions)
    actions.inputs(post_status="false", comment="false")

    run = actions.run(capsys)

    assert run.code == 0, run.out
    assert github.writes == []
    assert sha not in github.statuses
    assert "not posted (`post-status: false`)" in run.summary


def test_api_refusal_is_a_warning(
    actions: ActionsEnv, capsys: Any, mock: responses.RequestsMock
) -> None:
    sha = broken_heal(actions, pr=None)
    mock.add("GET", f"{API}/commits/{sha}/statuses", json=[])
    denied = {"message": "Resource not accessible by integration"}
    mock.add("POST", f"{API}/statuses/{sha}", status=403, json=denied)

    run = actions.run(capsys)

    assert run.code == 0, run.out
    assert "::warning::Cannot post the commit status" in run.out
    assert "Commit status: failed" in run.summary
    assert run.outputs["rollback-required"] == "true"
    assert_no_token(run)

    actions.inputs(fail_on_error="true")
    run = actions.run(capsys)
    assert run.code == 1
    assert "Cannot post the commit status" in run.out
    assert run.outputs["rollback-required"] == "true"  # the decision is still there
    assert run.summary.count("### Rollback Safety Status") == 2  # both runs' evaluations


def test_pr_number_from_the_payload(actions: ActionsEnv, capsys: Any, github: FakeGitHub) -> None:
    broken_heal(actions, pr=None)

    run = actions.run(capsys)

    assert github.comments == {}
    assert "Pull request comment: none" in run.summary


@pytest.mark.parametrize(
    ("status", "said"),
    [(500, "Server Error"), (403, "Resource not accessible by integration")],
    ids=["500", "403"],
)
def test_unreadable_decision_record_never_requests_a_rollback(
    actions: ActionsEnv,
    capsys: Any,
    mock: responses.RequestsMock,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    said: str,
) -> None:
    # Without the first delivery's record, this could be a second delivery of a dispatch
    # that already asked for a rollback: asking again is how a commit gets reverted twice.
    from autoheal.github import retries

    monkeypatch.setattr(retries, "BACKOFF_BASE", 0.0)  # the 500's retries take no time
    sha = broken_heal(actions, pr=None)
    mock.add("GET", f"{API}/commits/{sha}/statuses", status=status, json={"message": said})
    posted = mock.add("POST", f"{API}/statuses/{sha}", status=201, json={"id": 1})

    run = actions.run(capsys)

    assert run.code == 0, run.out
    assert run.outputs["rollback-required"] == "false"
    assert run.outputs["status"] == "CRITICAL"  # the evaluation itself is reported
    warnings = [line for line in run.out.splitlines() if line.startswith("::warning")]
    assert any(
        f"Cannot read the commit statuses of {sha}" in w and "no rollback is requested" in w
        for w in warnings
    ), warnings
    assert "no rollback is requested" in run.summary
    # The record now says what this run output, so a later delivery reports it.
    if posted.call_count:
        description = json.loads(mock.calls[-1].request.body or b"{}")["description"]
        assert description.endswith("no rollback")
    assert_no_token(run)

    actions.inputs(fail_on_error="true")
    run = actions.run(capsys)
    assert run.code == 1
    assert run.outputs.get("rollback-required") != "true"


def test_a_decision_someone_else_recorded_is_not_taken_for_ours(
    actions: ActionsEnv, capsys: Any, github: FakeGitHub
) -> None:
    # Anyone with statuses: write can post a status named like ours; it decides nothing.
    sha = broken_heal(actions, dispatch="d-1", pr=None)  # a pull request is never rolled back
    fake = "dispatch d-1: score 99 (HEALTHY), no rollback"
    github.statuses[sha] = [
        {"context": STATUS_CONTEXT, "state": "success", "description": fake, "creator": STRANGER}
    ]

    run = actions.run(capsys)

    assert run.outputs["status"] == "CRITICAL"
    assert run.outputs["rollback-required"] == "true"
    assert ("status", sha) in github.writes


def test_a_hostile_dispatch_id_stays_inert_and_cannot_pass_for_another_dispatch(
    actions: ActionsEnv, capsys: Any, github: FakeGitHub
) -> None:
    """The sender writes the dispatch id. Quoted in the comment and the summary it stays text;
    in the commit status (read back to spot a duplicate delivery) it is recorded as a hash, so
    an id made to look like another dispatch's record does not silence that dispatch."""
    sha = broken_heal(actions)
    legit = "run-1"
    hostile = f"{legit}: score 99 (HEALTHY), no rollback`@x|#1<b>--> [x](js:1)"  # one line
    assert len(hostile) <= 64  # short enough to be recorded as it is, before
    set_dispatch(actions, heal_payload(sha, dispatch_id=hostile, pr=7))
    first = actions.run(capsys)
    # A pull request's commit: CRITICAL, and never rolled back.
    assert first.outputs["status"] == "CRITICAL", first.out
    [status] = github.statuses[sha]
    assert re.fullmatch(
        r"dispatch sha256:[0-9a-f]{16}: score 25 \(CRITICAL\), no rollback",
        status["description"],
    )
    [comment] = github.comments[7]
    for markdown in (comment["body"], first.summary):
        assert_inert(markdown, links=(RUN_URL, comment["html_url"]))
    assert one_line(hostile) in code_spans(comment["body"].split(" · ")[-1])
    # The same id again is a duplicate; the id it imitates is a dispatch of its own.
    actions.summary.write_text("")
    assert actions.run(capsys).outputs["status"] == "SKIPPED"
    set_dispatch(actions, heal_payload(sha, dispatch_id=legit, pr=7))
    second = actions.run(capsys)
    assert second.outputs["status"] == "CRITICAL", second.out
