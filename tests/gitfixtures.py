"""Real git repositories for tests: a bare remote, a working clone, shallow clones, hooks.

Usage in a test file (not a conftest, so import what you need)::

    import pytest
    from tests.gitfixtures import Repos, assert_remote_keeps, isolate_git, make_repo

    @pytest.fixture(autouse=True)
    def _git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        isolate_git(monkeypatch, tmp_path)

    def test_something(tmp_path: Path) -> None:
        repos = make_repo(tmp_path)
        sha = repos.commit("a.txt", "hello\\n", "add a")
        repos.push()
        shallow = repos.clone("ci", depth=1)      # like actions/checkout
        ...
        assert_remote_keeps(repos.remote, "main", before)

`isolate_git` points GIT_CONFIG_GLOBAL at a file under tmp_path (init.defaultBranch=main, no
identity) and sets GIT_CONFIG_NOSYSTEM, so the machine's git config never leaks in; clones made
by `make_repo`/`Repos.clone` get an identity in their local config (a runner has none: use
`Repos.clone(..., identity=False)` to test that).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

TEST_NAME = "Test Dev"
TEST_EMAIL = "dev@example.com"

_CLEARED = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "GIT_CONFIG_COUNT",
    "GIT_CONFIG_PARAMETERS",
    "EMAIL",
)


def isolate_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Make every git process in this test ignore the machine's global/system config.
    Returns the global config file (add settings with `git config --file`)."""
    config = tmp_path / "gitconfig-global"
    config.write_text(
        "[init]\n\tdefaultBranch = main\n"
        "[advice]\n\tdetachedHead = false\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    return config


def git(cwd: Path, *args: str, input: str | None = None) -> str:
    """Run git in cwd for test setup; returns stdout, raises with stderr on failure."""
    env = {**os.environ, "LC_ALL": "C", "GIT_PAGER": "cat"}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, input=input, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed in {cwd}:\n{proc.stderr}{proc.stdout}")
    return proc.stdout


@dataclass
class Repos:
    """A bare `remote` and a working clone `work` of it, both under `root`."""

    root: Path
    remote: Path
    work: Path
    clones: dict[str, Path] = field(default_factory=dict)

    @property
    def url(self) -> str:
        # file:// (not a plain path) so --depth really makes a shallow clone.
        return self.remote.resolve().as_uri()

    def commit(
        self,
        path_in_repo: str,
        content: str | bytes | None,
        message: str,
        *,
        repo: Path | None = None,
    ) -> str:
        """Write (or delete, content=None) one file, commit it; returns the new sha."""
        repo = repo or self.work
        target = repo / path_in_repo
        if content is None:
            git(repo, "rm", "-q", "--", path_in_repo)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
            git(repo, "add", "--", path_in_repo)
        git(repo, "commit", "-q", "--no-gpg-sign", "-m", message)
        return self.sha("HEAD", repo=repo)

    def sha(self, ref: str = "HEAD", *, repo: Path | None = None) -> str:
        return git(repo or self.work, "rev-parse", "--verify", f"{ref}^{{commit}}").strip()

    def push(self, branch: str = "main", *, repo: Path | None = None) -> None:
        git(repo or self.work, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")

    def pull(self, branch: str = "main", *, repo: Path | None = None) -> None:
        repo = repo or self.work
        git(repo, "fetch", "-q", "origin")
        git(repo, "reset", "-q", "--hard", f"origin/{branch}")

    def clone(
        self,
        name: str,
        depth: int | None = None,
        *,
        branch: str = "main",
        identity: bool = True,
    ) -> Path:
        """A new clone under root/name; depth=1 mimics actions/checkout's default."""
        dest = self.root / name
        args = ["clone", "-q", "--branch", branch]
        if depth is not None:
            args.append(f"--depth={depth}")
        git(self.root, *args, self.url, str(dest))
        if identity:
            configure_identity(dest)
        self.clones[name] = dest
        return dest

    def remote_log(self, branch: str = "main") -> list[str]:
        """The remote branch's commits, newest first (all parents)."""
        return git(self.remote, "rev-list", f"refs/heads/{branch}", "--").split()

    def remote_sha(self, branch: str = "main") -> str | None:
        proc = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
            cwd=self.remote,
            capture_output=True,
            text=True,
            check=False,
        )
        return proc.stdout.strip() or None

    def remote_tree(self, commit: str) -> str:
        """The tree of a commit (or branch) on the remote: equal trees, equal files and modes."""
        return git(self.remote, "rev-parse", "--verify", f"{commit}^{{tree}}").strip()

    def remote_file(self, branch: str, path: str) -> str | None:
        """A file's content on the remote branch, or None if it is not there."""
        proc = subprocess.run(
            ["git", "show", f"refs/heads/{branch}:{path}"],
            cwd=self.remote,
            capture_output=True,
            text=True,
            check=False,
        )
        return proc.stdout if proc.returncode == 0 else None

    def remote_message(self, sha: str) -> str:
        return git(self.remote, "show", "-s", "--format=%B", sha)


def configure_identity(repo: Path, name: str = TEST_NAME, email: str = TEST_EMAIL) -> None:
    git(repo, "config", "user.name", name)
    git(repo, "config", "user.email", email)
    git(repo, "config", "commit.gpgsign", "false")


def make_repo(tmp_path: Path, *, files: dict[str, str] | None = None) -> Repos:
    """A bare remote `origin.git` (default branch main, want-any-sha allowed, as GitHub) and a
    clone `work` with an identity and one initial commit pushed to main."""
    remote = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "--initial-branch=main", str(remote))
    git(remote, "config", "uploadpack.allowAnySHA1InWant", "true")
    git(remote, "config", "uploadpack.allowReachableSHA1InWant", "true")
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "--initial-branch=main", str(work))
    configure_identity(work)
    git(work, "remote", "add", "origin", remote.resolve().as_uri())
    repos = Repos(root=tmp_path, remote=remote, work=work)
    for path, content in (files or {"README.md": "# demo\n"}).items():
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "initial commit")
    git(work, "push", "-q", "-u", "origin", "main")
    return repos


def assert_remote_keeps(remote: Path, branch: str, shas: Iterable[str]) -> None:
    """Every commit in `shas` (what the remote had before) is still reachable from `branch`:
    history was added to, never rewritten."""
    for sha in shas:
        proc = subprocess.run(
            ["git", "merge-base", "--is-ancestor", sha, f"refs/heads/{branch}"],
            cwd=remote,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, f"{sha} is no longer in {branch} on the remote (rewritten)"


def install_reject_hook(
    remote: Path, message: str = "protected branch", ref: str = "refs/heads/main"
) -> None:
    """A pre-receive hook refusing pushes to `ref` (like branch protection); other refs pass."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        "status=0\n"
        "while read old new ref; do\n"
        f'  if [ "$ref" = "{ref}" ]; then echo "{message}" >&2; status=1; fi\n'
        "done\n"
        "exit $status\n"
    )
    hook.chmod(0o755)
