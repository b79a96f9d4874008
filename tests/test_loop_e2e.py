"""The whole loop, end to end, through `main()` in Actions mode, the way four workflow steps
would chain it:

    heal ──push──► bare remote           (a --depth 1 clone, like actions/checkout)
    redispatch ──POST /dispatches──► fake GitHub on 127.0.0.1 (records the request)
    validate   ◄── the recorded client_payload as its repository_dispatch event
    rollback   ◄── validate's outputs; bisects, pushes the revert, opens an issue

Nothing is mocked below `main()`: real git (file:// remote), real check subprocesses, real HTTP
over a socket. The sample project's checks are tiny python3 scripts, so the test is fast.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest import CaptureFixture
from pytest_httpserver import HTTPServer

from autoheal import demo
from tests.actions import TOKEN, ActionsEnv, Run, load_event
from tests.fake_github import FakeGitHub
from tests.gitfixtures import Repos, assert_remote_keeps, git, make_repo

REPO = "octo-org/octo-repo"
RUN_URL = f"https://github.com/{REPO}/actions/runs/1234"

# ---------------------------------------------------------------------------------- the sample

CONFIG = """\
detect: false
checks:
  lint:
    command: python3 tools/style.py
    fix: python3 tools/style.py --fix
  build:
    command: python3 tools/build.py
  test:
    command: python3 -m unittest -q
"""

# The demo's style checker: no trailing whitespace, no tabs in *.py; --fix repairs both.
STYLE = demo.STYLE

# "Build": every module imports (from the project root, where the check runs).
BUILD = "import sys\n\nsys.path.insert(0, '.')\nimport calc  # noqa\nimport report  # noqa\n"

CALC = "def total(prices):\n    return round(sum(prices), 2)\n"
CALC_DISCOUNT = (
    CALC + "\n\ndef discounted(prices, pct):\n    return total(prices) * (100 - pct) / 100\n"
)
# The real bug: it imports a module nobody committed (breaks build and test).
CALC_BUG = "from precision import DIGITS\n\n\n" + CALC_DISCOUNT.replace("2)", "DIGITS)")

TESTS = """\
import unittest

import calc


class CalcTest(unittest.TestCase):
    def test_total(self):
        self.assertEqual(calc.total([1.5, 2.5]), 4.0)
"""

REPORT_OK = "import calc\n"
# A formatting break (trailing spaces, a tab): lint fails, `style.py --fix` repairs it.
REPORT_BAD = "import calc   \n\n\ndef line(prices):\n\treturn f'Total: {calc.total(prices)}'\n"
REPORT_FIXED = "import calc\n\n\ndef line(prices):\n    return f'Total: {calc.total(prices)}'\n"


@dataclass
class Sample:
    repos: Repos
    before: str  # the last good commit, on the remote before the bad push
    push: list[str]  # the bad push, oldest first
    culprit: str
    after: str


# The sample project before any push: every check passes.
FILES = {
    ".github/autoheal.yml": CONFIG,
    "tools/style.py": STYLE,
    "tools/build.py": BUILD,
    "calc.py": CALC,
    "report.py": REPORT_OK,
    "test_calc.py": TESTS,
}


def build_sample(tmp_path: Path) -> Sample:
    repos = make_repo(tmp_path, files=FILES)
    before = repos.sha()
    assert run_checks_at(repos.work) == {"lint": 0, "build": 0, "test": 0}  # a sane sample
    push = [
        repos.commit("calc.py", CALC_DISCOUNT, "Add discounted prices"),
        repos.commit("calc.py", CALC_BUG, "Read the precision from a module"),  # the culprit
        repos.commit("README.md", "# Calc\n", "Describe the project"),
        repos.commit("report.py", REPORT_BAD, "Print report lines"),  # the formatting break
    ]
    repos.push()
    return Sample(repos, before, push, culprit=push[1], after=push[-1])


def run_checks_at(tree: Path) -> dict[str, int]:
    """The sample's checks, run by hand (not by autoheal) in `tree`: name -> exit code."""
    commands = {
        "lint": ["python3", "tools/style.py"],
        "build": ["python3", "tools/build.py"],
        "test": ["python3", "-m", "unittest", "-q"],
    }
    return {
        name: subprocess.run(cmd, cwd=tree, capture_output=True, check=False).returncode
        for name, cmd in commands.items()
    }


