"""heal end to end through main(): real git remotes, real ruff, assertions on the remote."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from autoheal.git import Git
from tests.actions import TOKEN
from tests.fake_gitdb import BOT_EMAIL, BOT_NAME, VIA, before_push, use_commit_via
from tests.gitfixtures import assert_remote_keeps, git
from tests.heal_helpers import FORMATTED, RUN_URL, UNFORMATTED, Setup, setup_heal


@VIA
def test_formats_commits_and_pushes_to_the_failing_branch(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    via: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    db = use_commit_via(via, s.actions, httpserver, s.repos.remote)
    before = s.repos.remote_log()
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert r.outputs["healed"] == "true"
    assert r.outputs["confidence-before"] == "0"
    assert r.outputs["confidence-after"] == "100"
    assert r.outputs["fixed-categories"] == "lint"
    assert json.loads(r.outputs["category-outcomes"]) == {
        "lint": "pass",
        "security": "absent",
        "build": "absent",
        "test": "absent",
    }
    assert r.outputs["rerun-requested"] == "false"
    assert r.outputs["patch-path"] == "" and r.outputs["pr-url"] == ""
    sha = r.outputs["commit-sha"]
    assert s.repos.remote_sha("main") == sha
    assert s.repos.remote_file("main", "app.py") == FORMATTED
    assert_remote_keeps(s.repos.remote, "main", before)
    message = s.repos.remote_message(sha)
    assert message.startswith("autoheal: apply lint fixes\n")
    assert "Fixed categories: lint" in message and "ruff format ." in message
    assert f"Autoheal-Run: {RUN_URL}" in message
    author = git(s.repos.remote, "show", "-s", "--format=%an <%ae>", sha).strip()
    if db is None:
        assert author == "autoheal[bot] <autoheal-bot@users.noreply.github.com>"
    else:  # GitHub's commit, signed: the author is the token's identity
        assert author == f"{BOT_NAME} <{BOT_EMAIL}>"
        assert db.verified[sha]
        assert "signed by GitHub: **Verified**" in r.summary
        assert "`commit-author` does not apply" in r.summary
    assert "## CI Autoheal · heal: HEALED" in r.summary
    assert "| lint | lint | ❌ fail (exit 1) | ✅ pass |" in r.summary
    assert "app.py" in r.summary  # diff stat
    assert "to `main`" in r.summary
    assert r.outputs["validate-sha"] == sha
    assert "sha: ${{ steps.heal.outputs.validate-sha }}" in r.summary
    assert "**Confidence:** 0 → 100, the weighted share of passing checks" in r.summary
    assert s.status() == ""
    # The token is masked once and appears nowhere else.
    assert r.out.count(TOKEN) == 1 and f"::add-mask::{TOKEN}" in r.out
    assert TOKEN not in r.err + r.summary + "".join(r.outputs.values())
    assert TOKEN not in git(s.ci, "config", "--list")


def test_detected_ruff_heals_a_python_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pyproject = '[project]\nname = "demo"\n\n[tool.ruff]\n\n[tool.ruff.format]\n'
    files = {"pyproject.toml": pyproject, "app.py": "import os\nx=1\n"}
    s = setup_heal(
        tmp_path, monkeypatch, files=files, detect="true", lint_command="", fix_command=""
    )
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert r.outputs["fixed-categories"] == "lint"
    # lint (15) fails and build (30) passes: 30 / 45 of the weight present.
    assert (r.outputs["confidence-before"], r.outputs["confidence-after"]) == ("67", "100")
    assert s.repos.remote_sha("main") == r.outputs["commit-sha"]
    assert s.repos.remote_file("main", "app.py") == "x = 1\n"  # unused import gone, formatted
    assert "ruff check --fix . && ruff format ." in s.repos.remote_message(r.outputs["commit-sha"])
    shown = html.unescape(r.summary)  # names from the project are written as plain text
    assert "**Detected:** python: ruff (lint, fix: ruff check --fix . && ruff format .)" in shown
    assert "python: compileall (build)" in r.summary
    assert "- python: mypy: installed but not configured (no [mypy] in mypy.ini" in shown
    assert "- python: pytest: no tests/ directory or test_*.py files" in r.summary
    assert "| lint | ruff | ❌ fail (exit 1) | ✅ pass |" in r.summary
    assert "| build | compileall | ✅ pass | ✅ pass |" in r.summary
    assert s.status() == ""


@VIA
def test_custom_author_and_a_shallow_clone(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    via: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, depth=1, commit_author="Heal Bot <heal@example.com>")
    db = use_commit_via(via, s.actions, httpserver, s.repos.remote)
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert s.repos.remote_file("main", "app.py") == FORMATTED
    sha = r.outputs["commit-sha"]
    assert s.head() == sha == s.repos.remote_sha("main") and s.status() == ""
    author = git(s.repos.remote, "show", "-s", "--format=%an <%ae>", sha).strip()
    if db is None:
        assert author == "Heal Bot <heal@example.com>"
    else:  # GitHub signs only what it authors: commit-author cannot apply, the summary says so
        assert author == f"{BOT_NAME} <{BOT_EMAIL}>" and db.verified[sha]
        assert "`commit-author` does not apply" in r.summary
    assert Git(s.ci).parents(sha) == [s.repos.sha()]  # on the tip it was made on


def _colleague_pushes(s: Setup, name: str, content: str) -> Callable[[], None]:
    """A colleague's push of `name` to main; the shas pushed go to `s.pushed`."""

    def push() -> None:
        s.repos.pull()
        s.pushed.append(s.repos.commit(name, content, "colleague work"))
        s.repos.push()

    return push


