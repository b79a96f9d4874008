"""main() driven through the Actions contract: outputs, summary, exit codes, errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.actions import TOKEN, ActionsEnv, assert_input_error


def bad(inputs: dict[str, str], named: str, id: str) -> Any:
    return pytest.param(inputs, named, id=id)


# Every input, with the bad values people really write. Inputs are given as the runner gives
# them (INPUT_* text); `named` must be in the one error line, whose fix says what to write.
BAD_INPUTS = [
    bad({"mode": "bogus"}, "`mode`", "bad-mode"),
    bad({"mode": ""}, "`mode`", "empty-mode"),
    bad({"mode": "heal,validate"}, "`mode`", "two-modes"),
    bad({"mode": "heal mode"}, "`mode`", "mode-with-a-word-more"),
    bad({"mode": "validate", "threshold": "thirty"}, "`threshold`", "non-numeric-threshold"),
    bad({"mode": "validate", "threshold": "101"}, "`threshold`", "threshold-out-of-range"),
    bad({"mode": "validate", "threshold": "-5"}, "`threshold`", "negative-threshold"),
    bad({"mode": "validate", "threshold": "50.5"}, "`threshold`", "float-threshold"),
    bad({"mode": "validate", "threshold": "1e3"}, "`threshold`", "exponent-threshold"),
    bad({"mode": "validate", "threshold": "3_0"}, "`threshold`", "underscore-threshold"),
    bad({"mode": "validate", "threshold": "\u0663"}, "`threshold`", "non-ascii-digit"),
    bad({"mode": "validate", "dry_run": "maybe"}, "`dry-run`", "unparseable-bool"),
    bad({"mode": "validate", "dry_run": "y"}, "`dry-run`", "bool-y"),
    bad({"mode": "validate", "dry_run": "2"}, "`dry-run`", "bool-2"),
    bad({"mode": "validate", "fail_on_error": "-1"}, "`fail-on-error`", "bool-minus-1"),
    bad({"mode": "validate", "detect": "enabled"}, "`detect`", "bool-word"),
    bad({"mode": "validate", "retries": "1.5"}, "`retries`", "fractional-int"),
    bad({"mode": "validate", "retries": "6"}, "`retries`", "retries-over-max"),
    bad({"mode": "heal", "max_parallel": "-1"}, "`max-parallel`", "negative-int"),
    bad({"mode": "heal", "max_parallel": "0x10"}, "`max-parallel`", "hex-int"),
    bad(
        {"mode": "heal", "check_timeout": "99999999999999999999"},
        "`check-timeout`",
        "huge-int",
    ),
    bad({"mode": "heal", "check_timeout": "0"}, "`check-timeout`", "zero-timeout"),
    bad({"mode": "heal", "max_diff_lines": "0"}, "`max-diff-lines`", "max-diff-lines-zero"),
    bad({"mode": "heal", "max_heal_attempts": "21"}, "`max-heal-attempts`", "attempts-over"),
    bad({"mode": "heal", "push_retries": "0"}, "`push-retries`", "push-retries-zero"),
    bad({"mode": "heal", "max_run_attempts": "51"}, "`max-run-attempts`", "run-attempts-over"),
    bad({"mode": "heal", "run_id": "-1"}, "`run-id`", "negative-run-id"),
    bad({"mode": "heal", "run_id": "12a"}, "`run-id`", "run-id-not-digits"),
    bad({"mode": "heal", "run_id": "0"}, "`run-id`", "run-id-zero"),
    bad({"mode": "heal", "run_id": "12\u00b2"}, "`run-id`", "run-id-superscript-digit"),
    bad({"mode": "redispatch", "wait_timeout": "3601"}, "`wait-timeout`", "wait-over"),
    bad({"mode": "redispatch", "client_payload": "{not json"}, "`client-payload`", "not-json"),
    bad({"mode": "redispatch", "client_payload": "[1, 2]"}, "`client-payload`", "json-list"),
    bad({"mode": "redispatch", "client_payload": "null"}, "`client-payload`", "json-null"),
    bad({"mode": "redispatch", "client_payload": '"text"'}, "`client-payload`", "json-string"),
    bad({"mode": "redispatch", "repository": "just-a-name"}, "`repository`", "no-slash"),
    bad({"mode": "redispatch", "repository": "a/b/c"}, "`repository`", "too-many-slashes"),
    bad({"mode": "redispatch", "repository": "a//b"}, "`repository`", "empty-part"),
    bad({"mode": "redispatch", "repository": "owner/name/"}, "`repository`", "trailing-slash"),
    bad({"mode": "redispatch", "repository": "a b/c"}, "`repository`", "space-in-owner"),
    bad({"mode": "redispatch", "confidence": "101"}, "`confidence`", "confidence-over"),
    bad({"mode": "validate", "confidence": "50.0"}, "`confidence`", "confidence-float"),
    bad({"mode": "validate", "sha": "abc123"}, "`sha`", "short-sha"),
    bad({"mode": "validate", "sha": "g" * 40}, "`sha`", "non-hex-sha"),
    bad({"mode": "validate", "sha": "a" * 41}, "`sha`", "sha-too-long"),
    bad({"mode": "validate", "sha": "0" * 40}, "`sha`", "all-zero-sha"),
    bad({"mode": "rollback", "after": "0" * 40}, "`after`", "all-zero-after"),
    bad({"mode": "rollback", "before": "HEAD~1"}, "`before`", "before-a-ref"),
    bad({"mode": "rollback", "after": "main"}, "`after`", "after-a-branch"),
    bad({"mode": "rollback", "strategy": "guess"}, "`strategy`", "unknown-strategy"),
    bad({"mode": "rollback", "rollback_via": "pr"}, "`rollback-via`", "rollback-via-short"),
    bad(
        {"mode": "rollback", "rollback_via": "pull_request"},
        "`rollback-via`",
        "rollback-via-underscore",
    ),
    bad({"mode": "rollback", "max_age_hours": "0"}, "`max-age-hours`", "max-age-zero"),
    bad(
        {"mode": "rollback", "max_rollbacks_per_day": "-1"},
        "`max-rollbacks-per-day`",
        "negative-cap",
    ),
    bad({"mode": "rollback", "rollback_required": "sure"}, "`rollback-required`", "required"),
    bad({"mode": "heal", "commit_author": "no email here"}, "`commit-author`", "author-no-email"),
    bad({"mode": "heal", "commit_author": "<bot@example.com>"}, "`commit-author`", "no-name"),
    bad({"mode": "heal", "commit_author": "bot\nx <b@example.com>"}, "`commit-author`", "newline"),
    bad(
        {"mode": "validate", "critical_categories": "build,deploy"},
        "`critical-categories`",
        "deploy",
    ),
    bad(
        {"mode": "validate", "critical_categories": "lint test"},
        "`critical-categories`",
        "space-list",
    ),
    bad({"mode": "redispatch", "event_type": "e" * 101}, "`event-type`", "event-type-too-long"),
    bad({"mode": "heal", "working_directory": "/no/such/dir"}, "`working-directory`", "no-dir"),
    bad({"mode": "heal", "config": "ci/autoheal.yml"}, "ci/autoheal.yml", "missing-config"),
    bad({"mode": "heal", "config": "."}, "is not a file", "config-is-a-folder"),
    bad({"mode": "heal", "fix_command": "ruff format ."}, "`fix-command`", "fix-without-check"),
    bad(
        {"mode": "validate", "test_command": "pytest -k 'not slow"},
        "`test-command`",
        "unbalanced-quote",
    ),
    bad(
        {"mode": "heal", "lint_command": "ruff check .", "fix_command": "ruff $(format"},
        "`fix-command`",
        "unbalanced-fix",
    ),
    # Values that used to pass validation and fail later (an "Internal error", exit 1, or a
    # request sent with them): each must be refused here, quickly, naming the input.
    bad({"mode": "heal", "check_timeout": "9" * 5000}, "`check-timeout`", "int-of-5000-digits"),
    bad({"mode": "validate", "confidence": "1" * 5000}, "`confidence`", "confidence-5000-digits"),
    bad({"mode": "redispatch", "client_payload": '{"a": NaN}'}, "`client-payload`", "nan"),
    bad({"mode": "redispatch", "client_payload": '{"a": Infinity}'}, "`client-payload`", "inf"),
    bad({"mode": "redispatch", "client_payload": '{"a": -Infinity}'}, "`client-payload`", "-inf"),
    bad(
        {"mode": "redispatch", "client_payload": '{"a": 1' + "0" * 5000 + "}"},
        "`client-payload`",
        "number-of-5000-digits-in-payload",
    ),
    bad(
        {"mode": "redispatch", "client_payload": '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"},
        "`client-payload`",
        "payload-nested-100000-deep",
    ),
    bad(
        {"mode": "redispatch", "client_payload": '{"a": ' + "[" * 200 + "]" * 200 + "}"},
        "`client-payload`",
        "payload-nested-200-deep",
    ),
    bad({"mode": "redispatch", "category_outcomes": '{"lint": NaN}'}, "`category-outcomes`", "c"),
    bad(
        {"mode": "redispatch", "category_outcomes": "[" * 100_000 + "]" * 100_000},
        "`category-outcomes`",
        "outcomes-nested-100000-deep",
    ),
    bad({"mode": "redispatch", "event_type": "heal\nnow"}, "`event-type`", "event-type-newline"),
    bad({"mode": "redispatch", "event_type": "heal\tnow"}, "`event-type`", "event-type-tab"),
    bad({"mode": "redispatch", "label": "fix\nme"}, "`label`", "label-newline"),
    bad({"mode": "redispatch", "token": "ghp_\u2014" + "a" * 36}, "`token`", "token-not-latin-1"),
    bad({"mode": "redispatch", "token": "ghp_\u00e9" + "a" * 36}, "`token`", "token-not-ascii"),
    # In a folder that is not a checkout: the modes that work on git say so, as a bad input.
    bad({"mode": "heal"}, "`working-directory`", "heal-not-a-repository"),
    bad({"mode": "validate"}, "`working-directory`", "validate-not-a-repository"),
    bad({"mode": "rollback"}, "`working-directory`", "rollback-not-a-repository"),
]


@pytest.mark.parametrize(("inputs", "named"), BAD_INPUTS)
def test_bad_input_is_one_clear_error_and_exit_2(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], inputs: dict[str, str], named: str
) -> None:
    actions.inputs(token=TOKEN)
    actions.inputs(**inputs)
    actions.env["GITHUB_API_URL"] = "http://127.0.0.1:9"  # nothing may be sent anywhere
    run = actions.run(capsys)
    message = assert_input_error(run, named)
    assert len(message) < 2000  # a value thousands of characters long is not quoted whole
    if "`working-directory`" not in message:  # refused by the settings, before the mode ran
        assert run.outputs == {"status": "FAILED"}
    assert not list((actions.runner_temp).iterdir())  # no patch, no scratch tree


def test_file_as_working_directory_is_refused(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = actions.tmp / "a-file"
    a_file.write_text("x")
    actions.inputs(mode="heal", token=TOKEN, working_directory=str(a_file))
    assert "a directory that exists" in assert_input_error(actions.run(capsys), "a-file")


def test_mode_with_odd_case_and_whitespace_is_accepted(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    actions.inputs(mode="  Heal \n")
    run = actions.run(capsys)
    assert run.outputs["mode"] == "heal"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot be read"),
        ("", "is empty"),
        ("{nope", "not valid JSON"),
        ("[1]", "JSON object"),
        (b"\xff\xfe{}", "is not UTF-8 text"),
        ('{"pull_request": {"number": "seven"}}', "does not have the shape of a GitHub event"),
        # GitHub never sends these; read as they are, `true` was pull request #1.
        ('{"pull_request": {"number": true}}', "`pull_request.number` is true"),
        ('{"pull_request": {"number": 7.5}}', "`pull_request.number` is 7.5"),
        ('{"pull_request": {"number": 0}, "number": true}', "`number` is true"),
        ('{"workflow_run": {"id": true}}', "`workflow_run.id` is true"),
        ('{"workflow_run": {"id": 5, "run_attempt": "2"}}', "`workflow_run.run_attempt`"),
        (
            '{"workflow_run": {"id": 5, "pull_requests": [{"number": true}]}}',
            "`workflow_run.pull_requests[0].number` is true",
        ),
        ('{"before": "a", "after": "b", "forced": "false"}', "`forced` is 'false'"),
        ('{"repository": {"full_name": {"a": 1}}}', "`repository.full_name`"),
        ('{"number": 1' + "0" * 5000 + "}", "a number of 5001 digits"),
        ('{"a": NaN}', "NaN"),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than 64 levels"),
        (" " * (33 * 1024 * 1024) + "{}", "larger than 32 MB"),
    ],
    ids=[
        "missing",
        "empty",
        "invalid-json",
        "not-an-object",
        "not-utf8",
        "wrong-shape",
        "pr-number-true",
        "pr-number-float",
        "number-true",
        "run-id-true",
        "run-attempt-text",
        "run-pr-number-true",
        "forced-text",
        "full-name-object",
        "number-of-5001-digits",
        "nan",
        "nested-100000-deep",
        "33-mb",
    ],
)
@pytest.mark.parametrize("mode", ["heal", "redispatch", "validate", "rollback"])
def test_bad_event_file_is_a_clear_error(
    actions: ActionsEnv,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes | None,
    says: str,
    mode: str,
) -> None:
    if content is None:
        actions.event.unlink()
    elif isinstance(content, bytes):
        actions.event.write_bytes(content)
    else:
        actions.event.write_text(content)
    actions.inputs(mode=mode, token=TOKEN)
    actions.env["GITHUB_API_URL"] = "http://127.0.0.1:9"  # nothing may be sent anywhere
    run = actions.run(capsys)
    assert_input_error(run, "Event file")
    assert says in run.out
    assert "GITHUB_EVENT_PATH" in run.out


def test_unwritable_github_output_is_reported(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    actions.env["GITHUB_OUTPUT"] = str(actions.tmp / "no-such-dir" / "output")
    actions.inputs(mode="bogus")
    run = actions.run(capsys)
    assert run.code != 0
    assert "Cannot write the step outputs" in run.out


def test_outputs_are_written_even_when_the_mode_fails(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autoheal.modes import validate

    def explode(*_args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(validate, "run", explode)
    actions.inputs(mode="validate")
    run = actions.run(capsys)
    assert run.code == 1
    assert run.outputs == {"mode": "validate", "status": "FAILED"}
    assert "Internal error: RuntimeError: boom" in run.summary


def test_token_never_printed_or_written(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autoheal.modes import validate

    def leak(settings: object, ctx: object, report: object) -> int:
        from autoheal.report import Report

        assert isinstance(report, Report)
        report.info(f"using {TOKEN}")
        report.output("status", f"token={TOKEN}")
        report.section(f"token {TOKEN}")
        raise RuntimeError(f"failed with {TOKEN}")

    monkeypatch.setattr(validate, "run", leak)
    actions.inputs(mode="validate", token=TOKEN)
    actions.env["RUNNER_DEBUG"] = "1"
    run = actions.run(capsys)
    # The one place the token may stand is the mask command the runner consumes.
    visible = [ln for ln in (run.out + run.err).splitlines() if not ln.startswith("::add-mask::")]
    assert f"::add-mask::{TOKEN}" in run.out
    assert all(TOKEN not in ln for ln in visible)
    assert TOKEN not in actions.output.read_text()
    assert TOKEN not in run.summary
    assert "***" in run.summary


@pytest.mark.parametrize(
    "token",
    ["first-half-0123456789\nsecond-half-0123456789", "first-half-0123456789 second-half-0123"],
    ids=["line-break", "space"],
)
def test_a_token_that_cannot_be_one_is_refused_without_echoing_it(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], token: str
) -> None:
    from tests.actions import runner_commands

    actions.inputs(mode="redispatch", token=token, sha="a" * 40)
    actions.env["RUNNER_DEBUG"] = "1"
    actions.env["GITHUB_API_URL"] = "http://127.0.0.1:9"  # nothing may be sent anywhere
    run = actions.run(capsys)
    assert run.code == 2
    assert run.outputs["status"] == "FAILED"
    commands = runner_commands(run.out)
    assert any(c.startswith("::error::Input `token` contains") for c in commands)
    # Every part is masked (the runner masks within one line), and shown nowhere else.
    masks = [c for c in commands if c.startswith("::add-mask::")]
    shown = "\n".join(line for line in run.out.splitlines() if not line.startswith("::add-mask"))
    for half in ("first-half-0123456789", "second-half-0123456789"):
        assert half not in shown + run.err + run.summary + repr(run.outputs)
    if "\n" in token:
        assert "::add-mask::first-half-0123456789" in masks
        assert "::add-mask::second-half-0123456789" in masks


def test_local_run_prints_a_readable_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from autoheal.cli import main

    code = main(["bogus", "--repo", str(tmp_path)], {"PATH": os.environ["PATH"]})
    out, err = capsys.readouterr()
    assert code == 2
    assert "::" not in out + err  # no workflow commands outside Actions
    assert "error: Input `mode` is 'bogus'" in err
    assert "Outputs:" in out and "FAILED" in out


def test_local_run_without_a_mode_says_how_to_give_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from autoheal.cli import main

    assert main(["--repo", str(tmp_path)], {}) == 2
    err = capsys.readouterr().err
    assert "Input `mode` is required" in err and "`autoheal heal --repo .`" in err
    assert "with:" not in err  # a workflow's words, not the command line's


def test_a_fix_after_a_listing_starts_its_own_line() -> None:
    from autoheal.errors import AutohealError

    listing = AutohealError("Uncommitted changes:\n?? dirty.txt", fix="Commit them.")
    assert str(listing) == "Uncommitted changes:\n?? dirty.txt\nCommit them."
    assert str(AutohealError("One line.", fix="Fix it.")) == "One line. Fix it."


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["validate", "--no-such-flag"], "--no-such-flag"),
        (["validate", "--threshold"], "--threshold"),  # the value is missing
        (["validate", "--threshold", "abc"], "`threshold`"),
        (["validate", "--dry-run=maybe"], "`dry-run`"),
        (["validate", "--sha", "HEAD"], "`sha`"),
        (["redispatch", "--repository", "a/b/c"], "`repository`"),
        (["validate", "--test-command", "pytest 'x"], "`test-command`"),
        (["validate", "--config", "nope.yml"], "nope.yml"),
        (["validate", "--token", TOKEN], "--token"),  # never a flag: it would be in `ps`
        (["validate", f"--token={TOKEN}"], "--token"),
        (["validate", "extra-word"], "extra-word"),
        (["Validate!"], "`mode`"),
    ],
    ids=lambda v: " ".join(v[:2]) if isinstance(v, list) else None,
)
def test_bad_flag_is_one_readable_error_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], named: str
) -> None:
    from autoheal.cli import main

    code = main([*argv, "--repo", str(tmp_path)], {"PATH": os.environ["PATH"]})
    out, err = capsys.readouterr()
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and named in errors[0], err
    assert "::" not in out + err and "Traceback" not in out + err
    assert TOKEN not in out + err
    assert "FAILED" in out  # the local report's outputs


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    from autoheal.cli import main

    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"], {})
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_help_lists_every_flag_with_its_meaning_and_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from autoheal.settings.inputs import INPUTS

    text = " ".join(_help(capsys).split())
    dense = "".join(text.split())  # argparse wraps lines, even inside words at a hyphen
    assert "--repo PATH" in text
    for spec in INPUTS:
        if spec.name in ("mode", "token"):
            assert f"--{spec.name} " not in text  # the token is never a flag
            continue
        assert f"--{spec.name} " in text, spec.name
        assert "".join(spec.help.split()) in dense, spec.name
        if spec.default:
            assert "".join(f"(default: {spec.default})".split()) in dense, spec.name
    assert "--strategy {auto,culprit,range}" in text
    assert "never push" in text and "GITHUB_TOKEN" in text


@pytest.mark.parametrize("mode", ["heal", "redispatch", "validate", "rollback"])
def test_mode_help_lists_only_the_flags_of_that_mode(
    mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from autoheal.settings.inputs import INPUTS

    text = _help(capsys, mode)
    assert f"usage: autoheal {mode} " in text
    for spec in INPUTS:
        if spec.name in ("mode", "token"):
            continue
        assert (f"--{spec.name} " in text) == (mode in spec.modes), spec.name


def test_a_flag_of_another_mode_is_still_accepted(tmp_path: Path) -> None:
    """As in a workflow, where one config serves every mode: hidden from help, not refused."""
    from autoheal import settings

    opts = settings.load(["heal", "--repo", str(tmp_path), "--threshold", "40"], {})
    assert opts.mode == "heal" and opts.threshold == 40


def test_python_m_autoheal_runs_main(tmp_path: Path) -> None:
    import subprocess
    import sys

    src = Path(__file__).resolve().parent.parent / "src"
    proc = subprocess.run(
        [sys.executable, "-m", "autoheal", "bogus"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src), "PATH": os.environ["PATH"]},
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 2
    assert "Input `mode` is 'bogus'" in proc.stderr


@pytest.mark.parametrize(
    ("argv", "env"),
    [
        pytest.param([], {"GITHUB_ACTIONS": "true", "INPUT_MODE": "bogus"}, id="actions"),
        pytest.param(["bogus", "--no-such-flag"], {}, id="command-line"),
    ],
)
def test_bad_mode_fails_before_heavy_imports(
    tmp_path: Path, argv: list[str], env: dict[str, str]
) -> None:
    """Start-up cost: a wrong mode is refused before argparse, requests or yaml load, and
    before the config file's checks are parsed, even when there is one."""
    import subprocess
    import sys

    config = tmp_path / ".github" / "autoheal.yml"
    config.parent.mkdir()
    config.write_text("checks:\n  test: {command: pytest -q}\n")
    src = Path(__file__).resolve().parent.parent / "src"
    code = (
        "import sys; from autoheal.cli import main; code = main(sys.argv[1:]); "
        "print(code, [m for m in ('argparse', 'requests', 'yaml', 'autoheal.github.client', "
        "'autoheal.checks') if m in sys.modules])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(src), "PATH": os.environ["PATH"], **env},
        cwd=tmp_path,
        check=False,
    )
    assert proc.stdout.splitlines()[-1] == "2 []"
    assert "Input `mode` is 'bogus'" in proc.stdout + proc.stderr


