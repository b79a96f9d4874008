"""redispatch against a real HTTP server on 127.0.0.1 (pytest-httpserver): sockets, not mocks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.actions import TOKEN, ActionsEnv
from tests.fakes import FakeClock
from tests.modes.redispatch.test_redispatch import (
    PUSH_ID,
    PUSH_SHA,
    REPO,
    assert_no_token,
    fake_time,
)
from tests.troubleshooting import annotation_text, assert_documented

__all__ = ["fake_time"]  # the fixture, imported so pytest finds it here too

RUNS = f"/repos/{REPO}/actions/runs"
DISPATCHES = f"/repos/{REPO}/dispatches"


@pytest.fixture
def env(actions: ActionsEnv, httpserver: HTTPServer, fake_time: FakeClock) -> ActionsEnv:
    actions.inputs(mode="redispatch", token=TOKEN)
    actions.env["GITHUB_API_URL"] = httpserver.url_for("/api/v3").rstrip("/")
    return actions


def a_run(
    run_id: int, title: str, status: str = "completed", conclusion: str = ""
) -> dict[str, Any]:
    return {
        "id": run_id,
        "name": "Validate",
        "display_title": title,
        "status": status,
        "conclusion": conclusion or None,
        "event": "repository_dispatch",
        "html_url": f"https://github.com/{REPO}/actions/runs/{run_id}",
    }


def runs_answer(*runs: dict[str, Any]) -> Response:
    body = {"total_count": len(runs), "workflow_runs": list(runs)}
    return Response(json.dumps(body), status=200, content_type="application/json")


def _accept_dispatch(httpserver: HTTPServer) -> None:
    """GitHub accepts every dispatch: 204, no body."""
    httpserver.expect_request(f"/api/v3{DISPATCHES}", method="POST").respond_with_data(
        "", status=204
    )


def test_dispatch_end_to_end_over_a_socket(
    env: ActionsEnv, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_oneshot_request(f"/api/v3{DISPATCHES}", method="POST").respond_with_data(
        "", status=204
    )

    run = env.run(capsys)

    assert run.code == 0, run.out
    assert len(httpserver.log) == 1
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    body = json.loads(request.get_data())
    assert body["event_type"] == "post-remediation-check"
    assert set(body["client_payload"]) == {"autoheal"}
    assert body["client_payload"]["autoheal"]["sha"] == PUSH_SHA
    assert body["client_payload"]["autoheal"]["dispatch_id"] == PUSH_ID
    assert run.outputs["dispatched"] == "true"
    assert run.outputs["http-status"] == "204"
    assert_no_token(run)


def test_wait_for_run_finds_the_run_by_dispatch_id(
    env: ActionsEnv,
    httpserver: HTTPServer,
    fake_time: FakeClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env.inputs(wait_for_run="true", wait_timeout="120")
    _accept_dispatch(httpserver)
    other = a_run(11, "Validate octo-org/octo-repo/999/1/aaaaaaaaaaaa", conclusion="failure")
    ours_queued = a_run(42, f"Validate {PUSH_ID}", status="queued")
    lists: list[dict[str, str]] = []

    def list_runs(request: Request) -> Response:
        lists.append(dict(request.args))
        # GitHub shows the new run only after a while; another run is there all along.
        return runs_answer(other, ours_queued) if len(lists) >= 3 else runs_answer(other)

    gets = iter(["in_progress", "completed"])

    def get_run(request: Request) -> Response:
        status = next(gets)
        answer = a_run(
            42, f"Validate {PUSH_ID}", status, "success" if status == "completed" else ""
        )
        return Response(json.dumps(answer), status=200, content_type="application/json")

    httpserver.expect_request(f"/api/v3{RUNS}", method="GET").respond_with_handler(list_runs)
    httpserver.expect_request(f"/api/v3{RUNS}/42", method="GET").respond_with_handler(get_run)

    run = env.run(capsys)

    assert run.code == 0, run.out
    assert run.outputs["validation-run-url"] == f"https://github.com/{REPO}/actions/runs/42"
    assert run.outputs["validation-conclusion"] == "success"
    assert run.outputs["dispatched"] == "true"
    assert lists[0]["event"] == "repository_dispatch"
    # Created since the dispatch time minus the clock skew allowance (2 minutes).
    assert lists[0]["created"] == ">=2023-11-14T22:11:20Z"
    assert len(lists) == 3
    assert fake_time.sleeps == [5.0] * 4
    assert "| success |" in run.summary
    assert f"https://github.com/{REPO}/actions/runs/42" in run.summary
    assert "runs/11" not in run.summary
    assert not [line for line in run.out.splitlines() if line.startswith("::warning")]
    assert_no_token(run)


@pytest.mark.parametrize(("fail_on_error", "code"), [("false", 0), ("true", 1)])
def test_wait_for_run_times_out_without_guessing(
    env: ActionsEnv,
    httpserver: HTTPServer,
    fake_time: FakeClock,
    capsys: pytest.CaptureFixture[str],
    fail_on_error: str,
    code: int,
) -> None:
    env.inputs(wait_for_run="true", wait_timeout="30", fail_on_error=fail_on_error)
    _accept_dispatch(httpserver)
    # Recent repository_dispatch runs, none of them ours: none may be reported.
    others = [
        a_run(11, "Validate octo-org/octo-repo/1233/1/6113728f27ae", conclusion="success"),
        a_run(12, "Validate", status="in_progress"),
    ]
    httpserver.expect_request(f"/api/v3{RUNS}", method="GET").respond_with_handler(
        lambda request: runs_answer(*others)
    )

    run = env.run(capsys)

    assert run.code == code
    # Failing the step takes one error saying why; a warning alone never fails it.
    assert len([ln for ln in run.out.splitlines() if ln.startswith("::error")]) == code
    assert "validation-run-url" not in run.outputs
    assert run.outputs["dispatched"] == "true"
    assert run.outputs["status"] == "DISPATCHED"
    assert sum(fake_time.sleeps) <= 30
    warnings = [line for line in run.out.splitlines() if line.startswith("::warning")]
    assert len(warnings) == 1
    assert f"No run carrying dispatch id `{PUSH_ID}`" in warnings[0]
    assert_documented(annotation_text(warnings[0]), "No run carrying dispatch id … appeared")
    assert "within 30 s" in run.summary
    assert "runs/11" not in run.summary and "runs/12" not in run.summary
    assert_no_token(run)


def test_wait_for_run_without_actions_read_is_a_warning(
    env: ActionsEnv, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    env.inputs(wait_for_run="true")
    _accept_dispatch(httpserver)
    httpserver.expect_request(f"/api/v3{RUNS}", method="GET").respond_with_json(
        {"message": "Resource not accessible by integration"}, status=403
    )

    run = env.run(capsys)

    assert run.code == 0
    assert "Actions: Read" in run.summary
    assert "validation-run-url" not in run.outputs
    [warning] = [line for line in run.out.splitlines() if line.startswith("::warning")]
    assert_documented(annotation_text(warning), "Could not look for the validation run …")
    assert_no_token(run)


@pytest.mark.parametrize(("fail_on_error", "code"), [("false", 0), ("true", 1)])
def test_wait_for_run_found_but_unfinished_links_it_without_a_conclusion(
    env: ActionsEnv,
    httpserver: HTTPServer,
    fake_time: FakeClock,
    capsys: pytest.CaptureFixture[str],
    fail_on_error: str,
    code: int,
) -> None:
    env.inputs(wait_for_run="true", wait_timeout="60", fail_on_error=fail_on_error)
    _accept_dispatch(httpserver)
    ours = a_run(42, f"Validate {PUSH_ID}", status="queued")
    httpserver.expect_request(f"/api/v3{RUNS}", method="GET").respond_with_handler(
        lambda request: runs_answer(ours)
    )
    followed: list[str] = []

    def get_run(request: Request) -> Response:
        followed.append(request.path)
        answer = a_run(42, f"Validate {PUSH_ID}", status="in_progress")
        return Response(json.dumps(answer), status=200, content_type="application/json")

    httpserver.expect_request(f"/api/v3{RUNS}/42", method="GET").respond_with_handler(get_run)

    run = env.run(capsys)

    assert run.code == code
    # Failing the step takes one error saying why; a warning alone never fails it.
    assert len([ln for ln in run.out.splitlines() if ln.startswith("::error")]) == code
    url = f"https://github.com/{REPO}/actions/runs/42"
    assert run.outputs["validation-run-url"] == url
    assert run.outputs["validation-conclusion"] == ""  # still running: no guessed conclusion
    assert run.outputs["status"] == "DISPATCHED"
    assert followed  # the run was followed until the timeout, not left after the first look
    assert sum(fake_time.sleeps) <= 60
    [warning] = [line for line in run.out.splitlines() if line.startswith("::warning")]
    assert f"The validation run {url} did not finish within 60 s (status in_progress)" in warning
    assert_documented(annotation_text(warning), "The validation run … did not finish within …")
    assert "| in_progress |" in run.summary
    assert_no_token(run)


# --------------------------------------------------------------------------------------------
# Targets named twice, redirects, slow answers
# --------------------------------------------------------------------------------------------


def test_a_target_named_twice_is_dispatched_once(
    env: ActionsEnv, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # GitHub compares owner/name without case: these are one repository, one validation run.
    env.inputs(repository=f"{REPO}, {REPO}\n{REPO.upper()}")
    _accept_dispatch(httpserver)

    run = env.run(capsys)

    assert run.code == 0, run.out
    assert [r.method for r, _ in httpserver.log] == ["POST"]
    assert run.outputs["http-status"] == "204"
    assert run.outputs["dispatched"] == "true"
    assert "named more than once" in run.summary
    assert REPO.upper() in run.summary
    assert_no_token(run)


@pytest.mark.parametrize("status", [301, 302, 307, 308], ids=str)
def test_a_dispatch_answered_with_a_redirect_is_not_followed(
    env: ActionsEnv, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    # Following a 307/308 sends the dispatch again (a loop sent it 31 times); following a
    # 301/302 turns it into a GET that "succeeds" although nothing was dispatched.
    moved = httpserver.url_for("/api/v3/moved")
    httpserver.expect_request(f"/api/v3{DISPATCHES}", method="POST").respond_with_data(
        "", status=status, headers={"Location": moved}
    )
    httpserver.expect_request("/api/v3/moved").respond_with_json({"ok": True})

    run = env.run(capsys)

    assert run.code == 1
    assert [(r.method, r.path) for r, _ in httpserver.log] == [("POST", f"/api/v3{DISPATCHES}")]
    assert run.outputs["dispatched"] == "false"
    assert run.outputs["http-status"] == str(status)
    [error] = [line for line in run.out.splitlines() if line.startswith("::error")]
    host = moved.split("/")[2]
    assert f"a {status} redirect to {host}, not followed" in error
    assert_documented(annotation_text(error), "GitHub answered … with a … redirect to …")
    assert_no_token(run)


@pytest.fixture
def real_time_env(actions: ActionsEnv, httpserver: HTTPServer) -> ActionsEnv:
    """redispatch with the real clock: for waits that must end on time."""
    actions.inputs(mode="redispatch", token=TOKEN)
    actions.env["GITHUB_API_URL"] = httpserver.url_for("/api/v3").rstrip("/")
    return actions


def test_wait_for_run_ends_on_time_when_github_answers_slowly(
    real_time_env: ActionsEnv, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    real_time_env.inputs(wait_for_run="true", wait_timeout="2")
    _accept_dispatch(httpserver)
    body = json.dumps({"total_count": 0, "workflow_runs": [], "padding": "x" * 200}).encode()

    def trickle(request: Request) -> Response:
        def chunks() -> Iterator[bytes]:
            for i in range(len(body)):  # one byte every 0.25 s: no read timeout ever fires
                time.sleep(0.25)
                yield body[i : i + 1]

        return Response(chunks(), status=200, content_type="application/json")

    httpserver.expect_request(f"/api/v3{RUNS}", method="GET").respond_with_handler(trickle)

    started = time.monotonic()
    run = real_time_env.run(capsys)
    elapsed = time.monotonic() - started

    assert elapsed < 3 * 2 + 2  # was: as long as the server kept trickling (about a minute)
    assert run.code == 0, run.out
    assert run.outputs["dispatched"] == "true"
    assert "validation-run-url" not in run.outputs
    [warning] = [line for line in run.out.splitlines() if line.startswith("::warning")]
    assert "appeared in octo-org/octo-repo within 2 s" in warning
    assert_no_token(run)
