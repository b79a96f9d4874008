from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.actions import ActionsEnv
from tests.gitfixtures import isolate_git


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the machine's git config and the runner's variables out of every test."""
    isolate_git(monkeypatch, tmp_path_factory.mktemp("gitconfig"))
    for name in ("GITHUB_ACTIONS", "GITHUB_TOKEN", "RUNNER_DEBUG", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def actions(tmp_path: Path) -> ActionsEnv:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    env = ActionsEnv(tmp_path, workspace)
    env.env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    return env
