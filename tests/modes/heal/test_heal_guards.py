"""heal's refusals and loop guards: what it must never do, proven on real repositories."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autoheal.git import Git
from autoheal.modes.heal.guards import count_heal_commits
from tests.actions import runner_commands
from tests.gitfixtures import git, make_repo
from tests.heal_helpers import (
    FORMATTED,
    UNFORMATTED,
    pr_event,
    setup_heal,
    workflow_run_event,
)

MARKER_FIX = "touch fixer-ran && ruff format ."
MARKER_CHECK = "touch check-ran; ruff format --check ."


def test_fork_pull_request_gets_a_patch_and_no_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    tip = s.repos.remote_sha("main")
    assert tip is not None
    s.actions.set_event(pr_event("main", tip, head_repo="someone/fork"), "pull_request")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "PATCH"
    assert r.outputs["healed"] == "false"
    assert s.repos.remote_sha("main") == tip
    assert git(s.repos.remote, "branch", "--format=%(refname:short)").split() == [
        "main"
    ]  # no autoheal/ branch
    patch = Path(r.outputs["patch-path"]).read_text()
    assert "-x=1" in patch and "+x = 1" in patch and "Autoheal-Run:" in patch
    assert "someone/fork" in r.summary and "+x = 1" in r.summary
    assert s.head() == tip and s.status() == ""


@pytest.mark.parametrize(
    ("event_name", "make_event"),
    [
        ("pull_request_target", lambda: pr_event("feature", "4" * 40, head_repo="evil/fork")),
        ("workflow_run", lambda: workflow_run_event(head_repo="evil/fork")),
    ],
    ids=["pull_request_target", "workflow_run"],
)
def test_fork_code_with_a_privileged_token_is_refused_before_anything_runs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    event_name: str,
    make_event: object,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, lint_command=MARKER_CHECK, fix_command=MARKER_FIX)
    assert callable(make_event)
    s.actions.set_event(make_event(), event_name)
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "FAILED"
    assert not (s.ci / "fixer-ran").exists() and not (s.ci / "check-ran").exists()
    assert "::error::" in r.out and "fork" in r.out and "hand it the token" in r.summary
    assert "`pull_request` workflow" in r.summary


def test_detached_head_at_a_merge_commit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, branch="feature", fix_command=MARKER_FIX)
    tip = s.repos.remote_sha("feature")
    assert tip is not None
    # What actions/checkout does for pull_request: a merge commit, detached.
    git(s.ci, "checkout", "-q", "--detach")
    git(
        s.ci,
        "-c",
        "user.name=ci",
        "-c",
        "user.email=ci@x",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "Merge",
    )
    s.actions.set_event(pr_event("feature", tip), "pull_request")
    r = s.actions.run(capsys)
    assert r.code == 1
    assert "is not the tip of `feature`" in r.summary
    assert "ref: ${{ github.head_ref }}" in r.summary
    assert not (s.ci / "fixer-ran").exists()
    assert s.repos.remote_sha("feature") == tip


def test_detached_head_at_the_branch_tip_heals_the_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, branch="feature")
    tip = s.repos.remote_sha("feature")
    assert tip is not None
    git(s.ci, "checkout", "-q", "--detach", tip)
    s.actions.set_event(pr_event("feature", tip), "pull_request")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert s.repos.remote_sha("feature") == r.outputs["commit-sha"]
    assert s.repos.remote_file("feature", "app.py") == FORMATTED
    assert s.repos.remote_file("main", "app.py") == UNFORMATTED


def test_dirty_tree_is_refused_and_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, fix_command=MARKER_FIX)
    (s.ci / "notes.txt").write_text("mine\n")
    (s.ci / "app.py").write_text("x=2\n")
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "FAILED"
    assert "uncommitted changes" in r.summary and "notes.txt" in r.summary
    assert (s.ci / "notes.txt").read_text() == "mine\n"
    assert (s.ci / "app.py").read_text() == "x=2\n"
    assert not (s.ci / "fixer-ran").exists()
    assert s.repos.remote_sha("main") == tip


def test_head_that_is_a_heal_commit_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, fix_command=MARKER_FIX)
    s.repos.commit("b.py", "y=2\n", "autoheal: apply lint fixes\n\nAutoheal-Run: local")
    s.repos.push()
    s.repos.pull(repo=s.ci)
    r = s.actions.run(capsys)
    assert r.code == 0
    assert r.outputs["status"] == "SKIPPED"
    assert "loop guard" in r.summary and "made by CI Autoheal" in r.summary
    assert not (s.ci / "fixer-ran").exists()


def test_attempt_limit_counts_heal_commits_even_in_a_shallow_clone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch)
    for n in range(2):
        s.repos.commit(f"h{n}.py", "y = 2\n", f"autoheal: fix {n}\n\nAutoheal-Run: run-{n}")
        s.repos.commit(f"u{n}.py", "z=3\n", f"user change {n}")
    s.repos.push()
    shallow = s.repos.clone("shallow", depth=1, identity=False)
    s.actions.env["INPUT_WORKING_DIRECTORY"] = str(shallow)
    s.actions.inputs(max_heal_attempts="2", fix_command=MARKER_FIX)
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SKIPPED"
    assert "2 heal commit(s)" in r.summary and "max-heal-attempts" in r.summary
    assert not (shallow / "fixer-ran").exists()
    assert s.repos.remote_sha("main") == tip


@pytest.mark.parametrize(
    ("own_heal_commits", "status"),
    [(0, "HEALED"), (2, "SKIPPED")],
    ids=["base-heal-commits-not-counted", "own-heal-commits-counted"],
)
def test_attempt_limit_of_a_pull_request_counts_only_its_own_heal_commits(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    own_heal_commits: int,
    status: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, max_heal_attempts="2")

    def heal_then_user_commits(branch: str, count: int) -> None:
        for n in range(count):
            s.repos.commit(f"{branch}-h{n}.py", "y = 2\n", f"autoheal: {n}\n\nAutoheal-Run: {n}")
            s.repos.commit(f"{branch}-u{n}.py", "z = 3\n", f"user change {n}")

    # develop, the pull request's base (not the default branch), was healed twice itself.
    git(s.repos.work, "checkout", "-q", "-b", "develop")
    heal_then_user_commits("develop", 2)
    s.repos.push("develop")
    git(s.repos.work, "checkout", "-q", "-b", "feature")
    heal_then_user_commits("feature", own_heal_commits)
    s.repos.commit("feature.py", "w=4\n", "feature work")
    s.repos.push("feature")
    ci = s.repos.clone("pr", depth=1, branch="feature", identity=False)
    s.actions.env["INPUT_WORKING_DIRECTORY"] = str(ci)
    tip = s.repos.remote_sha("feature")
    assert tip is not None
    event = pr_event("feature", tip)
    event["pull_request"]["base"]["ref"] = "develop"
    s.actions.set_event(event, "pull_request")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == status
    if status == "SKIPPED":
        assert "2 heal commit(s)" in r.summary
        assert s.repos.remote_sha("feature") == tip
    else:
        assert s.repos.remote_sha("feature") == r.outputs["commit-sha"] != tip
        assert s.repos.remote_file("feature", "feature.py") == "w = 4\n"


def test_counting_deepens_only_the_branch_and_its_base(tmp_path: Path) -> None:
    repos = make_repo(tmp_path)
    repos.commit("h.py", "y = 2\n", "autoheal: fix\n\nAutoheal-Run: 1")
    repos.push()
    for branch in ("feature", "unrelated"):
        git(repos.work, "checkout", "-q", "-B", branch, "main")
        repos.commit(f"{branch}.py", "x = 1\n", f"{branch} work")
        repos.push(branch)
    # Laid out like actions/checkout: the remote's default refspec, one commit of the branch.
    ci = tmp_path / "checkout"
    ci.mkdir()
    git(ci, "init", "-q")
    git(ci, "remote", "add", "origin", repos.url)
    refspec = "+refs/heads/feature:refs/remotes/origin/feature"
    git(ci, "fetch", "-q", "--no-tags", "--depth=1", "origin", refspec)
    git(ci, "checkout", "-q", "-B", "feature", "refs/remotes/origin/feature")
    assert count_heal_commits(Git(ci), "main", "feature") == 0  # main's heal commit is not ours
    refs = git(ci, "for-each-ref", "--format=%(refname)").split()
    assert "refs/remotes/origin/main" in refs
    assert "refs/remotes/origin/unrelated" not in refs


def test_counting_deepens_a_shallow_clone_when_the_branch_is_not_on_origin(
    tmp_path: Path,
) -> None:
    repos = make_repo(tmp_path)
    for n in range(2):
        repos.commit(f"h{n}.py", "y = 2\n", f"autoheal: fix {n}\n\nAutoheal-Run: {n}")
        repos.commit(f"u{n}.py", "z = 3\n", f"user change {n}")
    repos.push()
    shallow = Git(repos.clone("shallow", depth=1))
    # A fork pull request's head branch exists only in the fork.
    assert count_heal_commits(shallow, "", "patch-from-fork") == 2


def test_below_the_attempt_limit_heals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, max_heal_attempts="2")
    s.repos.commit("h.py", "y = 2\n", "autoheal: fix\n\nAutoheal-Run: run-1")
    s.repos.commit("u.py", "z = 3\n", "user change")
    s.repos.push()
    s.repos.pull(repo=s.ci)
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"


def test_fix_touching_workflow_files_is_refused_with_a_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(
        tmp_path,
        monkeypatch,
        lint_command="test -f .github/workflows/ci.yml",
        fix_command="mkdir -p .github/workflows && echo 'on: push' > .github/workflows/ci.yml",
    )
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "NOT FIXED"
    assert r.outputs["healed"] == "false"
    assert "workflows" in r.summary and "permission" in r.summary
    assert ".github/workflows/ci.yml" in Path(r.outputs["patch-path"]).read_text()
    assert s.repos.remote_sha("main") == tip
    assert s.status() == "" and s.head() == tip


def test_diff_over_max_diff_lines_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, files={"app.py": "x=1\ny=2\n"}, max_diff_lines="3")
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "NOT FIXED"
    assert "changes 4 lines, more than `max-diff-lines` (3)" in r.summary
    assert s.repos.remote_sha("main") == tip
    assert Path(r.outputs["patch-path"]).is_file()


def write_binary(name: str, size: int) -> str:
    """A fix command that formats, then writes `size` bytes of binary (NUL bytes included)."""
    return (
        'ruff format . && python3 -c "import sys; '
        f"open('{name}', 'wb').write(bytes(range(256)) * ({size} // 256))\""
    )


def test_a_fixer_that_writes_a_binary_is_refused_and_nothing_is_pushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # numstat counts a binary as one line: a 30 MB file used to pass `max-diff-lines`.
    s = setup_heal(tmp_path, monkeypatch, fix_command=write_binary("cache.bin", 3_000_000))
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "NOT FIXED"
    assert r.outputs["healed"] == "false" and r.outputs["commit-sha"] == ""
    assert "binary file" in r.summary and "cache.bin" in r.summary
    assert "2.9 MB" in r.summary and "`allow-binary-changes: true`" in r.summary
    assert s.repos.remote_sha("main") == tip  # nothing pushed
    assert s.head() == tip and s.status() == ""  # nothing committed, nothing left behind
    patch = Path(r.outputs["patch-path"])
    assert patch.stat().st_size < 100_000  # the text fix, without the binary's bytes
    assert "app.py" in patch.read_text()


def test_a_small_allowed_binary_within_bounds_is_pushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(
        tmp_path,
        monkeypatch,
        fix_command=write_binary("icon.bin", 512),
        allow_binary_changes="true",
    )
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert s.repos.remote_sha("main") == r.outputs["commit-sha"]


@pytest.mark.parametrize(
    ("fix", "inputs", "lines"),
    [
        # One line per 100 bytes: 2,999,808 bytes are 29,999 lines, plus app.py's 2.
        (write_binary("cache.bin", 3_000_000), {"allow_binary_changes": "true"}, 30001),
        # One line of 2 MB is one line for numstat, and no review reads it: 20,000 + 2.
        ("ruff format . && python3 -c \"open('min.js', 'w').write('a' * 2_000_000)\"", {}, 20002),
    ],
    ids=["allowed-binary-by-its-size", "one-line-of-2-mb"],
)
def test_bytes_count_in_max_diff_lines(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fix: str,
    inputs: dict[str, str],
    lines: int,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, fix_command=fix, **inputs)
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.outputs["status"] == "NOT FIXED"
    assert f"changes {lines} lines, more than `max-diff-lines` (1000)" in r.summary
    assert s.repos.remote_sha("main") == tip


def test_fixer_that_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, lint_command="exit 1", fix_command="true")
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "NOT FIXED"
    assert "changed no file" in r.summary
    assert r.outputs["patch-path"] == ""
    assert s.repos.remote_sha("main") == tip


def test_fix_that_fixes_nothing_is_not_pushed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, lint_command="exit 1")
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "NOT FIXED"
    assert "no failing check passes now" in r.summary
    assert s.repos.remote_sha("main") == tip and s.status() == ""


def test_failing_check_without_a_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(tmp_path, monkeypatch, fix_command="", test_command="exit 3")
    s.actions.env["INPUT_LINT_COMMAND"] = ""
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "NOT FIXED"
    assert r.outputs["confidence-before"] == r.outputs["confidence-after"] == "0"
    assert "no fix command" in r.summary


def test_hanging_fixer_is_killed_at_its_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = setup_heal(
        tmp_path, monkeypatch, lint_command="exit 1", fix_command="sleep 60", check_timeout="1"
    )
    r = s.actions.run(capsys)
    assert r.code == 1
    assert r.outputs["status"] == "NOT FIXED"
    assert "timed out after 1s" in r.summary
    assert s.status() == ""


def test_tool_output_cannot_issue_workflow_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    evil = "echo '::error::boom'; echo '::add-mask::leak'"
    s = setup_heal(
        tmp_path, monkeypatch, lint_command=f"{evil}; exit 1", fix_command=f"{evil}; true"
    )
    r = s.actions.run(capsys)
    assert r.code == 1
    inside = False
    token = ""
    seen = 0
    for line in r.out.splitlines():
        start = re.match(r"^::stop-commands::(\w+)$", line)
        if start:
            inside, token = True, start.group(1)
        elif inside and line == f"::{token}::":
            inside = False
        elif "::error::boom" in line or "::add-mask::leak" in line:
            assert inside, f"tool output escaped the stop-commands wrapping: {line!r}"
            seen += 1
    assert seen >= 4  # the check's and the fixer's lines, both wrapped


def test_check_names_from_the_config_cannot_issue_workflow_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A fork's pull request brings its own .github/autoheal.yml: names are its to choose.
    config = (
        "checks:\n"
        "  lint:\n"
        '    name: "fmt\\n::set-output name=healed::true\\n::stop-commands::abc"\n'
        "    command: grep -q good a.txt\n"
        '    fix: "echo good > a.txt; echo bad > b.txt"\n'
        "  test:\n"
        '    name: "b\\n::error title=forged::pwned"\n'
        "    command: grep -q fine b.txt\n"
    )
    files = {"a.txt": "x\n", "b.txt": "fine\n", ".github/autoheal.yml": config}
    s = setup_heal(tmp_path, monkeypatch, files=files, lint_command="", fix_command="")
    r = s.actions.run(capsys)
    assert r.outputs["status"] == "NOT FIXED"  # the fix breaks `test`: its name is quoted
    assert "pwned" in r.out and "::set-output name=healed::true" in r.out
    forged = ("::error title=forged", "::set-output", "::stop-commands::abc")
    assert [c for c in runner_commands(r.out) if c.startswith(forged)] == []


def test_huge_output_and_diff_keep_the_summary_under_1_mib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "python3 -c \"print('y' * 3_000_000)\""
    fix = "python3 -c \"open('big.txt', 'w').write('line\\n' * 400_000)\""
    s = setup_heal(
        tmp_path,
        monkeypatch,
        lint_command=f"{big}; test -f big.txt",
        fix_command=fix,
        dry_run="true",
        max_diff_lines="1000000",
    )
    r = s.actions.run(capsys)
    assert r.code == 0, r.err
    assert r.outputs["status"] == "PATCH"
    assert len(r.summary.encode()) < 1024 * 1024
    assert "summary truncated" in r.summary
    assert Path(r.outputs["patch-path"]).stat().st_size > 1024 * 1024
