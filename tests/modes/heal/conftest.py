"""The trusted job's scenes (tests/apply_helpers.py), for the apply-patch tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.apply_helpers import Scene, make_scene


@pytest.fixture
def new_scene(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
) -> Callable[[bool], Scene]:
    """A pull request (a fork's when called with True), the artifact its run left, the fake."""
    return lambda fork: make_scene(tmp_path, monkeypatch, capsys, httpserver, fork=fork)


@pytest.fixture
def same_repo(new_scene: Callable[[bool], Scene]) -> Scene:
    return new_scene(False)


@pytest.fixture
def fork(new_scene: Callable[[bool], Scene]) -> Scene:
    return new_scene(True)
