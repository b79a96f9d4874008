"""The loop on real projects (see README.md here): what a user who copied our example workflows
gets on a Python flat layout (six), a `src/` layout with an editable install (itsdangerous),
tools only in the checkout's `.venv/` (python-json-logger) and Node with `node_modules/`
(minimist). Every job runs through `autoheal.cli.main()` (tests/field/loop.py); every scenario
is judged on the bare origin afterwards, on the steps' outputs and on the summaries' words.

These tests state the contract of DESIGN.md §3, not any one release's behaviour.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from autoheal import markers
from tests.field.loop import Field, JobRun, Push, edit
from tests.field.projects import (
    ITSDANGEROUS,
    MINIMIST,
    PYTHON_JSON_LOGGER,
    SIX,
    Project,
    job_path,
    run,
)
from tests.gitfixtures import assert_remote_keeps, git

pytestmark = pytest.mark.field

MakeField = Callable[[Project], Field]

# ----------------------------------------------------------------------------- the pushes


def append(field: Field, path: str, text: str, message: str) -> str:
    """A harmless commit: a line added at the end of a documentation file."""
    old = (field.repos.work / path).read_text()
    return field.repos.commit(path, old + text, message)


#: The project's own fixers, run by hand to know what heal's diff must be. itsdangerous's
#: sdist configures ruff for linting only (`[tool.ruff.lint]` selects B, E, F, I, UP, W; no
#: `[tool.ruff.format]`, no pre-commit file): its fixer is `ruff check --fix`, not `ruff format`.
FORMATTERS: dict[str, Sequence[Sequence[str]]] = {
    ITSDANGEROUS.key: (("ruff", "check", "--fix", "."),),
    PYTHON_JSON_LOGGER.key: ((".venv/bin/black", "."),),
    MINIMIST.key: (("./node_modules/.bin/eslint", "--fix", "."),),
}

#: Two of itsdangerous's imports swapped: its isort rules (`I`) flag them, `--fix` sorts them.
UNSORTED_IMPORTS = {"import string\nimport struct\n": "import struct\nimport string\n"}
#: A line only `ruff format` would change, which itsdangerous does not run: heal keeps it.
NOT_ITS_STYLE = "    return base64.urlsafe_b64encode( string ).rstrip(b'=')\n"

#: One break per project of what its own fixer owns, in one file: (path, {old: new}).
FORMATTING_BREAKS: dict[str, tuple[str, dict[str, str]]] = {
    ITSDANGEROUS.key: (
        "src/itsdangerous/encoding.py",
        {
            **UNSORTED_IMPORTS,
            '    return base64.urlsafe_b64encode(string).rstrip(b"=")\n': NOT_ITS_STYLE,
        },
    ),
    PYTHON_JSON_LOGGER.key: (
        "src/pythonjsonlogger/utils.py",
        {
            "    return available\n": "    return available\n\n\n"
            "def packages_available(*names:str)->dict[str,bool]:\n"
            '    """Which of `names` can be imported."""\n'
            "    return { name : package_is_available( name ) for name in names }\n",
        },
    ),
    MINIMIST.key: (
        "index.js",
        {
            "\tif (typeof x === 'number') { return true; }\n": (
                '\tif (typeof x === "number") { return true }\n'
            ),
        },
    ),
}


def formatting_push(field: Field) -> Push:
    """Two commits: a change with the formatting broken, then a documentation line."""
    repos = field.repos
    before = repos.sha()
    path, changes = FORMATTING_BREAKS[field.project.key]
    first = edit(repos, path, changes, "Tidy a helper")
    second = append(
        field, docs_file(field.project), "\nThanks to every contributor.\n", "Thank contributors"
    )
    repos.push()
    return Push(before, [first, second])


def docs_file(project: Project) -> str:
    return {SIX.key: "README.rst"}.get(project.key, "README.md")


def culprit_push(
    field: Field, changelog: tuple[str, str], culprit: tuple[str, dict[str, str], str]
) -> tuple[Push, str]:
    """Three commits pushed at once: a changelog line, the culprit (path, {old: new},
    subject), a documentation line. Returns the push and the culprit's sha."""
    repos = field.repos
    before = repos.sha()
    first = append(field, *changelog, "Changelog")
    bad = edit(repos, *culprit)
    docs = append(field, docs_file(field.project), "\nSee the changelog.\n", "Point to it")
    repos.push()
    return Push(before, [first, bad, docs]), bad


