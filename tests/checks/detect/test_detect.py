"""Detection on small sample projects built in tmp_path, with real tool lookups on PATH.

Where a tool must be present or absent regardless of this machine, PATH is a directory of
executable stubs: the lookup is still a real `shutil.which`, only the PATH is chosen.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from autoheal.checks import Check, Plan, build_checks, detect_project, run_check, run_fix
from tests.heal_helpers import tools_path


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def fake_bin(tmp_path: Path, *tools: str) -> str:
    return stubs(tmp_path / "fakebin", *tools)


def stubs(bin_dir: Path, *tools: str) -> str:
    """Executable stubs named `tools` in `bin_dir`; returns it for use as a PATH."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for tool in tools:
        stub = bin_dir / tool
        stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        stub.chmod(0o755)
    return str(bin_dir)


def path_without(*tools: str) -> str:
    """The real PATH minus every directory that holds one of `tools`."""
    keep = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not any(os.path.exists(os.path.join(d, tool)) for tool in tools)
    ]
    return os.pathsep.join(keep)


def by_name(plan: Plan) -> dict[str, Check]:
    return {check.name: check for check in plan.checks}


def reasons(plan: Plan) -> dict[str, str]:
    return dict(plan.skipped)


PYPROJECT = '[project]\nname = "demo"\nversion = "0"\n'

# ----------------------------------------------------------------------------- python


RUFF_LINT_AND_FORMAT = "[tool.ruff]\nline-length = 100\n\n[tool.ruff.format]\n"


def test_python_configured_ruff_lints_formats_and_fixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real ruff of the dev requirements, found on PATH as a workflow would install it.
    monkeypatch.setenv("PATH", tools_path())
    pyproject = PYPROJECT + RUFF_LINT_AND_FORMAT
    root = write(tmp_path, {"pyproject.toml": pyproject, "app.py": "import os\nx=1\n"})
    plan = detect_project(root, timeout=60)
    ruff = by_name(plan)["ruff"]
    assert ruff.category == "lint" and ruff.source == "detected"
    assert ruff.display == "ruff check --no-fix . && ruff format --check ."
    assert ruff.fix_display == "ruff check --fix . && ruff format ."
    assert "python: ruff (lint, fix: ruff check --fix . && ruff format .)" in plan.detected
    assert not run_check(ruff).passed
    assert run_fix(ruff).passed
    assert run_check(ruff).passed
    assert (root / "app.py").read_text(encoding="utf-8") == "x = 1\n"


# `fix = true` in the configuration makes a plain `ruff check` apply its fixes and exit 0.
RUFF_FIXES_ON_CHECK = '[tool.ruff]\nfix = true\n\n[tool.ruff.lint]\nselect = ["I"]\n'
UNSORTED = "import sys\nimport os\n\nprint(os, sys)\n"
SORTED = "import os\nimport sys\n\nprint(os, sys)\n"


