"""Detection follows the project's own configuration: a formatter or linter becomes a check only
where the project configures it, and an installed tool alone is listed as skipped.

Every tool is installed here (executable stubs on the PATH the lookup is given): what decides
is the project's files. Each table runs twice, with tomllib and with the scan that stands in for
it on Python 3.10.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from autoheal.checks import Plan, detect_project
from autoheal.checks.detect import project_config
from autoheal.checks.detect.project_config import scan_toml
from tests.checks.detect.test_detect import PYPROJECT, by_name, reasons, stubs, write

PYTHON_TOOLS = ("ruff", "black", "isort", "flake8", "mypy")

NOT_CONFIGURED = {
    "ruff": "installed but not configured (no [tool.ruff] in pyproject.toml, ruff.toml or "
    ".ruff.toml)",
    "black": "installed but not configured (no [tool.black] in pyproject.toml)",
    "isort": "installed but not configured (no [tool.isort] in pyproject.toml, .isort.cfg, "
    "[isort] in setup.cfg, [isort] in tox.ini, [tool:isort] in setup.cfg or "
    "[tool:isort] in tox.ini)",
    "flake8": "installed but not configured (no .flake8, [flake8] in setup.cfg or "
    "[flake8] in tox.ini)",
}
RUFF_FORMAT_SKIP = (
    "ruff is configured for linting, but nothing says the project formats with it: add a "
    "[tool.ruff.format] table (an empty one will do) to have heal format with ruff"
)


@pytest.fixture(params=["tomllib", "scan"])
def toml_parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways pyproject.toml is read: tomllib (3.11+) and the 3.10 header scan."""
    if request.param == "scan":
        monkeypatch.setattr(project_config, "parse_toml", scan_toml)
    elif sys.version_info < (3, 11):
        pytest.skip("tomllib is Python 3.11+")
    return str(request.param)


def lint_checks(plan: Plan) -> dict[str, tuple[str, str | None]]:
    return {c.name: (c.display, c.fix_display) for c in plan.checks if c.category == "lint"}


@pytest.mark.parametrize(
    ("files", "lint", "skipped"),
    [
        pytest.param(
            {"pyproject.toml": PYPROJECT + "[tool.black]\nline-length = 88\n", ".flake8": ""},
            {"black": ("black --check .", "black ."), "flake8": ("flake8", None)},
            {"python: ruff": NOT_CONFIGURED["ruff"], "python: isort": NOT_CONFIGURED["isort"]},
            id="black-and-flake8-with-ruff-installed",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT, "ruff.toml": "line-length = 100\n"},
            {"ruff": ("ruff check --no-fix .", "ruff check --fix .")},
            {"python: ruff format": RUFF_FORMAT_SKIP, "python: black": NOT_CONFIGURED["black"]},
            id="ruff-toml-lints-only",
        ),
        pytest.param(
            {"setup.py": "", ".ruff.toml": "[format]\nquote-style = 'single'\n"},
            {
                "ruff": (
                    "ruff check --no-fix . && ruff format --check .",
                    "ruff check --fix . && ruff format .",
                )
            },
            {},
            id="dot-ruff-toml-with-format",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT + '[tool.ruff.lint]\nselect = ["E"]\n'},
            {"ruff": ("ruff check --no-fix .", "ruff check --fix .")},
            {"python: ruff format": RUFF_FORMAT_SKIP},
            id="ruff-lint-subtable",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT + "[tool.ruff]\nformat.quote-style = 'single'\n"},
            {
                "ruff": (
                    "ruff check --no-fix . && ruff format --check .",
                    "ruff check --fix . && ruff format .",
                )
            },
            {},
            id="ruff-format-dotted-key",
        ),
        pytest.param(
            {"setup.cfg": "[metadata]\nname = x\n\n[flake8]\nmax-line-length = 88\n"},
            {"flake8": ("flake8", None)},
            {"python: flake8": None},
            id="setup-cfg-flake8",
        ),
        pytest.param(
            {"setup.py": "", "tox.ini": "[tox]\nenvlist = py3\n\n[flake8]\nignore = E501\n"},
            {"flake8": ("flake8", None)},
            {},
            id="tox-ini-flake8",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT + "[tool.isort]\nprofile = 'black'\n"},
            {"isort": ("isort --check-only .", "isort .")},
            {},
            id="pyproject-isort",
        ),
        pytest.param(
            {"setup.cfg": "[tool:isort]\nprofile = black\n"},
            {"isort": ("isort --check-only .", "isort .")},
            {},
            id="setup-cfg-tool-isort",
        ),
        pytest.param(
            {"setup.py": "", ".editorconfig": "[settings]\nline_length = 88\n"},
            {},
            {"python: isort": NOT_CONFIGURED["isort"]},
            id="editorconfig-is-not-isort-configuration",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT + '[tool.pytest.ini_options]\naddopts = "-q"\n'},
            {},
            {
                **{f"python: {tool}": why for tool, why in NOT_CONFIGURED.items()},
                "python: formatters and linters": "none configured (ruff, isort, black, "
                "flake8): heal formats nothing; see docs/configuration.md",
            },
            id="nothing-configured",
        ),
        pytest.param(
            # Table names in quotes, and a header with a comment after it.
            {"pyproject.toml": PYPROJECT + '[ tool . "black" ]  # formatter\n'},
            {"black": ("black --check .", "black .")},
            {},
            id="quoted-header",
        ),
    ],
)
def test_python_formatters_and_linters_need_configuration(
    tmp_path: Path,
    toml_parser: str,
    files: dict[str, str],
    lint: dict[str, tuple[str, str | None]],
    skipped: dict[str, str | None],
) -> None:
    root = write(tmp_path / "proj", files)
    plan = detect_project(root, path=stubs(tmp_path / "bin", *PYTHON_TOOLS, "python3"))
    assert lint_checks(plan) == lint
    for what, why in skipped.items():
        assert reasons(plan).get(what) == why, what
    assert len(plan.detected) == len(plan.checks)


