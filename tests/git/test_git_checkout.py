"""git_checkout.detached_at on real repositories: a commit checked out in the checkout itself,
and the checkout always put back (branch or detached HEAD), whatever ends the block."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from autoheal.checks import Check, run_checks
from autoheal.git import Git
from autoheal.git.checkout import CheckoutBlocked, DirtyCheckout, Position, detached_at
from tests.gitfixtures import Repos, git, make_repo

IGNORE = ".venv/\nnode_modules/\nbuild/\n*.log\n"


def where(repo: Path) -> tuple[str, str]:
    """HEAD's sha and what HEAD is: `refs/heads/NAME`, or `HEAD` when detached."""
    return (
        git(repo, "rev-parse", "HEAD").strip(),
        git(repo, "rev-parse", "--symbolic-full-name", "HEAD").strip(),
    )


def history(tmp_path: Path) -> tuple[Repos, list[str]]:
    """main: three commits that each set app.txt (v0, v1, v2), pushed; .gitignore from the
    start. Returns the repos and the shas, oldest first."""
    repos = make_repo(tmp_path, files={".gitignore": IGNORE, "app.txt": "v0\n"})
    shas = [repos.sha()]
    for n in (1, 2):
        shas.append(repos.commit("app.txt", f"v{n}\n", f"v{n}"))
    repos.push()
    return repos, shas


def job_files(repo: Path) -> dict[Path, tuple[bytes, int]]:
    """What a job installs and builds, all .gitignored; returns each file's content and mtime."""
    files = {
        ".venv/bin/tool": "#!/bin/sh\necho venv tool\n",
        "node_modules/.bin/eslint": "#!/bin/sh\necho eslint\n",
        "build/out.bin": "built\n",
        "install.log": "pip install -e .\n",
    }
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, ns=(10**18, 10**18))  # an mtime no rewrite could keep by chance
    return snapshot(repo, files)


def snapshot(repo: Path, names: Iterable[str | Path]) -> dict[Path, tuple[bytes, int]]:
    """Content and mtime of each file: what "left alone" means."""
    return {repo / n: ((repo / n).read_bytes(), (repo / n).stat().st_mtime_ns) for n in names}


# --------------------------------------------------------------------------- where it ends


def test_on_a_branch_checks_the_commit_then_goes_back(tmp_path: Path) -> None:
    repos, shas = history(tmp_path)
    before = where(repos.work)

    with detached_at(Git(repos.work), shas[0], doing="test") as start:
        assert where(repos.work) == (shas[0], "HEAD")  # detached at the commit
        assert (repos.work / "app.txt").read_text() == "v0\n"
        assert start == Position(shas[2], "main")

    assert where(repos.work) == before == (shas[2], "refs/heads/main")
    assert (repos.work / "app.txt").read_text() == "v2\n"
    assert git(repos.work, "status", "--porcelain", "--untracked-files=all") == ""


def test_detached_head_goes_back_to_the_same_commit(tmp_path: Path) -> None:
    """actions/checkout of a sha leaves HEAD detached: it stays detached, at that sha."""
    repos, shas = history(tmp_path)
    git(repos.work, "checkout", "-q", "--detach", shas[1])

    with detached_at(Git(repos.work), shas[0], doing="test") as start:
        assert (repos.work / "app.txt").read_text() == "v0\n"
        assert start == Position(shas[1], None)

    assert where(repos.work) == (shas[1], "HEAD")
    assert (repos.work / "app.txt").read_text() == "v1\n"


def test_shallow_clone_fetches_the_commit_and_loses_nothing(tmp_path: Path) -> None:
    repos, shas = history(tmp_path)
    clone = repos.clone("ci", depth=1)
    assert subprocess.run(["git", "cat-file", "-e", shas[0]], cwd=clone).returncode != 0

    with detached_at(Git(clone), shas[0], doing="test"):
        assert (clone / "app.txt").read_text() == "v0\n"

    assert where(clone) == (shas[2], "refs/heads/main")
    assert (clone / "app.txt").read_text() == "v2\n"
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    assert git(clone, "status", "--porcelain", "--untracked-files=all") == ""
    git(clone, "fsck", "--connectivity-only", "--no-dangling")  # every object still there


def test_working_directory_that_the_commit_lacks(tmp_path: Path) -> None:
    """Checks in a subfolder added after the commit: git runs from the top level."""
    repos, shas = history(tmp_path)
    repos.commit("app/run.txt", "new\n", "add app/")

    with detached_at(Git(repos.work / "app"), shas[0], doing="test"):
        assert not (repos.work / "app").exists()

    assert (repos.work / "app" / "run.txt").read_text() == "new\n"
    assert where(repos.work)[1] == "refs/heads/main"


# --------------------------------------------------------------------------- however it ends


def test_failing_check_then_restored(tmp_path: Path) -> None:
    repos, shas = history(tmp_path)
    before = where(repos.work)
    with detached_at(Git(repos.work), shas[0], doing="test"):
        [result] = run_checks([Check("v2", "test", "grep -q v2 app.txt", repos.work, 60)])
    assert not result.passed
    assert where(repos.work) == before


def test_check_timeout_then_restored(tmp_path: Path) -> None:
    repos, shas = history(tmp_path)
    before = where(repos.work)
    with detached_at(Git(repos.work), shas[0], doing="test"):
        [result] = run_checks([Check("slow", "test", "sleep 30", repos.work, 1)])
    assert result.timed_out
    assert where(repos.work) == before