@VIA
def test_rebases_on_a_colleagues_push_and_keeps_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    via: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, depth=1)
    db = use_commit_via(via, s.actions, httpserver, s.repos.remote)
    # Between heal's fix and its push (for the API: its ref update), a colleague pushes.
    before_push(db, monkeypatch, _colleague_pushes(s, "NOTES.md", "theirs\n"))
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert_remote_keeps(s.repos.remote, "main", s.pushed)
    tip = s.repos.remote_sha("main")
    assert tip == r.outputs["commit-sha"] == s.head()
    assert git(s.repos.remote, "rev-parse", f"{tip}^").strip() == s.pushed[0]
    assert s.repos.remote_file("main", "NOTES.md") == "theirs\n"
    assert s.repos.remote_file("main", "app.py") == FORMATTED
    assert "Autoheal-Run:" in s.repos.remote_message(tip)
    assert "re-running the checks on the rebased fix" in r.out
    assert "after rebasing" in r.summary
    if db is not None:
        assert db.verified[tip]
        assert [u["force"] for u in db.ref_updates()] == [False, False]


@VIA
def test_rebased_fix_that_breaks_a_check_is_not_pushed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    via: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    db = use_commit_via(via, s.actions, httpserver, s.repos.remote)
    before_push(db, monkeypatch, _colleague_pushes(s, "other.py", "y=2\n"))  # badly formatted
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "FAILED"
    assert r.outputs["confidence-before"] == "0"
    assert s.repos.remote_sha("main") == s.pushed[0]
    assert "Nothing was pushed" in r.summary
    if db is not None:
        assert len(db.ref_updates()) == 1  # the refused one: the rebased fix was never sent


def test_dry_run_changes_nothing_and_shows_the_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, dry_run="true")
    remote_before, head_before = s.repos.remote_sha("main"), s.head()
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "PATCH"
    assert r.outputs["healed"] == "false" and r.outputs["commit-sha"] == ""
    assert r.outputs["confidence-after"] == "100"
    assert s.repos.remote_sha("main") == remote_before
    assert s.head() == head_before and s.status() == ""
    assert (s.ci / "app.py").read_text() == UNFORMATTED
    patch = Path(r.outputs["patch-path"])
    assert patch.parent == s.actions.runner_temp
    assert "+x = 1" in patch.read_text()
    assert "+x = 1" in r.summary and "dry-run" in r.summary


def test_local_run_commits_but_never_pushes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    del s.actions.env["GITHUB_ACTIONS"]
    remote_before = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert s.repos.remote_sha("main") == remote_before
    assert s.head() == r.outputs["commit-sha"] != remote_before
    assert "Autoheal-Run: local" in git(s.ci, "show", "-s", "--format=%B", "HEAD")
    assert "locally" in r.summary and "never pushes" in r.summary


