"""The loop when heal is not enough, end to end, chained the way the example workflows chain it.

    examples/ci.yml                      heal ──validate-sha──► redispatch ──POST /dispatches──►
    examples/post-remediation-check.yml  validate ──rollback-required──► rollback

Each step runs `main()` in Actions mode with the `with:` of its step in the example file,
filled from the earlier steps' outputs, and only when that step's `if:` holds. Real git (a bare
remote, a depth-1 clone for heal, the full checkout the post-remediation example makes), real
check subprocesses, a fake GitHub on 127.0.0.1. Assertions are on the remote.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.actions import TOKEN, Run, load_event
from tests.fake_github import FakeGitHub, dispatch_run_details
from tests.gitfixtures import Repos, assert_remote_keeps, git, make_repo
from tests.heal_helpers import pr_event
from tests.test_examples import ours
from tests.test_loop_e2e import (
    CALC,
    FILES,
    REPO,
    REPORT_BAD,
    assert_no_token,
    dispatch_event,
    run_checks_at,
    step,
)

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "examples" / "ci.yml"
POST_REMEDIATION = ROOT / "examples" / "post-remediation-check.yml"

# A real regression with nothing mechanical about it: lint and build pass, the test fails.
CALC_WRONG = "def total(prices):\n    return round(sum(prices) * 1.1, 2)\n"

Outputs = dict[str, dict[str, str]]


# ---------------------------------------------------------------------------- the examples


def example(path: Path, mode: str) -> dict[str, Any]:
    """The step of `mode`; in ci.yml, of its `autoheal` job (the fork's job pushes nothing)."""
    (found,) = ours(path, mode, "autoheal" if path == CI else "")
    return found


def condition_holds(found: dict[str, Any], outputs: Outputs) -> bool:
    """The step's `if:`, for the forms the examples use: `!cancelled()` and comparisons of
    step outputs with a quoted string, joined by `&&`."""
    text = str(found.get("if", "")).strip()
    if not text:
        return True
    text = text.removeprefix("${{").removesuffix("}}")
    for clause in (c.strip() for c in text.split("&&")):
        if clause == "!cancelled()":
            continue  # the job was not cancelled
        match = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+) (==|!=) '([^']*)'", clause)
        assert match, f"this test cannot evaluate the example's condition {clause!r}"
        value = outputs.get(match[1], {}).get(match[2], "")
        if (value == match[4]) != (match[3] == "=="):
            return False
    return True


def example_inputs(found: dict[str, Any], outputs: Outputs) -> dict[str, str]:
    """INPUT_* variables from the step's `with:`: earlier outputs filled in; secrets and other
    expressions left to the test (it passes its own token)."""
    env = {}
    for key, value in found["with"].items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        ref = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}", text)
        if ref:
            text = outputs[ref[1]].get(ref[2], "")
        elif "${{" in text:
            continue
        env["INPUT_" + key.upper().replace("-", "_")] = text
    return env


# ---------------------------------------------------------------------------- the world


