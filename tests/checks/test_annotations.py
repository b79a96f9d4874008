"""Findings in real tool output (autoheal.checks.tool_output) and their annotations
(autoheal.checks.annotations). ruff, mypy and pytest run here; the other tools' output was recorded
from real runs (tests/fixtures/tool-output/README.md says how)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autoheal.checks import Check, CheckResult
from autoheal.checks.annotations import (
    MAX_ANNOTATIONS,
    MESSAGE_MAX,
    Annotation,
    collect,
    place,
    repo_path,
)
from autoheal.checks.tool_output import Finding, Location, clean_lines, parse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "tool-output"
RUNNER_ROOT = "/home/runner/work/demo/demo"  # where the eslint fixtures were checked out

MODULE = """\
import os
import sys


def f(x: int) -> str:
    return x


print(f("a"))
"""
HELPER = "def half(n):\n    return n / 2\n"
TESTS = """\
from pkg.helper import half


def test_ok():
    assert 1 == 1


def test_bad():
    assert 1 + 1 == 3, "math is <b>broken</b>"


def test_raises():
    half(None)


class TestK:
    def test_m(self):
        x = {"a": 1}
        assert x["b"]
"""


def seen(findings: list[Finding]) -> list[tuple[str, int, int | None, str, str]]:
    """(path, line, column, level, code) of each finding's first location."""
    return [
        (f.locations[0].path, f.locations[0].line, f.locations[0].column, f.level, f.code)
        for f in findings
    ]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "pkg" / "__init__.py").write_text("")
    (root / "src" / "pkg" / "mod.py").write_text(MODULE)
    (root / "src" / "pkg" / "helper.py").write_text(HELPER)
    (root / "tests" / "test_x.py").write_text(TESTS)
    return root


def run_tool(root: Path, *argv: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "FORCE_COLOR")}
    env |= {"PYTHONPATH": str(root / "src"), "NO_COLOR": "1", "MYPY_FORCE_COLOR": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0, proc.stdout + proc.stderr  # the project has problems
    return proc.stdout + proc.stderr


# --------------------------------------------------------------------------- tools run here

RUFF_F401 = [
    ("src/pkg/mod.py", 1, 8, "failure", "F401"),
    ("src/pkg/mod.py", 2, 8, "failure", "F401"),
]


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("full", RUFF_F401),  # ruff's default: a header, then ` --> path:line:col`
        ("concise", RUFF_F401),
        (
            "github",
            [
                (f"{{root}}/{p}", line, col, level, "ruff (F401)")
                for p, line, col, level, _ in RUFF_F401
            ],
        ),
    ],
)
def test_ruff(project: Path, form: str, expected: list[tuple[object, ...]]) -> None:
    out = run_tool(project, "ruff", "check", "--no-cache", f"--output-format={form}", "src")
    findings = parse(out)
    assert seen(findings) == [(str(e[0]).format(root=project), *e[1:]) for e in expected]
    assert "`os` imported but unused" in findings[0].message
    assert "`sys` imported but unused" in findings[1].message


@pytest.mark.parametrize("columns", [False, True], ids=["plain", "show-column-numbers"])
def test_mypy(project: Path, columns: bool) -> None:
    flags = ["--show-column-numbers"] if columns else []
    out = run_tool(project, "mypy", "--no-incremental", "--strict", *flags, "src")
    findings = parse(out)
    assert sorted(seen(findings)) == [  # mypy's order of modules is its own
        ("src/pkg/helper.py", 1, 1 if columns else None, "failure", "no-untyped-def"),
        ("src/pkg/mod.py", 6, 12 if columns else None, "failure", "return-value"),
        ("src/pkg/mod.py", 9, 9 if columns else None, "failure", "arg-type"),
    ]
    messages = {f.code: f.message for f in findings}
    assert messages["return-value"] == 'Incompatible return value type (got "int", expected "str")'