def test_local_dry_run_commits_nothing_and_says_it_is_a_dry_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, dry_run="true")
    del s.actions.env["GITHUB_ACTIONS"]
    head_before = s.head()
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "PATCH" and r.outputs["commit-sha"] == ""
    assert s.head() == head_before and s.status() == ""
    assert "+x = 1" in Path(r.outputs["patch-path"]).read_text()
    # The reason is the dry run, not "heal commits locally": it committed nothing.
    assert "Not pushed: dry-run: nothing is committed or pushed" in r.summary
    assert "commits locally" not in r.summary
    # How to apply it here, with the path it is at; no workflow step to upload it.
    assert f"git am < {r.outputs['patch-path']}" in r.summary
    assert "upload-artifact" not in r.summary


def test_all_checks_pass_is_healthy_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, files={"app.py": FORMATTED})
    remote_before = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 0
    assert r.outputs["status"] == "HEALTHY"
    assert r.outputs["healed"] == "false"
    assert r.outputs["confidence-before"] == r.outputs["confidence-after"] == "100"
    assert s.repos.remote_sha("main") == remote_before


def test_an_error_after_the_fix_was_committed_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from autoheal.modes.heal import flow as heal

    s = setup_heal(tmp_path, monkeypatch)
    head = git(s.ci, "rev-parse", "HEAD")
    remote = s.repos.remote_log()
    real = heal.run_checks
    calls: list[int] = []

    def fail_on_recheck(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:  # the recheck of the committed fix
            raise RuntimeError("recheck crashed")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(heal, "run_checks", fail_on_recheck)
    r = s.actions.run(capsys)
    assert r.code == 1
    assert "recheck crashed" in r.out
    assert git(s.ci, "rev-parse", "HEAD") == head  # no partial commit
    assert git(s.ci, "status", "--porcelain") == ""  # no fixer output left
    assert s.repos.remote_log() == remote  # nothing pushed


@pytest.mark.parametrize(
    ("inputs", "config", "named"),
    [
        ({"max_diff_lines": "ten"}, "", "`max-diff-lines`"),
        ({"token": TOKEN + "\nsecond line"}, "", "`token`"),
        ({"commit_author": "bot"}, "", "`commit-author`"),
        ({"commit_via": "gpg"}, "", "`commit-via`"),
        ({"test_command": "python3 -c 'print(1)"}, "", "`test-command`"),
        ({}, "max-heal-attempts: 0\n", "`max-heal-attempts`"),
        ({}, "checks:\n  test: {comand: pytest}\n", "checks.test.comand"),
        ({}, "checks:\n  build: {command: make, fix: 'make \"fix'}\n", "checks.build.fix"),
    ],
    ids=[
        "bad-int",
        "token-newline",
        "bad-author",
        "bad-commit-via",
        "unbalanced-quote",
        "config-value",
        "config-nested-key",
        "config-fix-quote",
    ],
)
def test_bad_input_commits_and_pushes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, str],
    config: str,
    named: str,
) -> None:
    from tests.actions import assert_input_error

    files = {"app.py": UNFORMATTED}
    if config:
        files[".github/autoheal.yml"] = config
    s = setup_heal(tmp_path, monkeypatch, files=files, **inputs)
    remote, head = s.repos.remote_log(), s.head()
    r = s.actions.run(capsys)
    assert_input_error(r, named)
    # Nothing half done: the fix that a good run pushes (see above) is nowhere.
    assert s.repos.remote_log() == remote
    assert s.head() == head and s.status() == ""
    assert (s.ci / "app.py").read_text() == UNFORMATTED
    assert not list(s.actions.runner_temp.iterdir())  # not even a patch


# Each status that fails the step, with the one error line that says why.
FAILING_STATUSES = [
    pytest.param(
        {"test_command": "exit 3"},
        "PARTIAL",
        "heal: PARTIAL. Fixed lint. Still failing: test (no mechanical fix).",
        id="partial",
    ),
    pytest.param(
        {"lint_command": "exit 1", "fix_command": "true"},
        "NOT FIXED",
        "heal: NOT FIXED. Still failing: lint. The fixers ran but changed no file.",
        id="not-fixed",
    ),
    pytest.param(
        {"test_command": "exit 3", "dry_run": "true"},
        "PATCH",
        "heal: PATCH. Still failing with the fix: test. Not pushed: dry-run",
        id="patch",
    ),
]


