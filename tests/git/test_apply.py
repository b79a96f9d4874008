"""commit_onto: a patch becomes a commit on exactly the given head, through git's object
database only. Real repositories, a bare remote, and a depth-1 clone like actions/checkout."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from autoheal.git import CommitMissing, Git, GitError
from autoheal.git.apply import PatchDoesNotApply, commit_onto, tree_changes
from tests.gitfixtures import Repos, git, make_repo
from tests.patch_helpers import commit_edits, diff_of

AUTHOR = ("autoheal", "autoheal@example.com")
FILES = {"app.py": "x = 1\ny = 2\nz = 3\n", "README.md": "# demo\n"}
EDITS = {"app.py": "x = 1\ny = 20\nz = 3\n", "new/file.txt": "new\n", "README.md": None}


def _state(repo: Path) -> tuple[str, str, str, str]:
    """HEAD, `git status`, the real index's bytes and the branch list: what must not move."""
    index = hashlib.sha256((repo / ".git" / "index").read_bytes()).hexdigest()
    return (
        git(repo, "rev-parse", "HEAD"),
        git(repo, "status", "--porcelain=v1", "--untracked-files=all", "--ignored"),
        index,
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
    )


def _commits(repo: Path) -> set[str]:
    out = git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)")
    return {line.split()[0] for line in out.splitlines() if line.endswith(" commit")}


def _pull_request(repos: Repos) -> tuple[str, str]:
    """A pull request's head on the remote only (`refs/pull/1/head`), and the tree the fix
    should make of it, committed the ordinary way in another clone."""
    other = repos.clone("contributor")
    head = commit_edits(other, {"app.py": "x = 1\ny = 2\nz = 3\nw = 4\n"}, "feature")
    git(other, "push", "-q", "origin", "HEAD:refs/pull/1/head")
    patch = diff_of(other, EDITS)
    commit_edits(other, EDITS, "the fix, made the ordinary way")
    expected_tree = git(other, "rev-parse", "HEAD^{tree}").strip()
    return head, patch + "\n" + expected_tree  # split by the caller


@pytest.mark.parametrize("depth", [None, 1], ids=["full-clone", "shallow-clone"])
def test_the_patch_becomes_a_commit_on_the_head_and_nothing_else_moves(
    tmp_path: Path, depth: int | None
) -> None:
    repos = make_repo(tmp_path, files=FILES)
    head, rest = _pull_request(repos)
    patch, expected_tree = rest.rsplit("\n", 1)
    ci = repos.clone("ci", depth=depth)
    (ci / "untracked.txt").write_text("left alone\n")
    (ci / "README.md").write_text("# edited in the work tree\n")
    assert not Git(ci).commit_exists(head)  # the head is on the remote only
    before = _state(ci)

    sha = commit_onto(Git(ci), head, patch + "\n", message="autoheal: fix", author=AUTHOR)

    assert _state(ci) == before
    assert (ci / "README.md").read_text() == "# edited in the work tree\n"
    assert not (ci / "new").exists()
    assert git(ci, "rev-parse", f"{sha}^{{tree}}").strip() == expected_tree
    assert Git(ci).parents(sha) == [head]
    assert git(ci, "show", "-s", "--format=%an <%ae>|%cn <%ce>|%B", sha) == (
        "autoheal <autoheal@example.com>|autoheal <autoheal@example.com>|autoheal: fix\n\n"
    )
    assert Git(ci).is_shallow() == (depth == 1)  # fetched by sha, kept shallow
    assert [c.path for c in tree_changes(Git(ci), head, sha)] == [
        "README.md",
        "app.py",
        "new/file.txt",
    ]


def test_a_patch_made_against_another_commit_is_refused_and_creates_nothing(
    tmp_path: Path,
) -> None:
    repos = make_repo(tmp_path, files=FILES)
    patch = diff_of(repos.work, {"app.py": "x = 1\ny = 20\nz = 3\n"})
    head = commit_edits(repos.work, {"app.py": "x = 1\ny = 5\nz = 3\n"}, "y changed meanwhile")
    repos.push()
    before, commits = _state(repos.work), _commits(repos.work)

    with pytest.raises(PatchDoesNotApply) as caught:
        commit_onto(Git(repos.work), head, patch, message="fix", author=AUTHOR)

    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"The patch does not apply to commit {head}: ")
    assert "app.py" in str(caught.value) and "made against other contents" in str(caught.value)
    assert _commits(repos.work) == commits
    assert _state(repos.work) == before


def test_a_head_the_remote_does_not_have_is_refused(tmp_path: Path) -> None:
    repos = make_repo(tmp_path, files=FILES)
    patch = diff_of(repos.work, {"app.py": "x = 10\ny = 2\nz = 3\n"})
    with pytest.raises(CommitMissing, match="is not on the remote"):
        commit_onto(Git(repos.clone("ci", depth=1)), "1" * 40, patch, message="m", author=AUTHOR)
    with pytest.raises(GitError, match="invalid commit sha '--upload-pack=x'"):
        commit_onto(Git(repos.work), "--upload-pack=x", patch, message="m", author=AUTHOR)


def test_a_patch_that_changes_nothing_is_refused(tmp_path: Path) -> None:
    repos = make_repo(tmp_path, files=FILES)
    head = repos.sha()
    patch = diff_of(repos.work, {"app.py": "x = 1\ny = 20\nz = 3\n"}).replace("+y = 20", "+y = 2")
    with pytest.raises(PatchDoesNotApply, match=f"The patch changes nothing in commit {head}"):
        commit_onto(Git(repos.work), head, patch, message="m", author=AUTHOR)


@pytest.mark.parametrize(
    "path", ["../outside.txt", ".git/hooks/post-commit", "linkdir/through.txt"]
)
def test_git_itself_refuses_paths_outside_the_tree(tmp_path: Path, path: str) -> None:
    repos = make_repo(tmp_path, files=FILES)
    (repos.work / "linkdir").symlink_to(tmp_path)
    head = commit_edits(repos.work, {}, "a link to a folder outside")
    patch = (
        f"diff --git a/{path} b/{path}\nnew file mode 100755\n--- /dev/null\n+++ b/{path}\n"
        "@@ -0,0 +1,2 @@\n+#!/bin/sh\n+touch pwned\n"
    )
    with pytest.raises(PatchDoesNotApply):
        commit_onto(Git(repos.work), head, patch, message="m", author=AUTHOR)
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "through.txt").exists()
    assert not (repos.work / ".git" / "hooks" / "post-commit").exists()


def test_nothing_of_the_patch_runs_no_hook_no_filter(tmp_path: Path) -> None:
    repos = make_repo(tmp_path, files=FILES)
    head = repos.sha()
    patch = diff_of(repos.work, {".gitattributes": "* filter=evil\n", "app.py": "x = 9\n"})
    marker = tmp_path / "ran"
    git(repos.work, "config", "filter.evil.clean", f"touch {marker}; cat")
    git(repos.work, "config", "filter.evil.smudge", f"touch {marker}; cat")
    for hook in ("pre-commit", "post-commit", "reference-transaction", "post-index-change"):
        path = repos.work / ".git" / "hooks" / hook
        path.write_text(f"#!/bin/sh\necho {hook} >> {marker}\n")
        path.chmod(0o755)
    git(repos.work, "add", "-A")  # the filter and the hooks do run in ordinary use
    assert marker.exists()
    marker.unlink()
    git(repos.work, "reset", "-q")
    marker.unlink()
    sha = commit_onto(Git(repos.work), head, patch, message="m", author=AUTHOR)
    assert Git(repos.work).parents(sha) == [head]
    assert not marker.exists(), marker.read_text()