# ----------------------------------------------------------------------------- judging


def heal_job(field: Field, push: Push) -> tuple[JobRun, dict[str, str]]:
    """examples/ci.yml's autoheal job on the push; its checkout must be what actions/checkout
    makes by default: one commit deep. Returns the job and heal's outputs."""
    job = field.ci_autoheal_job(push)
    assert job.ran, "examples/ci.yml's autoheal job did not run on a failed push to main"
    assert job.shallow and job.commits == 1, f"{job.name}: the checkout is not a depth-1 clone"
    heal = job.by_mode("heal")
    assert heal.run is not None
    return job, heal.outputs


def formatter_diff(field: Field, job: JobRun, at: str) -> str:
    """What the project's own formatter changes at `at`, run by hand in a fresh clone with the
    heal job's tools (its .venv and node_modules linked in: both are git-ignored)."""
    clone = field.clone_at(f"formatted-{at[:8]}", at)
    for ignored in (".venv", "node_modules"):
        if (job.workspace / ignored).exists():
            (clone / ignored).symlink_to(job.workspace / ignored)
    assert job.tools is not None
    env = {**os.environ, "PATH": job_path(job.tools.path), **job.tools.env}
    for argv in FORMATTERS[field.project.key]:
        run(argv, clone, env=env, check=False)
    return git(clone, "diff", "--no-color", "--no-ext-diff")


def remote_diff(field: Field, old: str, new: str) -> str:
    return git(field.repos.remote, "diff", "--no-color", "--no-ext-diff", old, new)


def changed_paths(field: Field, sha: str) -> list[str]:
    out = git(field.repos.remote, "diff-tree", "--no-commit-id", "--name-only", "-r", sha)
    return out.split()


def the_dispatch(field: Field) -> dict[str, Any]:
    sent = field.dispatched()
    assert len(sent) == 1, (
        f"{len(sent)} dispatches: the failing push to the default branch must reach validation "
        "exactly once (examples/ci.yml's redispatch step)"
    )
    return sent[0]


def statuses(field: Field, sha: str) -> list[str]:
    posted = field.github.requests("POST", f"/repos/{field.repository}/statuses/{sha}")
    return [str(r.body["state"]) for r in posted if r.body]


def outcomes(validate: dict[str, str]) -> dict[str, str]:
    return {k: v["outcome"] for k, v in json.loads(validate["breakdown"]).items()}


def assert_capped(post: JobRun) -> None:
    """A reproducible critical failure caps the score below the threshold validate used."""
    step = post.by_mode("validate")
    threshold = int(step.inputs.get("threshold") or 30)  # 30: the documented default
    score = int(step.outputs["effectiveness-score"])
    assert score < threshold, f"the score {score} reads healthier than CRITICAL ({threshold})"


def assert_only_main(field: Field) -> None:
    """No other branch appeared on the remote (no fallback pull request branch)."""
    refs = git(field.repos.remote, "for-each-ref", "--format=%(refname)", "refs/heads/").split()
    assert refs == ["refs/heads/main"], refs


def assert_tests_pass_at_tip(field: Field) -> None:
    tip = field.clone_at("tip-tests")
    result = field.project_tests(tip)
    assert result.returncode == 0, (
        f"the project's own tests fail on the remote's tip:\n{result.stdout[-3000:]}"
    )


# ----------------------------------------------------------------------------- (a) heal


