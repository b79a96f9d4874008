"""validate and rollback check commits in the job's own checkout: the tools the job installed
(`.venv/`, `node_modules/`) and an editable install of `src/` are what every check uses, as in
heal, and the checkout is put back on its branch afterwards, untouched.

The project: a `src/` layout Python package with a unittest suite and a JavaScript file, whose
tools exist only in the clone's .gitignored `.venv/bin` and `node_modules/.bin` (fakes that log
where they ran and the commit they saw, then run the real test or a grep).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.actions import ActionsEnv, Run
from tests.git.test_git_checkout import snapshot, where
from tests.gitfixtures import Repos, assert_remote_keeps, git, make_repo
from tests.heal_helpers import push_event
from tests.validate_helpers import heal_payload, set_dispatch

GOOD = "def add(a, b):\n    return a + b\n"
BROKEN = "def add(a, b):\n    return a - b\n"
PROJECT = {
    ".gitignore": ".venv/\nnode_modules/\n__pycache__/\n",
    "pyproject.toml": '[project]\nname = "calc"\nversion = "0"\n\n[tool.ruff]\nline-length = 100\n',
    "src/calc/__init__.py": GOOD,
    "tests/test_calc.py": (
        "import unittest\n\nimport calc\n\n\nclass Add(unittest.TestCase):\n"
        "    def test_add(self):\n        self.assertEqual(calc.add(2, 2), 4)\n"
    ),
    "package.json": '{"name": "web", "private": true, "devDependencies": {"eslint": "9.0.0"}}\n',
    "eslint.config.js": "export default [];\n",
    "app.js": "const x = 1;\n",
}
LOG = 'echo "{name} $(pwd) $(git rev-parse HEAD)" >> "$TOOL_LOG"\n'
# Each tool as the job installed it, in an ignored folder of the checkout. pytest imports the
# package through the checkout's src/, as an editable install's .pth does.
TOOLS = {
    ".venv/bin/pytest": "PYTHONPATH=src exec python3 -m unittest discover -s tests -q\n",
    ".venv/bin/ruff": "exit 0\n",
    "node_modules/.bin/eslint": '! grep -q "var " app.js\n',
}
UNITTEST = "python3 -m unittest discover -s tests -q"


@dataclass
class Job:
    repos: Repos
    clone: Path
    actions: ActionsEnv
    log: Path
    installed: dict[Path, tuple[bytes, int]]

    def runs(self) -> list[tuple[str, str, str]]:
        """(tool, where it ran, HEAD it saw) for every tool run so far."""
        text = self.log.read_text() if self.log.exists() else ""
        return [tuple(line.split(" ")) for line in text.splitlines()]  # type: ignore[misc]

    def back_at(self, start: tuple[str, str]) -> None:
        """On the branch and commit it started at, with main's broken package, untouched."""
        assert where(self.clone) == start
        assert (self.clone / "src/calc/__init__.py").read_text() == BROKEN
        self.untouched()

    def untouched(self) -> None:
        """The installed tools: same content, same mtime; the tree is clean."""
        names = [path.relative_to(self.clone) for path in self.installed]
        assert snapshot(self.clone, names) == self.installed
        assert git(self.clone, "status", "--porcelain", "--untracked-files=all") == ""


def job(
    tmp_path: Path,
    actions: ActionsEnv,
    monkeypatch: pytest.MonkeyPatch,
    *,
    editable: bool = False,
) -> Job:
    """The remote with the project at main, and the CI checkout of it (depth 1) where the job
    installed the tools, or (`editable`) only the package, through PYTHONPATH. PATH holds no
    ruff, pytest or mypy of ours."""
    repos = make_repo(tmp_path, files=PROJECT)
    clone = repos.clone("ci", depth=1)
    log = tmp_path / "tool-runs"
    monkeypatch.setenv("TOOL_LOG", str(log))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    actions.env["PATH"] = "/usr/bin:/bin"
    actions.env["INPUT_WORKING_DIRECTORY"] = str(clone)
    if editable:
        monkeypatch.setenv("PYTHONPATH", str(clone / "src"))
    tools = {} if editable else TOOLS
    for name, body in tools.items():
        path = clone / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n" + LOG.format(name=path.name) + body)
        path.chmod(0o755)
        os.utime(path, ns=(10**18, 10**18))
    installed = snapshot(clone, tools)
    return Job(repos, clone, actions, log, installed)