@pytest.mark.parametrize("where", ["actions", "local"])
@pytest.mark.parametrize(("inputs", "status", "error"), FAILING_STATUSES)
def test_a_failing_status_is_one_error_saying_what_still_fails(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    inputs: dict[str, str],
    status: str,
    error: str,
    where: str,
) -> None:
    """Exit 1 comes with exactly one error, in a workflow and on a terminal alike."""
    from tests.actions import runner_commands
    from tests.troubleshooting import annotation_text

    s = setup_heal(tmp_path, monkeypatch, **inputs)
    if where == "local":
        del s.actions.env["GITHUB_ACTIONS"]
    r = s.actions.run(capsys)
    assert r.code == 1, r.out + r.err
    assert r.outputs["status"] == status
    if where == "actions":
        errors = [c for c in runner_commands(r.out) if c.startswith("::error")]
        assert len(errors) == 1, r.out
        assert annotation_text(errors[0]).startswith(error), errors[0]
    else:
        errors = [line for line in r.err.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, r.err
        assert errors[0].startswith(f"error: {error}"), errors[0]
        assert "::" not in r.out + r.err


def test_a_healed_run_has_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    r = s.actions.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "HEALED"
    assert "::error" not in r.out
    assert "heal: HEALED. Fixed lint." in r.out


# The fixer of the next test: every kind of change a tree entry can carry.
FIX_EVERY_KIND = """\
import os, pathlib
os.chmod("run.sh", 0o755)                                      # executable bit
os.remove("old.txt")                                           # deletion
os.makedirs("docs", exist_ok=True)
os.rename("name1.txt", "docs/name2.txt")                       # rename, into a new folder
os.remove("gone/only.txt")                                     # a folder's last file
pathlib.Path("logo.bin").write_bytes(bytes(range(256)) * 4)    # binary (NUL bytes)
pathlib.Path("latin1.txt").write_bytes(b"caf\\xe9\\r\\n")          # not UTF-8, CRLF
pathlib.Path("utf8.txt").write_text("h\\u00e9llo \\u2713\\r\\n")      # UTF-8, CRLF
os.symlink("run.sh", "link")                                   # symlink
"""
CHECK_EVERY_KIND = "test -x run.sh && test -L link && test ! -e old.txt && test -e docs/name2.txt"


@VIA
def test_every_kind_of_change_arrives_exactly(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    via: str,
) -> None:
    files = {
        "fix.py": FIX_EVERY_KIND,
        "run.sh": "#!/bin/sh\necho hi\n",
        "old.txt": "old\n",
        "name1.txt": "renamed\n",
        "gone/only.txt": "last\n",
        "logo.bin": "placeholder\n",
        "latin1.txt": "cafe\n",
        "utf8.txt": "hello\n",
    }
    s = setup_heal(
        tmp_path,
        monkeypatch,
        files=files,
        depth=1,
        lint_command=CHECK_EVERY_KIND,
        fix_command="python3 fix.py",
        allow_binary_changes="true",
    )
    db = use_commit_via(via, s.actions, httpserver, s.repos.remote)
    # The tree the fix must make, made by git alone in another clone.
    other = s.repos.clone("expected")
    git(other, "config", "core.autocrlf", "false")
    subprocess.run([sys.executable, "fix.py"], cwd=other, check=True)
    git(other, "add", "-A")
    expected = git(other, "write-tree").strip()
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    tip = s.repos.remote_sha("main")
    assert tip == r.outputs["commit-sha"] == s.head() and s.status() == ""
    assert git(s.repos.remote, "rev-parse", f"{tip}^{{tree}}").strip() == expected
    listing = git(s.repos.remote, "ls-tree", "-r", "main")
    assert "100755 blob" in next(line for line in listing.splitlines() if line.endswith("run.sh"))
    assert "120000 blob" in next(line for line in listing.splitlines() if line.endswith("link"))
    for gone in ("old.txt", "name1.txt", "gone/only.txt"):
        assert gone not in listing
    shown = subprocess.run(
        ["git", "show", "main:logo.bin"], cwd=s.repos.remote, capture_output=True, check=True
    )
    assert shown.stdout == bytes(range(256)) * 4
    if db is not None:
        assert db.verified[tip]
        sent = [r.body["encoding"] for r in db.fake.requests("POST", ".*/git/blobs")]
        # logo.bin, latin1.txt; utf8.txt, link. Not the renamed file or run.sh: GitHub has those.
        assert sorted(sent) == ["base64", "base64", "utf-8", "utf-8"]
        [tree] = [r.body for r in db.fake.requests("POST", ".*/git/trees")]
        deleted = sorted(e["path"] for e in tree["tree"] if e["sha"] is None)
        assert deleted == ["gone/only.txt", "name1.txt", "old.txt"]