@pytest.mark.parametrize(
    "project",
    [ITSDANGEROUS, PYTHON_JSON_LOGGER, MINIMIST],
    ids=lambda p: p.key,
)
def test_formatting_push_is_healed_then_validated_healthy(
    make_field: MakeField, project: Project
) -> None:
    """(a) A push that breaks only what the project's own fixer owns: heal fixes it with that
    fixer (`ruff check --fix` for itsdangerous's lint rules, black from .venv/, eslint from
    node_modules/), pushes that diff and nothing else (itsdangerous: the line only `ruff
    format` would change stays as pushed), and validate, in the job the dispatch starts,
    finds the healed commit HEALTHY."""
    field = make_field(project)
    original = field.repos.remote_log()
    push = formatting_push(field)

    ci, heal = heal_job(field, push)
    assert heal["status"] == "HEALED", ci.by_mode("heal").summary
    assert heal["healed"] == "true"
    assert heal["fixed-categories"] == "lint"
    healed = heal["commit-sha"]
    assert field.repos.remote_sha() == healed
    assert git(field.repos.remote, "rev-parse", f"{healed}^").strip() == push.after
    assert f"{markers.HEAL_TRAILER}: " in field.repos.remote_message(healed)
    # heal's diff is exactly the project's formatter's, on the one file the push broke.
    path = FORMATTING_BREAKS[project.key][0]
    assert changed_paths(field, healed) == [path]
    assert remote_diff(field, push.after, healed) == formatter_diff(field, ci, push.after)
    assert_remote_keeps(field.repos.remote, "main", [*original, *push.commits])
    summary = ci.by_mode("heal").summary
    assert "heal: HEALED" in summary
    if project is ITSDANGEROUS:  # ruff lints it; nothing says it formats with ruff
        assert NOT_ITS_STYLE in (field.repos.remote_file("main", path) or "")
        assert "- python: ruff format: ruff is configured for linting" in summary

    redispatch = ci.by_mode("redispatch").outputs
    assert redispatch["status"] == "DISPATCHED"
    payload = the_dispatch(field)["client_payload"]["autoheal"]
    assert payload["sha"] == healed
    assert payload["before"] == push.before

    post = field.post_remediation_job(the_dispatch(field))
    validate = post.by_mode("validate").outputs
    assert validate["sha"] == healed
    assert outcomes(validate)["lint"] == "pass", (
        f"validate did not run the project's linter as the job installed it: {validate}"
    )
    assert outcomes(validate)["test"] == "pass", (
        f"validate did not run the project's tests as the job installed them: {validate}"
    )
    assert validate["status"] == "HEALTHY"
    assert validate["rollback-required"] == "false"
    assert statuses(field, healed) == ["success"]
    assert "HEALTHY" in post.by_mode("validate").summary
    assert post.by_mode("rollback").run is None  # its `if:` keeps it from running
    assert field.repos.remote_sha() == healed  # nothing reverted
    assert_only_main(field)


def test_heal_uses_the_projects_formatter_not_any_installed_one(make_field: MakeField) -> None:
    """(a, detection) python-json-logger formats with black (`[tool.black]`, line length 100)
    and its tools live in .venv/; examples/ci.yml as shipped also puts ruff on PATH. heal must
    push black's diff and nothing else: ruff is installed, not configured."""
    field = make_field(PYTHON_JSON_LOGGER)
    field.extra_tools.append(field.session.example_tools())
    push = formatting_push(field)

    ci, heal = heal_job(field, push)
    healed = heal["commit-sha"]
    assert heal["status"] == "HEALED", (heal, ci.by_mode("heal").summary)
    assert changed_paths(field, healed) == [FORMATTING_BREAKS[PYTHON_JSON_LOGGER.key][0]]
    assert remote_diff(field, push.after, healed) == formatter_diff(field, ci, push.after)
    assert_only_main(field)


# ----------------------------------------------------------------------------- (b) culprit