# ---------------------------------------------------------------------------------- the steps


def step(
    tmp_path: Path, name: str, workspace: Path, event: dict[str, Any], **env: str
) -> ActionsEnv:
    """A fresh runner step: its own GITHUB_OUTPUT, summary, event file and RUNNER_TEMP."""
    folder = tmp_path / f"step-{name}"
    folder.mkdir()
    actions = ActionsEnv(folder, workspace)
    actions.env.pop("PATH")  # checks and git use the test process's PATH anyway
    actions.env.update({"GITHUB_REPOSITORY": REPO, "INPUT_TOKEN": TOKEN, **env})
    actions.set_event(event)
    return actions


def push_event(sample: Sample) -> dict[str, Any]:
    """GitHub's real push payload, edited to describe the bad push."""
    event = load_event("push.branch.json")
    event.update(ref="refs/heads/main", before=sample.before, after=sample.after, created=False)
    event["repository"].update(full_name=REPO, default_branch="main")
    return event


def dispatch_event(client_payload: dict[str, Any]) -> dict[str, Any]:
    """GitHub's real repository_dispatch payload, carrying what redispatch sent."""
    event = load_event("repository_dispatch.json")
    event.update(action="post-remediation-check", branch="main", client_payload=client_payload)
    event["repository"].update(full_name=REPO, default_branch="main")
    return event


def assert_no_token(name: str, run: Run, actions: ActionsEnv) -> None:
    """The token may appear only in the `::add-mask::` line the runner needs."""
    out = "\n".join(line for line in run.out.splitlines() if not line.startswith("::add-mask::"))
    places = {
        "stdout": out,
        "stderr": run.err,
        "outputs": actions.output.read_text(),
        "summary": run.summary,
    }
    for where, text in places.items():
        assert TOKEN not in text, f"{name}: token leaked in {where}"


# ---------------------------------------------------------------------------------- the test