def test_multiline_and_delimiter_like_outputs_survive_main(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from autoheal.modes import validate
    from autoheal.report import Report

    tricky = "first line\nghadelimiter_0123\nEOF\nflaky<<EOF\nlast line"

    def write(settings: object, ctx: object, report: Report) -> int:
        report.output("flaky-checks", tricky)
        report.output("sha", "a" * 40)
        return 0

    monkeypatch.setattr(validate, "run", write)
    actions.inputs(mode="validate")
    run = actions.run(capsys)
    assert run.code == 0
    assert run.outputs == {"mode": "validate", "flaky-checks": tricky, "sha": "a" * 40}


@pytest.fixture
def validate_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from autoheal.modes import validate

    monkeypatch.setattr(validate, "run", lambda settings, ctx, report: 0)


@pytest.mark.usefixtures("validate_does_nothing")
def test_runner_debug_turns_on_debug_lines(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    actions.inputs(mode="validate")
    quiet = actions.run(capsys)
    assert quiet.code == 0 and "::debug::" not in quiet.out
    actions.env["RUNNER_DEBUG"] = "1"
    loud = actions.run(capsys)
    assert "::debug::mode=validate event=push repo=octo-org/octo-repo" in loud.out.splitlines()


@pytest.mark.usefixtures("validate_does_nothing")
def test_local_debug_lines_go_to_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from autoheal.cli import main

    assert main(["validate", "--repo", str(tmp_path)], {"RUNNER_DEBUG": "1"}) == 0
    out, err = capsys.readouterr()
    assert "debug: mode=validate event=- repo=-" in err.splitlines()
    assert "debug" not in out and "::" not in out + err
