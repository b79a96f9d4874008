"""Shared set-up for the heal tests: a real remote, a CI clone, real ruff on PATH."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.actions import TOKEN, ActionsEnv, load_event
from tests.gitfixtures import Repos, git, make_repo

UNFORMATTED = "x=1\n"
FORMATTED = "x = 1\n"
RUN_URL = "https://github.com/octo-org/octo-repo/actions/runs/1234"
REPO = "octo-org/octo-repo"
API = "https://api.github.com"


@dataclass
class Setup:
    repos: Repos
    ci: Path
    actions: ActionsEnv
    pushed: list[str] = field(default_factory=list)  # what colleagues pushed meanwhile

    def head(self) -> str:
        return git(self.ci, "rev-parse", "HEAD").strip()

    def status(self) -> str:
        return git(self.ci, "status", "--porcelain", "--untracked-files=all")


def setup_heal(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    files: dict[str, str] | None = None,
    depth: int | None = None,
    branch: str = "main",
    **inputs: str,
) -> Setup:
    """A remote holding `files` (default: one badly formatted module), a CI clone of `branch`
    without git identity (like a runner), and inputs for ruff as lint check and fixer."""
    repos = make_repo(tmp_path, files=files or {"app.py": UNFORMATTED})
    if branch != "main":
        git(repos.work, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
    ci = repos.clone("ci", depth=depth, branch=branch, identity=False)
    actions = ActionsEnv(tmp_path, workspace=ci)
    # The fixer is the real ruff from the test venv; checks run with our process's PATH.
    path = tools_path()
    actions.env["PATH"] = path
    monkeypatch.setenv("PATH", path)
    actions.env["GITHUB_REF"] = f"refs/heads/{branch}"
    defaults = {
        "mode": "heal",
        "token": TOKEN,
        "detect": "false",
        "lint_command": "ruff format --check .",
        "fix_command": "ruff format .",
    }
    actions.inputs(**{**defaults, **inputs})
    actions.set_event(push_event(branch))
    return Setup(repos, ci, actions)


def tools_path() -> str:
    """PATH with the test venv's bin first, as on a runner whose workflow installed the tools.

    The tests run as `.venv/bin/python -m pytest`, which does not put `.venv/bin` on PATH, so
    without this the venv's ruff is invisible to lookups on PATH.
    """
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"


def _our_repository(payload: dict[str, Any]) -> dict[str, Any]:
    payload["repository"].update(full_name=REPO, default_branch="main")
    return payload


def push_event(branch: str = "main") -> dict[str, Any]:
    """GitHub's push payload, for `branch` of our repository."""
    payload = load_event("push.branch.json")
    payload.update(ref=f"refs/heads/{branch}", before="1" * 40, after="2" * 40)
    return _our_repository(payload)


def pr_event(head_ref: str, head_sha: str, head_repo: str = REPO) -> dict[str, Any]:
    """GitHub's pull_request payload (synchronize) from `head_repo`'s `head_ref` into main."""
    payload = load_event("pull_request.opened.json")
    payload.update(action="synchronize", number=7)
    pr = payload["pull_request"]
    pr["number"] = 7
    pr["head"].update(ref=head_ref, sha=head_sha)
    pr["head"]["repo"]["full_name"] = head_repo
    pr["base"]["ref"] = "main"
    pr["base"]["repo"]["full_name"] = REPO
    return _our_repository(payload)


def workflow_run_event(
    run_id: int = 99,
    conclusion: str = "failure",
    head_branch: str = "main",
    head_repo: str = REPO,
) -> dict[str, Any]:
    """GitHub's workflow_run payload (completed) for a run of a push to `head_branch`."""
    payload = load_event("workflow_run.completed.json")
    run = payload["workflow_run"]
    run.update(
        id=run_id,
        run_attempt=1,
        conclusion=conclusion,
        event="push",
        head_sha="3" * 40,
        head_branch=head_branch,
        pull_requests=[],
    )
    run["head_repository"]["full_name"] = head_repo
    return _our_repository(payload)