def test_a_configured_tool_not_installed_says_so(tmp_path: Path) -> None:
    files = {"pyproject.toml": PYPROJECT + "[tool.black]\n", "setup.cfg": "[flake8]\n"}
    root = write(tmp_path / "proj", files)
    plan = detect_project(root, path=stubs(tmp_path / "bin", "ruff"))
    assert lint_checks(plan) == {}
    assert reasons(plan)["python: black"] == (
        "configured ([tool.black] in pyproject.toml) but not installed"
    )
    assert reasons(plan)["python: flake8"] == "configured ([flake8] in setup.cfg) but not installed"
    assert reasons(plan)["python: ruff"] == NOT_CONFIGURED["ruff"]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="the 3.10 scan does not judge TOML")
def test_invalid_pyproject_configures_nothing_and_says_why(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", {"pyproject.toml": "[tool.black]\nline-length = \n"})
    plan = detect_project(root, path=stubs(tmp_path / "bin", *PYTHON_TOOLS))
    assert lint_checks(plan) == {}
    assert reasons(plan)["pyproject.toml"] == (
        "is not valid TOML (Invalid value (at line 2, column 15)): its settings were not read"
    )


def test_invalid_ini_file_configures_nothing_and_says_why(tmp_path: Path) -> None:
    files = {"setup.py": "", "setup.cfg": "flake8 settings without a section\n", ".flake8": ""}
    root = write(tmp_path / "proj", files)
    plan = detect_project(root, path=stubs(tmp_path / "bin", *PYTHON_TOOLS))
    assert reasons(plan)["setup.cfg"] == (
        "is not a valid INI file (File contains no section headers.): not read"
    )
    assert lint_checks(plan) == {"flake8": ("flake8", None)}  # .flake8 still counts


def test_an_oversized_configuration_file_is_not_read(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", {"setup.py": ""})
    big = "[flake8]\n" + "# padding\n" * (project_config.MAX_CONFIG_BYTES // 10 + 1)
    write(root, {"setup.cfg": big})
    plan = detect_project(root, path=stubs(tmp_path / "bin", "flake8"))
    assert "flake8" not in by_name(plan)
    assert reasons(plan)["setup.cfg"] == "is larger than 1024 KiB: not read"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n', id="table"),
        pytest.param("[tool.ruff.lint]\nselect = ['E']\n", id="subtable-only"),
        pytest.param("[[tool.mypy.overrides]]\nmodule = 'x'\n", id="array-of-tables"),
        pytest.param("[tool]\nblack.line-length = 88\n", id="dotted-key"),
        pytest.param("[tool.mypy]\nfiles = [\n  'src',\n]\nstrict = true\n", id="multiline"),
        pytest.param('[ tool . "isort" ] # c\nprofile = "black"\n', id="spaces-quotes-comment"),
        pytest.param("[tool.ruff]\nformat = { quote-style = 'single' }\n", id="inline-table"),
        pytest.param("# [tool.black]\n[project]\nname = 'x'\n", id="commented-out"),
    ],
)
def test_the_310_scan_agrees_with_tomllib(text: str) -> None:
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is Python 3.11+")
    import tomllib

    def answers(table: object) -> dict[str, bool]:
        """The questions detection asks of pyproject.toml."""
        assert isinstance(table, dict)
        tool = table.get("tool", {})
        found = {name: name in tool for name in ("ruff", "black", "isort", "mypy")}
        found["ruff format"] = "format" in tool.get("ruff", {})
        found["mypy files"] = "files" in tool.get("mypy", {})
        return found

    assert answers(scan_toml(text)) == answers(tomllib.loads(text))


# ----------------------------------------------------------------------------- node


@pytest.mark.parametrize(
    ("files", "package", "lint", "skipped"),
    [
        pytest.param(
            {},
            {"eslintConfig": {"root": True}},
            {"eslint": ("./node_modules/.bin/eslint .", "./node_modules/.bin/eslint --fix .")},
            {
                "node: prettier": "installed but not configured (no .prettierrc*, "
                "prettier.config.* or a `prettier` key in package.json)"
            },
            id="package-json-eslintConfig",
        ),
        pytest.param(
            {".prettierrc": "{}\n"},
            {},
            {
                "prettier": (
                    "./node_modules/.bin/prettier --check .",
                    "./node_modules/.bin/prettier --write .",
                )
            },
            {
                "node: eslint": "installed but not configured (no eslint.config.*, .eslintrc* "
                "or an `eslintConfig` key in package.json)"
            },
            id="prettierrc",
        ),
        pytest.param(
            {"eslint.config.mjs": "export default [];\n", "prettier.config.cjs": ""},
            {},
            {
                "eslint": ("./node_modules/.bin/eslint .", "./node_modules/.bin/eslint --fix ."),
                "prettier": (
                    "./node_modules/.bin/prettier --check .",
                    "./node_modules/.bin/prettier --write .",
                ),
            },
            {},
            id="config-files",
        ),
        pytest.param(
            {".eslintrc.yml": "root: true\n"},
            {"prettier": {"semi": False}, "scripts": {"lint": "eslint . && prettier -c ."}},
            {
                "npm run lint": (
                    "npm run lint",
                    "./node_modules/.bin/eslint --fix . && ./node_modules/.bin/prettier --write .",
                )
            },
            {},
            id="lint-script-fixed-by-configured-tools",
        ),
        pytest.param(
            {},
            {"scripts": {"lint": "eslint ."}},
            {"npm run lint": ("npm run lint", None)},  # the script is declared: it still runs
            {
                "node: eslint": "installed but not configured (no eslint.config.*, .eslintrc* or "
                "an `eslintConfig` key in package.json)"
            },
            id="lint-script-without-configured-fixers",
        ),
    ],
)
def test_node_linters_need_configuration(
    tmp_path: Path,
    files: dict[str, str],
    package: dict[str, object],
    lint: dict[str, tuple[str, str | None]],
    skipped: dict[str, str],
) -> None:
    manifest = {"name": "demo", "devDependencies": {"eslint": "^9", "prettier": "^3"}, **package}
    root = write(tmp_path / "proj", {"package.json": json.dumps(manifest), **files})
    stubs(root / "node_modules" / ".bin", "eslint", "prettier")
    plan = detect_project(root, path=stubs(tmp_path / "bin", "npm"))
    assert lint_checks(plan) == lint
    for what, why in skipped.items():
        assert reasons(plan).get(what) == why, what
