from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.actions import ActionsEnv


@pytest.fixture(autouse=True)
def _isolated_git(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keep the machine's git config and identity out of every test."""
    home = tmp_path_factory.mktemp("home")
    config = home / ".gitconfig"
    config.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("RUNNER_DEBUG", raising=False)


@pytest.fixture
def actions(tmp_path: Path) -> ActionsEnv:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    env = ActionsEnv(tmp_path, workspace)
    env.env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
    return env
