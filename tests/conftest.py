from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests import fake_github
from tests.actions import ActionsEnv
from tests.gitfixtures import isolate_git
from tests.openapi import sent_request_problems
from tests.openapi_spec import failure_so_far, unavailable_reason


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the machine's git config and the runner's variables out of every test."""
    isolate_git(monkeypatch, tmp_path_factory.mktemp("gitconfig"))
    for name in ("GITHUB_ACTIONS", "GITHUB_TOKEN", "RUNNER_DEBUG", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def _github_requests_as_documented(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail a test that sent GitHub a request unlike GitHub's own OpenAPI description says:
    through `requests` to api.github.com or any /api/v3 (`responses` tests, GHES, servers on
    127.0.0.1), or to a FakeGitHub, which also checks its canned answers."""
    fake_github.take_problems()  # a fake left by an earlier failure is not this test's
    sent: list[requests.PreparedRequest] = []
    send = requests.Session.send

    def recording_send(
        session: requests.Session, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        sent.append(request)
        return send(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", recording_send)
    yield
    problems = fake_github.take_problems()
    problems += [problem for request in sent for problem in _sent_problems(request)]
    if problems:  # a request to a fake is seen twice: by the fake and by requests
        problems = list(dict.fromkeys(problems))
        pytest.fail("Unlike GitHub's API description:\n" + "\n".join(problems), pytrace=False)


def _sent_problems(request: requests.PreparedRequest) -> list[str]:
    try:
        problems = sent_request_problems(request) if unavailable_reason() is None else []
    except Exception as exc:
        problems = [f"checking against GitHub's description failed: {exc!r}"]
    return problems


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reason = failure_so_far()
    if reason:
        terminalreporter.write_line(f"Requests to GitHub were not checked: {reason}", yellow=True)


@pytest.fixture
def actions(tmp_path: Path) -> ActionsEnv:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    env = ActionsEnv(tmp_path, workspace)
    env.env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    return env