def test_python_ruff_check_never_fixes_even_with_fix_true(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check reports and never rewrites: with `fix = true` (itsdangerous, the Pallets
    projects) a plain `ruff check .` sorted the imports and passed, so heal saw nothing to fix,
    left the rewrite uncommitted in the tree, and validate judged a tree it had changed."""
    monkeypatch.setenv("PATH", tools_path())
    pyproject = PYPROJECT + RUFF_FIXES_ON_CHECK
    root = write(tmp_path, {"pyproject.toml": pyproject, "app.py": UNSORTED})
    ruff = by_name(detect_project(root, timeout=60))["ruff"]
    assert ruff.display == "ruff check --no-fix ."
    assert ruff.fix_display == "ruff check --fix ."
    assert not run_check(ruff).passed
    assert (root / "app.py").read_text(encoding="utf-8") == UNSORTED
    assert run_fix(ruff).passed
    assert run_check(ruff).passed
    assert (root / "app.py").read_text(encoding="utf-8") == SORTED


def test_python_configured_ruff_not_installed_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"pyproject.toml": PYPROJECT + "[tool.ruff]\n", "tests/test_a.py": ""}
    root = write(tmp_path, files)
    monkeypatch.setenv("PATH", path_without("ruff", "black", "isort"))
    plan = detect_project(root)  # path=None: the lookup reads PATH at call time
    assert "ruff" not in by_name(plan)
    assert reasons(plan)["python: ruff"] == (
        "configured ([tool.ruff] in pyproject.toml) but not installed"
    )
    assert "python: black" not in reasons(plan)  # neither configured nor installed: no noise


def test_python_configured_black_and_isort_commands(tmp_path: Path) -> None:
    files = {"requirements-dev.txt": "", ".isort.cfg": "[settings]\n", "pyproject.toml": ""}
    root = write(tmp_path / "proj", files)
    (root / "pyproject.toml").write_text("[tool.black]\n", encoding="utf-8")
    plan = detect_project(root, path=fake_bin(tmp_path, "black", "isort"))
    assert [c.name for c in plan.checks if c.category == "lint"] == ["isort", "black"]
    checks = by_name(plan)
    assert checks["black"].display == "black --check ."
    assert checks["black"].fix_display == "black ."
    assert checks["isort"].display == "isort --check-only ."
    assert checks["isort"].fix_display == "isort ."


@pytest.mark.parametrize(
    ("files", "command", "reason"),
    [
        pytest.param(
            {"pyproject.toml": PYPROJECT + '[tool.mypy]\nstrict = true\nfiles = ["src"]\n'},
            "mypy",
            None,
            id="pyproject-with-files",
        ),
        pytest.param(
            {"pyproject.toml": PYPROJECT + "[tool.mypy]\nstrict = true\n[tool.other]\nfiles=1\n"},
            "mypy .",
            None,
            id="pyproject-without-files",
        ),
        pytest.param({"setup.py": "", "mypy.ini": "[mypy]\n"}, "mypy .", None, id="mypy-ini"),
        pytest.param({"setup.cfg": "[mypy]\nfiles = pkg\n"}, "mypy", None, id="setup-cfg-section"),
        pytest.param(
            {"setup.cfg": "[metadata]\nname = x\n"},
            None,
            "installed but not configured (no [mypy] in mypy.ini, [mypy] in .mypy.ini, "
            "[tool.mypy] in pyproject.toml or [mypy] in setup.cfg)",
            id="not-configured",
        ),
        pytest.param(
            # mypy reads the overrides: the project uses mypy.
            {"pyproject.toml": PYPROJECT + "[[tool.mypy.overrides]]\nmodule = 'x'\n"},
            "mypy .",
            None,
            id="overrides-only",
        ),
        pytest.param(
            # mypy.ini is read before pyproject.toml: its missing `files` decides.
            {
                "mypy.ini": "[mypy]\nstrict = True\n",
                "pyproject.toml": PYPROJECT + '[tool.mypy]\nfiles = ["src"]\n',
            },
            "mypy .",
            None,
            id="mypy-ini-first",
        ),
    ],
)
def test_python_mypy_needs_configuration(
    tmp_path: Path, files: dict[str, str], command: str | None, reason: str | None
) -> None:
    root = write(tmp_path / "proj", files)
    plan = detect_project(root, path=fake_bin(tmp_path, "mypy"))
    mypy = by_name(plan).get("mypy")
    assert (mypy.display if mypy else None) == command
    assert reasons(plan).get("python: mypy") == reason
    if mypy:
        assert mypy.category == "lint" and mypy.fix is None


@pytest.mark.parametrize(
    ("files", "display", "fix"),
    [
        pytest.param(
            {"requirements.txt": "requests\n"},
            "pip-audit -r requirements.txt",
            "pip-audit -r requirements.txt --fix",
            id="requirements",
        ),
        pytest.param({"pyproject.toml": PYPROJECT}, "pip-audit", None, id="no-requirements"),
    ],
)
def test_python_pip_audit(
    tmp_path: Path, files: dict[str, str], display: str, fix: str | None
) -> None:
    root = write(tmp_path / "proj", files)
    check = by_name(detect_project(root, path=fake_bin(tmp_path, "pip-audit")))["pip-audit"]
    assert (check.category, check.display, check.fix_display) == ("security", display, fix)


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"tests/conftest.py": ""}, "pytest", id="tests-dir"),
        pytest.param({"test_app.py": ""}, "pytest", id="test-file"),
        pytest.param({"app.py": ""}, "no tests/ directory or test_*.py files", id="no-tests"),
    ],
)
def test_python_pytest_needs_tests(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    root = write(tmp_path / "proj", {"pyproject.toml": PYPROJECT, **files})
    plan = detect_project(root, path=fake_bin(tmp_path, "pytest"))
    found = by_name(plan).get("pytest")
    assert (found.display if found else reasons(plan)["python: pytest"]) == expected


def test_python_project_venv_tool_is_preferred(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", {"pyproject.toml": PYPROJECT, "ruff.toml": ""})
    stubs(root / ".venv" / "bin", "ruff")
    plan = detect_project(root, path=fake_bin(tmp_path, "ruff"))
    venv_ruff = str(root / ".venv" / "bin" / "ruff")
    assert by_name(plan)["ruff"].command == ((venv_ruff, "check", "--no-fix", "."),)


def test_python_compileall_build_catches_syntax_errors_without_writing_pyc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNNER_TEMP", str(tmp_path / "runner-temp"))
    root = write(tmp_path / "project", {"pyproject.toml": PYPROJECT, "pkg/ok.py": "x = 1\n"})
    build = by_name(detect_project(root))["compileall"]
    # The byte code goes under RUNNER_TEMP (emptied after the job), not a shared /tmp folder.
    assert dict(build.env)["PYTHONPYCACHEPREFIX"] == str(
        tmp_path / "runner-temp" / "autoheal-pycache"
    )
    assert build.category == "build" and build.fix is None
    assert run_check(build).passed
    write(root, {"pkg/broken.py": "def f(:\n"})
    result = run_check(build)
    assert not result.passed and "broken.py" in result.output
    assert not list(root.rglob("*.pyc")), "compileall must not litter the tree heal commits"
    assert list((tmp_path / "runner-temp" / "autoheal-pycache").rglob("ok*.pyc"))


def test_not_a_python_project(tmp_path: Path) -> None:
    write(tmp_path, {"README.md": "hi"})
    plan = detect_project(tmp_path, path=fake_bin(tmp_path, "ruff", "pytest", "npm", "cargo"))
    assert plan.checks == [] and plan.skipped == []


# ----------------------------------------------------------------------------- node

PLACEHOLDER = 'echo "Error: no test specified" && exit 1'


def node_project(root: Path, scripts: dict[str, str], *, lock: bool = True) -> Path:
    """A package with eslint installed in node_modules and configured in eslint.config.js."""
    package = {"name": "demo", "scripts": scripts, "devDependencies": {"eslint": "^9"}}
    write(root, {"package.json": json.dumps(package), "eslint.config.js": "export default [];\n"})
    if lock:
        write(root, {"package-lock.json": "{}"})
    stubs(root / "node_modules" / ".bin", "eslint")
    return root


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed here")
def test_node_scripts_and_placeholder_test(tmp_path: Path) -> None:
    scripts = {"lint": "eslint .", "build": "node -e 0", "test": PLACEHOLDER}
    root = node_project(tmp_path / "proj", scripts)
    plan = detect_project(root)
    got = {c.name: (c.category, c.display, c.fix_display) for c in plan.checks}
    assert got == {
        "npm run lint": ("lint", "npm run lint", "./node_modules/.bin/eslint --fix ."),
        "npm run build": ("build", "npm run build", None),
        "npm audit": ("security", "npm audit --audit-level=high", "npm audit fix"),
    }
    assert reasons(plan)["node: npm test"] == "the test script is npm's placeholder"
    assert run_check(by_name(plan)["npm run build"]).passed


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed here")
def test_node_real_test_script_runs(tmp_path: Path) -> None:
    root = node_project(tmp_path / "proj", {"test": "node -e 'process.exit(3)'"}, lock=False)
    plan = detect_project(root)
    test = by_name(plan)["npm run test"]
    assert test.category == "test"
    assert not run_check(test).passed
    assert reasons(plan)["node: npm audit"] == "no package-lock.json"
    # no lint script: the installed eslint runs directly
    assert by_name(plan)["eslint"].display == "./node_modules/.bin/eslint ."


def test_node_without_npm(tmp_path: Path) -> None:
    root = node_project(tmp_path / "proj", {"lint": "eslint .", "build": "tsc"})
    plan = detect_project(root, path=fake_bin(tmp_path, "node"))
    assert plan.checks == []
    assert reasons(plan)["node: npm run lint"] == "npm not installed"
    assert reasons(plan)["node: npm run build"] == "npm not installed"
    assert reasons(plan)["node: npm audit"] == "npm not installed"


def test_node_invalid_package_json(tmp_path: Path) -> None:
    write(tmp_path, {"package.json": "{nope"})
    plan = detect_project(tmp_path, path=fake_bin(tmp_path, "npm"))
    assert plan.checks == []
    assert reasons(plan)["node"].startswith("package.json is not valid JSON")


# ----------------------------------------------------------------------------- go

GO_FILES = {
    "go.mod": "module example.com/demo\n\ngo 1.21\n",
    "main.go": "package main\nfunc main(){}\n",
}


def test_go_checks_from_stub_toolchain(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", {**GO_FILES, "main_test.go": "package main\n"})
    plan = detect_project(root, path=fake_bin(tmp_path, "go", "gofmt"))
    got = {c.name: (c.category, c.display, c.fix_display) for c in plan.checks}
    assert got == {
        "gofmt": ("lint", "gofmt -l .", "gofmt -w ."),
        "go vet": ("lint", "go vet ./...", None),
        "go build": ("build", "go build ./...", None),
        "go test": ("test", "go test ./...", None),
    }
    assert by_name(plan)["gofmt"].fail_on_output


def test_go_without_toolchain_or_tests(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", GO_FILES)
    plan = detect_project(root, path=fake_bin(tmp_path))
    assert plan.checks == []
    assert reasons(plan) == {
        "go: go vet, go build, go test": "go not installed",
        "go: gofmt": "gofmt not installed",
    }
    plan = detect_project(root, path=fake_bin(tmp_path, "go", "gofmt"))
    assert reasons(plan) == {"go: go test": "no *_test.go files"}


@pytest.mark.skipif(shutil.which("go") is None, reason="go is not installed on this machine")
def test_go_real_gofmt(tmp_path: Path) -> None:
    root = write(tmp_path, GO_FILES)
    gofmt = by_name(detect_project(root))["gofmt"]
    result = run_check(gofmt)
    assert not result.passed and "main.go" in result.output
    assert run_fix(gofmt).passed
    assert run_check(gofmt).passed


# ----------------------------------------------------------------------------- rust

CARGO = '[package]\nname = "demo"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n'


@pytest.mark.skipif(shutil.which("cargo") is None, reason="cargo is not installed on this machine")
def test_rust_detects_cargo_checks(tmp_path: Path) -> None:
    root = write(tmp_path, {"Cargo.toml": CARGO, "src/main.rs": 'fn main(){println!("hi");}\n'})
    plan = build_checks(root, inputs={}, config={}, timeout=60)
    got = {c.name: (c.category, c.display, c.fix_display) for c in plan.checks}
    assert got["cargo fmt"] == ("lint", "cargo fmt --check", "cargo fmt")
    assert got["cargo build"] == ("build", "cargo build", None)
    assert got["cargo test"] == ("test", "cargo test", None)
    if shutil.which("cargo-clippy"):
        assert got["cargo clippy"] == ("lint", "cargo clippy -- -D warnings", None)
    assert "rust: cargo build (build)" in plan.detected
    # Formatting needs no compilation, so it is cheap enough to run for real.
    fmt = by_name(plan)["cargo fmt"]
    assert not run_check(fmt).passed
    assert run_fix(fmt).passed
    assert run_check(fmt).passed


def test_rust_without_cargo(tmp_path: Path) -> None:
    root = write(tmp_path / "proj", {"Cargo.toml": CARGO})
    plan = detect_project(root, path=fake_bin(tmp_path))
    assert plan.checks == [] and reasons(plan) == {"rust: cargo": "cargo not installed"}


def test_several_ecosystems_in_one_repository(tmp_path: Path) -> None:
    files = {"Cargo.toml": CARGO, **GO_FILES, "setup.py": "", "ruff.toml": ""}
    root = write(tmp_path / "proj", files)
    plan = detect_project(root, path=fake_bin(tmp_path, "cargo", "go", "ruff"))
    names = [c.name for c in plan.checks]
    assert {"ruff", "go vet", "cargo build"} <= set(names)
    assert len(plan.detected) == len(plan.checks)
