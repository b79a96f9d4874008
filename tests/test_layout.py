"""The repository's frame: the files a user and a packager expect, and one test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = (ROOT / "pyproject.toml").read_text()  # tomllib is 3.11+, the tests run on 3.10
README = (ROOT / "README.md").read_text()


def test_top_level_layout() -> None:
    for name in ("action.yml", "README.md", "CHANGELOG.md", "LICENSE", "SECURITY.md"):
        assert (ROOT / name).is_file(), name
    for name in ("src/autoheal", "tests", "examples", "bench", "docs"):
        assert (ROOT / name).is_dir(), name


def test_licence_file_pyproject_and_readme_agree() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 CI Autoheal maintainers" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text
    assert '\nlicense = { text = "MIT" }\n' in PYPROJECT
    assert "## License\n\nMIT, see [LICENSE](LICENSE)." in README


def test_package_and_console_script() -> None:
    assert '\n[project]\nname = "autoheal"\n' in PYPROJECT
    assert '\n[project.scripts]\nautoheal = "autoheal.cli:main_exit"\n' in PYPROJECT
    assert "\n[tool.ruff]\n" in PYPROJECT and "\n[tool.mypy]\n" in PYPROJECT


def test_ci_runs_exactly_the_readme_test_command() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(\./scripts/\S+)", quick_start, flags=re.MULTILINE)
    assert commands == ["./scripts/demo", "./scripts/test"]
    ci_run = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci_run[-1] == "exec ./scripts/test"
    test = (ROOT / "scripts" / "test").read_text()
    assert "./scripts/setup-dev" in test  # installs what it needs
    for tool in (
        ".venv/bin/ruff check .",
        ".venv/bin/mypy",
        ".venv/bin/zizmor --offline --no-progress --persona=auditor . examples/*.yml",
        '.venv/bin/python -m pytest "$@"',
    ):
        assert tool in test, tool
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert "- run: ./scripts/test\n" in workflow


def test_setup_dev_explains_a_python_without_venv_and_leaves_no_broken_venv(
    tmp_path: Path,
) -> None:
    import shutil
    import subprocess
    import sys

    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup-dev", project / "scripts")
    shutil.copytree(ROOT / "requirements", project / "requirements")
    # Debian's python3 without python3-venv: `-m venv` makes bin/python, then fails on pip.
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "python3").write_text(
        "#!/bin/sh\n"
        'if [ "$1" = -m ] && [ "$2" = venv ]; then\n'
        '  mkdir -p "$3/bin" && ln -s /bin/true "$3/bin/python"\n'
        '  echo "ensurepip is not available" >&2; exit 1\n'
        "fi\n"
        f'exec {sys.executable} "$@"\n'
    )
    (fake / "python3").chmod(0o755)
    done = subprocess.run(
        [str(project / "scripts" / "setup-dev")],
        capture_output=True,
        text=True,
        env={"PATH": f"{fake}:/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "sudo apt install python3-venv" in done.stderr
    assert not (project / ".venv").exists()


# --------------------------------------------------------------------------- the package layout

SRC = ROOT / "src" / "autoheal"
#: A module longer than this is split (issue: "no source module over about 400 lines").
MAX_MODULE_LINES = 400
#: The services and the shared publishing steps: they serve every mode and import none.
SERVICES = ("checks", "git", "github", "publish")


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _dotted(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every autoheal module `path` imports, at the top or inside a function."""
    import ast

    package = _dotted(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]  # a relative import starts from the module's package
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("autoheal"))
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *filter(None, [node.module])])
            if module.startswith("autoheal"):
                found.add(module)
                found.update(f"{module}.{a.name}" for a in node.names)
    return found


def test_no_source_module_is_over_the_limit() -> None:
    long = {
        str(p.relative_to(SRC)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}, f"split these modules (limit {MAX_MODULE_LINES} lines): {long}"


def test_services_and_shared_modules_import_no_mode() -> None:
    # Only cli picks a mode (by name, with importlib); everything else serves the modes.
    offenders = {
        _dotted(p): sorted(m for m in _imports(p) if m.startswith("autoheal.modes"))
        for p in _modules()
        if "modes" not in p.relative_to(SRC).parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_modes_do_not_import_each_other() -> None:
    modes = sorted(p.name for p in (SRC / "modes").iterdir() if (p / "__init__.py").is_file())
    assert modes == ["heal", "redispatch", "rollback", "validate"]
    for mode in modes:
        others = {f"autoheal.modes.{m}" for m in modes if m != mode}
        for path in (SRC / "modes" / mode).rglob("*.py"):
            bad = {i for i in _imports(path) for o in others if i == o or i.startswith(o + ".")}
            assert bad == set(), f"{_dotted(path)} imports another mode: {sorted(bad)}"


def test_tests_mirror_the_packages() -> None:
    packages = [p.parent.relative_to(SRC) for p in SRC.rglob("__init__.py") if p.parent != SRC]
    for package in packages:
        assert (ROOT / "tests" / package / "__init__.py").is_file(), f"tests/{package}/"


def test_the_map_names_every_package_and_module() -> None:
    # docs/architecture.md is where a reader looks up which module holds a behaviour.
    text = (ROOT / "docs" / "architecture.md").read_text()
    missing = [
        str(p.relative_to(SRC))
        for p in _modules()
        if p.name != "__init__.py" and f"`{p.relative_to(SRC)}`" not in text
    ]
    missing += [
        f"{p.parent.relative_to(SRC)}/"
        for p in SRC.rglob("__init__.py")
        if p.parent != SRC and f"`{p.parent.relative_to(SRC)}/`" not in text
    ]
    assert missing == [], f"add to docs/architecture.md: {missing}"
    source_part = text.split("\n## Tests", 1)[0]
    for path in re.findall(r"`([a-z_/]+(?:\.py|/))`", source_part):
        if path.startswith("tests/"):
            continue
        assert (SRC / path).exists(), f"docs/architecture.md names {path}, which does not exist"
