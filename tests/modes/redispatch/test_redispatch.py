"""redispatch through `main()`: real event payloads, the API faked with `responses`.

Time is injected (`FakeClock`), so retries and waits take no real time. Every scenario also
checks that the token never leaks (`assert_no_token`).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import ProtocolError

from autoheal.markers import COMMENT_MARKER
from autoheal.modes.redispatch import waiting
from autoheal.snippets import redispatch_step
from tests.actions import TOKEN, ActionsEnv, Run, assert_input_error, load_event
from tests.fakes import ACTIONS_BOT, STRANGER, FakeClock, as_github_actions
from tests.markdown_check import ZWSP, assert_inert, code_spans, shown
from tests.troubleshooting import annotation_text, assert_documented

REPO = "octo-org/octo-repo"
API = "https://api.github.com"
DISPATCHES = f"{API}/repos/{REPO}/dispatches"
PUSH_SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
PUSH_ID = f"{REPO}/1234/1/{PUSH_SHA[:12]}"
PR_REPO = "Codertocat/Hello-World"
PR_SHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
RUN_SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"


def assert_no_token(run: Run) -> None:
    """The token may appear only in the `::add-mask::` line the runner needs."""
    out = "\n".join(line for line in run.out.splitlines() if not line.startswith("::add-mask::"))
    for where, text in (
        ("stdout", out),
        ("stderr", run.err),
        ("outputs", repr(run.outputs)),
        ("summary", run.summary),
    ):
        assert TOKEN not in text, f"token leaked in {where}"


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(waiting, "clock", fake.time)
    monkeypatch.setattr(waiting, "sleep", fake.sleep)
    return fake


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def env(actions: ActionsEnv, fake_time: FakeClock) -> ActionsEnv:
    actions.inputs(mode="redispatch", token=TOKEN)
    # Debug lines too must never show the token (`assert_no_token` reads all of stdout).
    actions.env["RUNNER_DEBUG"] = "1"
    return actions


def posts(rsps: responses.RequestsMock, url: str = DISPATCHES) -> list[dict[str, Any]]:
    """Bodies of the POSTs sent to `url`, parsed."""
    return [
        json.loads(call.request.body or b"{}")
        for call in rsps.calls
        if call.request.method == "POST" and call.request.url == url
    ]


def own_pull_request() -> dict[str, Any]:
    """GitHub's pull_request payload, for a branch of REPO itself (not a fork's)."""
    event = load_event("pull_request.opened.json")
    event["pull_request"]["head"]["repo"]["full_name"] = REPO
    return event


def errors(run: Run) -> list[str]:
    return [line for line in run.out.splitlines() if line.startswith("::error")]


def warnings(run: Run) -> list[str]:
    return [line for line in run.out.splitlines() if line.startswith("::warning")]


# --------------------------------------------------------------------------------------------
# The full mode on push, pull_request and workflow_run events
# --------------------------------------------------------------------------------------------


def test_push_sends_the_exact_body_and_reports(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    rsps.post(DISPATCHES, status=204)
    env.inputs(confidence="64", client_payload='{"env": "prod"}')

    run = env.run(capsys)

    assert run.code == 0, run.out
    assert posts(rsps) == [
        {
            "event_type": "post-remediation-check",
            "client_payload": {
                "autoheal": {
                    "dispatch_id": PUSH_ID,
                    "sha": PUSH_SHA,
                    "ref": "refs/heads/main",
                    "repository": REPO,
                    "source_run_id": "1234",
                    "source_run_attempt": "1",
                    "pr": None,
                    "confidence": 64,
                    "checks": {},
                    "before": None,
                    "version": 1,
                },
                "env": "prod",
            },
        }
    ]
    request = rsps.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert run.outputs["dispatched"] == "true"
    assert run.outputs["http-status"] == "204"
    assert run.outputs["dispatch-id"] == PUSH_ID
    assert run.outputs["attempts"] == "1"
    assert run.outputs["duration-ms"].isdigit()
    assert run.outputs["status"] == "DISPATCHED"
    assert "validation-run-url" not in run.outputs
    assert f"| {REPO} | post-remediation-check | `{PUSH_ID}` |" in run.summary
    assert "✅ 204 dispatched" in run.summary
    assert '"env": "prod"' in run.summary  # the body sent, for the record
    assert len(rsps.calls) == 1  # no label or comment: a push has no pull request
    assert errors(run) == []
    assert_no_token(run)


class FakeComments:
    """A pull request's labels and comments, kept between two runs."""

    def __init__(self, rsps: responses.RequestsMock, repo: str, number: int) -> None:
        self.comments: list[dict[str, Any]] = []
        self.labels: list[list[str]] = []
        base = f"{API}/repos/{repo}/issues"
        as_github_actions(rsps)
        rsps.add_callback("GET", f"{base}/{number}/comments", self._list)
        rsps.add_callback("POST", f"{base}/{number}/comments", self._create)
        rsps.add_callback("POST", f"{base}/{number}/labels", self._label)
        rsps.add_callback("PATCH", f"{base}/comments/901", self._update)

    def _list(self, request: Any) -> tuple[int, dict[str, str], str]:
        return 200, {}, json.dumps(self.comments)

    def _create(self, request: Any) -> tuple[int, dict[str, str], str]:
        comment = {"id": 901 + len(self.comments), "body": json.loads(request.body)["body"]}
        comment["user"] = ACTIONS_BOT  # GitHub names the token's account
        comment["html_url"] = f"https://github.com/x/pull/2#issuecomment-{comment['id']}"
        self.comments.append(comment)
        return 201, {}, json.dumps(comment)

    def _update(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.comments[0]["body"] = json.loads(request.body)["body"]
        return 200, {}, json.dumps(self.comments[0])

    def _label(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.labels.append(json.loads(request.body)["labels"])
        return 200, {}, json.dumps([{"name": n} for n in self.labels[-1]])


def test_a_strangers_comment_with_our_marker_is_left_alone_and_ours_is_posted(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    # Anyone who can comment can paste the hidden marker; their text must stay theirs.
    env.set_event(own_pull_request(), "pull_request")
    rsps.post(DISPATCHES, status=204)
    pr = FakeComments(rsps, REPO, 2)
    theirs = f"Approved, merge at will @org/admins\n\n{COMMENT_MARKER}\n"
    pr.comments.append({"id": 900, "user": STRANGER, "body": theirs})

    run = env.run(capsys)

    assert run.code == 0, run.out
    assert pr.comments[0] == {"id": 900, "user": STRANGER, "body": theirs}  # untouched
    assert len(pr.comments) == 2
    assert pr.comments[1]["user"] == ACTIONS_BOT
    assert "validation requested" in pr.comments[1]["body"]
    assert not [c for c in rsps.calls if c.request.method == "PATCH"]
    assert errors(run) == [] and warnings(run) == []
    assert_no_token(run)


def ours_for(repo: str, run_id: str, sha: str, ref: str, pr: int | None) -> dict[str, Any]:
    """Our key of the payload, as GitHub receives it, for a run without heal inputs."""
    return {
        "dispatch_id": f"{repo}/{run_id}/1/{sha[:12]}",
        "sha": sha,
        "ref": ref,
        "repository": repo,
        "source_run_id": run_id,
        "source_run_attempt": "1",
        "pr": pr,
        "confidence": None,
        "checks": {},
        "before": None,
        "version": 1,
    }


def test_pull_request_labels_and_keeps_one_comment_updated_in_place(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.set_event("pull_request.opened.json", "pull_request")
    env.env["GITHUB_REPOSITORY"] = PR_REPO
    env.env["GITHUB_REF"] = "refs/pull/2/merge"
    env.env["GITHUB_SHA"] = "f" * 40  # the merge commit: must not be what is validated
    dispatches = f"{API}/repos/{PR_REPO}/dispatches"
    rsps.post(dispatches, status=204)
    pr = FakeComments(rsps, PR_REPO, 2)

    first = env.run(capsys)
    env.env["GITHUB_RUN_ID"] = "1235"  # a later run on the same pull request
    second = env.run(capsys)

    assert (first.code, second.code) == (0, 0), first.out + second.out
    assert posts(rsps, dispatches) == [
        {
            "event_type": "post-remediation-check",
            "client_payload": {
                "autoheal": ours_for(PR_REPO, run_id, PR_SHA, "refs/heads/changes", 2)
            },
        }
        for run_id in ("1234", "1235")
    ]
    for run, run_id in ((first, "1234"), (second, "1235")):
        dispatch_id = f"{PR_REPO}/{run_id}/1/{PR_SHA[:12]}"
        assert run.outputs["dispatched"] == "true"
        assert run.outputs["http-status"] == "204"
        assert run.outputs["dispatch-id"] == dispatch_id
        assert run.outputs["attempts"] == "1"
        assert run.outputs["status"] == "DISPATCHED"
        assert f"| {PR_REPO} | post-remediation-check | `{dispatch_id}` |" in run.summary
        assert "✅ 204 dispatched" in run.summary
        assert errors(run) == [] and warnings(run) == []
    assert pr.labels == [["autoheal:revalidating"], ["autoheal:revalidating"]]
    assert len(pr.comments) == 1  # created once, then updated in place
    body = pr.comments[0]["body"]
    assert body.count(COMMENT_MARKER) == 1
    assert f"{PR_REPO}/1235/1/{PR_SHA[:12]}" in body  # the second run's dispatch
    assert f"{PR_REPO}/1234/1/" not in body
    assert PR_SHA in body
    assert "post-remediation-check" in body
    assert f"https://github.com/{PR_REPO}/actions/runs/1235" in body
    methods = [c.request.method for c in rsps.calls if "/comments" in c.request.url]
    assert methods == ["GET", "POST", "GET", "PATCH"]
    assert_no_token(first)
    assert_no_token(second)


def test_pull_request_label_and_comment_can_be_turned_off(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.set_event(own_pull_request(), "pull_request")
    env.inputs(label="none", comment="false", repository=REPO)
    rsps.post(DISPATCHES, status=204)

    run = env.run(capsys)

    assert run.code == 0
    assert [c.request.url for c in rsps.calls] == [DISPATCHES]


def test_workflow_run_uses_the_run_head_sha_and_labels_its_pull_request(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    event = load_event("workflow_run.completed.json")
    event["workflow_run"]["conclusion"] = "failure"
    event["workflow_run"]["pull_requests"] = [{"number": 7, "id": 1, "url": "x"}]
    env.set_event(event, "workflow_run")
    rsps.post(DISPATCHES, status=204)
    pr = FakeComments(rsps, REPO, 7)
    older = f"An older dispatch.\n\n{COMMENT_MARKER}\n"
    pr.comments.append({"id": 901, "user": ACTIONS_BOT, "body": older})

    run = env.run(capsys)

    assert run.code == 0, run.out
    dispatch_id = f"{REPO}/1234/1/{RUN_SHA[:12]}"
    # The run's head sha and branch, not GITHUB_SHA (the default branch's tip).
    assert posts(rsps) == [
        {
            "event_type": "post-remediation-check",
            "client_payload": {"autoheal": ours_for(REPO, "1234", RUN_SHA, "refs/heads/master", 7)},
        }
    ]
    assert run.outputs["dispatched"] == "true"
    assert run.outputs["http-status"] == "204"
    assert run.outputs["dispatch-id"] == dispatch_id
    assert run.outputs["attempts"] == "1"
    assert run.outputs["status"] == "DISPATCHED"
    assert (
        f"| {REPO} | post-remediation-check | `{dispatch_id}` | `{RUN_SHA[:12]}` |" in run.summary
    )
    assert pr.labels == [["autoheal:revalidating"]]
    assert len(pr.comments) == 1  # the marked comment was updated, no second one
    assert dispatch_id in pr.comments[0]["body"]
    assert "An older dispatch" not in pr.comments[0]["body"]
    assert errors(run) == [] and warnings(run) == []
    assert_no_token(run)


def push_run_event() -> dict[str, Any]:
    """heal after CI: a failed `workflow_run` of a push to master (run 163 of workflow 2823525)."""
    event = load_event("workflow_run.completed.json")
    event["workflow_run"].update(conclusion="failure", event="push", pull_requests=[])
    return event


CI_RUNS = f"{API}/repos/{REPO}/actions/workflows/2823525/runs"


def run_entry(number: int, sha: str) -> dict[str, Any]:
    return {"id": 1000 + number, "run_number": number, "head_sha": sha, "event": "push"}


def test_workflow_run_of_a_push_carries_where_the_push_started(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    """A workflow_run event has no `before`: the CI workflow's previous push run on the branch
    tested the commit this push started from, and rollback needs it to bisect the push."""
    env.set_event(push_run_event(), "workflow_run")
    started_from = "b" * 40
    listed = [
        run_entry(164, "c" * 40),  # a later push: not ours to know about
        run_entry(163, RUN_SHA),  # this run
        run_entry(162, started_from),
        run_entry(161, "a" * 40),
        {"run_number": 160, "head_sha": "not a sha"},
    ]
    rsps.get(CI_RUNS, json={"total_count": 5, "workflow_runs": listed})
    rsps.post(DISPATCHES, status=204)

    run = env.run(capsys)

    assert run.code == 0, run.out
    [sent] = posts(rsps)
    assert sent["client_payload"]["autoheal"]["before"] == started_from
    [listing] = [c.request for c in rsps.calls if c.request.method == "GET"]
    assert listing.params == {"branch": "master", "event": "push", "per_page": "30"}
    assert f'"before": "{started_from}"' in run.summary
    assert errors(run) == [] and warnings(run) == []
    assert_no_token(run)


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        pytest.param(
            {"status": 403, "json": {"message": "Resource not accessible by integration"}},
            "::warning title=Push start unknown::Cannot read the earlier runs of the CI workflow",
            id="no-actions-read",
        ),
        pytest.param(
            {"json": {"total_count": 1, "workflow_runs": [run_entry(163, RUN_SHA)]}},
            "::notice::No earlier push run of the CI workflow on `master`",
            id="first-run",
        ),
    ],
)
def test_workflow_run_push_start_unknown_still_dispatches(
    env: ActionsEnv,
    rsps: responses.RequestsMock,
    capsys: pytest.CaptureFixture[str],
    answer: dict[str, Any],
    said: str,
) -> None:
    env.set_event(push_run_event(), "workflow_run")
    rsps.get(CI_RUNS, **answer)
    rsps.post(DISPATCHES, status=204)

    run = env.run(capsys)

    assert run.code == 0, run.out
    [sent] = posts(rsps)
    assert sent["client_payload"]["autoheal"]["before"] is None
    assert said in run.out
    assert run.outputs["status"] == "DISPATCHED"
    assert_no_token(run)


def test_sha_input_wins(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.inputs(sha="A" * 40, event_type="heal-check")
    rsps.post(DISPATCHES, status=204)

    run = env.run(capsys)

    assert run.code == 0
    body = posts(rsps)[0]
    assert body["event_type"] == "heal-check"
    assert body["client_payload"]["autoheal"]["sha"] == "a" * 40


def test_missing_sha_is_a_clear_input_error(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.env["GITHUB_SHA"] = ""

    run = env.run(capsys)

    assert run.code == 2
    assert "not a full 40-character commit SHA" in errors(run)[0]
    assert "`sha:`" in run.summary
    assert len(rsps.calls) == 0
    assert_documented(annotation_text(errors(run)[0]), "No commit to validate: …")


def test_ghes_api_url_is_used(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.env["GITHUB_API_URL"] = "https://ghe.example.com/api/v3"
    rsps.post(f"https://ghe.example.com/api/v3/repos/{REPO}/dispatches", status=204)

    run = env.run(capsys)

    assert run.code == 0, run.out
    assert run.outputs["dispatched"] == "true"


# --------------------------------------------------------------------------------------------
# Every HTTP outcome
# --------------------------------------------------------------------------------------------

FAILURES = [
    pytest.param(
        401,
        {},
        {"message": "Bad credentials"},
        ["rejected the token (401)", "expired or revoked"],
        "GitHub rejected the token (401) for the dispatch to …",
        id="401",
    ),
    pytest.param(
        403,
        {},
        {"message": "Resource not accessible by integration"},
        ["(403 ", "Resource not accessible by integration", "permissions:\n  contents: write"],
        "GitHub refused the dispatch to … (403 Resource not accessible by integration)",
        id="403-permission",
    ),
    pytest.param(
        403,
        {"X-Accepted-GitHub-Permissions": "contents=write"},
        {"message": "Resource not accessible by personal access token"},
        ["(403 ", "permissions:\n  contents: write", "Contents: Read and write"],
        "GitHub refused the dispatch to … (403 Resource not accessible by personal access token)",
        id="403-accepted-permissions-header",
    ),
    pytest.param(
        404,
        {},
        {"message": "Not Found"},
        ["404", "does not exist or the token cannot see it", "Repository access"],
        "GitHub answered 404 for the dispatch to …",
        id="404",
    ),
    pytest.param(
        422,
        {},
        {"message": "Invalid request.", "errors": ["client_payload is not an object"]},
        ["(422 ", "Invalid request", "client_payload is not an object", "`event-type`"],
        "GitHub refused the dispatch payload for …",
        id="422",
    ),
    pytest.param(
        429,
        {"retry-after": "3600"},
        {"message": "You have exceeded a secondary rate limit."},
        ["rate limit", "resets at 2023-11-14 23:13:20 UTC", "Re-run after"],
        "GitHub rate limit reached for POST …; it resets at …",
        id="429-rate-limit",
    ),
    pytest.param(
        403,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700007200"},
        {"message": "API rate limit exceeded"},
        ["rate limit", "resets at 2023-11-15 00:13:21 UTC"],
        "GitHub rate limit reached for POST …; it resets at …",
        id="403-rate-limit",
    ),
    pytest.param(
        500,
        {},
        {"message": "Server Error"},
        ["may have reached GitHub", "not repeated", "two validation runs", PUSH_ID],
        "The dispatch to … may have reached GitHub (…)",
        id="500-maybe-sent",
    ),
    pytest.param(
        409,
        {},
        {"message": "Repository is archived"},
        ["409", "Repository is archived", "not retried"],
        "GitHub answered 4… for POST …",
        id="409-other",
    ),
]


@pytest.mark.parametrize(("status", "headers", "answer", "expected", "form"), FAILURES)
def test_http_failure_is_explained_with_its_fix(
    env: ActionsEnv,
    rsps: responses.RequestsMock,
    capsys: pytest.CaptureFixture[str],
    status: int,
    headers: dict[str, str],
    answer: dict[str, Any],
    expected: list[str],
    form: str,
) -> None:
    rsps.post(DISPATCHES, status=status, json=answer, headers=headers)

    run = env.run(capsys)

    assert run.code == 1
    assert len(posts(rsps)) == 1  # never repeated: a second POST could start a second run
    assert len(errors(run)) == 1
    for text in expected:
        assert text in run.summary, text
    assert run.outputs["dispatched"] == "false"
    assert run.outputs["http-status"] == str(status)
    assert run.outputs["status"] == "FAILED"
    assert run.outputs["attempts"] == "1"
    assert "**What to do:**" in run.summary
    assert_documented(annotation_text(errors(run)[0]), form)
    assert_no_token(run)


@pytest.mark.parametrize(
    ("failure", "cause"),
    [
        (requests.exceptions.ReadTimeout("read timed out"), "read timeout: no answer in time"),
        (
            requests.exceptions.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
            ),
            "connection dropped",
        ),
    ],
    ids=["read-timeout", "dropped"],
)
def test_dispatch_without_an_answer_is_never_repeated(
    env: ActionsEnv,
    rsps: responses.RequestsMock,
    fake_time: FakeClock,
    capsys: pytest.CaptureFixture[str],
    failure: Exception,
    cause: str,
) -> None:
    rsps.post(DISPATCHES, body=failure)
    rsps.post(DISPATCHES, status=204)  # what a blind retry would get: a second run

    run = env.run(capsys)

    assert run.code == 1
    assert len(posts(rsps)) == 1
    assert fake_time.sleeps == []
    assert run.outputs["dispatched"] == "false"
    assert run.outputs["http-status"] == "0"
    assert run.outputs["attempts"] == "1"
    assert run.outputs["status"] == "FAILED"
    message = annotation_text(errors(run)[0])
    assert f"may have reached GitHub ({cause}, after the request was sent)" in message
    assert f"dispatch id `{PUSH_ID}`" in run.summary
    assert_documented(message, "The dispatch to … may have reached GitHub (…)")
    assert_no_token(run)


def test_permission_error_for_another_repository_points_to_a_pat(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.inputs(repository="octo-org/other")
    rsps.post(f"{API}/repos/octo-org/other/dispatches", status=403, json={"message": "no"})

    run = env.run(capsys)

    assert run.code == 1
    assert "GITHUB_TOKEN only reaches octo-org/octo-repo" in run.summary
    assert "docs/token-setup.md" in run.summary


def test_rate_limit_that_fits_is_waited_then_sent(
    env: ActionsEnv,
    rsps: responses.RequestsMock,
    fake_time: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rsps.post(DISPATCHES, status=429, headers={"retry-after": "5"})
    rsps.post(DISPATCHES, status=204)

    run = env.run(capsys)

    assert run.code == 0, run.out
    assert fake_time.sleeps == [5.0]
    assert run.outputs["attempts"] == "2"
    assert run.outputs["http-status"] == "204"
    assert run.outputs["duration-ms"] == "5000"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_retried_then_a_clear_error(
    env: ActionsEnv, fake_time: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.env["GITHUB_API_URL"] = f"http://127.0.0.1:{closed_port()}"

    run = env.run(capsys)

    assert run.code == 1
    assert len(fake_time.sleeps) == 4  # a refused connection sent nothing: safe to retry
    assert run.outputs["attempts"] == "5"
    assert run.outputs["http-status"] == "0"
    assert run.outputs["dispatched"] == "false"
    assert "Could not reach GitHub" in run.summary
    assert "Nothing was sent" in run.summary
    assert len(errors(run)) == 1
    assert_documented(annotation_text(errors(run)[0]), "Could not reach GitHub at …")
    assert_no_token(run)


# --------------------------------------------------------------------------------------------
# Refused before sending: exit 2, no request
# --------------------------------------------------------------------------------------------

INPUT_FORM = "Input `…` is …, which is not valid"
REFUSALS = [
    pytest.param(
        {"event_type": "e" * 101},
        "event-type",
        "Input `event-type` is …, which is not valid",
        id="event-type-too-long",
    ),
    pytest.param(
        {"client_payload": json.dumps({f"k{i}": i for i in range(10)})},
        "11 top-level keys",
        "Dispatch client_payload has … top-level keys",
        id="ten-user-keys",
    ),
    pytest.param(
        {"client_payload": json.dumps({"log": "x" * 70_000})},
        "GitHub allows under 64 KB",
        "Dispatch client_payload is … bytes",
        id="payload-over-64kb",
    ),
    pytest.param(
        {"client_payload": "{not json"},
        "client-payload",
        "Input `client-payload` is …, which is not valid",
        id="payload-not-json",
    ),
    pytest.param(
        {"client_payload": "[1, 2]"},
        "JSON object",
        "Input `client-payload` is …, which is not valid",
        id="payload-not-object",
    ),
    pytest.param(
        {"client_payload": '{"autoheal": 1}'},
        "reserved",
        "Input `client-payload` uses the key `autoheal`, which is reserved",
        id="payload-uses-our-key",
    ),
    pytest.param(
        {"repository": "not-a-repo"},
        "owner/name",
        "Input `repository` is …, which is not valid",
        id="repository-not-owner-name",
    ),
    pytest.param(
        {"repository": "a/b/c"},
        "owner/name",
        "Input `repository` is …, which is not valid",
        id="repository-three-parts",
    ),
    # Valid for the input's pattern but not a path GitHub could mean; the good target before
    # it must not have been sent either.
    pytest.param(
        {"repository": "octo-org/a, octo-org/.."},
        "'octo-org/..'",
        "Input `repository` is …, which is not valid",
        id="repository-dot-dot-after-a-good-one",
    ),
    pytest.param(
        {"token": TOKEN + "\nsecond line"},
        "`token`",
        "Input `token` contains a line break, a space or another invisible character",
        id="token-with-a-second-line",
    ),
    pytest.param(
        {"category_outcomes": '{"lint": "great"}'},
        "`category-outcomes`",
        "Input `category-outcomes` has …",
        id="category-outcomes",
    ),
]


@pytest.mark.parametrize(("inputs", "expected", "form"), REFUSALS)
def test_bad_input_is_refused_before_any_request(
    env: ActionsEnv,
    rsps: responses.RequestsMock,
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, str],
    expected: str,
    form: str,
) -> None:
    env.inputs(**inputs)
    rsps.post(f"{API}/repos/octo-org/a/dispatches", status=204)

    run = env.run(capsys)

    assert run.code == 2
    assert len(rsps.calls) == 0
    assert len(errors(run)) == 1
    assert expected in errors(run)[0]
    assert "dispatched" not in run.outputs
    assert run.outputs["status"] == "FAILED"
    assert "**What to do:**" in run.summary
    assert_documented(annotation_text(errors(run)[0]), form)
    assert_no_token(run)


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ("checks:\n  lnt: {command: ruff check .}\n", "checks.lnt is not a check category"),
        ('checks:\n  test: {command: "pytest -k \'x"}\n', "can read"),
        ("wait-timeout: 1h\n", "`wait-timeout` is '1h'"),
    ],
    ids=["checks-typo", "checks-unbalanced-quote", "value"],
)
def test_bad_config_file_is_refused_before_any_request(
    env: ActionsEnv,
    rsps: responses.RequestsMock,
    capsys: pytest.CaptureFixture[str],
    config: str,
    says: str,
) -> None:
    """One file serves the whole loop: a mistake in it stops redispatch too, before sending."""
    (env.workspace / ".github").mkdir()
    (env.workspace / ".github" / "autoheal.yml").write_text(config)
    rsps.post(DISPATCHES, status=204)

    run = env.run(capsys)

    assert len(rsps.calls) == 0
    assert_input_error(run, says, "autoheal.yml")


def test_no_repository_is_a_clear_input_error(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    del env.env["GITHUB_REPOSITORY"]
    event = load_event("push.branch.json")
    del event["repository"]  # as when run locally: nowhere to learn the repository from
    env.set_event(event)

    run = env.run(capsys)

    assert run.code == 2
    assert len(rsps.calls) == 0
    assert_documented(annotation_text(errors(run)[0]), "No repository to dispatch to: …")


# --------------------------------------------------------------------------------------------
# No token, dry run, several targets, pull request side effects failing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fail_on_error", "code"), [("false", 0), ("true", 1)])
@pytest.mark.parametrize("token", ["", "   "], ids=["empty", "blank"])
def test_no_token_skips_with_setup_help(
    env: ActionsEnv,
    rsps: responses.RequestsMock,
    capsys: pytest.CaptureFixture[str],
    token: str,
    fail_on_error: str,
    code: int,
) -> None:
    env.inputs(token=token, fail_on_error=fail_on_error)

    run = env.run(capsys)

    assert run.code == code
    # Failing the step takes one error saying why; a warning alone never fails it.
    assert len([ln for ln in run.out.splitlines() if ln.startswith("::error")]) == code
    assert len(rsps.calls) == 0
    assert any(line.startswith("::warning") for line in run.out.splitlines())
    assert run.outputs["dispatched"] == "false"
    assert run.outputs["status"] == "SKIPPED"
    for text in ("Contents: Read and write", "`repo` scope", "actions/create-github-app-token"):
        assert text in run.summary
    assert "contents: write" in run.summary
    assert redispatch_step() in run.summary  # the one secret, our action pinned by SHA
    [warning] = warnings(run)
    assert_documented(annotation_text(warning), "Redispatch skipped: the `token` input is empty")


def test_dry_run_sends_nothing_and_shows_the_body(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.inputs(dry_run="true", client_payload='{"env": "prod"}')

    run = env.run(capsys)

    assert run.code == 0
    assert len(rsps.calls) == 0
    assert run.outputs["dispatched"] == "false"
    assert run.outputs["dispatch-id"] == PUSH_ID
    block = run.summary.split("```json\n", 1)[1].split("\n```", 1)[0]
    body = json.loads(block)
    assert body["event_type"] == "post-remediation-check"
    assert body["client_payload"]["env"] == "prod"
    assert body["client_payload"]["autoheal"]["sha"] == PUSH_SHA
    assert_no_token(run)


def test_several_repositories_are_reported_separately(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.inputs(repository="octo-org/a\nocto-org/b, octo-org/c")
    rsps.post(f"{API}/repos/octo-org/a/dispatches", status=204)
    rsps.post(f"{API}/repos/octo-org/b/dispatches", status=404, json={"message": "Not Found"})
    rsps.post(f"{API}/repos/octo-org/c/dispatches", status=204)

    run = env.run(capsys)

    assert run.code == 1
    assert run.outputs["http-status"] == "204,404,204"
    assert run.outputs["dispatched"] == "false"
    assert run.outputs["attempts"] == "3"
    assert "| octo-org/a |" in run.summary and "| octo-org/c |" in run.summary
    assert "| octo-org/b | post-remediation-check |" in run.summary
    assert "❌ 404 failed" in run.summary
    assert run.summary.count("✅ 204 dispatched") == 2
    assert "#### octo-org/b: failed" in run.summary
    assert len(errors(run)) == 1
    assert "octo-org/b" in errors(run)[0]


@pytest.mark.parametrize(("fail_on_error", "code"), [("false", 0), ("true", 1)])
def test_label_and_comment_failures_are_warnings(
    env: ActionsEnv,
    rsps: responses.RequestsMock,
    capsys: pytest.CaptureFixture[str],
    fail_on_error: str,
    code: int,
) -> None:
    env.set_event(own_pull_request(), "pull_request")
    env.inputs(fail_on_error=fail_on_error)
    rsps.post(DISPATCHES, status=204)
    rsps.post(f"{API}/repos/{REPO}/issues/2/labels", status=403, json={"message": "no"})
    rsps.get(f"{API}/repos/{REPO}/issues/2/comments", status=403, json={"message": "no"})

    run = env.run(capsys)

    assert run.code == code
    # Failing the step takes one error saying why; a warning alone never fails it.
    assert len([ln for ln in run.out.splitlines() if ln.startswith("::error")]) == code
    assert run.outputs["dispatched"] == "true"
    assert run.outputs["status"] == "DISPATCHED"
    label, comment = warnings(run)
    assert "autoheal:revalidating" in label
    assert "The dispatch itself was sent" in comment
    assert_documented(annotation_text(label), "Could not add the label …")
    assert_documented(annotation_text(comment), "Could not post the comment …")
    assert_no_token(run)


def test_token_inside_an_error_answer_is_redacted(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    rsps.post(DISPATCHES, status=422, json={"message": f"bad {TOKEN}", "errors": [TOKEN]})

    run = env.run(capsys)

    assert run.code == 1
    assert "bad ***" in run.summary
    assert_no_token(run)


def test_push_range_start_is_carried_for_rollback(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    rsps.post(DISPATCHES, status=204)
    event = load_event("push.branch.json")
    event["before"] = "b" * 40
    env.set_event(event, "push")
    run = env.run(capsys)
    assert run.code == 0, run.out
    assert posts(rsps)[0]["client_payload"]["autoheal"]["before"] == "b" * 40


def test_heal_category_outcomes_are_carried_to_validate(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    rsps.post(DISPATCHES, status=204)
    env.inputs(category_outcomes='{"lint": "pass", "test": "fail", "security": "absent"}')
    run = env.run(capsys)
    assert run.code == 0, run.out
    assert posts(rsps)[0]["client_payload"]["autoheal"]["checks"] == {
        "lint": "pass",
        "test": "fail",
        "security": "absent",
    }


@pytest.mark.parametrize(
    "value",
    ['{"lint": "great"}', '{"deploy": "pass"}', '["lint"]'],
    ids=["outcome", "category", "list"],
)
def test_bad_category_outcomes_are_refused_before_sending(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    env.inputs(category_outcomes=value)
    run = env.run(capsys)
    assert run.code == 2
    assert "`category-outcomes`" in errors(run)[0]
    assert len(rsps.calls) == 0


# --------------------------------------------------------------------------------------------
# Markdown: names given and GitHub's answers stay text in the comment and the summary
# --------------------------------------------------------------------------------------------

HOSTILE_TYPE = "x`@someone|#1<b>-->[y](javascript:1)"


def test_a_hostile_event_type_and_label_stay_inert_in_comment_and_summary(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    env.set_event("pull_request.opened.json", "pull_request")
    env.env["GITHUB_REPOSITORY"] = PR_REPO
    env.inputs(event_type=HOSTILE_TYPE, label="@someone #1")
    rsps.post(f"{API}/repos/{PR_REPO}/dispatches", status=204)
    rsps.post(f"{API}/repos/{PR_REPO}/issues/2/labels", status=404, json={"message": "Not Found"})
    pr = FakeComments(rsps, PR_REPO, 2)
    run = env.run(capsys)
    assert run.outputs["dispatched"] == "true", run.out
    [comment] = pr.comments
    run_url = f"https://github.com/{PR_REPO}/actions/runs/1234"
    for markdown in (comment["body"], run.summary):
        assert_inert(markdown, links=(run_url,))
    assert HOSTILE_TYPE in code_spans(comment["body"].split("\n")[2])
    label = code_spans(_line(run.summary, "Could not add the label"))[0]
    assert label.replace(ZWSP, "") == "@someone #1"  # a warning: mentions broken even in code


def test_an_answer_of_github_stays_inert_in_the_summary(
    env: ActionsEnv, rsps: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    message = "Invalid @someone <img src=x> [x](javascript:1) #1\n# heading"
    rsps.post(DISPATCHES, status=422, json={"message": message})
    run = env.run(capsys)
    assert run.outputs["dispatched"] == "false"
    assert_inert(run.summary)
    assert "Invalid @someone <img src=x>" in shown(run.summary)


def _line(markdown: str, words: str) -> str:
    return next(line for line in markdown.splitlines() if words in line)
