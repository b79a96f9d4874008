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
    # Heal claimed 90; validate measured 60 (the test fails): the lower counts.
    assert run.outputs["confidence"] == "60"
    assert json.loads(run.outputs["breakdown"])["test"]["outcome"] == "fail"
    # 60 + lint 5 + build 15 = 80, capped below the threshold: the test fails on retry.
    assert run.outputs["effectiveness-score"] == "29"
    assert run.outputs["status"] == "CRITICAL"
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


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda clone: (clone / "test.ok").write_text("local edit\n"), "test.ok"),
        (lambda clone: _staged(clone, "scratch.txt"), "scratch.txt"),
        (lambda clone: (clone / "notes.txt").write_text("untracked\n"), "notes.txt"),
    ],
    ids=["modified", "staged", "untracked"],
)
def test_dirty_checkout_is_refused_before_anything_is_touched(
    actions: ActionsEnv, capsys: Any, change: Any, named: str
) -> None:
    """The checks run in the checkout, with the commit checked out: someone's uncommitted
    work there is refused before any fetch or checkout (a shallow clone still lacks the sha)."""
    repos = sample_repo(actions.tmp)
    clone = repos.clone("ci", depth=1)
    healed = break_checks(repos, "test")  # pushed after the clone: not in it yet
    change(clone)
    status_before = git(clone, "status", "--porcelain=v1", "--untracked-files=all")
    head_before = git(clone, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD")
    use_checks(actions, clone)
    set_dispatch(actions, heal_payload(healed))

    run = actions.run(capsys)

    assert run.code == 1
    assert run.outputs["status"] == "FAILED"
    assert "rollback-required" not in run.outputs
    errors = [line for line in run.out.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "Refusing to validate" in errors[0], run.out
    assert named in errors[0] and "stash or .gitignore" in errors[0]
    assert "Running" not in run.out  # no check ran
    assert git(clone, "status", "--porcelain=v1", "--untracked-files=all") == status_before
    assert git(clone, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD") == head_before
    missing = subprocess.run(["git", "cat-file", "-e", healed], cwd=clone, check=False)
    assert missing.returncode != 0, "fetched before refusing"


def test_commit_tracking_an_ignored_file_of_the_checkout_is_refused(
    actions: ActionsEnv, capsys: Any
) -> None:
    """The validated commit tracks `local.cfg`, which the checkout ignores and has (this
    machine's settings): git will not overwrite it, so validate says so and changes nothing."""
    repos = sample_repo(actions.tmp)
    old = repos.commit("local.cfg", "committed by mistake\n", "add local.cfg")
    git(repos.work, "rm", "-q", "--cached", "local.cfg")
    repos.commit(".gitignore", "local.cfg\n", "ignore local.cfg")
    repos.push()
    clone = repos.clone("ci", depth=1)
    (clone / "local.cfg").write_text("this machine's settings\n")
    head = git(clone, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD")
    mtime = (clone / "local.cfg").stat().st_mtime_ns
    use_checks(actions, clone)
    set_dispatch(actions, heal_payload(old))

    run = actions.run(capsys)

    assert run.code == 1 and run.outputs["status"] == "FAILED"
    assert f"::error::Cannot check out {old}" in run.out and "local.cfg" in run.out
    assert git(clone, "rev-parse", "HEAD", "--symbolic-full-name", "HEAD") == head
    assert (clone / "local.cfg").read_text() == "this machine's settings\n"
    assert (clone / "local.cfg").stat().st_mtime_ns == mtime
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == ""


def _staged(clone: Path, name: str) -> None:
    (clone / name).write_text("new\n")
    git(clone, "add", name)


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


# --------------------------------------------------------------------------- the decision


def test_failing_tests_are_critical_whatever_the_other_checks_say(
    actions: ActionsEnv, capsys: Any
) -> None:
    """lint, security and build pass, the test fails on retry: the formula gives 100 (it once
    read HEALTHY); the decision is CRITICAL with a rollback, and the score agrees with it."""
    repos = sample_repo(actions.tmp)
    repos.commit("security.ok", "yes\n", "add the security check's state")
    bad = break_checks(repos, "test")
    use_checks(actions, repos.clone("ci", depth=1), security_command="python3 check.py security")
    set_dispatch(actions, heal_payload(bad))

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["status"] == "CRITICAL"
    assert run.outputs["rollback-required"] == "true"
    assert int(run.outputs["effectiveness-score"]) == 29 < 30
    assert run.outputs["confidence"] == "70"
    breakdown = json.loads(run.outputs["breakdown"])
    assert {k: v["outcome"] for k, v in breakdown.items()} == {
        "lint": "pass",
        "security": "pass",
        "build": "pass",
        "test": "fail",
        "ci_ready": "fail",
    }
    assert (
        "Score 29/100 = confidence 70 (the weighted share of passing checks, measured by "
        "validate) + lint 5 + security 10 + build 15 = 100, capped at 29 (below the threshold "
        "30) because test fails again on retry (not flaky)."
    ) in run.summary
    assert "| capped below the threshold (test failing) | | −71 |" in run.summary
    assert "**Rollback required**: test fails again on retry" in run.summary


def test_heal_claim_cannot_raise_what_validate_measured(actions: ActionsEnv, capsys: Any) -> None:
    """Every check fails in validate while heal's payload claims 100: this read HEALTHY 100."""
    repos = sample_repo(actions.tmp)
    bad = break_checks(repos, "lint", "build", "test")
    use_checks(actions, repos.clone("ci", depth=1))
    set_dispatch(actions, heal_payload(bad, confidence=100))

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["confidence"] == "0"
    assert run.outputs["effectiveness-score"] == "0"
    assert run.outputs["status"] == "CRITICAL"
    assert run.outputs["rollback-required"] == "true"
    assert "heal claimed 100, validate measured 0: the lower counts" in run.summary


@pytest.mark.parametrize(
    ("broken", "confidence", "score", "word"),
    [
        pytest.param(("lint",), None, 100, "HEALTHY", id="lint-alone"),
        pytest.param(("lint", "security"), 0, 15, "CRITICAL", id="lint-and-security-below"),
    ],
)
def test_lint_or_security_failures_alone_never_roll_back(
    actions: ActionsEnv,
    capsys: Any,
    broken: tuple[str, ...],
    confidence: int | None,
    score: int,
    word: str,
) -> None:
    repos = sample_repo(actions.tmp)
    repos.commit("security.ok", "yes\n", "add the security check's state")
    bad = break_checks(repos, *broken)
    use_checks(actions, repos.clone("ci", depth=1), security_command="python3 check.py security")
    set_dispatch(actions, heal_payload(bad, confidence=confidence))

    run = actions.run(capsys)

    assert run.code == 0, run.err
    assert run.outputs["effectiveness-score"] == str(score)
    assert run.outputs["status"] == word
    assert run.outputs["rollback-required"] == "false"


# --------------------------------------------------------------------------- retries


def flaky_setup(actions: ActionsEnv, fails: int, retries: str = "1") -> tuple[Path, Any]:
    repos = sample_repo(actions.tmp)
    clone = repos.clone("ci", depth=1)
    state = actions.tmp / "flaky-state"  # outside the checkout, which validate cleans after
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
    assert "validate's own 80, lower than heal's 100 from the dispatch payload" in run.summary


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


def _comparison(summary: str) -> dict[str, list[str]]:
    """The rows of the "Heal reported vs validate found" table, by part."""
    table = summary.split("#### Heal reported vs validate found", 1)[1].lstrip("\n")
    table = table.split("\n\n", 1)[0]
    rows = [line.strip("|").split("|") for line in table.splitlines() if line.startswith("| ")]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


def test_local_category_outcomes_are_compared_like_the_payloads(
    tmp_path: Path, capsys: Any
) -> None:
    """Locally there is no payload: `--category-outcomes` (heal's output) stands in for it."""
    from autoheal.cli import main

    repos = sample_repo(tmp_path)
    break_checks(repos, "test")
    summary = tmp_path / "summary.md"
    argv = ["validate", "--repo", str(repos.work), "--detect", "false"]
    argv += ["--lint-command", "python3 check.py lint", "--test-command", "python3 check.py test"]
    argv += ["--category-outcomes", '{"lint": "pass", "test": "pass", "build": "absent"}']

    code = main(argv, {"PATH": os.environ["PATH"], "GITHUB_STEP_SUMMARY": str(summary)})

    out, err = capsys.readouterr()
    assert code == 0, err
    assert _comparison(summary.read_text()) == {
        "confidence": ["—", "33"],  # lint passes: 15 of lint 15 + test 30
        "lint": ["pass", "pass"],
        "security": ["—", "absent"],
        "build": ["absent", "absent"],
        "test": ["pass", "fail"],
    }
    assert "Heal reported vs validate found" in out  # the terminal shows it too


def test_category_outcomes_input_wins_over_the_payloads(actions: ActionsEnv, capsys: Any) -> None:
    repos = sample_repo(actions.tmp)
    clone = repos.clone("ci", depth=1)
    use_checks(actions, clone, category_outcomes='{"lint": "fail"}')
    set_dispatch(actions, heal_payload(repos.sha(), checks={"lint": "pass", "test": "pass"}))

    run = actions.run(capsys)

    assert run.code == 0, run.out
    table = _comparison(run.summary)
    assert table["lint"] == ["fail", "pass"] and table["test"] == ["—", "pass"]


def test_bad_category_outcomes_stop_validate_before_any_check(tmp_path: Path, capsys: Any) -> None:
    from autoheal.cli import main

    repos = sample_repo(tmp_path)
    marker = tmp_path / "ran"
    argv = ["validate", "--repo", str(repos.work), "--detect", "false"]
    argv += ["--test-command", f"touch {marker}", "--category-outcomes", '{"lint": "great"}']

    code = main(argv, {"PATH": os.environ["PATH"]})

    err = capsys.readouterr().err
    assert code == 2
    assert "error: Input `category-outcomes` has 'lint': 'great'" in err
    assert not marker.exists()