def test_culprit_of_a_multi_commit_push_is_reverted(make_field: MakeField) -> None:
    """(b) six, flat layout: a push of three commits whose second breaks a test. Nothing is
    mechanical to fix (heal: NOT FIXED), so the loop goes on to validate, which finds the
    failure reproducible (CRITICAL, rollback required); rollback bisects, reverts exactly
    that commit on the remote, and six's tests pass on the new tip. No commit is lost."""
    field = make_field(SIX)
    repos = field.repos
    original = repos.remote_log()
    push, culprit = culprit_push(
        field,
        ("CHANGES", "\nDevelopment version: see the commits since 1.17.0.\n"),
        (
            "six.py",
            {
                '    def b(s):\n        return s.encode("latin-1")\n': (
                    '    def b(s):\n        return s.encode("utf-8")\n'
                )
            },
            "b(): encode text as UTF-8, like the rest of the code base",
        ),
    )
    before = push.before

    _ci, heal = heal_job(field, push)
    assert heal["status"] == "NOT FIXED"
    assert repos.remote_sha() == push.after  # heal pushed nothing
    body = the_dispatch(field)

    post = field.post_remediation_job(body)
    validate = post.by_mode("validate").outputs
    assert validate["sha"] == push.after
    assert outcomes(validate)["test"] == "fail"
    assert validate["status"] == "CRITICAL", validate
    assert validate["rollback-required"] == "true"
    assert_capped(post)
    assert statuses(field, push.after) == ["failure"]

    rollback = post.by_mode("rollback")
    assert rollback.run is not None, "rollback did not run although validate required it"
    out = rollback.outputs
    assert out["status"] == "ROLLBACK EXECUTED", rollback.summary
    assert out["culprit-sha"] == culprit
    assert out["reverted-shas"] == culprit
    revert = out["revert-sha"]
    assert repos.remote_sha() == revert
    assert git(repos.remote, "rev-parse", f"{revert}^").strip() == push.after
    assert f"{markers.REVERT_TRAILER}: {culprit}" in repos.remote_message(revert)
    assert changed_paths(field, revert) == ["six.py"]
    assert repos.remote_file("main", "six.py") == git(repos.remote, "show", f"{before}:six.py")
    assert "ROLLBACK EXECUTED" in rollback.summary
    assert culprit[:12] in rollback.summary
    [issue] = field.github.requests("POST", f"/repos/{field.repository}/issues")
    assert culprit in issue.body["body"]
    assert_remote_keeps(repos.remote, "main", [*original, *push.commits])
    assert_only_main(field)
    assert_tests_pass_at_tip(field)


# ----------------------------------------------------------------------------- (c) flaky

FLAKY_TEST = """\
'use strict';

var fs = require('fs');
var path = require('path');
var test = require('tape');

// A test with a race: it fails on its first run in a checkout and passes after that.
var seen = path.join(__dirname, '..', 'node_modules', '.cache', 'minimist-flaky-seen');

test('settles after a first run', function (t) {
	var first = !fs.existsSync(seen);
	fs.mkdirSync(path.dirname(seen), { recursive: true });
	fs.writeFileSync(seen, 'seen\\n');
	t.notOk(first, 'passes once this checkout has run it');
	t.end();
});
"""


def test_flaky_test_is_never_rolled_back(make_field: MakeField) -> None:
    """(c) minimist, Node: a push adds a test that fails on its first run and passes on a
    retry. heal cannot fix a test (NOT FIXED); validate, in the dispatched job's checkout
    with its node_modules, sees the test fail then pass: flaky, not a reproducible failure,
    so no rollback, and the remote keeps the push as it is."""
    field = make_field(MINIMIST)
    repos = field.repos
    before = repos.sha()
    added = repos.commit("test/flaky.js", FLAKY_TEST, "Test that parsing settles")
    docs = append(field, "README.md", "\nThanks to every contributor.\n", "Thank contributors")
    repos.push()
    push = Push(before, [added, docs])

    _ci, heal = heal_job(field, push)
    assert heal["status"] == "NOT FIXED"
    assert repos.remote_sha() == push.after

    post = field.post_remediation_job(the_dispatch(field))
    validate = post.by_mode("validate").outputs
    assert outcomes(validate)["lint"] == "pass", (
        f"validate did not run eslint from the job's node_modules: {validate}"
    )
    assert validate["flaky-checks"] == "npm run test", validate
    assert validate["rollback-required"] == "false"
    assert validate["status"] != "CRITICAL"
    assert statuses(field, push.after) == ["success"]
    assert "npm run test" in post.by_mode("validate").summary
    assert post.by_mode("rollback").run is None
    assert repos.remote_sha() == push.after  # nothing reverted
    assert_only_main(field)


