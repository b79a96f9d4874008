"""A pull request's run whose token cannot write (a fork's, Dependabot's): heal pushes nothing
and leaves its fix as the `autoheal-fix` artifact for the trusted job, through `main()` with
GitHub's pull_request payload and real git."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from autoheal.git.patch import parse_patch
from tests.actions import runner_commands
from tests.apply_helpers import FIXED_APP, FORK, NUMBER, open_pull_request
from tests.gitfixtures import git
from tests.heal_helpers import REPO


@pytest.mark.parametrize("fork", [True, False], ids=["fork", "dependabot"])
def test_a_read_only_run_writes_the_artifact_and_pushes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fork: bool,
) -> None:
    pr = open_pull_request(tmp_path, fork=fork)
    refs = pr.remote_refs()
    actions, r = pr.ci_run(monkeypatch, capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "PATCH" and r.outputs["healed"] == "false"
    # The pull request's own config made the checks (its marker check ran here, read-only);
    # the trusted job never runs it (test_apply_patch.py).
    assert "touch pull-code-ran" in r.summary
    assert pr.remote_refs() == refs  # nothing pushed, no autoheal/ branch
    folder = Path(r.outputs["patch-artifact"])
    assert folder == actions.runner_temp / "autoheal-fix"
    assert sorted(p.name for p in folder.iterdir()) == ["fix.patch", "manifest.json"]
    patch = (folder / "fix.patch").read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == {
        "format": 1,
        "repository": REPO,
        "pull_request": NUMBER,
        "base_sha": pr.base,
        "head_sha": pr.head,
        "head_repository": FORK if fork else REPO,
        "head_ref": pr.head_ref,
        "files": [{"path": "app.py", "added": 3, "deleted": 4}],
        "patch_bytes": len(patch),
        "patch_sha256": hashlib.sha256(patch).hexdigest(),
    }
    # A plain diff of the head and the fix, with git's prefixes: `git apply` makes the fix.
    assert patch.startswith(b"diff --git a/app.py b/app.py\n")
    assert [p.path for p in parse_patch(patch.decode())] == ["app.py"]
    work = pr.repos.work
    git(work, "checkout", "-q", "--detach", pr.head)
    git(work, "apply", "--index", str(folder / "fix.patch"))
    assert (work / "app.py").read_text() == FIXED_APP
    # The summary says where it is and who applies it; the patch file is there as before.
    assert "### Patch artifact" in r.summary and "examples/autoheal-apply.yml" in r.summary
    assert Path(r.outputs["patch-path"]).is_file()
    why = "fork" if fork else "Dependabot's pull request runs get a read-only token"
    assert why in r.summary


def test_a_run_that_can_write_leaves_no_artifact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pull request of this repository opened by a person: its token can write, so a fix
    kept back (here by dry-run) stays a patch; the artifact is only for read-only runs."""
    pr = open_pull_request(tmp_path, fork=False)
    actions, r = pr.ci_run(monkeypatch, capsys, GITHUB_ACTOR="octocat", INPUT_DRY_RUN="true")
    assert r.outputs["status"] == "PATCH", r.out + r.err
    assert Path(r.outputs["patch-path"]).is_file()
    assert r.outputs["patch-artifact"] == ""
    assert not (actions.runner_temp / "autoheal-fix").exists()


def test_the_artifact_needs_the_pull_requests_head_checked_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A patch made on another commit (actions/checkout's default for a pull request is a
    merge commit) applies to no commit the trusted job could bind it to: no artifact."""
    pr = open_pull_request(tmp_path, fork=True)
    actions, r = pr.ci_run(monkeypatch, capsys)
    assert r.outputs["patch-artifact"]
    # The same run, with the event naming another head than the one checked out.
    event = pr.event()
    event["pull_request"]["head"]["sha"] = "e" * 40
    actions.set_event(event)
    (actions.runner_temp / "autoheal-fix" / "fix.patch").unlink()
    (actions.runner_temp / "autoheal-fix" / "manifest.json").unlink()
    again = actions.run(capsys)
    assert again.code == 0 and again.outputs["status"] == "PATCH", again.out
    assert again.outputs["patch-artifact"] == ""
    [warning] = [line for line in runner_commands(again.out) if line.startswith("::warning")]
    assert "No patch artifact: HEAD" in warning and "github.event.pull_request.head.sha" in warning
    assert list((actions.runner_temp / "autoheal-fix").iterdir()) == []