@pytest.mark.parametrize("tb", ["auto", "long", "short"])
def test_pytest_tracebacks(project: Path, tb: str) -> None:
    out = run_tool(project, "pytest", "-q", "-p", "no:cacheprovider", f"--tb={tb}", "tests")
    findings = parse(out)
    # Where each failure happened: test_raises fails inside the helper it calls, whose frame
    # comes first; the test's own line is the next choice.
    assert [[(loc.path, loc.line) for loc in f.locations] for f in findings] == [
        [("tests/test_x.py", 9)],
        [("src/pkg/helper.py", 2), ("tests/test_x.py", 13)],
        [("tests/test_x.py", 19)],
    ]
    assert findings[0].message == (
        "test_bad failed: AssertionError: math is <b>broken</b>\nassert (1 + 1) == 3"
    )
    assert findings[1].message.startswith("test_raises failed: TypeError: unsupported operand")
    assert findings[2].message == "TestK.test_m failed: KeyError: 'b'"
    assert {f.level for f in findings} == {"failure"}


def test_pytest_line_format_is_not_annotated_twice(project: Path) -> None:
    """`--tb=line` prints absolute paths and no test names; its FAILED lines add nothing."""
    out = run_tool(project, "pytest", "-q", "-p", "no:cacheprovider", "--tb=line", "tests")
    found = [(loc.path, loc.line) for f in parse(out) for loc in f.locations]
    assert found == [
        (f"{project}/tests/test_x.py", 9),
        (f"{project}/src/pkg/helper.py", 2),
        (f"{project}/tests/test_x.py", 19),
    ]


def test_pytest_without_tracebacks_annotates_line_1_of_the_test_file(project: Path) -> None:
    out = run_tool(project, "pytest", "-q", "-p", "no:cacheprovider", "--tb=no", "tests")
    findings = parse(out)
    assert seen(findings) == [("tests/test_x.py", 1, None, "failure", "")] * 3
    assert findings[0].message == "test_bad failed: AssertionError: math is <b>broken</b>"
    assert findings[2].message == "TestK.test_m failed: KeyError: 'b'"


def test_pytest_collection_error(project: Path) -> None:
    (project / "tests" / "test_err.py").write_text("import nonexistent_mod\n")
    out = run_tool(project, "pytest", "-q", "-p", "no:cacheprovider", "tests/test_err.py")
    [finding] = parse(out)
    assert finding.locations[0] == Location("tests/test_err.py", 1)
    assert "No module named 'nonexistent_mod'" in finding.message


# --------------------------------------------------------------------------- recorded runs

RECORDED = {
    "cargo-build.txt": [("src/main.rs", 2, 18, "failure", "E0308")],
    "cargo-test.txt": [
        ("src/main.rs", 3, 9, "warning", ""),
        ("src/main.rs", 13, 9, "failure", ""),
    ],
    "cargo-clippy.txt": [
        ("src/main.rs", 3, 9, "failure", ""),
        ("src/main.rs", 5, 8, "failure", ""),
        ("src/main.rs", 4, 13, "failure", ""),
    ],
    "eslint-stylish.txt": [
        (f"{RUNNER_ROOT}/src/app.js", 1, 7, "failure", "no-unused-vars"),
        (f"{RUNNER_ROOT}/src/app.js", 3, 9, "warning", "eqeqeq"),
        (f"{RUNNER_ROOT}/src/app.js", 6, 10, "failure", "no-undef"),
    ],
    "tsc.txt": [
        ("src/calc.ts", 4, 7, "failure", "TS2322"),
        ("src/calc.ts", 5, 5, "failure", "TS2345"),
    ],
    "go-vet.txt": [
        ("pkg/broken/broken.go", 4, 9, "failure", ""),
        ("pkg/calc/calc.go", 7, 7, "failure", ""),
        ("pkg/calc/calc.go", 8, 6, "failure", ""),
        ("./main.go", 10, 2, "failure", ""),
    ],
    "flake8.txt": [
        ("src/pkg/mod.py", 1, 1, "failure", "F401"),
        ("src/pkg/mod.py", 2, 1, "failure", "F401"),
        ("src/pkg/mod.py", 10, 1, "failure", "E741"),
        ("src/pkg/mod.py", 11, 6, "failure", "E711"),
    ],
}
RECORDED["eslint-stylish-color.txt"] = RECORDED["eslint-stylish.txt"]
RECORDED["eslint-unix.txt"] = RECORDED["eslint-stylish.txt"]
RECORDED["tsc-pretty.txt"] = RECORDED["tsc.txt"]


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_output(name: str) -> None:
    findings = parse((FIXTURES / name).read_text())
    assert seen(findings) == RECORDED[name]
    assert all(f.message and "\x1b" not in f.message for f in findings)