def push(j: Job, changes: list[tuple[str, str]]) -> list[str]:
    """Commit each (path, content), push to main, and pull it into the checkout (the run
    checks out main's tip)."""
    shas = [
        j.repos.commit(path, text, f"change {path} ({i})") for i, (path, text) in enumerate(changes)
    ]
    j.repos.push()
    git(j.clone, "pull", "-q", "--ff-only")
    return shas


def five_commits_third_breaks(j: Job) -> tuple[str, list[str]]:
    before = j.repos.sha()
    changes = [(f"notes/{i}.txt", f"{i}\n") for i in range(5)]
    changes[2] = ("src/calc/__init__.py", BROKEN)
    return before, push(j, changes)


def outcomes(run: Run) -> dict[str, str]:
    return {k: v["outcome"] for k, v in json.loads(run.outputs["breakdown"]).items()}


def validate(j: Job, capsys: Any, sha: str, **inputs: str) -> Run:
    j.actions.inputs(mode="validate", **inputs)
    set_dispatch(j.actions, heal_payload(sha))
    return j.actions.run(capsys)


def rollback(j: Job, capsys: Any, before: str, after: str, **inputs: str) -> Run:
    j.actions.inputs(
        mode="rollback", rollback_required="true", open_issue="false", before=before, after=after
    )
    j.actions.inputs(**inputs)
    return j.actions.run(capsys)


# --------------------------------------------------------------------------- the job's tools