class Loop:
    """The sample's remote, the fake GitHub, and the steps run so far."""

    def __init__(self, tmp_path: Path, httpserver: HTTPServer, capsys: Any) -> None:
        self.tmp = tmp_path
        self.capsys = capsys
        files = {**FILES, ".gitignore": "__pycache__/\n"}
        self.repos: Repos = make_repo(tmp_path, files=files)
        self.github = FakeGitHub(httpserver)
        self.outputs: Outputs = {}
        self.runs: list[tuple[str, Run, Any]] = []
        self._routes()

    def _routes(self) -> None:
        gh, sha = self.github, "[0-9a-f]{40}"
        gh.route("POST", f"/repos/{REPO}/dispatches", status=204)
        # The examples' heal and rollback start ci.yml on what they push (`ci-workflow`).
        ci_run = dispatch_run_details(REPO, 4321)
        gh.route("POST", f"/repos/{REPO}/actions/workflows/ci.yml/dispatches", body=ci_run)
        gh.route("GET", f"/repos/{REPO}/commits/{sha}/statuses", body=[])
        gh.route("POST", f"/repos/{REPO}/statuses/{sha}", status=201, body={"id": 1})
        gh.route("GET", f"/repos/{REPO}/commits/{sha}", body={"author": {"login": "dev-login"}})
        gh.route("GET", f"/repos/{REPO}/issues", body=[])
        gh.route(
            "POST",
            f"/repos/{REPO}/issues",
            status=201,
            body={"number": 17, "html_url": f"https://github.com/{REPO}/issues/17"},
        )
        gh.route("POST", f"/repos/{REPO}/issues/7/labels", body=[{"name": "x"}])
        gh.route("GET", f"/repos/{REPO}/issues/7/comments", body=[])
        gh.route(
            "POST",
            f"/repos/{REPO}/issues/7/comments",
            status=201,
            body={"id": 5, "html_url": f"https://github.com/{REPO}/pull/7#issuecomment-5"},
        )

    def run(
        self, name: str, path: Path, mode: str, workspace: Path, event: dict[str, Any], **env: str
    ) -> Run | None:
        """One example step: skipped (None) when its `if:` does not hold."""
        found = example(path, mode)
        if not condition_holds(found, self.outputs):
            return None
        inputs = example_inputs(found, self.outputs)
        actions = step(self.tmp, name, workspace, event, GITHUB_API_URL=self.github.api_url, **env)
        actions.env.update(inputs)
        done = actions.run(self.capsys)
        self.outputs[str(found.get("id", name))] = done.outputs
        self.runs.append((name, done, actions))
        return done

    def post_remediation(self, sent: dict[str, Any]) -> tuple[Run | None, Run | None]:
        """The dispatched run: the checkout the example makes (the payload's sha, full
        history), then validate and, if its condition holds, rollback in the same job."""
        ours_ = sent["client_payload"]["autoheal"]
        checkout = self.repos.clone("post-remediation", identity=False)
        git(checkout, "checkout", "-q", "--detach", ours_["sha"])
        event = dispatch_event(sent["client_payload"])
        tip = self.repos.remote_sha()
        assert tip is not None
        common = {"GITHUB_EVENT_NAME": "repository_dispatch", "GITHUB_SHA": tip}
        validate = self.run("validate", POST_REMEDIATION, "validate", checkout, event, **common)
        rollback = self.run("rollback", POST_REMEDIATION, "rollback", checkout, event, **common)
        return validate, rollback

    def assert_clean(self) -> None:
        assert not self.github.unrouted(), [f"{r.method} {r.path}" for r in self.github.unrouted()]
        for name, done, actions in self.runs:
            assert_no_token(name, done, actions)
        assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in self.github.log)
        assert not any(TOKEN in r.path or TOKEN in json.dumps(r.body) for r in self.github.log)


def push_event(before: str, after: str) -> dict[str, Any]:
    event = load_event("push.branch.json")
    event.update(ref="refs/heads/main", before=before, after=after, created=False)
    event["repository"].update(full_name=REPO, default_branch="main")
    return event


@pytest.fixture
def loop(tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]) -> Loop:
    return Loop(tmp_path, httpserver, capsys)


# ---------------------------------------------------------------------------- the tests


def test_tests_fail_nothing_to_fix_the_culprit_is_reverted_on_the_remote(loop: Loop) -> None:
    repos = loop.repos
    before = repos.sha()
    culprit = repos.commit("calc.py", CALC_WRONG, "Add a service charge to totals")
    harmless = repos.commit("README.md", "# Calc\n", "Describe the project")
    repos.push()
    original = repos.remote_log()

    # 1. heal, in a --depth 1 clone of main, on the push: only the test fails and it has no fix
    #    command. NOT FIXED, exit 1; nothing pushed; the failing commit is what to validate.
    ci = repos.clone("ci-heal", depth=1, identity=False)
    push = push_event(before, harmless)
    heal = loop.run("heal", CI, "heal", ci, push, GITHUB_SHA=harmless)
    assert heal is not None
    assert heal.code == 1, heal.out
    assert heal.outputs["status"] == "NOT FIXED"
    assert heal.outputs["healed"] == "false"
    assert heal.outputs["validate-sha"] == harmless
    assert heal.outputs["confidence-after"] == "60"  # lint 15 + build 30 of 75
    assert repos.remote_log() == original

    # 2. redispatch, because heal's validate-sha is set (the example's `if:`), with the push's
    #    `before` so rollback can bisect the push.
    redispatch = loop.run("redispatch", CI, "redispatch", ci, push, GITHUB_SHA=harmless)
    assert redispatch is not None and redispatch.code == 0, redispatch and redispatch.out
    [sent] = loop.github.requests("POST", f"/repos/{REPO}/dispatches")
    carried = sent.body["client_payload"]["autoheal"]
    assert (carried["sha"], carried["before"], carried["pr"]) == (harmless, before, None)
    assert carried["confidence"] == 60
    assert carried["checks"] == {"lint": "pass", "security": "absent", "build": "pass",
                                 "test": "fail"}  # fmt: skip

    # 3. validate: the test fails again on retry, so CRITICAL and a rollback, whatever lint and
    #    build add (the formula gives 80: it read HEALTHY before the decision contract).
    validate, rollback = loop.post_remediation(sent.body)
    assert validate is not None and validate.code == 0, validate and validate.out
    assert validate.outputs["sha"] == harmless
    assert validate.outputs["status"] == "CRITICAL"
    assert validate.outputs["rollback-required"] == "true"
    assert validate.outputs["effectiveness-score"] == "29"
    assert "capped at 29 (below the threshold 30) because test fails again on retry" in (
        validate.summary
    )
    [status] = loop.github.requests("POST", f"/repos/{REPO}/statuses/{harmless}")
    assert status.body["state"] == "failure"

    # 4. rollback (its `if:` holds): bisects before..harmless, reverts exactly the culprit.
    assert rollback is not None, "the example skipped rollback"
    assert rollback.code == 1, rollback.out  # stop the line: a person must look
    assert rollback.outputs["status"] == "ROLLBACK EXECUTED"
    assert rollback.outputs["culprit-sha"] == culprit
    assert rollback.outputs["reverted-shas"] == culprit
    revert = rollback.outputs["revert-sha"]

    # 5. The remote: one revert on top of the push, every commit still there.
    assert repos.remote_sha() == revert
    assert git(repos.remote, "rev-parse", f"{revert}^").strip() == harmless
    assert f"This reverts commit {culprit}" in repos.remote_message(revert)
    assert_remote_keeps(repos.remote, "main", [*original, revert])
    assert repos.remote_file("main", "calc.py") == CALC
    assert repos.remote_file("main", "README.md") == "# Calc\n"  # the harmless commit stays
    assert run_checks_at(repos.clone("final")) == {"lint": 0, "build": 0, "test": 0}
    [issue] = loop.github.requests("POST", f"/repos/{REPO}/issues")
    assert culprit in issue.body["body"]
    loop.assert_clean()


