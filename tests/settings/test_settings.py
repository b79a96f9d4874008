"""Settings: precedence, conversion, config file validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from autoheal import settings
from autoheal.errors import InputError
from tests.actions import TOKEN, ActionsEnv, assert_input_error


def load(tmp_path: Path, argv: list[str] | None = None, **env: str):  # type: ignore[no-untyped-def]
    base = {"INPUT_WORKING_DIRECTORY": str(tmp_path)}
    base.update(env)
    return settings.load(argv or [], base)


def test_defaults(tmp_path: Path) -> None:
    s = load(tmp_path, INPUT_MODE="validate")
    assert (s.mode, s.threshold, s.retries, s.dry_run) == ("validate", 30, 1, False)
    assert s.critical_categories == ["build", "test"]
    assert s.client_payload == {}
    assert s.local is True
    assert s.author_name == "autoheal[bot]"


def test_every_input_is_a_settings_field() -> None:
    from autoheal.settings.inputs import INPUTS

    not_inputs = {"local", "verbose", "checks_config", "explicit"}
    names = set(settings.Settings.__annotations__) - not_inputs
    assert names == {i.attr for i in INPUTS}


def test_flags_work_like_inputs(tmp_path: Path) -> None:
    s = settings.load(["validate", "--repo", str(tmp_path), "--dry-run", "--threshold", "45"], {})
    assert (s.mode, s.dry_run, s.threshold, s.working_directory) == ("validate", True, 45, tmp_path)
    s = settings.load(["validate", "--repo", str(tmp_path), "--dry-run=false"], {})
    assert s.dry_run is False


def test_token_comes_from_env_never_from_a_flag(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        settings.load(["validate", "--token", "x"], {"INPUT_WORKING_DIRECTORY": str(tmp_path)})
    s = load(tmp_path, INPUT_MODE="validate", GITHUB_TOKEN="ghs_abc")
    assert s.token == "ghs_abc"
    s = load(tmp_path, INPUT_MODE="validate", GITHUB_TOKEN="ghs_abc", INPUT_TOKEN="ghp_def")
    assert s.token == "ghp_def"


@pytest.mark.parametrize("text", ["true", "True", "TRUE", "yes", "on", "1"])
def test_booleans_true(tmp_path: Path, text: str) -> None:
    assert load(tmp_path, INPUT_MODE="heal", INPUT_DRY_RUN=text).dry_run is True


@pytest.mark.parametrize("text", ["false", "False", "no", "off", "0"])
def test_booleans_false(tmp_path: Path, text: str) -> None:
    assert load(tmp_path, INPUT_MODE="heal", INPUT_DRY_RUN=text).dry_run is False


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("dry-run: true", True),
        ("dry-run: yes", True),  # YAML's own boolean
        ("dry-run: 'on'", True),  # a string, read as `with:` reads it
        ("dry-run: 1", True),
        ("dry-run: 'No'", False),
        ("dry-run: off", False),
    ],
)
def test_config_file_booleans_read_as_the_docs_say(
    tmp_path: Path, line: str, expected: bool
) -> None:
    cfg = tmp_path / ".github" / "autoheal.yml"
    cfg.parent.mkdir()
    cfg.write_text(line + "\n")
    assert load(tmp_path, INPUT_MODE="heal").dry_run is expected


@pytest.mark.parametrize(("text", "expected"), [("40", 40), (" 40 ", 40), ("+40", 40), ("0", 0)])
def test_whole_numbers_that_are_accepted(tmp_path: Path, text: str, expected: int) -> None:
    assert load(tmp_path, INPUT_MODE="validate", INPUT_THRESHOLD=text).threshold == expected


def test_config_file_is_merged_under_inputs(tmp_path: Path) -> None:
    cfg = tmp_path / ".github" / "autoheal.yml"
    cfg.parent.mkdir()
    cfg.write_text(
        "threshold: 40\nretries: 2\ndry-run: true\ncritical-categories: [test]\n"
        "checks:\n  lint:\n    command: ruff check .\n"
    )
    s = load(tmp_path, INPUT_MODE="validate", INPUT_THRESHOLD="50")
    assert s.threshold == 50  # the input wins
    assert s.retries == 2 and s.dry_run is True and s.critical_categories == ["test"]
    assert s.checks_config == {"lint": {"command": "ruff check ."}}


def bad_file(yaml_text: str, says: str, id: str) -> Any:
    return pytest.param(yaml_text, says, id=id)


# What people get wrong in .github/autoheal.yml. Each is refused in every mode, before the
# mode starts, by one error that names the file and the key.
BAD_FILES = [
    bad_file("tresholds: 40\n", "unknown key `tresholds`", "typo-key"),
    bad_file("mode: heal\n", "unknown key `mode`", "mode-not-allowed"),
    bad_file("token: ghp_x\n", "unknown key `token`", "token-not-allowed"),
    bad_file("threshold: [1, 2]\n", "`threshold` has the wrong type", "list-for-int"),
    bad_file("threshold: abc\n", "`threshold` is 'abc'", "text-for-int"),
    bad_file("threshold: 50.5\n", "`threshold` has the wrong type (float)", "float-for-int"),
    bad_file("threshold: 1e3\n", "`threshold` is '1e3'", "exponent-for-int"),
    bad_file("threshold: -1\n", "`threshold` is '-1'", "negative-int"),
    bad_file("max-parallel: 99999999999999999999\n", "`max-parallel` is", "huge-int"),
    bad_file("dry-run: sometimes\n", "`dry-run` is 'sometimes'", "bad-bool"),
    bad_file("dry-run: 2\n", "`dry-run` is '2'", "number-for-bool"),
    bad_file("retries: true\n", "`retries` must not be true/false", "bool-for-int"),
    bad_file("event-type: yes\n", "`event-type` must not be true/false", "yaml-yes-for-text"),
    bad_file("label:\n", "`label` has no value", "no-value"),
    bad_file("strategy: guess\n", "`strategy` is 'guess'", "bad-enum"),
    bad_file("client-payload: [1]\n", "`client-payload` has the wrong type", "list-for-json"),
    bad_file("client-payload: 'x'\n", "`client-payload` is 'x'", "text-for-json"),
    bad_file("repository: [a/b/c]\n", "`repository` is 'a/b/c'", "repo-with-two-slashes"),
    bad_file("repository: {a: b}\n", "`repository` has the wrong type", "mapping-for-list"),
    bad_file("critical-categories: [build, deploy]\n", "`critical-categories` is", "category"),
    bad_file("commit-author: bot\n", "`commit-author` is 'bot'", "author-without-email"),
    bad_file("- a\n- b\n", "must be a mapping", "a-list"),
    bad_file("just text\n", "must be a mapping", "a-string"),
    bad_file("threshold: [unclosed\n", "not valid YAML", "yaml-syntax"),
    bad_file("checks: [lint]\n", "`checks` must be a mapping", "checks-a-list"),
    bad_file("checks:\n  lnt: {command: x}\n", "checks.lnt is not a check category", "lnt"),
    bad_file("checks:\n  lint: {comand: x}\n", "checks.lint.comand is not a known", "nested"),
    bad_file("checks:\n  lint: {fix: x}\n", "checks.lint.command is missing", "no-command"),
    bad_file("checks:\n  lint: {command: []}\n", "checks.lint.command must be", "empty-list"),
    bad_file("checks:\n  lint: [null]\n", "checks.lint[0] must be a mapping", "null-item"),
    bad_file("checks:\n  test: {command: x, timeout: -1}\n", "checks.test.timeout", "timeout"),
    bad_file("checks:\n  test: {command: x, name: ''}\n", "checks.test.name", "empty-name"),
    bad_file(
        "checks:\n  test: {command: x, working-directory: /etc}\n",
        "checks.test.working-directory",
        "absolute-working-directory",
    ),
    bad_file(
        'checks:\n  test: {command: "pytest -k \'not slow"}\n',
        "checks.test.command is not a command /bin/sh can read",
        "unbalanced-quote",
    ),
    bad_file(
        "checks:\n  lint:\n    - {command: ruff check .}\n    - {command: x, fix: 'a \"b'}\n",
        "checks.lint[1].fix is not a command /bin/sh can read",
        "unbalanced-fix-in-a-list",
    ),
    # Values that used to fail later, or never: each refused here, naming the file and key.
    bad_file("threshold: " + "9" * 5000 + "\n", "`threshold` is '99999", "int-of-5000-digits"),
    bad_file("client-payload: {a: .nan}\n", "`client-payload`", "nan-in-payload"),
    bad_file("client-payload: {a: -.inf}\n", "`client-payload`", "infinity-in-payload"),
    bad_file(
        "client-payload:\n  x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
        + "".join(
            f"  x{i}: &a{i} [{', '.join([f'*a{i - 1}' if i > 1 else '*a'] * 10)}]\n"
            for i in range(1, 9)
        ),
        "YAML aliases",
        "alias-bomb",
    ),
    bad_file("checks: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 64 levels", "deep"),
    bad_file("checks:\n  test: {command: x, timeout: .inf}\n", "checks.test.timeout", "inf"),
    bad_file("checks:\n  test: {command: x, timeout: 1e300}\n", "checks.test.timeout", "1e300"),
    bad_file("checks:\n  test: {command: x, timeout: " + "9" * 5000 + "}\n", "checks.test", "t"),
    bad_file("# " + "x" * (2 * 1024 * 1024) + "\n", "larger than 1 MB", "a-2-mb-file"),
    bad_file(
        'checks:\n  test:\n    - {command: "pytest -k \'a"}\n',
        "checks.test[0].command is not a command /bin/sh can read",
        "unbalanced-quote-in-a-list-of-one",
    ),
]


@pytest.mark.parametrize("mode", ["heal", "redispatch", "validate", "rollback"])
@pytest.mark.parametrize(("yaml_text", "says"), BAD_FILES)
def test_config_file_errors_name_the_key_and_file(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], yaml_text: str, says: str, mode: str
) -> None:
    cfg = actions.workspace / ".github" / "autoheal.yml"
    cfg.parent.mkdir()
    cfg.write_text(yaml_text)
    actions.inputs(mode=mode, token=TOKEN)
    run = actions.run(capsys)
    message = assert_input_error(run, says, f"Config file {cfg}")
    assert "Input `" not in message  # the file is named, never an input that was not given
    assert run.outputs == {"status": "FAILED"}  # refused before the mode started


def test_explicit_config_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load(tmp_path, INPUT_MODE="validate", INPUT_CONFIG="ci/autoheal.yml")


def test_paths_are_stripped_like_every_other_input(tmp_path: Path) -> None:
    cfg = tmp_path / "ci.yml"
    cfg.write_text("threshold: 40\n")
    assert load(tmp_path, INPUT_MODE="validate", INPUT_CONFIG=" ci.yml\n").threshold == 40
    s = settings.load(
        [],
        {
            "INPUT_MODE": "validate",
            "INPUT_WORKING_DIRECTORY": f" {tmp_path}\n",
            "INPUT_CONFIG": "ci.yml\n",
        },
    )
    assert (s.working_directory, s.threshold) == (tmp_path, 40)


def test_all_zero_before_is_a_new_branch_not_a_bad_input(tmp_path: Path) -> None:
    assert load(tmp_path, INPUT_MODE="rollback", INPUT_BEFORE="0" * 40).before == "0" * 40


def test_working_directory_must_exist(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="working-directory"):
        settings.load([], {"INPUT_MODE": "heal", "INPUT_WORKING_DIRECTORY": str(tmp_path / "x")})


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("repository", "a/b, c/d\ne/f", ["a/b", "c/d", "e/f"]),
        ("client-payload", '{"env": "prod"}', {"env": "prod"}),
        ("sha", "A" * 40, "a" * 40),
        ("confidence", "85", 85),
        ("critical-categories", "Build, test", ["build", "test"]),
        ("repository", "a/b,,\nc/d,\n", ["a/b", "c/d"]),
        ("critical-categories", "build,,test,", ["build", "test"]),
        ("sha", "  " + "a" * 40 + "\n", "a" * 40),
    ],
    ids=[
        "repository-list",
        "json-object",
        "sha-lowercased",
        "confidence-int",
        "categories",
        "repository-empty-items-skipped",
        "categories-empty-items-skipped",
        "sha-whitespace-stripped",
    ],
)
def test_conversions(tmp_path: Path, name: str, value: str, expected: object) -> None:
    env = {"INPUT_" + name.upper().replace("-", "_"): value}
    s = load(tmp_path, INPUT_MODE="redispatch", **env)
    assert getattr(s, name.replace("-", "_")) == expected


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        pytest.param("octo-org/octo.repo", True, id="org"),
        pytest.param("octocat_acme/tools", True, id="managed-user-with-underscore"),
        pytest.param("octo-org/..", False, id="dot-dot"),
        pytest.param("a/b/c", False, id="two-slashes"),
        pytest.param("octo org/x", False, id="space"),
    ],
)
def test_repository_input_takes_what_the_client_takes(
    tmp_path: Path, name: str, valid: bool
) -> None:
    """A name the input accepts never fails later in the client, and the other way round."""
    from autoheal.github.client import check_repo

    def accepted(check: Any) -> bool:
        try:
            check()
        except InputError:
            return False
        return True

    by_input = accepted(lambda: load(tmp_path, INPUT_MODE="redispatch", INPUT_REPOSITORY=name))
    assert (by_input, accepted(lambda: check_repo(name))) == (valid, valid)


def test_confidence_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="`confidence`"):
        load(tmp_path, INPUT_MODE="validate", INPUT_CONFIDENCE="120")


def test_settings_are_read_only_and_hide_the_token(tmp_path: Path) -> None:
    s = load(tmp_path, INPUT_MODE="validate", INPUT_TOKEN="ghp_secretvalue123")
    with pytest.raises(AttributeError, match="read-only"):
        s.threshold = 10  # type: ignore[misc]
    assert "ghp_secretvalue123" not in repr(s)
    assert "'threshold': 30" in repr(s)
