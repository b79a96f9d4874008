"""validate on real git repositories: the right commit, shallow clones, retries, payloads."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.actions import TOKEN, ActionsEnv, assert_input_error
from tests.gitfixtures import git
from tests.validate_helpers import (
    break_checks,
    heal_payload,
    sample_repo,
    set_dispatch,
    use_checks,
)


def test_evaluates_the_payload_sha_not_head(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    good = repos.sha()
    break_checks(repos, "build", "test")  # HEAD (the default branch tip) is broken
    clone = repos.clone("ci", depth=1)
    use_checks(actions, clone)
    set_dispatch(actions, heal_payload(good))

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["sha"] == good
    assert run.outputs["status"] == "HEALTHY"
    assert run.outputs["effectiveness-score"] == "100"
    assert run.outputs["rollback-required"] == "false"
    breakdown = json.loads(run.outputs["breakdown"])
    assert {k: v["outcome"] for k, v in breakdown.items()} == {
        "lint": "pass",
        "security": "absent",
        "build": "pass",
        "test": "pass",
        "ci_ready": "pass",
    }


def test_broken_payload_sha_requires_rollback_although_head_passes(
    actions: ActionsEnv, capsys: Any
) -> None:
    repos = sample_repo(actions.tmp)
    bad = break_checks(repos, "build", "test")
    repos.commit("build.ok", "yes\n", "fix build")
    repos.commit("test.ok", "yes\n", "fix test")
    repos.push()
    clone = repos.clone("ci", depth=1)
    use_checks(actions, clone)
    set_dispatch(actions, heal_payload(bad))

    run = actions.run(capsys)

    assert run.code == 0, run.err  # the decision is in the outputs, not the exit code
    assert run.outputs["sha"] == bad
    # validate's own confidence: lint 15 of 75 = 20, + lint bonus 5.
    assert run.outputs["confidence"] == "20"
    assert run.outputs["effectiveness-score"] == "25"
    assert run.outputs["status"] == "CRITICAL"
    assert run.outputs["rollback-required"] == "true"
    breakdown = json.loads(run.outputs["breakdown"])
    assert breakdown["build"] == {"outcome": "fail", "points": 0}
    assert breakdown["lint"] == {"outcome": "pass", "points": 5}
    assert "### Rollback Safety Status" in run.summary
    assert "Rollback required" in run.summary
    assert "against a threshold of 30" in run.summary


def test_shallow_clone_fetches_the_missing_sha(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    clone = repos.clone("ci", depth=1)  # checked out before the heal commit existed
    healed = repos.commit("test.ok", "no\n", "heal that broke tests")
    repos.push()
    missing = subprocess.run(["git", "cat-file", "-e", healed], cwd=clone, check=False)
    assert missing.returncode != 0, "precondition: the healed commit is not in the clone yet"
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true", (
        "precondition: shallow"
    )
    use_checks(actions, clone)
    set_dispatch(actions, heal_payload(healed, confidence=90))

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["sha"] == healed
    assert run.outputs["confidence"] == "90"  # heal's, from the payload
    assert json.loads(run.outputs["breakdown"])["test"]["outcome"] == "fail"
    # 90 + lint 5 + build 15, no CI-ready bonus.
    assert run.outputs["effectiveness-score"] == "100"
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"


def test_missing_sha_is_a_clear_failure(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    clone = repos.clone("ci", depth=1)
    gone = "0123456789abcdef0123456789abcdef01234567"
    use_checks(actions, clone)
    set_dispatch(actions, heal_payload(gone))

    run = actions.run(capsys)

    assert run.code == 1
    assert run.outputs["status"] == "FAILED"
    assert run.outputs["sha"] == gone
    assert "rollback-required" not in run.outputs
    assert f"::error::Commit {gone} no longer exists" in run.out
    assert "force-pushed away" in run.summary


def test_force_pushed_away_sha(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    base = repos.sha()
    healed = repos.commit("test.ok", "no\n", "heal")
    repos.push()
    git(repos.work, "reset", "-q", "--hard", base)
    git(repos.work, "push", "-q", "--force", "origin", "HEAD:refs/heads/main")
    git(repos.remote, "reflog", "expire", "--expire=now", "--all")
    git(repos.remote, "gc", "-q", "--prune=now")
    clone = repos.clone("ci", depth=1)
    use_checks(actions, clone)
    set_dispatch(actions, heal_payload(healed))

    run = actions.run(capsys)

    assert run.code == 1
    assert "no longer exists" in run.out


def test_dirty_checkout_is_left_untouched(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    good = repos.sha()
    break_checks(repos, "test")
    clone = repos.clone("ci")
    (clone / "test.ok").write_text("local edit\n")  # modified tracked file
    (clone / "scratch.txt").write_text("untracked\n")
    git(clone, "add", "scratch.txt")
    (clone / "notes.txt").write_text("also untracked\n")
    status_before = git(clone, "status", "--porcelain=v1", "--untracked-files=all")
    head_before = git(clone, "rev-parse", "HEAD")
    worktrees_before = git(clone, "worktree", "list", "--porcelain")
    use_checks(actions, clone)
    set_dispatch(actions, heal_payload(good))

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["status"] == "HEALTHY"
    assert (clone / "test.ok").read_text() == "local edit\n"
    assert (clone / "notes.txt").read_text() == "also untracked\n"
    assert git(clone, "status", "--porcelain=v1", "--untracked-files=all") == status_before
    assert git(clone, "rev-parse", "HEAD") == head_before
    assert git(clone, "worktree", "list", "--porcelain") == worktrees_before
    assert list(actions.runner_temp.iterdir()) == []  # the work tree was removed


def test_no_sha_anywhere_uses_head_and_says_so(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    head = break_checks(repos, "lint")
    clone = repos.clone("ci", depth=1)
    use_checks(actions, clone)
    actions.env["GITHUB_EVENT_NAME"] = "workflow_dispatch"
    actions.set_event("workflow_dispatch.json")

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["sha"] == head
    assert "::notice::No sha in the dispatch payload or the `sha` input: evaluating HEAD" in run.out
    assert "HEAD of the working directory" in run.summary
    # lint fails: confidence 60/75 = 80, + build 15 = 95.
    assert run.outputs["effectiveness-score"] == "95"
    assert run.outputs["status"] == "HEALTHY"


def test_inputs_win_over_the_payload(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    good = repos.sha()
    bad = break_checks(repos, "build", "test")
    clone = repos.clone("ci", depth=1)
    use_checks(actions, clone, sha=good, confidence="10")
    set_dispatch(actions, heal_payload(bad, confidence=95))

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["sha"] == good
    assert run.outputs["confidence"] == "10"
    assert "from the `sha` input" in run.summary
    assert run.outputs["effectiveness-score"] == "50"  # 10 + 5 + 15 + 20


def test_working_directory_in_a_subfolder(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    repos.commit("app/check.py", (repos.work / "check.py").read_text(), "app")
    for name in ("lint", "build", "test"):
        repos.commit(f"app/{name}.ok", "yes\n", f"app {name}")
    repos.push()
    clone = repos.clone("ci", depth=1)
    use_checks(actions, clone / "app")

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["status"] == "HEALTHY"


# --------------------------------------------------------------------------- retries


def flaky_setup(actions: ActionsEnv, fails: int, retries: str = "1") -> tuple[Path, Any]:
    repos = sample_repo(actions.tmp)
    clone = repos.clone("ci", depth=1)
    state = actions.tmp / "flaky-state"  # outside the repo: survives the work tree
    use_checks(actions, clone, retries=retries)
    actions.inputs(test_command=f"python3 flaky.py {state} {fails}")
    # Heal's confidence 0: only the bonuses count, so one failing test drops below 30.
    set_dispatch(actions, heal_payload(repos.sha(), confidence=0))
    return state, repos


def test_fail_then_pass_is_flaky_and_no_rollback(actions: ActionsEnv, capsys: Any) -> None:
    state, _ = flaky_setup(actions, fails=1)

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert state.read_text() == "2"
    assert run.outputs["flaky-checks"] == "test"
    breakdown = json.loads(run.outputs["breakdown"])
    assert breakdown["test"]["outcome"] == "flaky"
    assert breakdown["ci_ready"] == {"outcome": "pass", "points": 20}
    assert run.outputs["effectiveness-score"] == "40"  # 0 + 5 + 15 + 20
    assert run.outputs["rollback-required"] == "false"
    assert run.outputs["status"] == "MONITORING"
    assert "**Flaky checks**" in run.summary and "`test`" in run.summary
    assert "⚠️ flaky" in run.summary


def test_failing_twice_requires_rollback(actions: ActionsEnv, capsys: Any) -> None:
    state, _ = flaky_setup(actions, fails=2)

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert state.read_text() == "2"  # first run and one retry
    assert run.outputs["flaky-checks"] == ""
    assert json.loads(run.outputs["breakdown"])["test"]["outcome"] == "fail"
    assert run.outputs["effectiveness-score"] == "20"  # 0 + 5 + 15
    assert run.outputs["status"] == "CRITICAL"
    assert run.outputs["rollback-required"] == "true"


def test_retries_zero_means_no_rerun(actions: ActionsEnv, capsys: Any) -> None:
    state, _ = flaky_setup(actions, fails=1, retries="0")

    run = actions.run(capsys)

    assert state.read_text() == "1"
    assert run.outputs["rollback-required"] == "true"


def test_more_retries_catch_a_check_failing_twice(actions: ActionsEnv, capsys: Any) -> None:
    state, _ = flaky_setup(actions, fails=2, retries="2")

    run = actions.run(capsys)

    assert state.read_text() == "3"
    assert run.outputs["flaky-checks"] == "test"
    assert run.outputs["rollback-required"] == "false"


def test_critical_categories_input(actions: ActionsEnv, capsys: Any) -> None:
    flaky_setup(actions, fails=5)
    actions.inputs(critical_categories="lint")

    run = actions.run(capsys)

    assert run.outputs["status"] == "CRITICAL"
    assert run.outputs["rollback-required"] == "false"  # test fails, but is not critical here
    assert "No automatic rollback" in run.summary


# --------------------------------------------------------------------------- payloads


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"version": 2}, "client_payload.autoheal.version"),
        ({"version": "1"}, "client_payload.autoheal.version"),
        ({"sha": "abc123"}, "client_payload.autoheal.sha"),
        ({"sha": "A" * 40}, "client_payload.autoheal.sha"),
        ({"sha": None}, "client_payload.autoheal.sha"),
        ({"dispatch_id": ""}, "client_payload.autoheal.dispatch_id"),
        ({"dispatch_id": 7}, "client_payload.autoheal.dispatch_id"),
        ({"dispatch_id": "d-1\n::set-output x"}, "client_payload.autoheal.dispatch_id"),
        ({"dispatch_id": "d" * 300}, "client_payload.autoheal.dispatch_id"),
        ({"source_run_id": {"a": 1}}, "client_payload.autoheal.source_run_id"),
        ({"source_run_attempt": True}, "client_payload.autoheal.source_run_attempt"),
        ({"pr": 1.0}, "client_payload.autoheal.pr"),
        ({"confidence": 101}, "client_payload.autoheal.confidence"),
        ({"confidence": -1}, "client_payload.autoheal.confidence"),
        ({"confidence": "80"}, "client_payload.autoheal.confidence"),
        ({"confidence": True}, "client_payload.autoheal.confidence"),
        ({"pr": 0}, "client_payload.autoheal.pr"),
        ({"pr": "12"}, "client_payload.autoheal.pr"),
        ({"before": "xyz"}, "client_payload.autoheal.before"),
        ({"checks": ["lint"]}, "client_payload.autoheal.checks"),
        ({"checks": {"test": "broken"}}, "client_payload.autoheal.checks.test"),
        ({"repository": "not a repo"}, "client_payload.autoheal.repository"),
        ({"ref": 12}, "client_payload.autoheal.ref"),
    ],
    ids=lambda v: json.dumps(v) if isinstance(v, dict) else v,
)
def test_malformed_payload_field_is_named(
    actions: ActionsEnv, capsys: Any, changes: dict[str, Any], field: str
) -> None:
    repos = sample_repo(actions.tmp)
    use_checks(actions, repos.work)
    set_dispatch(actions, {**heal_payload(repos.sha()), **changes})

    run = actions.run(capsys)

    assert run.code == 2
    assert f"`{field}`" in run.out
    assert run.outputs["status"] == "FAILED"


@pytest.mark.parametrize("ours", ["not an object", ["a"], 42], ids=["string", "list", "number"])
def test_our_key_not_an_object(actions: ActionsEnv, capsys: Any, ours: Any) -> None:
    repos = sample_repo(actions.tmp)
    use_checks(actions, repos.work)
    set_dispatch(actions, ours)

    run = actions.run(capsys)

    assert run.code == 2
    assert "`client_payload.autoheal`" in run.out


def test_missing_required_field(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    use_checks(actions, repos.work)
    data = heal_payload(repos.sha())
    del data["dispatch_id"]
    set_dispatch(actions, data)

    run = actions.run(capsys)

    assert run.code == 2
    assert "`client_payload.autoheal.dispatch_id`" in run.out


def test_minimal_payload_with_extra_fields_and_user_keys(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    sha = repos.sha()
    use_checks(actions, repos.clone("ci", depth=1))
    minimal = {"version": 1, "dispatch_id": "d-1", "sha": sha, "future_field": {"x": 1}}
    set_dispatch(actions, minimal, env="prod", autoheal_extra=[1, 2])

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["sha"] == sha
    assert "validate's own" in run.summary


def test_payload_without_our_key_but_sha_input(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    sha = repos.sha()
    break_checks(repos, "test")
    use_checks(actions, repos.clone("ci", depth=1), sha=sha)
    set_dispatch(actions, None, sha="not ours", env="prod")

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["sha"] == sha
    assert run.outputs["status"] == "HEALTHY"


@pytest.mark.parametrize(
    ("inputs", "config", "named"),
    [
        ({"sha": "main"}, "", "`sha`"),
        ({"threshold": "-1"}, "", "`threshold`"),
        ({"token": TOKEN + "\nsecond line"}, "", "`token`"),
        ({"security_command": "pip-audit 'x"}, "", "`security-command`"),
        ({}, "retries: lots\n", "`retries`"),
        ({}, "checks:\n  security: {command: audit, timout: 5}\n", "checks.security.timout"),
    ],
    ids=["sha-a-branch", "threshold", "token-newline", "unbalanced", "config", "checks-table"],
)
def test_bad_input_is_exit_2_before_any_request(
    actions: ActionsEnv, capsys: Any, inputs: dict[str, str], config: str, named: str
) -> None:
    """With a token and a dispatch payload, validate's first request reads the commit
    statuses: a bad input must be refused before it, and before the work tree is made."""
    import responses

    repos = sample_repo(actions.tmp)
    if config:
        repos.commit(".github/autoheal.yml", config, "config")
    use_checks(actions, repos.work, **{"token": TOKEN, **inputs})
    set_dispatch(actions, heal_payload(repos.sha()))

    with responses.RequestsMock() as api:  # no URL registered: any request fails the test
        run = actions.run(capsys)
        assert len(api.calls) == 0

    assert_input_error(run, named)
    assert git(repos.work, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_heal_comparison_in_summary(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    sha = break_checks(repos, "lint")
    use_checks(actions, repos.clone("ci", depth=1))
    checks = {"lint": "pass", "build": "pass", "test": "pass", "security": "absent"}
    set_dispatch(actions, heal_payload(sha, confidence=100, checks=checks))

    run = actions.run(capsys)

    assert "#### Heal reported vs validate found" in run.summary
    assert "| confidence | 100 | 80 |" in run.summary
    assert "| lint | pass | fail |" in run.summary
    assert "heal's, from the dispatch payload" in run.summary


def test_no_checks_found(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    actions.env["INPUT_WORKING_DIRECTORY"] = str(repos.work)
    actions.inputs(mode="validate", detect="false")

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert "No checks found" in run.out
    assert run.outputs["effectiveness-score"] == "0"
    assert run.outputs["rollback-required"] == "false"
    assert run.outputs["status"] == "CRITICAL"


def test_failing_check_output_is_wrapped_in_the_log(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    sha = repos.commit(
        "check.py", "print('::error::injected')\nraise SystemExit(1)\n", "evil check"
    )
    repos.push()
    use_checks(actions, repos.clone("ci", depth=1))
    set_dispatch(actions, heal_payload(sha))

    run = actions.run(capsys)

    lines = run.out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    assert lines.index("::error::injected") > start


def test_local_run_uses_a_temp_dir(tmp_path: Path, capsys: Any) -> None:
    from autoheal.cli import main

    repos = sample_repo(tmp_path)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    argv = [
        "validate",
        "--repo",
        str(repos.work),
        "--detect",
        "false",
        "--test-command",
        "python3 check.py test",
    ]

    code = main(argv, env)

    out, err = capsys.readouterr()
    assert code == 0
    # Locally the missing token is said in local terms, not as a workflow's `with:` key.
    assert "notice: No token" in err and "GITHUB_TOKEN" in err and "${{" not in err
    assert "Rollback Safety Status" in out
    assert "effectiveness-score" in out
    assert git(repos.work, "worktree", "list", "--porcelain").count("worktree ") == 1