@pytest.mark.parametrize("heal_result", ["NOT FIXED", "PARTIAL"])
def test_a_pull_request_is_never_rolled_back(loop: Loop, heal_result: str) -> None:
    """NOT FIXED: nothing is sent to validate. PARTIAL: heal's fix on the branch is validated
    (CRITICAL: the test still fails), but rollback-required stays false and nothing is
    reverted on any branch."""
    repos = loop.repos
    git(repos.work, "checkout", "-q", "-b", "feature")
    repos.commit("calc.py", CALC_WRONG, "Add a service charge to totals")
    if heal_result == "PARTIAL":
        repos.commit("report.py", REPORT_BAD, "Print report lines")  # lint: fixable
    head = repos.sha()
    repos.push("feature")
    main_before, feature_before = repos.remote_log("main"), repos.remote_sha("feature")

    ci = repos.clone("ci-heal", depth=1, branch="feature", identity=False)
    event = pr_event("feature", head)
    env = {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF": "refs/pull/7/merge"}
    heal = loop.run("heal", CI, "heal", ci, event, GITHUB_SHA="f" * 40, **env)
    assert heal is not None and heal.outputs["status"] == heal_result, heal and heal.out
    redispatch = loop.run("redispatch", CI, "redispatch", ci, event, **env)

    if heal_result == "NOT FIXED":
        assert heal.outputs["validate-sha"] == ""
        assert redispatch is None  # the example's `if:` skips it: nothing to validate
        assert not loop.github.requests("POST", f"/repos/{REPO}/dispatches")
        assert repos.remote_sha("feature") == feature_before
    else:
        fix = heal.outputs["commit-sha"]
        assert heal.outputs["validate-sha"] == fix
        assert repos.remote_sha("feature") == fix
        assert redispatch is not None and redispatch.code == 0, redispatch.out
        [sent] = loop.github.requests("POST", f"/repos/{REPO}/dispatches")
        assert sent.body["client_payload"]["autoheal"]["pr"] == 7
        validate, rollback = loop.post_remediation(sent.body)
        assert validate is not None
        assert validate.outputs["status"] == "CRITICAL"
        assert validate.outputs["rollback-required"] == "false"
        assert "a pull request is never rolled back" in validate.summary
        assert rollback is None  # the example's `if:` skips it
        assert repos.remote_sha("feature") == fix
    assert repos.remote_log("main") == main_before
    loop.assert_clean()


def test_the_checks_really_fail_at_the_culprit(tmp_path: Path) -> None:
    """The sample is sane: lint and build pass at the culprit, the test fails."""
    repos = make_repo(tmp_path, files={**FILES, "calc.py": CALC_WRONG})
    assert run_checks_at(repos.work) == {"lint": 0, "build": 0, "test": 1}