def test_validate_finds_the_tools_the_job_installed(
    tmp_path: Path, actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """Tools only in the checkout's ignored .venv/ and node_modules/: found, run in the
    checkout at the validated commit, and the checkout is back on main afterwards."""
    j = job(tmp_path, actions, monkeypatch)
    healthy = j.repos.sha()
    push(j, [("src/calc/__init__.py", BROKEN), ("app.js", "var x = 1;\n")])
    before = where(j.clone)

    run = validate(j, capsys, healthy)

    assert run.code == 0, run.out
    assert outcomes(run) == {
        "lint": "pass",
        "security": "absent",
        "build": "pass",
        "test": "pass",
        "ci_ready": "pass",
    }
    assert {(tool, at, head) for tool, at, head in j.runs()} == {
        (tool, str(j.clone), healthy) for tool in ("pytest", "ruff", "eslint")
    }
    assert where(j.clone) == before
    j.untouched()


def test_heal_and_validate_agree_on_the_same_commit(
    tmp_path: Path, actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    j = job(tmp_path, actions, monkeypatch)
    [broken] = push(j, [("src/calc/__init__.py", BROKEN)])
    actions.inputs(mode="heal")
    actions.set_event(push_event())
    healed = actions.run(capsys)
    assert git(j.clone, "rev-parse", "HEAD").strip() == broken  # nothing to fix, no commit
    heal_says = json.loads(healed.outputs["category-outcomes"])

    run = validate(j, capsys, broken)

    assert {k: v for k, v in outcomes(run).items() if k != "ci_ready"} == heal_says
    assert heal_says["test"] == "fail" and heal_says["lint"] == "pass"
    j.untouched()


def test_every_bisect_step_uses_the_tools_the_job_installed(
    tmp_path: Path, actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """The test tool is only in .venv/: bisect finds it at every commit, in the checkout, and
    blames the commit that broke the package; the checkout ends on main, as it began."""
    j = job(tmp_path, actions, monkeypatch)
    before, shas = five_commits_third_breaks(j)
    start = where(j.clone)

    run = rollback(j, capsys, before, shas[-1])

    assert run.outputs["status"] == "ROLLBACK EXECUTED", run.out
    assert run.outputs["culprit-sha"] == run.outputs["reverted-shas"] == shas[2]
    assert j.repos.remote_file("main", "src/calc/__init__.py") == GOOD
    assert_remote_keeps(j.repos.remote, "main", shas)
    tested = [(at, head) for tool, at, head in j.runs() if tool == "pytest"]
    assert {at for at, _ in tested} == {str(j.clone)}
    # The end of the push, then the bisect steps over [before, *shas]: c1 good, c3 bad, c2 bad.
    assert [head for _, head in tested] == [shas[4], shas[1], shas[3], shas[2]]
    assert "### Bisect (4 check runs)" in run.summary
    j.back_at(start)  # the revert went to the remote from a scratch tree; no check ran there


# --------------------------------------------------------------------------- editable install


def test_editable_install_validate_tests_the_commit_not_the_checkout(
    tmp_path: Path, actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    """The package is imported from the checkout's src/ (PYTHONPATH, like an editable
    install's .pth): only a checkout of the commit itself makes the import see its code."""
    j = job(tmp_path, actions, monkeypatch, editable=True)
    healthy = j.repos.sha()
    push(j, [("src/calc/__init__.py", BROKEN)])

    run = validate(j, capsys, healthy, detect="false", test_command=UNITTEST)

    assert outcomes(run)["test"] == "pass", run.out


def test_editable_install_bisect_blames_the_right_commit(
    tmp_path: Path, actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    j = job(tmp_path, actions, monkeypatch, editable=True)
    before, shas = five_commits_third_breaks(j)

    run = rollback(j, capsys, before, shas[-1], detect="false", test_command=UNITTEST)

    assert run.outputs["status"] == "ROLLBACK EXECUTED", run.out
    assert run.outputs["culprit-sha"] == shas[2]
    assert j.repos.remote_file("main", "src/calc/__init__.py") == GOOD
    assert where(j.clone)[1] == "refs/heads/main"


# --------------------------------------------------------------------------- however it ends


def _raise_mid_run(monkeypatch: pytest.MonkeyPatch, module: str, calls_before: int) -> None:
    """The checks runner of `module` works `calls_before` times, then raises."""
    import importlib

    mode = importlib.import_module(f"autoheal.modes.{module}")
    real, calls = mode.run_checks, []

    def run_checks(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) > calls_before:
            raise RuntimeError("crashed mid-run")
        return real(*args, **kwargs)

    monkeypatch.setattr(mode, "run_checks", run_checks)


ENDINGS = ["timeout", "exception", "ctrl-c"]
COUNTED = f'echo run >> "$TOOL_LOG"; {UNITTEST}'


def _ending(how: str, monkeypatch: pytest.MonkeyPatch, module: str, after: int) -> dict[str, str]:
    """Inputs (and patches) that end check run number `after + 1` that way; the runs before
    it pass through (each run of the test command counts itself in TOOL_LOG)."""
    count = 'echo run >> "$TOOL_LOG"; '
    gate = f'[ "$(wc -l < "$TOOL_LOG")" -gt {after} ]'
    if how == "timeout":
        return {"check_timeout": "2", "test_command": f"{count}{gate} && sleep 30; {UNITTEST}"}
    if how == "exception":
        _raise_mid_run(monkeypatch, module, after)
        return {"test_command": COUNTED}
    return {"test_command": f"{count}{gate} && kill -INT {os.getpid()}; {UNITTEST}"}


@pytest.mark.parametrize("how", ENDINGS)
def test_validate_restores_the_checkout_however_the_checks_end(
    tmp_path: Path,
    actions: ActionsEnv,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    how: str,
) -> None:
    j = job(tmp_path, actions, monkeypatch, editable=True)
    healthy = j.repos.sha()
    push(j, [("src/calc/__init__.py", BROKEN)])
    before = where(j.clone)
    inputs = {"detect": "false", **_ending(how, monkeypatch, "validate.evaluation", 0)}

    if how == "ctrl-c":
        with pytest.raises(KeyboardInterrupt):
            validate(j, capsys, healthy, **inputs)
    else:
        run = validate(j, capsys, healthy, **inputs)
        if how == "timeout":
            assert outcomes(run)["test"] == "fail" and "timed out" in run.summary
        else:
            assert run.code == 1 and "crashed mid-run" in run.out

    j.back_at(before)


@pytest.mark.parametrize("how", ENDINGS)
def test_rollback_restores_the_checkout_when_bisect_stops_midway(
    tmp_path: Path,
    actions: ActionsEnv,
    monkeypatch: pytest.MonkeyPatch,
    capsys: Any,
    how: str,
) -> None:
    """The end of the push is checked, then the first bisect step ends that way: nothing is
    pushed and the checkout is back on main at its commit."""
    j = job(tmp_path, actions, monkeypatch, editable=True)
    before, shas = five_commits_third_breaks(j)
    start, remote = where(j.clone), j.repos.remote_log()
    inputs = {
        "detect": "false",
        "strategy": "culprit",
        **_ending(how, monkeypatch, "rollback.culprit", 1),
    }

    if how == "ctrl-c":
        with pytest.raises(KeyboardInterrupt):
            rollback(j, capsys, before, shas[-1], **inputs)
    else:
        run = rollback(j, capsys, before, shas[-1], **inputs)
        if how == "timeout":  # a step that times out fails: every step does, back to `before`
            assert "already broken" in run.summary, run.summary
        else:
            assert run.code == 1 and "crashed mid-run" in run.out

    assert j.repos.remote_log() == remote
    j.back_at(start)
