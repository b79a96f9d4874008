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
