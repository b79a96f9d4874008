"""`ci-workflow`: after heal or rollback pushes, the project's CI is started on the pushed commit
(`workflow_dispatch`), through main(), with real git (a bare remote) and a fake GitHub on
127.0.0.1. The push always stands, whatever GitHub answers the dispatch."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from autoheal.publish import ci_dispatch
from tests.actions import TOKEN, ActionsEnv, Run, assert_input_error
from tests.fake_github import FakeGitHub, Recorded, dispatch_run_details
from tests.fakes import NOW, FakeClock
from tests.gitfixtures import git, install_reject_hook
from tests.heal_helpers import FORMATTED, REPO, UNFORMATTED, Setup, setup_heal
from tests.modes.rollback.test_rollback import World
from tests.test_examples import load, ours

ROOT = Path(__file__).parents[2]
EXAMPLES = ROOT / "examples"
README = (ROOT / "docs" / "troubleshooting.md").read_text().replace("`", "")
WORKFLOW = f"/repos/{REPO}/actions/workflows/ci.yml"
DISPATCHES = f"{WORKFLOW}/dispatches"
RUNS = f"{WORKFLOW}/runs"
RUN_HTML = f"https://github.com/{REPO}/actions/runs/"


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def workflow_run(
    run_id: int,
    sha: str,
    *,
    branch: str = "main",
    event: str = "workflow_dispatch",
    created: float = NOW + 2,
) -> dict[str, Any]:
    """A run as GET .../actions/workflows/{id}/runs lists it (the fields we read)."""
    return {
        "id": run_id,
        "head_sha": sha,
        "head_branch": branch,
        "event": event,
        "status": "queued",
        "created_at": iso(created),
        "html_url": f"{RUN_HTML}{run_id}",
    }


def details(run_id: int) -> dict[str, Any]:
    """GitHub's 200 answer to a dispatch with `return_run_details: true`."""
    return dispatch_run_details(REPO, run_id)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """Time for the run search: it moves only when the search sleeps."""
    fake = FakeClock()
    monkeypatch.setattr(ci_dispatch, "clock", fake.time)
    monkeypatch.setattr(ci_dispatch, "sleep", fake.sleep)
    return fake


@pytest.fixture
def github(httpserver: HTTPServer) -> FakeGitHub:
    return FakeGitHub(httpserver)


class Heal:
    """heal with `ci-workflow: ci.yml` on a badly formatted main, talking to the fake GitHub.
    `remote_at_dispatch` is main's remote tip when each dispatch arrived."""

    def __init__(self, s: Setup, github: FakeGitHub) -> None:
        self.s = s
        self.github = github
        self.remote_at_dispatch: list[str | None] = []
        s.actions.env["GITHUB_API_URL"] = github.api_url

    def answer_dispatch(self, status: int, body: Any = None) -> None:
        def answer(_request: Recorded) -> tuple[int, Any]:
            self.remote_at_dispatch.append(self.s.repos.remote_sha("main"))
            return status, body

        self.github.route("POST", DISPATCHES, answer=answer)

    def list_runs(self, make: Any) -> None:
        """GET runs answers `make(pushed sha)`, whatever the filters say (like a server that
        ignores them): the choice must not depend on the server filtering."""
        self.github.route(
            "GET",
            RUNS,
            answer=lambda _r: (200, {"total_count": 9, "workflow_runs": make(self.pushed())}),
        )

    def pushed(self) -> str:
        sha = self.s.repos.remote_sha("main")
        assert sha is not None
        return sha

    def run(self, capsys: pytest.CaptureFixture[str]) -> Run:
        return self.s.actions.run(capsys)


@pytest.fixture
def heal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: FakeGitHub, clock: FakeClock
) -> Heal:
    return Heal(setup_heal(tmp_path, monkeypatch, ci_workflow="ci.yml"), github)


def assert_pushed(heal: Heal, r: Run) -> str:
    """The fix is on the remote's main, and it was there before CI was dispatched."""
    assert r.outputs["status"] == "HEALED", r.out + r.err
    sha = heal.pushed()
    assert sha == r.outputs["commit-sha"] == heal.s.head()
    assert heal.s.repos.remote_file("main", "app.py") == FORMATTED
    assert heal.remote_at_dispatch == [sha]
    return sha


def warnings(r: Run) -> list[str]:
    return [line for line in r.out.splitlines() if line.startswith("::warning")]


# --------------------------------------------------------------------------- 200: GitHub names it


