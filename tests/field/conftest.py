"""Fixtures of the field tests: the registries (or a skip saying why not), the session's
prepared projects, and one loop per test. Timings are printed at the end of the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.fake_github import FakeGitHub
from tests.field.loop import Field, import_project
from tests.field.projects import Project, Session, registry_problem

_SESSION: list[Session] = []


@pytest.fixture(scope="session")
def field_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    """Skips every field test, saying so, when a registry cannot be reached; nothing else
    skips them (a failing download, hash or install fails the tests)."""
    problem = registry_problem()
    if problem:
        pytest.skip(f"field tests need the package registries: {problem}")
    session = Session(root=tmp_path_factory.mktemp("field-session"))
    _SESSION.append(session)
    yield session


def github_routes(github: FakeGitHub, repository: str) -> None:
    """What the loop calls: dispatches, commit statuses, the author of a commit, issues."""
    repo = f"/repos/{repository}"
    sha = "[0-9a-f]{40}"
    github.route("POST", f"{repo}/dispatches", status=204)
    github.route("GET", f"{repo}/commits/{sha}/statuses", body=[])
    github.route(
        "POST", f"{repo}/statuses/{sha}", answer=lambda r: (201, {"id": 1, **(r.body or {})})
    )
    github.route("GET", f"{repo}/commits/{sha}", body={"author": {"login": "field-dev"}})
    github.route("GET", f"{repo}/issues", body=[])
    github.route(
        "POST",
        f"{repo}/issues",
        status=201,
        body={"number": 7, "html_url": f"https://github.com/{repository}/issues/7"},
    )


@pytest.fixture
def make_field(
    field_session: Session,
    tmp_path: Path,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Callable[[Project], Field]:
    """`make_field(project)`: the project's release on a bare origin, and the fake GitHub."""

    def make(project: Project) -> Field:
        with field_session.timed(f"git history {project.key}"):
            repos = import_project(field_session, project, tmp_path)
        github = FakeGitHub(httpserver)
        made = Field(tmp_path, field_session, project, repos, github, capsys, monkeypatch)
        github_routes(github, made.repository)
        return made

    return make


@pytest.fixture(autouse=True)
def _timed_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each field test's wall time, for the summary (only once a session exists)."""
    import time

    start = time.monotonic()
    yield
    if _SESSION:
        _SESSION[0].timings.append((0, f"test {request.node.name}", time.monotonic() - start))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _SESSION:
        return
    timings = _SESSION[0].timings
    terminalreporter.section("field tests: where the time went")
    for depth, label, seconds in timings:
        terminalreporter.write_line(f"{seconds:7.1f} s  {'  ' * depth}{label}")
    tests = sum(s for depth, label, s in timings if label.startswith("test "))
    setup = sum(
        s for depth, label, s in timings if depth == 0 and not label.startswith(("test ", "step "))
    )
    terminalreporter.write_line(
        f"{tests:7.1f} s  all field tests, of which {setup:.1f} s fetching, installing and "
        "making git histories"
    )