def test_exception_in_the_block_restores_and_propagates(tmp_path: Path) -> None:
    repos, shas = history(tmp_path)
    before = where(repos.work)
    block = detached_at(Git(repos.work), shas[0], doing="test")
    with pytest.raises(RuntimeError, match="boom"), block:
        (repos.work / "app.txt").write_text("half-written by a check\n")
        raise RuntimeError("boom")
    assert where(repos.work) == before
    assert (repos.work / "app.txt").read_text() == "v2\n"


def test_ctrl_c_from_a_running_check_restores(tmp_path: Path) -> None:
    """A real SIGINT while the checks run: KeyboardInterrupt, and the checkout goes back."""
    repos, shas = history(tmp_path)
    before = where(repos.work)
    interrupt = Check("ctrl-c", "test", f"kill -INT {os.getpid()}", repos.work, 60)
    block = detached_at(Git(repos.work), shas[0], doing="test")
    with pytest.raises(KeyboardInterrupt), block:
        run_checks([interrupt])
        time.sleep(5)  # not reached: the signal is handled at the latest here
    assert where(repos.work) == before
    assert (repos.work / "app.txt").read_text() == "v2\n"


def test_ctrl_c_while_restoring_waits_until_restored() -> None:
    """An interrupt during the restore is held, then delivered: never a half-restored tree."""
    from autoheal.git.checkout import _interrupts_deferred

    reached = False
    with pytest.raises(KeyboardInterrupt), _interrupts_deferred():
        signal.raise_signal(signal.SIGINT)
        reached = True
    assert reached
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


# --------------------------------------------------------------------------- what it refuses


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"app.txt": "my edit\n"}, "app.txt"),
        ({"notes.txt": "untracked, not ignored\n"}, "notes.txt"),
    ],
    ids=["modified", "untracked"],
)
def test_dirty_tree_is_refused_before_anything_changes(
    tmp_path: Path, change: dict[str, str], named: str
) -> None:
    repos, shas = history(tmp_path)
    for name, text in change.items():
        (repos.work / name).write_text(text)
    before = where(repos.work), snapshot(repos.work, [*change, "app.txt"])
    entered = False
    with (
        pytest.raises(DirtyCheckout) as raised,
        detached_at(Git(repos.work), shas[0], doing="validate"),
    ):
        entered = True
    assert not entered
    assert raised.value.exit_code == 1  # like heal's refusal of a dirty tree
    assert "Refusing to validate" in raised.value.message and named in raised.value.message
    assert "stash or .gitignore" in raised.value.fix
    assert (where(repos.work), snapshot(repos.work, [*change, "app.txt"])) == before


def test_operation_in_progress_is_refused(tmp_path: Path) -> None:
    repos, shas = history(tmp_path)
    git(repos.work, "bisect", "start")
    with (
        pytest.raises(DirtyCheckout, match="a bisect is in progress"),
        detached_at(Git(repos.work), shas[0], doing="test"),
    ):
        pass
    assert where(repos.work) == (shas[2], "refs/heads/main")


def test_commit_tracking_an_ignored_file_present_here_is_refused(tmp_path: Path) -> None:
    """git would overwrite an ignored file the commit tracks: refused, nothing changes."""
    repos = make_repo(tmp_path, files={"app.txt": "v0\n", "local.cfg": "committed once\n"})
    old = repos.sha()
    git(repos.work, "rm", "-q", "--cached", "local.cfg")
    repos.commit(".gitignore", "local.cfg\n", "stop tracking local.cfg")
    (repos.work / "local.cfg").write_text("this machine's settings\n")
    before = where(repos.work), snapshot(repos.work, ["local.cfg", "app.txt"])

    with pytest.raises(CheckoutBlocked) as raised, detached_at(Git(repos.work), old, doing="test"):
        pytest.fail("the block must not run")

    assert "local.cfg" in raised.value.message and "Nothing was changed" in raised.value.message
    assert (where(repos.work), snapshot(repos.work, ["local.cfg", "app.txt"])) == before


# --------------------------------------------------------------------------- what it leaves


def test_ignored_files_stay_and_what_checks_wrote_goes(tmp_path: Path) -> None:
    """.venv/, node_modules/, build output: same content, same mtime, through every commit.
    What the checks left (an untracked file, an edited tracked file) is removed on the way
    back; what they wrote to ignored paths stays, as it would in CI."""
    repos, shas = history(tmp_path)
    installed = job_files(repos.work)

    for sha in shas:
        with detached_at(Git(repos.work), sha, doing="test"):
            assert snapshot(repos.work, [p.relative_to(repos.work) for p in installed]) == (
                installed
            )
            (repos.work / "app.txt").write_text("rewritten by a check\n")
            (repos.work / "coverage.out").write_text("left behind\n")
            (repos.work / "build" / "step.log").write_text(sha)

    assert snapshot(repos.work, [p.relative_to(repos.work) for p in installed]) == installed
    assert (repos.work / "app.txt").read_text() == "v2\n"
    assert not (repos.work / "coverage.out").exists()
    assert (repos.work / "build" / "step.log").read_text() == shas[-1]
    assert git(repos.work, "status", "--porcelain", "--untracked-files=all") == ""


def test_hooks_do_not_run_on_our_checkouts(tmp_path: Path) -> None:
    repos, shas = history(tmp_path)
    hook = repos.work / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\necho ran >> {tmp_path / 'hook-ran'}\n")
    hook.chmod(0o755)
    with detached_at(Git(repos.work), shas[0], doing="test"):
        pass
    assert not (tmp_path / "hook-ran").exists()