# ----------------------------------------------------------------------------- (d) partial


def test_partial_heal_then_culprit_and_heal_commit_reverted(make_field: MakeField) -> None:
    """(d) itsdangerous, src/ layout installed editable: one commit of a three-commit push
    breaks both lint (unsorted imports: its ruff configuration selects isort's rules) and a
    test. heal fixes the imports with `ruff check --fix` and pushes that (PARTIAL: the test
    still fails); validate finds the test failure reproducible (CRITICAL); rollback bisects
    with the editable install pointing at the checkout, reverts the culprit and heal's commit
    made on top of it (it changed the culprit's file), and the tip passes ruff and the tests
    again."""
    field = make_field(ITSDANGEROUS)
    repos = field.repos
    original = repos.remote_log()
    path = "src/itsdangerous/encoding.py"
    push, culprit = culprit_push(
        field,
        ("CHANGES.rst", "\nUnreleased: decoding errors say more.\n"),
        (
            path,
            {
                **UNSORTED_IMPORTS,
                "    except (TypeError, ValueError) as e:\n": "    except TypeError as e:\n",
            },
            "base64_decode: let binascii's own error through",
        ),
    )
    before = push.before

    ci, heal = heal_job(field, push)
    assert heal["status"] == "PARTIAL", ci.by_mode("heal").summary
    assert heal["fixed-categories"] == "lint"
    healed = heal["commit-sha"]
    assert repos.remote_sha() == healed
    assert changed_paths(field, healed) == [path]
    assert remote_diff(field, push.after, healed) == formatter_diff(field, ci, push.after)
    payload = the_dispatch(field)["client_payload"]["autoheal"]
    assert payload["sha"] == healed

    post = field.post_remediation_job(the_dispatch(field))
    validate = post.by_mode("validate").outputs
    found = outcomes(validate)
    assert (found["lint"], found["build"], found["test"]) == ("pass", "pass", "fail"), validate
    assert validate["status"] == "CRITICAL", validate
    assert validate["rollback-required"] == "true"
    assert_capped(post)
    assert statuses(field, healed) == ["failure"]

    rollback = post.by_mode("rollback")
    assert rollback.run is not None, "rollback did not run although validate required it"
    out = rollback.outputs
    assert out["status"] == "ROLLBACK EXECUTED", rollback.summary
    assert out["culprit-sha"] == culprit
    assert set(out["reverted-shas"].split(", ")) == {culprit, healed}
    tip = repos.remote_sha()
    assert tip == out["revert-sha"]
    reverts = git(repos.remote, "rev-list", f"{healed}..{tip}").split()
    assert len(reverts) == 2
    messages = "\n".join(repos.remote_message(sha) for sha in reverts)
    assert f"{markers.REVERT_TRAILER}: {culprit}" in messages
    assert f"{markers.REVERT_TRAILER}: {healed}" in messages
    assert repos.remote_file("main", path) == git(repos.remote, "show", f"{before}:{path}")
    assert "ROLLBACK EXECUTED" in rollback.summary
    assert_remote_keeps(repos.remote, "main", [*original, *push.commits, healed])
    assert_only_main(field)
    assert formatter_diff(field, post, tip) == "", "ruff would change the tip"
    assert_tests_pass_at_tip(field)
