"""Settings: precedence, conversion, config file validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoheal import settings
from autoheal.errors import InputError


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
    from autoheal.inputs import INPUTS

    names = set(settings.Settings.__annotations__) - {"local", "checks_config", "explicit"}
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


@pytest.mark.parametrize(
    ("yaml_text", "says"),
    [
        ("tresholds: 40\n", "unknown key `tresholds`"),
        ("mode: heal\n", "unknown key `mode`"),
        ("threshold: [1, 2]\n", "`threshold` has the wrong type"),
        ("threshold: abc\n", "`threshold` is 'abc'"),
        ("dry-run: sometimes\n", "`dry-run` is 'sometimes'"),
        ("retries: true\n", "`retries` must not be true/false"),
        ("- a\n- b\n", "must be a mapping"),
        ("checks: [lint]\n", "`checks` must be a mapping"),
        ("threshold: [unclosed\n", "not valid YAML"),
    ],
    ids=[
        "typo-key",
        "mode-not-allowed",
        "list-for-int",
        "text-for-int",
        "bad-bool",
        "bool-for-int",
        "not-a-mapping",
        "checks-not-mapping",
        "yaml-syntax",
    ],
)
def test_config_file_errors_name_the_key_and_file(
    tmp_path: Path, yaml_text: str, says: str
) -> None:
    cfg = tmp_path / ".github" / "autoheal.yml"
    cfg.parent.mkdir()
    cfg.write_text(yaml_text)
    with pytest.raises(InputError) as err:
        load(tmp_path, INPUT_MODE="validate")
    assert says in str(err.value)
    assert err.value.exit_code == 2
    if "unknown key" in says or "wrong type" in says:
        assert "autoheal.yml" in str(err.value)


def test_explicit_config_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load(tmp_path, INPUT_MODE="validate", INPUT_CONFIG="ci/autoheal.yml")


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
    ],
    ids=["repository-list", "json-object", "sha-lowercased", "confidence-int", "categories"],
)
def test_conversions(tmp_path: Path, name: str, value: str, expected: object) -> None:
    env = {"INPUT_" + name.upper().replace("-", "_"): value}
    s = load(tmp_path, INPUT_MODE="redispatch", **env)
    assert getattr(s, name.replace("-", "_")) == expected


def test_confidence_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="`confidence`"):
        load(tmp_path, INPUT_MODE="validate", INPUT_CONFIDENCE="120")


def test_settings_are_read_only_and_hide_the_token(tmp_path: Path) -> None:
    s = load(tmp_path, INPUT_MODE="validate", INPUT_TOKEN="ghp_secretvalue123")
    with pytest.raises(AttributeError, match="read-only"):
        s.threshold = 10  # type: ignore[misc]
    assert "ghp_secretvalue123" not in repr(s)
    assert "'threshold': 30" in repr(s)
