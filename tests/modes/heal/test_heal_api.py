"""heal's API calls against a fake GitHub (`responses`): the protected-branch pull request and
reruns of flaky runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import responses
from responses import matchers

from autoheal.modes.heal import rerun as heal_rerun
from tests.actions import TOKEN
from tests.fakes import ACTIONS_BOT, NOW, FakeClock, as_github_actions
from tests.gitfixtures import install_reject_hook
from tests.heal_helpers import API, FORMATTED, REPO, UNFORMATTED, setup_heal, workflow_run_event

PULLS = f"{API}/repos/{REPO}/pulls"
RUN = f"{API}/repos/{REPO}/actions/runs/99"
RERUN = f"{RUN}/rerun-failed-jobs"


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heal_rerun, "clock", FakeClock().time)


def created(days_ago: float) -> str:
    """A run's `created_at` as GitHub writes it, `days_ago` before the fake clock's now."""
    when = datetime.fromtimestamp(NOW - days_ago * 86400, tz=timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_protected_branch_falls_back_to_a_pull_request(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    install_reject_hook(s.repos.remote)
    tip = s.repos.remote_sha("main")
    api.get(
        PULLS,
        json=[],
        match=[matchers.query_param_matcher({"head": "octo-org:autoheal/main", "state": "open"})],
    )
    api.post(PULLS, json={"number": 8, "html_url": "https://github.com/octo-org/octo-repo/pull/8"})
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert r.outputs["pr-url"] == "https://github.com/octo-org/octo-repo/pull/8"
    assert s.repos.remote_sha("main") == tip  # the protected branch is untouched
    assert s.repos.remote_file("main", "app.py") == UNFORMATTED
    assert s.repos.remote_sha("autoheal/main") == r.outputs["commit-sha"]
    assert s.repos.remote_file("autoheal/main", "app.py") == FORMATTED
    post = next(c for c in api.calls if c.request.method == "POST")
    body = json.loads(post.request.body or b"{}")
    assert body["head"] == "octo-org:autoheal/main" and body["base"] == "main"
    assert body["title"].startswith("autoheal: apply lint fixes")
    assert post.request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "pull/8" in r.summary and "protected" in r.summary
    assert TOKEN not in r.summary + r.err


def test_protected_branch_updates_the_open_pull_request(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    install_reject_hook(s.repos.remote)
    as_github_actions(api)
    ours = {"number": 5, "html_url": "https://github.com/x/y/pull/5", "user": ACTIONS_BOT}
    api.get(PULLS, json=[ours])
    api.patch(f"{PULLS}/5", json={"number": 5, "html_url": "https://github.com/x/y/pull/5"})
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["pr-url"] == "https://github.com/x/y/pull/5"
    # The open pull request, whose it is (GET /user, then GraphQL's viewer), the update.
    assert [c.request.method for c in api.calls] == ["GET", "GET", "POST", "PATCH"]


def test_pull_request_failure_says_where_the_fix_was_pushed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    install_reject_hook(s.repos.remote)
    api.get(PULLS, json=[])
    message = "GitHub Actions is not permitted to create or approve pull requests."
    api.post(PULLS, status=403, json={"message": message})
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "FAILED"
    pushed = s.repos.remote_sha("autoheal/main")
    assert pushed is not None and s.repos.remote_file("autoheal/main", "app.py") == FORMATTED
    for text in (r.summary, r.out + r.err):
        assert f"pushed to `autoheal/main` ({pushed[:12]})" in text
        assert "Open a pull request from `autoheal/main` into `main` by hand" in text
    assert message in r.summary


def test_flaky_failure_requests_a_rerun(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, files={"app.py": FORMATTED})
    s.actions.set_event(workflow_run_event(99), "workflow_run")
    api.get(RUN, json={"id": 99, "run_attempt": 2, "created_at": created(29.9)})
    api.post(RERUN, status=201)
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALTHY"
    assert r.outputs["rerun-requested"] == "true"
    assert r.outputs["healed"] == "false"
    assert [c.request.url for c in api.calls] == [RUN, RERUN]
    assert "attempt 3 of at most 3" in r.summary and "flaky" in r.summary


@pytest.mark.parametrize(
    ("run", "why", "title"),
    [
        pytest.param(
            {"run_attempt": 3, "created_at": created(1)},
            "already had 3 attempt(s) and `max-run-attempts` is 3: not rerunning it again",
            "Rerun limit reached",
            id="attempt-limit",
        ),
        pytest.param(
            {"run_attempt": 1, "created_at": created(31)},
            "created 31 days ago and GitHub reruns runs only within 30 days",
            "Run too old to rerun",
            id="older-than-30-days",
        ),
    ],
)
def test_rerun_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
    run: dict[str, object],
    why: str,
    title: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, files={"app.py": FORMATTED}, max_run_attempts="3")
    s.actions.set_event(workflow_run_event(99), "workflow_run")
    api.get(RUN, json={"id": 99, **run})
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALTHY"
    assert r.outputs["rerun-requested"] == "false"
    assert [c.request.method for c in api.calls] == ["GET"]  # no rerun POST
    assert why in r.summary
    assert f"::warning title={title}::" in r.out


@pytest.mark.parametrize(
    ("fail_on_error", "code", "status"),
    [("false", 0, "HEALTHY"), ("true", 1, "FAILED")],
    ids=["warns", "fail-on-error"],
)
def test_rerun_without_actions_write_names_the_permission(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
    fail_on_error: str,
    code: int,
    status: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, files={"app.py": FORMATTED}, fail_on_error=fail_on_error)
    s.actions.set_event(workflow_run_event(99), "workflow_run")
    api.get(RUN, json={"id": 99, "run_attempt": 1, "created_at": created(1)})
    api.post(
        RERUN,
        status=403,
        json={"message": "Resource not accessible by integration"},
        headers={"X-Accepted-GitHub-Permissions": "actions=write"},
    )
    r = s.actions.run(capsys)
    assert r.code == code, r.out + r.err
    assert r.outputs["status"] == status
    assert r.outputs["rerun-requested"] == "false"
    assert [c.request.method for c in api.calls] == ["GET", "POST"]  # a 403 is never retried
    assert "Resource not accessible by integration" in r.out
    assert "actions: write" in r.out
    assert r.out.count(TOKEN) == 1  # in its ::add-mask:: line only
    assert TOKEN not in r.err + r.summary


def test_rerun_by_run_id_input(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, files={"app.py": FORMATTED}, run_id="99")
    api.get(RUN, json={"id": 99, "run_attempt": 1})
    api.post(RERUN, status=201)
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["rerun-requested"] == "true"


def test_rerun_skipped_without_a_token(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, files={"app.py": FORMATTED}, token="")
    s.actions.set_event(workflow_run_event(99), "workflow_run")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["rerun-requested"] == "false"
    assert len(api.calls) == 0
    assert "no token" in r.out and "::warning" in r.out


def test_dry_run_does_not_rerun(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, files={"app.py": FORMATTED}, dry_run="true")
    s.actions.set_event(workflow_run_event(99), "workflow_run")
    api.get(RUN, json={"id": 99, "run_attempt": 1})
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["rerun-requested"] == "false"
    assert [c.request.method for c in api.calls] == ["GET"]
    assert "would rerun" in r.summary


def test_no_rerun_when_the_failure_reproduces(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    api: responses.RequestsMock,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, lint_command="exit 1", fix_command="")
    s.actions.set_event(workflow_run_event(99), "workflow_run")
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["rerun-requested"] == "false"
    assert len(api.calls) == 0
    assert "reproduces here" in r.summary