def test_heal_pushes_then_starts_ci_and_outputs_the_run(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    heal.answer_dispatch(200, details(555))
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert_pushed(heal, r)
    [sent] = heal.github.requests("POST", DISPATCHES)
    assert sent.body == {"ref": "main", "return_run_details": True}
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert r.outputs["ci-run-id"] == "555"
    assert r.outputs["ci-run-url"] == f"{RUN_HTML}555"
    assert "### CI run" in r.summary
    assert f"[`ci.yml` run 555]({RUN_HTML}555)" in r.summary
    assert heal.github.requests("GET", RUNS) == []  # named: nothing to look for
    assert heal.github.unrouted() == []
    assert not warnings(r)


def test_a_run_address_that_could_break_the_summary_is_not_linked(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    heal.answer_dispatch(200, {**details(555), "html_url": "https://x/)](javascript:alert(1)"})
    r = heal.run(capsys)
    assert r.outputs["ci-run-id"] == "555"
    assert r.outputs["ci-run-url"] == ""
    assert "javascript" not in r.summary + r.outputs["ci-run-url"]


# --------------------------------------------------------------------------- 204: find the run


def test_204_finds_the_one_run_among_decoys(heal: Heal, capsys: pytest.CaptureFixture[str]) -> None:
    heal.answer_dispatch(204)
    heal.list_runs(
        lambda sha: [
            workflow_run(901, "f" * 40),  # another commit
            workflow_run(902, sha, created=NOW - 600),  # before the dispatch
            workflow_run(903, sha, branch="other"),  # another branch
            workflow_run(904, sha, event="push"),  # not a dispatch
            workflow_run(905, sha),  # ours
        ]
    )
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    sha = assert_pushed(heal, r)
    [sent] = heal.github.requests("POST", DISPATCHES)
    assert sent.body == {"ref": "main", "return_run_details": True}
    [listed] = heal.github.requests("GET", RUNS)
    assert listed.query == {
        "branch": "main",
        "event": "workflow_dispatch",
        "head_sha": sha,
        "created": f">={iso(NOW - ci_dispatch.CLOCK_SKEW)}",
        "per_page": "30",
    }
    assert r.outputs["ci-run-id"] == "905"
    assert r.outputs["ci-run-url"] == f"{RUN_HTML}905"
    assert "found as the only run" in r.summary
    assert not warnings(r)


def test_204_waits_for_the_run_to_appear(
    heal: Heal, capsys: pytest.CaptureFixture[str], clock: FakeClock
) -> None:
    heal.answer_dispatch(204)
    lists = iter([[], [], [workflow_run(905, "")]])
    heal.list_runs(lambda sha: [{**run, "head_sha": sha} for run in next(lists)])
    r = heal.run(capsys)
    assert r.outputs["ci-run-id"] == "905"
    assert len(heal.github.requests("GET", RUNS)) == 3
    assert clock.sleeps == [ci_dispatch.POLL_INTERVAL] * 2


def test_204_says_so_when_two_runs_match(heal: Heal, capsys: pytest.CaptureFixture[str]) -> None:
    heal.answer_dispatch(204)
    heal.list_runs(lambda sha: [workflow_run(905, sha), workflow_run(906, sha, created=NOW + 1)])
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert_pushed(heal, r)
    assert "ci-run-id" not in r.outputs and "ci-run-url" not in r.outputs  # never a guess
    [warning] = warnings(r)
    assert "2 runs of `ci.yml`" in warning and "cannot be told" in warning
    assert "cannot be told" in r.summary


def test_204_gives_up_at_the_deadline_when_no_run_appears(
    heal: Heal, capsys: pytest.CaptureFixture[str], clock: FakeClock
) -> None:
    heal.answer_dispatch(204)
    heal.list_runs(lambda sha: [workflow_run(902, sha, created=NOW - 600)])
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert_pushed(heal, r)
    assert "ci-run-id" not in r.outputs
    polls = int(ci_dispatch.FIND_TIMEOUT / ci_dispatch.POLL_INTERVAL) + 1
    assert len(heal.github.requests("GET", RUNS)) == polls
    assert sum(clock.sleeps) <= ci_dispatch.FIND_TIMEOUT
    [warning] = warnings(r)
    assert f"appeared within {ci_dispatch.FIND_TIMEOUT:g} s" in warning
    assert len(heal.github.requests("POST", DISPATCHES)) == 1


def test_a_server_that_does_not_know_return_run_details_gets_it_once_without(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    refused = {
        "message": 'Invalid request.\n\n"return_run_details" is not a permitted key.',
        "documentation_url": "https://docs.github.com/enterprise-server@3.14/rest",
    }

    def answer(request: Recorded) -> tuple[int, Any]:
        heal.remote_at_dispatch.append(heal.s.repos.remote_sha("main"))
        return (422, refused) if "return_run_details" in request.body else (204, None)

    heal.github.route("POST", DISPATCHES, answer=answer)
    heal.list_runs(lambda sha: [workflow_run(905, sha)])
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    first, second = heal.github.requests("POST", DISPATCHES)
    assert first.body == {"ref": "main", "return_run_details": True}
    assert second.body == {"ref": "main"}
    assert r.outputs["ci-run-id"] == "905"


# --------------------------------------------------------------------------- errors keep the push


@pytest.mark.parametrize(
    ("status", "body", "fix"),
    [
        (404, {"message": "Not Found"}, "add `workflow_dispatch:` to its `on:`"),
        (
            403,
            {"message": "Resource not accessible by integration"},
            "Add `actions: write` to the job's `permissions:`",
        ),
        (
            422,
            {"message": "Workflow does not have 'workflow_dispatch' trigger"},
            "Add `workflow_dispatch:` to its `on:`",
        ),
    ],
    ids=["404-no-workflow", "403-no-actions-write", "422-no-trigger"],
)
def test_a_refused_dispatch_is_explained_and_the_push_kept(
    heal: Heal, capsys: pytest.CaptureFixture[str], status: int, body: Any, fix: str
) -> None:
    heal.answer_dispatch(status, body)
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err  # a warning: the push stands
    assert_pushed(heal, r)
    assert len(heal.github.requests("POST", DISPATCHES)) == 1  # never sent twice
    [warning] = warnings(r)
    assert "title=CI not started" in warning
    assert "was not started on `main`" in warning and fix in warning
    assert "The push of" in warning and "stands" in warning
    assert "was not started" in r.summary and fix in r.summary
    said = warning.split("was not started on `main`: ", 1)[1].split("(")[0]
    said = re.sub("`ci.yml`", "X", said).replace("`", "")
    assert f"was not started on Y: {said}" in README  # in the troubleshooting table
    assert "CI was not started on the pushed commit" in r.out  # the step's last word
    assert "ci-run-id" not in r.outputs
    shown = [line for line in r.out.splitlines() if not line.startswith("::add-mask::")]
    assert TOKEN not in "\n".join(shown) + r.err + r.summary


def test_fail_on_error_fails_the_step_but_keeps_the_push(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    heal.s.actions.inputs(fail_on_error="true")
    heal.answer_dispatch(403, {"message": "Resource not accessible by integration"})
    r = heal.run(capsys)
    assert r.code == 1
    assert_pushed(heal, r)
    [error] = [line for line in r.out.splitlines() if line.startswith("::error")]
    assert "actions: write" in error and "stands" in error
    assert heal.s.status() == ""  # the checkout stays on the pushed commit


def test_a_dispatch_that_may_have_been_received_is_not_sent_again(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    heal.answer_dispatch(502, {"message": "Bad Gateway"})
    heal.list_runs(lambda sha: [workflow_run(905, sha)])
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert_pushed(heal, r)
    assert len(heal.github.requests("POST", DISPATCHES)) == 1
    assert r.outputs["ci-run-id"] == "905"  # found by looking, not by asking again


def test_a_lost_dispatch_that_started_nothing_is_a_warning_to_look(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    heal.answer_dispatch(502, {"message": "Bad Gateway"})
    heal.list_runs(lambda sha: [])
    r = heal.run(capsys)
    assert r.code == 0
    assert len(heal.github.requests("POST", DISPATCHES)) == 1
    [warning] = warnings(r)
    assert "was not sent again" in warning and "Actions tab" in warning


# ------------------------------------------------------------------ when nothing is started


def test_no_dispatch_for_a_pull_request_fallback(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    install_reject_hook(heal.s.repos.remote)
    heal.github.route("GET", f"/repos/{REPO}/pulls", body=[])
    heal.github.route(
        "POST", f"/repos/{REPO}/pulls", status=201, body={"number": 8, "html_url": "u/pull/8"}
    )
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["pr-url"] == "u/pull/8"
    assert heal.github.requests("POST", DISPATCHES) == []
    assert heal.github.unrouted() == []


@pytest.mark.parametrize("case", ["dry-run", "no ci-workflow"])
def test_no_dispatch_without_a_push_or_without_the_input(
    heal: Heal, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    if case == "dry-run":
        heal.s.actions.inputs(dry_run="true")
    else:
        del heal.s.actions.env["INPUT_CI_WORKFLOW"]
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert heal.github.log == []
    assert "### CI run" not in r.summary


@pytest.mark.parametrize(
    "value", [".github/workflows/ci.yml", "ci", "ci.yml\nx.yml", "0", "../ci.yml/x", "c i.yml"]
)
def test_a_bad_ci_workflow_is_refused_before_anything(
    heal: Heal, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    tip = heal.s.repos.remote_sha("main")
    heal.s.actions.inputs(ci_workflow=value)
    r = heal.run(capsys)
    message = assert_input_error(r, "ci-workflow")
    assert "file name" in message
    assert heal.s.repos.remote_sha("main") == tip
    assert heal.s.repos.remote_file("main", "app.py") == UNFORMATTED
    assert heal.github.log == []


@pytest.mark.parametrize("value", ["ci.yml", "ci.yaml", "Build-and.Test_1.yml", "161335"])
def test_workflow_names_and_ids_are_sent_as_the_path(
    heal: Heal, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    heal.s.actions.inputs(ci_workflow=value)
    path = f"/repos/{REPO}/actions/workflows/{value}/dispatches"
    heal.github.route("POST", path.replace(".", r"\."), body=details(7))
    r = heal.run(capsys)
    assert r.outputs["ci-run-id"] == "7", r.out
    assert len(heal.github.requests("POST", path.replace(".", r"\."))) == 1


# --------------------------------------------------------------------------- rollback


@pytest.fixture
def world(
    tmp_path: Path, actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> Iterator[World]:
    counter = tmp_path / "check-runs"
    monkeypatch.setenv("CHECK_COUNTER", str(counter))
    yield World(tmp_path, actions, counter)


def bad_push(world: World, github: FakeGitHub, *, shallow: bool) -> tuple[str, str]:
    """A bad commit pushed to main, the CI checkout, the fake GitHub knowing its author:
    (the commit before the push, the bad one)."""
    before = world.repos.sha()
    bad = world.commit("app.txt", "bug\n", "introduce a bug")
    world.repos.push()
    world.checkout(shallow=shallow)
    world.actions.env["GITHUB_API_URL"] = github.api_url
    github.route("GET", f"/repos/{REPO}/commits/{bad}", body={"author": {"login": "dev"}})
    return before, bad


def test_rollback_starts_ci_on_its_pushed_revert(
    world: World, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    before, bad = bad_push(world, github, shallow=True)
    at_dispatch: list[str | None] = []

    def answer(_request: Recorded) -> tuple[int, Any]:
        at_dispatch.append(world.repos.remote_sha("main"))
        return 200, details(777)

    github.route("POST", DISPATCHES, answer=answer)
    r = world.run(capsys, before=before, after=bad, token=TOKEN, ci_workflow="ci.yml")
    assert r.code == 1, r.out + r.err  # fail-after-rollback
    assert r.outputs["status"] == "ROLLBACK EXECUTED"
    revert = r.outputs["revert-sha"]
    assert world.repos.remote_sha("main") == revert
    assert at_dispatch == [revert]  # dispatched after the push, on the revert
    [sent] = github.requests("POST", DISPATCHES)
    assert sent.body == {"ref": "main", "return_run_details": True}
    assert r.outputs["ci-run-id"] == "777"
    assert r.outputs["ci-run-url"] == f"{RUN_HTML}777"
    assert f"CI: Started [`ci.yml` run 777]({RUN_HTML}777)" in r.summary


def test_rollback_via_pull_request_starts_no_ci(
    world: World, capsys: pytest.CaptureFixture[str], github: FakeGitHub
) -> None:
    before, bad = bad_push(world, github, shallow=False)
    github.route("GET", f"/repos/{REPO}/pulls", body=[])
    github.route("POST", f"/repos/{REPO}/pulls", status=201, body={"html_url": "u/pull/9"})
    r = world.run(
        capsys, before=before, after=bad, token=TOKEN, ci_workflow="ci.yml",
        rollback_via="pull-request",
    )  # fmt: skip
    assert r.outputs["pr-url"] == "u/pull/9", r.out
    assert github.requests("POST", DISPATCHES) == []
    assert "bug" in (world.repos.remote_file("main", "app.txt") or "")
    assert git(world.repos.remote, "branch", "--list", "autoheal/revert-*").strip()


# --------------------------------------------------------------------------- the examples


def test_the_ci_example_starts_itself_on_the_healed_commit() -> None:
    path = EXAMPLES / "ci.yml"
    doc = load(path)
    assert "workflow_dispatch" in doc[True]  # YAML 1.1 reads a bare `on` as true
    (heal,) = ours(path, "heal", "autoheal")  # the fork's job pushes nothing
    assert heal["with"]["ci-workflow"] == path.name == "ci.yml"
    assert doc["jobs"]["autoheal"]["permissions"]["actions"] == "write"
    rollback_path = EXAMPLES / "post-remediation-check.yml"
    (rollback,) = ours(rollback_path, "rollback")
    assert rollback["with"]["ci-workflow"] == "ci.yml"
    assert load(rollback_path)["jobs"]["validate"]["permissions"]["actions"] == "write"