@pytest.mark.parametrize(
    ("name", "index", "message"),
    [
        ("cargo-build.txt", 0, "mismatched types"),
        (
            "cargo-test.txt",
            1,
            "tests::it_fails panicked: assertion `left == right` failed: math <b>broken</b>\n"
            "left: 2\nright: 3",
        ),
        ("cargo-clippy.txt", 1, "length comparison to zero"),
        ("eslint-stylish-color.txt", 0, "'unused' is assigned a value but never used"),
        ("eslint-unix.txt", 2, "'undefinedThing' is not defined."),
        ("tsc-pretty.txt", 0, "Type 'number' is not assignable to type 'string'."),
        (
            "go-vet.txt",
            0,
            'cannot use "x" (untyped string constant) as int value in return statement',
        ),
        ("go-vet.txt", 3, 'fmt.Printf format %d has arg "not a number" of wrong type string'),
        ("flake8.txt", 3, "comparison to None should be 'if cond is None:'"),
    ],
)
def test_recorded_messages(name: str, index: int, message: str) -> None:
    assert parse((FIXTURES / name).read_text())[index].message == message


# --------------------------------------------------------------------------- other forms


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("src/a.py:3: note: See https://mypy.rtfd.io", []),  # notes explain an error
        ("src/a.c:3:4: warning: unused variable 'x'", [("src/a.c", 3, 4, "warning", "")]),
        ("src/a.c:3:4: note: declared here", []),
        ("src/a.py:6:12:6:13: error: Bad  [misc]", [("src/a.py", 6, 12, "failure", "misc")]),
        ("src/a.py:7: DeprecationWarning: old", [("src/a.py", 7, None, "warning", "")]),
        (
            "::warning file=src/a%2Cb.py,line=4,col=2,title=tool::two%0Alines",
            [("src/a,b.py", 4, 2, "warning", "tool")],
        ),
        ("::error::no file here", []),
        (
            "thread 'main' panicked at 'boom', src/main.rs:5:3",
            [("src/main.rs", 5, 3, "failure", "")],
        ),
        ("   12:3  error  indented, but no file header before it  rule", []),
        ("2026-12-02 05:40:43,123: INFO started", []),
        ("x" * 5000 + ".py:1:1: F401 too long to be a location line", []),
    ],
)
def test_other_forms(line: str, expected: list[tuple[object, ...]]) -> None:
    assert seen(parse(line + "\n")) == expected


def test_workflow_command_message_is_unescaped() -> None:
    [finding] = parse("::error file=a.py,line=1::first%0Asecond 100%25\n")
    assert finding.message == "first\nsecond 100%"


def test_colours_and_carriage_returns_are_removed() -> None:
    text = (
        "\x1b[1m\x1b[96msrc/a.py\x1b[0m:\x1b[93m3\x1b[0m:1: E1 bad\r\n"
        "progress 10%\rsrc/b.py:2:1: E2 x\n"
    )
    assert clean_lines(text) == ["src/a.py:3:1: E1 bad", "src/b.py:2:1: E2 x", ""]
    assert [f.locations[0].path for f in parse(text)] == ["src/a.py", "src/b.py"]


# --------------------------------------------------------------------------- placing

TRACKED = frozenset(
    {"src/app.js", "src/main.rs", "sub/pkg/mod.py", "a::error::b.py", "##[warning]c.py"}
)


