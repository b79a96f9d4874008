"""ReadsMixin: what git says about the repository without changing it (rev-parse, status,
commits, messages, trailers, ancestry, history since a time) and the shallow-aware fetches
that make a commit, its parents or a range of history present locally (fetch, remote_sha,
ensure_commit, first_parent_range)."""

from __future__ import annotations

from pathlib import Path

from autoheal.git.base import (
    _SHA_RE,
    MAX_DEEPEN_STEPS,
    NETWORK_TIMEOUT,
    GitBase,
    _check_rev,
    _is_zero,
    _split_z,
)
from autoheal.git.errors import CommitMissing, GitError


class ReadsMixin(GitBase):
    """Reads of the repository and the fetches that make history present."""

    # ------------------------------------------------------------------ reads

    def rev_parse(self, ref: str) -> str | None:
        """Full sha of `ref^{commit}`, or None when it does not resolve."""
        _check_rev(ref, "ref")
        proc = self.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False
        )
        out = proc.stdout.strip()
        return out if proc.returncode == 0 and _SHA_RE.match(out) else None

    def is_work_tree(self) -> bool:
        """True when `path` is inside a git work tree."""
        proc = self.run("rev-parse", "--is-inside-work-tree", check=False)
        return proc.returncode == 0 and proc.stdout.strip() == "true"

    def head_sha(self) -> str:
        sha = self.rev_parse("HEAD")
        if sha is None:
            raise GitError(
                f"{self.path} has no commit checked out.", fix="Check out a commit first."
            )
        return sha

    def current_branch(self) -> str | None:
        """The checked-out branch name, or None when HEAD is detached."""
        proc = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def is_shallow(self) -> bool:
        return self._out("rev-parse", "--is-shallow-repository").strip() == "true"

    def _shallow_commits(self) -> set[str]:
        path = Path(self._out("rev-parse", "--git-path", "shallow").strip())
        path = path if path.is_absolute() else self.path / path
        try:
            return set(path.read_text().split())
        except FileNotFoundError:
            return set()

    def status_lines(self) -> list[str]:
        """`git status --porcelain` lines (staged, unstaged, untracked; .gitignored excluded)."""
        out = self._out("status", "--porcelain=v1", "--untracked-files=all")
        return [line for line in out.splitlines() if line]

    def is_clean(self) -> bool:
        """No staged, unstaged or untracked change. Files matched by .gitignore do not count:
        build and test output (e.g. __pycache__) must not make a tree look dirty."""
        return not self.status_lines()

    def commit_exists(self, sha: str) -> bool:
        _check_rev(sha, "sha")
        return self.run("cat-file", "-e", f"{sha}^{{commit}}", check=False).returncode == 0

    def parents(self, sha: str) -> list[str]:
        """The commit's real parents, read from the object (shallow grafts do not hide them)."""
        _check_rev(sha, "sha")
        raw = self._out("cat-file", "commit", sha)
        header = raw.split("\n\n", 1)[0]
        return [line[7:].strip() for line in header.splitlines() if line.startswith("parent ")]

    def is_merge(self, sha: str) -> bool:
        return len(self.parents(sha)) > 1

    def _show_format(self, sha: str, fmt: str) -> str:
        _check_rev(sha, "sha")
        return self._out("show", "-s", f"--format={fmt}", "--end-of-options", sha, "--")

    def message(self, sha: str) -> str:
        """The full commit message (subject, body, trailers), trailing newline stripped."""
        return self._show_format(sha, "%B").rstrip("\n")

    def subject(self, sha: str) -> str:
        return self._show_format(sha, "%s").strip()

    def trailers(self, sha: str) -> dict[str, str]:
        """Trailers of the message (`Key: value`), unfolded; the last one wins per key."""
        out = self._show_format(sha, "%(trailers:only,unfold)")
        result: dict[str, str] = {}
        for line in out.splitlines():
            key, sep, value = line.partition(":")
            if sep and key.strip():
                result[key.strip()] = value.strip()
        return result

    def author(self, sha: str) -> tuple[str, str]:
        name, _, email = self._show_format(sha, "%an%x00%ae").strip("\n").partition("\0")
        return name, email

    def committer(self, sha: str) -> tuple[str, str]:
        name, _, email = self._show_format(sha, "%cn%x00%ce").strip("\n").partition("\0")
        return name, email

    def identity(self, name: str | None = None, email: str | None = None) -> tuple[str, str]:
        """The committer (name, email) of the commits this class makes with these arguments."""
        env = self._identity_env(name, email, author=False)
        return env["GIT_COMMITTER_NAME"], env["GIT_COMMITTER_EMAIL"]

    def commit_time(self, sha: str) -> int:
        """Committer time, epoch seconds."""
        return int(self._show_format(sha, "%ct").strip())

    def log_since(self, branch: str, since_epoch: int) -> list[str]:
        """Commits on `branch` committed at or after `since_epoch`, newest first. In a shallow
        clone only the history present locally is seen."""
        _check_rev(branch, "branch")
        out = self._out(
            "rev-list", f"--since=@{int(since_epoch)} +0000", "--end-of-options", branch, "--"
        )
        return out.split()

    def is_ancestor(self, a: str, b: str) -> bool:
        _check_rev(a, "sha")
        _check_rev(b, "sha")
        proc = self.run("merge-base", "--is-ancestor", a, b, check=False)
        if proc.returncode in (0, 1):
            return proc.returncode == 0
        raise self._error(("merge-base", "--is-ancestor", a, b), proc)

    def _conflicted_paths(self) -> list[str]:
        return _split_z(self._out("diff", "--name-only", "--diff-filter=U", "-z"))

    # ------------------------------------------------------------------ fetching

    def fetch(
        self, remote: str = "origin", refspec: str | None = None, *, depth: int | None = None
    ) -> None:
        _check_rev(remote, "remote")
        args = ["fetch", "--no-tags", "--quiet"]
        if depth is not None:
            args.append(f"--depth={int(depth)}")
        args += ["--", remote] + ([refspec] if refspec else [])
        self.run(*args, timeout=NETWORK_TIMEOUT)

    def remote_sha(self, branch: str, remote: str = "origin") -> str | None:
        """The remote's tip of `branch` (ls-remote), or None when the branch does not exist."""
        _check_rev(branch, "branch")
        _check_rev(remote, "remote")
        ref = f"refs/heads/{branch}"
        out = self._out("ls-remote", "--", remote, ref, timeout=NETWORK_TIMEOUT)
        for line in out.splitlines():
            sha, _, name = line.partition("\t")
            if name.strip() == ref:
                return sha.strip()
        return None

    def _try_fetch(self, remote: str, *options: str, refspec: str | None = None) -> bool:
        """A fetch whose failure the caller handles (returns False)."""
        args = ["fetch", "--no-tags", "--quiet", *options, "--", remote]
        if refspec:
            args.append(refspec)
        return self.run(*args, check=False, timeout=NETWORK_TIMEOUT).returncode == 0

    def _fetch_sha(self, remote: str, sha: str, depth: int | None) -> bool:
        """Fetch one commit by sha (GitHub allows it; file:// remotes need allowAnySHA1InWant)."""
        extra = [f"--depth={depth}"] if depth else []
        proc = self.run(
            "fetch",
            "--no-tags",
            "--quiet",
            *extra,
            "--",
            remote,
            sha,
            check=False,
            timeout=NETWORK_TIMEOUT,
        )
        return proc.returncode == 0

    def _parents_ready(self, sha: str) -> bool:
        # A commit listed in .git/shallow looks parentless to revert/rebase even when its parent
        # objects exist: revert would then diff against the empty tree and delete every file.
        if sha in self._shallow_commits():
            return False
        return all(self.commit_exists(p) for p in self.parents(sha))

    def ensure_commit(self, sha: str, *, remote: str = "origin", with_parents: bool = True) -> None:
        """Make `sha` (and, with_parents, its parents) present locally, fetching as needed.

        Raises CommitMissing when the remote does not have it (force-pushed away, or a typo).
        """
        _check_rev(sha, "sha")
        _check_rev(remote, "remote")
        missing_msg = f"commit {sha} is not on the remote: it may have been force-pushed away"
        missing_fix = "Check the sha, and that the branch was not force-pushed since that run."
        if not self.commit_exists(sha):
            if not _SHA_RE.match(sha):
                raise CommitMissing(
                    f"{sha!r} is not a full 40-character sha and does not resolve locally",
                    fix=missing_fix,
                )
            shallow = self.is_shallow()
            # Keep a shallow clone shallow: fetch just what we need (+ parents) by sha.
            depth = (2 if with_parents else 1) if shallow else None
            if not self._fetch_sha(remote, sha, depth) or not self.commit_exists(sha):
                # The remote may refuse want-by-sha: fall back to all branches, full history.
                args = ["--unshallow"] if shallow else []
                proc_ok = self._try_fetch(remote, *args)
                if not proc_ok:  # report the real (network/auth) failure
                    self.fetch(remote)
                if not self.commit_exists(sha):
                    raise CommitMissing(missing_msg, fix=missing_fix)
        if not with_parents or self._parents_ready(sha):
            return
        if self.is_shallow():
            # Refetching at depth 2 makes the server send the parents and "unshallow" sha.
            self._fetch_sha(remote, sha, 2)
            depth = 1
            for _ in range(3):
                if self._parents_ready(sha):
                    return
                self._try_fetch(remote, f"--deepen={depth}")
                depth *= 4
            if not self._parents_ready(sha) and self.is_shallow():
                self._try_fetch(remote, "--unshallow")
        else:
            for parent in self.parents(sha):
                if not self.commit_exists(parent):
                    self._fetch_sha(remote, parent, None)
        if not self._parents_ready(sha):
            raise CommitMissing(
                f"the parents of commit {sha} are not available from the remote",
                fix="Use `fetch-depth: 0` in actions/checkout.",
            )

    def first_parent_range(
        self, before: str | None, after: str, *, remote: str = "origin"
    ) -> list[str]:
        """The commits a push brought, oldest first, following first parents
        (`rev-list --first-parent --reverse before..after`).

        `before` None or all zeros (a new branch) gives just `[after]`: we do not try to work
        out which commits are new relative to other branches. A force push (before not an
        ancestor of after) gives the first-parent commits of after that before lacks.
        In a shallow clone history is deepened (bounded) until `before` is reachable; when it
        cannot be, GitError asks for a deeper checkout. CommitMissing when `before` or `after`
        is not on the remote any more.
        """
        self.ensure_commit(after, remote=remote, with_parents=False)
        if _is_zero(before):
            return [after]
        assert before is not None
        _check_rev(before, "sha")
        depth = 16
        for _ in range(MAX_DEEPEN_STEPS):
            if self.commit_exists(before) and self.is_ancestor(before, after):
                break
            if not self.is_shallow():
                break
            self._try_fetch(remote, f"--deepen={depth}")
            depth *= 2
        if not self.commit_exists(before):
            self.ensure_commit(before, remote=remote, with_parents=False)
        if not self.is_ancestor(before, after) and self.is_shallow():
            raise GitError(
                f"could not find {before} in the history of {after} within "
                f"{16 * (2**MAX_DEEPEN_STEPS - 1)} commits of a shallow clone",
                fix="Use `fetch-depth: 0` in actions/checkout.",
            )
        out = self._out(
            "rev-list",
            "--first-parent",
            "--reverse",
            "--end-of-options",
            f"{before}..{after}",
            "--",
        )
        return out.split()