def test_heal_redispatch_validate_rollback(
    tmp_path: Path, httpserver: HTTPServer, capsys: CaptureFixture[str]
) -> None:
    sample = build_sample(tmp_path)
    repos = sample.repos
    original = repos.remote_log()  # every commit the remote has before the loop starts

    github = FakeGitHub(httpserver)
    github.route("POST", f"/repos/{REPO}/dispatches", status=204)
    github.route("GET", f"/repos/{REPO}/commits/[0-9a-f]{{40}}/statuses", body=[])
    github.route(
        "POST",
        f"/repos/{REPO}/statuses/[0-9a-f]{{40}}",
        status=201,
        answer=lambda r: (201, {"id": 1, **r.body}),
    )
    github.route(
        "GET", f"/repos/{REPO}/commits/[0-9a-f]{{40}}", body={"author": {"login": "dev-login"}}
    )
    github.route("GET", f"/repos/{REPO}/issues", body=[])  # no open rollback issue yet
    issue_url = f"https://github.com/{REPO}/issues/17"
    github.route(
        "POST", f"/repos/{REPO}/issues", status=201, body={"number": 17, "html_url": issue_url}
    )
    api = {"GITHUB_API_URL": github.api_url}
    runs: dict[str, tuple[Run, ActionsEnv]] = {}

    # 1. heal, in a --depth 1 clone like actions/checkout, on the push event. Lint fails
    #    (report.py) and has a fixer; build and test fail (the culprit) and have none. heal
    #    commits the formatting fix and pushes it: PARTIAL (exit 1, checks still fail).
    ci = repos.clone("ci-heal", depth=1, identity=False)
    heal_env = step(
        tmp_path, "heal", ci, push_event(sample), GITHUB_SHA=sample.after, INPUT_MODE="heal", **api
    )
    heal = heal_env.run(capsys)
    runs["heal"] = (heal, heal_env)
    assert heal.code == 1, heal.out
    assert heal.outputs["status"] == "PARTIAL"
    assert heal.outputs["healed"] == "true"
    assert heal.outputs["fixed-categories"] == "lint"
    assert heal.outputs["confidence-before"] == "0"
    # lint's weight, renormalised without security: 15 / (15 + 30 + 30).
    assert heal.outputs["confidence-after"] == "20"
    healed = heal.outputs["commit-sha"]
    assert repos.remote_sha() == healed
    assert git(repos.remote, "rev-parse", f"{healed}^").strip() == sample.after
    assert f"Autoheal-Run: {RUN_URL}" in repos.remote_message(healed)
    assert repos.remote_file("main", "report.py") == REPORT_FIXED
    # heal failed its step (exit 1), so the redispatch step its summary suggests must not
    # carry GitHub's implicit `success()`, or the loop would stop here.
    assert "if: ${{ !cancelled() && steps.heal.outputs.validate-sha != '' }}" in heal.summary
    assert heal.outputs["validate-sha"] == healed

    # 2. redispatch: heal's commit and confidence, the same push event (it carries `before`),
    #    to the fake GitHub. GITHUB_TOKEN pushes start no runs: this POST is what wakes validate.
    redispatch_env = step(
        tmp_path,
        "redispatch",
        ci,
        push_event(sample),
        GITHUB_SHA=sample.after,
        INPUT_MODE="redispatch",
        INPUT_SHA=heal.outputs["validate-sha"],
        INPUT_CONFIDENCE=heal.outputs["confidence-after"],
        INPUT_CATEGORY_OUTCOMES=heal.outputs["category-outcomes"],
        **api,
    )
    redispatch = redispatch_env.run(capsys)
    runs["redispatch"] = (redispatch, redispatch_env)
    assert redispatch.code == 0, redispatch.out
    assert redispatch.outputs["status"] == "DISPATCHED"
    assert redispatch.outputs["http-status"] == "204"
    [sent] = github.requests("POST", f"/repos/{REPO}/dispatches")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["X-Github-Api-Version"] == "2022-11-28"
    assert sent.headers["Accept"] == "application/vnd.github+json"
    assert sent.body["event_type"] == "post-remediation-check"
    assert set(sent.body["client_payload"]) == {"autoheal"}
    ours = sent.body["client_payload"]["autoheal"]
    assert ours["version"] == 1
    assert ours["sha"] == healed
    assert ours["before"] == sample.before
    assert ours["ref"] == "refs/heads/main"
    assert ours["repository"] == REPO
    assert ours["confidence"] == 20
    assert ours["checks"] == {"lint": "pass", "security": "absent", "build": "fail", "test": "fail"}
    assert ours["pr"] is None
    assert (
        ours["dispatch_id"] == redispatch.outputs["dispatch-id"] == f"{REPO}/1234/1/{healed[:12]}"
    )

    # Meanwhile a teammate pushes a harmless commit: the default branch tip (GITHUB_SHA of the
    # dispatched run) is now neither the healed commit nor anything validate should evaluate.
    repos.pull()
    teammate = repos.commit("NOTES.md", "Notes.\n", "Add notes")
    repos.push()

    # 3. validate, in the run the dispatch started: a fresh depth-1 clone of the default branch,
    #    GITHUB_SHA its tip. The recorded client_payload is the event's; validate must fetch and
    #    evaluate the payload's sha, post a CRITICAL status, and ask for a rollback.
    dispatched = dispatch_event(sent.body["client_payload"])
    validate_ci = repos.clone("ci-validate", depth=1, identity=False)
    validate_env = step(
        tmp_path,
        "validate",
        validate_ci,
        dispatched,
        GITHUB_EVENT_NAME="repository_dispatch",
        GITHUB_SHA=teammate,
        INPUT_MODE="validate",
        **api,
    )
    validate = validate_env.run(capsys)
    runs["validate"] = (validate, validate_env)
    assert validate.code == 0, validate.out
    assert validate.outputs["sha"] == healed
    assert validate.outputs["status"] == "CRITICAL"
    assert validate.outputs["rollback-required"] == "true"
    assert validate.outputs["confidence"] == "20"  # heal's, and validate measured the same
    # 20 + lint's 5; build and test fail, so no bonus for them nor for CI-ready; already
    # below the threshold, so the critical cap changes nothing.
    assert int(validate.outputs["effectiveness-score"]) == 25 < 30
    breakdown = json.loads(validate.outputs["breakdown"])
    outcomes = {category: part["outcome"] for category, part in breakdown.items()}
    assert outcomes == {
        "lint": "pass",
        "security": "absent",
        "build": "fail",
        "test": "fail",
        "ci_ready": "fail",
    }
    [status] = github.requests("POST", f"/repos/{REPO}/statuses/{healed}")
    assert status.body["state"] == "failure"
    assert status.body["context"] == "autoheal/validate"
    assert "CRITICAL" in status.body["description"]
    assert github.requests("GET", f"/repos/{REPO}/commits/{healed}/statuses")  # duplicate check
    assert not github.requests("POST", f"/repos/{REPO}/statuses/{teammate}")

    # 4. rollback, in the same dispatched run (a fresh depth-1 clone again): validate's
    #    decision as input, the payload giving before, sha and ref. It bisects before..healed,
    #    finds the culprit, reverts it on the remote tip, pushes, opens an issue and fails the
    #    step so a person looks (stop the line).
    rollback_ci = repos.clone("ci-rollback", depth=1, identity=False)
    rollback_env = step(
        tmp_path,
        "rollback",
        rollback_ci,
        dispatched,
        GITHUB_EVENT_NAME="repository_dispatch",
        GITHUB_SHA=teammate,
        INPUT_MODE="rollback",
        INPUT_ROLLBACK_REQUIRED=validate.outputs["rollback-required"],
        **api,
    )
    rollback = rollback_env.run(capsys)
    runs["rollback"] = (rollback, rollback_env)
    assert rollback.code == 1, rollback.out
    assert "::error title=Rollback executed::Rolled back" in rollback.out
    assert rollback.outputs["status"] == "ROLLBACK EXECUTED"
    assert rollback.outputs["rolled-back"] == "true"
    assert rollback.outputs["culprit-sha"] == sample.culprit
    assert rollback.outputs["reverted-shas"] == sample.culprit
    assert rollback.outputs["issue-url"] == issue_url
    revert = rollback.outputs["revert-sha"]
    [issue] = github.requests("POST", f"/repos/{REPO}/issues")
    assert sample.culprit in issue.body["body"]
    assert "@dev-login" in issue.body["body"]
    assert issue.body["title"] == "CI Autoheal rolled back main"

    # 5. The remote: only commits were added. Its tip is the revert of exactly the culprit,
    #    on top of the teammate's commit, on top of heal's fix; nothing was rewritten.
    assert repos.remote_sha() == revert
    assert git(repos.remote, "rev-parse", f"{revert}^").strip() == teammate
    assert git(repos.remote, "rev-parse", f"{teammate}^").strip() == healed
    message = repos.remote_message(revert)
    assert f"This reverts commit {sample.culprit}" in message
    assert f"Autoheal-Revert-Of: {sample.culprit}\n" in message
    assert message.count("Autoheal-Revert-Of:") == 1
    touched = git(repos.remote, "diff-tree", "--no-commit-id", "--name-only", "-r", revert)
    assert touched.split() == ["calc.py"]
    assert_remote_keeps(repos.remote, "main", [*original, *sample.push, healed, teammate])
    # The revert undid the culprit's lines and nothing else: calc.py is as before it.
    assert repos.remote_file("main", "calc.py") == CALC_DISCOUNT
    assert repos.remote_file("main", "report.py") == REPORT_FIXED  # heal's fix is kept
    # And the tip passes every check of the sample, run by hand in a fresh clone.
    final = repos.clone("final")
    assert run_checks_at(final) == {"lint": 0, "build": 0, "test": 0}

    # Nothing went anywhere we did not expect, and the token never showed.
    assert not github.unrouted(), [f"{r.method} {r.path}" for r in github.unrouted()]
    for name, (run, actions) in runs.items():
        assert_no_token(name, run, actions)
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in github.log)
    assert not any(TOKEN in r.path or TOKEN in json.dumps(r.body) for r in github.log)