@pytest.mark.parametrize(
    ("printed", "cwd", "expected"),
    [
        ("src/app.js", "/repo", "src/app.js"),
        ("./src/app.js", "/repo", "src/app.js"),
        ("/repo/src/app.js", "/repo", "src/app.js"),
        ("/repo/src/../src/app.js", "/repo/sub", "src/app.js"),
        ("pkg/mod.py", "/repo/sub", "sub/pkg/mod.py"),  # from the check's directory
        ("src/main.rs", "/repo/sub", "src/main.rs"),  # from the root: a cargo workspace
        ("../src/app.js", "/repo/sub", "src/app.js"),  # climbs only inside the repository
        ("a::error::b.py", "/repo", "a::error::b.py"),
        ("##[warning]c.py", "/repo", "##[warning]c.py"),
        ("/etc/passwd", "/repo", None),
        ("/repository/src/app.js", "/repo", None),  # a sibling that starts like the root
        ("../../etc/passwd", "/repo/sub", None),
        ("../repo/src/app.js", "/repo", None),  # out of the repository and back in
        ("src/missing.js", "/repo", None),  # not a file of the commit
        ("src", "/repo", None),
        ("src/app.js\x00", "/repo", None),
        ("", "/repo", None),
    ],
)
def test_repo_path(printed: str, cwd: str, expected: str | None) -> None:
    assert repo_path(printed, cwd=cwd, root="/repo", tracked=TRACKED) == expected


def test_place_keeps_one_of_each_and_the_first_location_in_the_repository() -> None:
    outside = Location("/usr/lib/python3/x.py", 9)
    findings = [
        Finding((outside, Location("src/app.js", 3)), "failure", "boom", "E1"),
        Finding((Location("./src/app.js", 3),), "failure", "boom", "E1"),  # the same again
        Finding((Location("src/app.js", 3, 2),), "warning", "boom"),  # another level
        Finding((outside,), "failure", "nowhere in the repository"),
        Finding((Location("src/main.rs", 1),), "failure", "m" * (MESSAGE_MAX + 50), "E2"),
    ]
    placed = place(findings, name="lint", cwd="/repo", roots=["/repo"], tracked=TRACKED)
    assert placed[:2] == [
        Annotation("src/app.js", 3, None, "failure", "boom", "lint: E1"),
        Annotation("src/app.js", 3, 2, "warning", "boom", "lint"),
    ]
    assert len(placed) == 3
    assert len(placed[2].message) == MESSAGE_MAX and placed[2].message.endswith("…")
    assert placed[1].as_api() == {
        "path": "src/app.js",
        "start_line": 3,
        "end_line": 3,
        "start_column": 2,
        "end_column": 2,
        "annotation_level": "warning",
        "message": "boom",
        "title": "lint",
    }


def result(root: Path, name: str, output: str, *, passed: bool = False) -> CheckResult:
    check = Check(name=name, category="lint", command=("true",), cwd=root, timeout=10)
    return CheckResult(check, passed, 0 if passed else 1, 0.1, output)


def test_collect_takes_turns_between_checks_up_to_the_cap(tmp_path: Path) -> None:
    files = frozenset({"src/lint_me.py", "tests/test_it.py"})
    noisy = "".join(f"src/lint_me.py:{n}:1: E501 line too long\n" for n in range(1, 1001))
    failing_test = "FAILED tests/test_it.py::test_it - assert 1 == 2\n"
    results = [
        result(tmp_path, "ruff", noisy),
        result(tmp_path, "pytest", failing_test),
        result(
            tmp_path,
            "passing",
            "src/lint_me.py:1:1: E999 printed by a check that passed\n",
            passed=True,
        ),
        result(tmp_path, "ruff again", noisy),  # the same findings from a second check
    ]
    chosen, total = collect(results, root=tmp_path, tracked=files)
    assert total == 1001
    assert len(chosen) == MAX_ANNOTATIONS
    assert chosen[1] == Annotation(
        "tests/test_it.py", 1, None, "failure", "test_it failed: assert 1 == 2", "pytest"
    )
    assert [a.line for a in chosen if a.title == "ruff: E501"] == list(range(1, MAX_ANNOTATIONS))
    assert not any(a.message == "printed by a check that passed" for a in chosen)


def test_collect_reads_absolute_paths_through_a_symlinked_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    out = f"::error file={real}/src/app.js,line=2::x\nsrc/main.rs:1:1: E1 y\n"
    chosen, _ = collect(
        [result(link, "lint", out)], root=link, tracked=frozenset({"src/app.js", "src/main.rs"})
    )
    assert [(a.path, a.line) for a in chosen] == [("src/app.js", 2), ("src/main.rs", 1)]
