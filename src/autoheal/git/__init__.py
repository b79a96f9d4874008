"""Git through argument lists only: shallow-clone aware reads, reverts that are verified, pushes
that never force.

Rules every call follows:
- argv is a list, never a shell string; user-supplied refs are checked not to start with "-"
  and are followed by "--" where git accepts it;
- env: ``GIT_TERMINAL_PROMPT=0`` (never hang on a prompt), ``LC_ALL=C`` (stable messages we
  parse), no pager; ``GIT_DIR``/``GIT_WORK_TREE``/``GIT_INDEX_FILE`` from a surrounding hook are
  dropped so ``path`` is authoritative;
- a token travels only in environment config (``GIT_CONFIG_KEY_n``) of the commands that talk to
  the remote, and only when that remote is the https URL of the repository on the configured
  host: never to a file:// or local-path remote (its hooks would see the environment), ssh,
  or another host. Never in argv or a URL; redacted (in every encoded form) from every
  message and ``repr``.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from autoheal.errors import AutohealError
from autoheal.tokens import basic_auth, environ_without_tokens, secret_forms

ZERO_SHA = "0" * 40
DEFAULT_NAME = "github-actions[bot]"
DEFAULT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
#: Seconds a network operation (fetch, push, ls-remote) may take before we give up.
NETWORK_TIMEOUT = 300.0
#: Seconds to wait (times the attempt number) before re-pushing after an unclear failure.
PUSH_BACKOFF = 2.0
#: How many times first_parent_range doubles its deepening before giving up (16 .. 512).
MAX_DEEPEN_STEPS = 6

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_URL_CREDENTIALS_RE = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_AUTH_HEADER_RE = re.compile(r"(authorization:\s*(?:basic|bearer)\s+)\S+", re.IGNORECASE)
# Environment that would point git somewhere other than `path` (e.g. when run from a hook).
_LEAKY_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR")
_STDERR_LIMIT = 2000


# Subcommands that talk to the remote: the only ones that get the token.
NETWORK_COMMANDS = frozenset({"fetch", "push", "ls-remote", "pull", "clone"})


class GitError(AutohealError):
    """A git command failed. The message holds the (redacted) command and git's stderr."""

    def __init__(
        self,
        message: str,
        *,
        fix: str = "",
        exit_code: int | None = None,
        command: list[str] | None = None,
        stderr: str = "",
        returncode: int | None = None,
    ) -> None:
        super().__init__(message, fix=fix, exit_code=exit_code)
        self.command = command or []
        self.stderr = stderr
        self.returncode = returncode


class RevertConflict(GitError):
    """`git revert` stopped on conflicts; the revert was aborted and the tree is clean again."""

    def __init__(self, message: str, *, paths: list[str], fix: str = "", stderr: str = "") -> None:
        super().__init__(message, fix=fix, stderr=stderr)
        self.paths = paths


class RebaseConflict(GitError):
    """Rebasing our commits onto a moved remote conflicted; the rebase was aborted."""

    def __init__(self, message: str, *, paths: list[str], fix: str = "", stderr: str = "") -> None:
        super().__init__(message, fix=fix, stderr=stderr)
        self.paths = paths


class PushRejected(GitError):
    """The remote itself refused the push (protected branch, pre-receive hook, permissions)."""


class BranchMoved(GitError):
    """The remote branch is not where a push needs it (it moved, or holds other commits)."""


class CommitMissing(GitError):
    """A commit is neither local nor fetchable from the remote."""


@dataclass(frozen=True)
class FileChange:
    """One file of a work-tree diff (`Git.diff_files`)."""

    path: str
    lines: int  # added + removed; 0 for a binary file
    binary: bool
    old_size: int  # bytes; 0 when the file is new
    new_size: int  # bytes; 0 when the file is deleted


@dataclass(frozen=True)
class PushResult:
    pushed_sha: str
    attempts: int
    rebased: bool


def _check_rev(rev: str, what: str = "revision") -> str:
    """Refuse anything git could read as an option, or that is empty."""
    if not rev or rev.startswith("-") or "\0" in rev or "\n" in rev:
        raise GitError(f"invalid {what} {rev!r}", fix=f"Pass a commit sha or ref name as {what}.")
    return rev


def _is_zero(sha: str | None) -> bool:
    return sha is None or sha == "" or set(sha) == {"0"}


def _trim(text: str) -> str:
    text = text.strip()
    if len(text) > _STDERR_LIMIT:
        text = "..." + text[-_STDERR_LIMIT:]
    return text


def _split_z(out: str) -> list[str]:
    return [p for p in out.split("\0") if p]


class Git:
    """One repository (work tree) at `path`. Cheap to create; holds no open resources."""

    def __init__(
        self,
        path: Path,
        *,
        token: str | None = None,
        host: str = "github.com",
        repository: str = "",
    ) -> None:
        """`token` is used only for a remote at `https://HOST/REPOSITORY` (see the module)."""
        self.path = Path(path)
        self.host = host
        self.repository = repository
        self._token = token or None
        self._secrets: list[str] = []
        if self._token:
            self._auth_value = f"AUTHORIZATION: basic {basic_auth(self._token)}"
            self._secrets = secret_forms(self._token)
        else:
            self._auth_value = ""

    def __repr__(self) -> str:
        token = "***" if self._token else "None"
        return (
            f"Git(path={str(self.path)!r}, host={self.host!r}, "
            f"repository={self.repository!r}, token={token})"
        )

    # ------------------------------------------------------------------ plumbing

    def redact(self, text: str) -> str:
        """Remove the token (every encoded form), auth headers and URL credentials from text."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        text = _AUTH_HEADER_RE.sub(r"\1***", text)
        return _URL_CREDENTIALS_RE.sub(r"\g<scheme>***@", text)

    def env(
        self,
        extra: Mapping[str, str] | None = None,
        *,
        auth: bool = False,
        network: bool = False,
    ) -> dict[str, str]:
        """The environment for a git process (exposed so tests can inspect it).

        Git runs hooks and filters that the checked code may have configured (a fixer that
        installs husky sets `core.hooksPath`), so the token variables of our own environment
        never go to git (autoheal.tokens). The token itself goes only where `auth` says
        (`run` decides: a command that talks to our https remote), and commands that talk to
        a remote (`network`, implied by `auth`) run no local hook at all:
        `reference-transaction` would otherwise see the header as fetch and push update refs.
        """
        env = {k: v for k, v in environ_without_tokens().items() if k not in _LEAKY_ENV}
        env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_PAGER": "cat", "PAGER": "cat"})
        entries: list[tuple[str, str]] = []
        if auth and self._auth_value:
            # The first entry (empty value) resets the multi-valued extraheader list:
            # actions/checkout with persist-credentials leaves its own header in .git/config,
            # and two Authorization headers make GitHub answer 400.
            key = f"http.https://{self.host}/.extraheader"
            entries += [(key, ""), (key, self._auth_value)]
        if entries or network:
            entries.append(("core.hooksPath", os.devnull))
        if entries:
            # Appended to any GIT_CONFIG_* entries already present.
            try:
                count = int(env.get("GIT_CONFIG_COUNT", "0"))
            except ValueError:
                count = 0
            for i, (name, value) in enumerate(entries, count):
                env[f"GIT_CONFIG_KEY_{i}"] = name
                env[f"GIT_CONFIG_VALUE_{i}"] = value
            env["GIT_CONFIG_COUNT"] = str(count + len(entries))
        if extra:
            env.update(extra)
        return env

    def uses_token(self, args: tuple[str, ...] | list[str]) -> bool:
        """Whether the git command `args` gets the token: a command that talks to a remote,
        whose every URL (after `insteadOf` rewriting; the push URL for a push) is
        `https://HOST/OWNER/NAME[.git]` of our repository. A file:// or local-path remote runs
        its hooks in our environment; ssh and other hosts must never see the token either."""
        if not self._auth_value or not self.repository or not args:
            return False
        if args[0] not in NETWORK_COMMANDS or "--" not in args:
            return False
        after = list(args).index("--") + 1
        if after >= len(args):
            return False
        remote = args[after]
        urls = self._remote_urls(remote, push=args[0] == "push")
        return bool(urls) and all(self._is_our_remote(url) for url in urls)

    def _remote_urls(self, remote: str, *, push: bool) -> list[str]:
        """The URLs git will use for `remote` (a configured remote's, else `remote` itself)."""
        if remote.startswith("-"):
            return []
        args = ["remote", "get-url", "--all", *(["--push"] if push else []), remote]
        proc = self.run(*args, check=False)
        if proc.returncode != 0:
            return [remote]  # not a configured remote: a URL or a path given as is
        return [line.strip() for line in proc.stdout.splitlines() if line.strip()]

    def _is_our_remote(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        if parts.scheme.lower() != "https" or parts.query or parts.fragment:
            return False
        if parts.username or parts.password or parts.netloc.lower() != self.host.lower():
            return False
        path = parts.path.rstrip("/")
        if path.lower().endswith(".git"):
            path = path[: -len(".git")]
        return path.lower() == "/" + self.repository.lower()

    def command(self, *args: str) -> list[str]:
        """The argv for a git call (no secrets ever go here)."""
        return ["git", "--no-pager", *args]

    def run(
        self,
        *args: str,
        check: bool = True,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run git in `path`. With check, a non-zero exit raises GitError (redacted)."""
        argv = self.command(*args)
        try:
            proc = subprocess.run(
                argv,
                cwd=self.path,
                env=self.env(
                    env,
                    auth=self.uses_token(args),
                    network=bool(args) and args[0] in NETWORK_COMMANDS,
                ),
                input=input,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise GitError(
                f"`{self._show(args)}` timed out after {timeout:.0f} s",
                fix="Check the network and the remote, then re-run the job.",
                command=self._redacted_argv(args),
            ) from None
        except FileNotFoundError as exc:
            raise GitError(
                "git is not installed or not on PATH", fix="Install git on the runner."
            ) from exc
        if check and proc.returncode != 0:
            raise self._error(args, proc)
        return proc

    def _redacted_argv(self, args: tuple[str, ...]) -> list[str]:
        return [self.redact(a) for a in self.command(*args)]

    def _show(self, args: tuple[str, ...]) -> str:
        return " ".join(["git", *(self.redact(a) for a in args)])

    def _error(
        self,
        args: tuple[str, ...],
        proc: subprocess.CompletedProcess[str],
        cls: type[GitError] = GitError,
        *,
        fix: str = "",
        message: str = "",
    ) -> GitError:
        stderr = self.redact(_trim(proc.stderr or proc.stdout or ""))
        head = message or f"`{self._show(args)}` failed (exit {proc.returncode})"
        return cls(
            f"{head}: {stderr}" if stderr else head,
            fix=fix,
            command=self._redacted_argv(args),
            stderr=stderr,
            returncode=proc.returncode,
        )

    def _out(self, *args: str, timeout: float | None = None) -> str:
        return self.run(*args, timeout=timeout).stdout

    def _identity_env(
        self, name: str | None, email: str | None, *, author: bool = True
    ) -> dict[str, str]:
        """Author/committer through env so commits work on a runner without git identity.

        Precedence: argument, GIT_*_NAME already in the environment, repo/global git config,
        the github-actions bot.
        """
        name = name or os.environ.get("GIT_COMMITTER_NAME") or self._config("user.name")
        email = email or os.environ.get("GIT_COMMITTER_EMAIL") or self._config("user.email")
        name, email = name or DEFAULT_NAME, email or DEFAULT_EMAIL
        env = {"GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        if author:
            env |= {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}
        return env

    def _config(self, key: str) -> str | None:
        proc = self.run("config", "--get", key, check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

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

    # ------------------------------------------------------------------ work tree diffs

    @contextmanager
    def _scratch_index(self) -> Iterator[dict[str, str]]:
        """A throwaway index holding HEAD's tree plus every work-tree change (`add -A`), so
        diffs include untracked files without touching the real index.

        It is built from the tree, not copied from the real index: copied stat data would let
        git trust a same-size edit made in the same second as the last commit (racy git) and
        miss a fixer's change. Without stat data every file is hashed.
        """
        with tempfile.TemporaryDirectory(prefix="autoheal-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if self.rev_parse("HEAD"):
                self.run("read-tree", "HEAD", env=env)
            self.run("add", "-A", env=env)
            yield env

    def _base(self, base: str | None) -> str:
        return _check_rev(base, "base") if base else "HEAD"

    def changed_paths(self, base: str | None = None) -> list[str]:
        """Paths that differ between `base` (default HEAD) and the work tree, untracked
        included, .gitignored excluded. Sorted."""
        with self._scratch_index() as env:
            out = self._out_env(
                env, "diff", "--cached", "--name-only", "-z", "--no-renames", self._base(base)
            )
        return sorted(set(_split_z(out)))

    def _out_env(self, env: Mapping[str, str], *args: str) -> str:
        if args and args[-1] != "--" and not args[-1].startswith("-"):
            args = (*args, "--")
        return self.run(*args, env=env).stdout

    def diff(self, base: str | None = None, *, stat: bool = False) -> str:
        """Patch (or --stat) from `base` (default HEAD) to the work tree, untracked included."""
        opts = ["--stat"] if stat else ["--binary"]
        with self._scratch_index() as env:
            return self._out_env(
                env, "diff", "--cached", "--no-color", "--no-ext-diff", *opts, self._base(base)
            )

    def diff_files(self, base: str | None = None) -> list[FileChange]:
        """Every file that differs between `base` (default HEAD) and the work tree, untracked
        included: its added + removed lines, whether git sees it as binary (then it has no
        lines), and its size before and after. Sizes come from the object database
        (`cat-file --batch-check`): no file's content is read into memory."""
        with self._scratch_index() as env:
            base_rev = self._base(base)
            numstat = self._out_env(
                env, "diff", "--cached", "--numstat", "-z", "--no-renames", base_rev
            )
            raw = self._out_env(
                env, "diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", base_rev
            )
        lines: dict[str, tuple[int, bool]] = {}
        for entry in _split_z(numstat):
            added, removed, path = entry.split("\t", 2)
            binary = added == "-"
            lines[path] = (0 if binary else int(added) + int(removed), binary)
        blobs: dict[str, tuple[str, str]] = {}
        fields = _split_z(raw)
        for head, path in zip(fields[0::2], fields[1::2], strict=False):
            _, _, old, new, _ = head.lstrip(":").split(" ", 4)
            blobs[path] = (old, new)
        sizes = self._blob_sizes({sha for pair in blobs.values() for sha in pair})
        return [
            FileChange(
                path=path,
                lines=count,
                binary=binary,
                old_size=sizes.get(blobs.get(path, ("", ""))[0], 0),
                new_size=sizes.get(blobs.get(path, ("", ""))[1], 0),
            )
            for path, (count, binary) in sorted(lines.items())
        ]

    def _blob_sizes(self, shas: set[str]) -> dict[str, int]:
        wanted = sorted(sha for sha in shas if _SHA_RE.match(sha) and not _is_zero(sha))
        if not wanted:
            return {}
        out = self.run(
            "cat-file", "--batch-check=%(objectname) %(objectsize)", input="\n".join(wanted) + "\n"
        ).stdout
        sizes: dict[str, int] = {}
        for line in out.splitlines():
            sha, _, size = line.partition(" ")
            if size.isdigit():
                sizes[sha] = int(size)
        return sizes

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

    # ------------------------------------------------------------------ writing commits

    def commit_all(
        self,
        message: str,
        *,
        author_name: str | None = None,
        author_email: str | None = None,
    ) -> str:
        """`git add -A` and commit everything as author and committer; returns the new sha.
        Local hooks and signing are skipped: this is a bot commit on a runner."""
        self.run("add", "-A")
        if self.run("diff", "--cached", "--quiet", check=False).returncode == 0:
            raise GitError(
                "nothing to commit: the work tree has no changes",
                fix="Only call commit_all after a fixer changed files.",
            )
        self.run(
            "commit",
            "--quiet",
            "--no-verify",
            "--no-gpg-sign",
            "--cleanup=whitespace",
            "-F",
            "-",
            input=message,
            env=self._identity_env(author_name, author_email),
        )
        return self.head_sha()

    def _conflicted_paths(self) -> list[str]:
        return _split_z(self._out("diff", "--name-only", "--diff-filter=U", "-z"))

    def _git_path_exists(self, name: str) -> bool:
        p = Path(self._out("rev-parse", "--git-path", name).strip())
        return (p if p.is_absolute() else self.path / p).exists()

    def revert(
        self,
        sha: str,
        *,
        mainline: int | None = None,
        trailer: str | None = None,
        author_name: str | None = None,
        author_email: str | None = None,
    ) -> str:
        """Revert `sha` on top of HEAD as one new commit; returns its sha.

        The message is git's standard one plus `trailer` (e.g. "Autoheal-Revert-Of: <sha>").
        A merge needs `mainline` (1 = the branch it was merged into). On conflict the revert
        is aborted and RevertConflict lists the paths; the tree is left as it was.
        """
        _check_rev(sha, "sha")
        if not self.is_clean():
            raise GitError(
                f"cannot revert {sha}: the work tree has uncommitted changes",
                fix="Commit or discard the changes before reverting.",
            )
        self.ensure_commit(sha, with_parents=True)
        parents = self.parents(sha)
        if len(parents) > 1 and mainline is None:
            raise GitError(
                f"{sha} is a merge commit: say which parent is the mainline",
                fix="Pass mainline=1 to undo what the merge brought into the branch.",
            )
        if mainline is not None and not 1 <= mainline <= len(parents):
            raise GitError(
                f"mainline {mainline} is invalid for {sha}, which has {len(parents)} parent(s)",
                fix="Use mainline only for merge commits, and 1 for the branch merged into.",
            )
        if len(parents) == 1:
            mainline = None  # git refuses -m for a non-merge
        ident = self._identity_env(author_name, author_email)
        args = ["revert", "--no-edit", "--no-gpg-sign"]
        if mainline is not None:
            args += ["-m", str(mainline)]
        args.append(sha)
        before = self.head_sha()
        proc = self.run(*args, check=False, env=ident)
        if proc.returncode != 0:
            paths = self._conflicted_paths()
            if self._git_path_exists("REVERT_HEAD") or self._git_path_exists("sequencer"):
                self.run("revert", "--abort", check=False)
            if self.head_sha() != before or not self.is_clean():
                self.run("reset", "--hard", "--quiet", before)  # tree was clean before we began
            if paths:
                raise RevertConflict(
                    f"reverting {sha} conflicts with later changes in: {', '.join(paths)}",
                    paths=paths,
                    fix="Revert it by hand, or revert the later commits that touched these paths"
                    " first.",
                    stderr=self.redact(_trim(proc.stderr + proc.stdout)),
                )
            raise self._error(
                tuple(args), proc, message=f"reverting {sha} failed (was it already reverted?)"
            )
        subject = self.subject(sha)
        body = f'Revert "{subject}"\n\nThis reverts commit {sha}'
        if mainline is not None:
            body += f", reversing\nchanges made to {parents[mainline - 1]}"
        body += ".\n"
        if trailer:
            body += f"\n{trailer.strip()}\n"
        self.run(
            "commit",
            "--amend",
            "--quiet",
            "--no-verify",
            "--no-gpg-sign",
            "--cleanup=whitespace",
            "-F",
            "-",
            input=body,
            env=ident,
        )
        return self.head_sha()

    def _normalized_patch(self, a: str, b: str) -> str:
        """Diff a→b reduced to what it changes: no line numbers, context or blob ids, so a
        revert of an older commit (lines shifted by later commits) still compares equal."""
        out = self._out(
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--binary",
            "--full-index",
            "-U0",
            "--diff-algorithm=myers",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--end-of-options",
            a,
            b,
            "--",
        )
        keep = [ln for ln in out.splitlines() if not ln.startswith(("@@", "index "))]
        return "\n".join(keep)

    def verify_revert(
        self, revert_sha: str, original_sha: str, mainline: int | None = None
    ) -> None:
        """Raise GitError unless `revert_sha` exactly undoes `original_sha` (against its
        `mainline` parent, default 1): same paths, inverse changes, nothing else."""
        self.ensure_commit(original_sha, with_parents=True)
        self.ensure_commit(revert_sha, with_parents=True)
        orig_parents = self.parents(original_sha)
        index = (mainline or 1) - 1
        if not orig_parents or index >= len(orig_parents):
            raise GitError(f"{original_sha} has no parent {index + 1} to compare with")
        rev_parents = self.parents(revert_sha)
        if len(rev_parents) != 1:
            raise GitError(f"{revert_sha} is not a plain commit, so it is not a revert")
        forward = self._normalized_patch(orig_parents[index], original_sha)
        undone = self._normalized_patch(revert_sha, rev_parents[0])
        if forward != undone:
            a = set(self._diff_names(orig_parents[index], original_sha))
            b = set(self._diff_names(rev_parents[0], revert_sha))
            if a != b:
                detail = f"paths only in the revert: {sorted(b - a)}; only in the original: "
                detail += str(sorted(a - b))
            else:
                detail = "the same paths change, but not inversely (a later commit changed "
                detail += "the same lines)"
            raise GitError(
                f"{revert_sha} does not exactly undo {original_sha}: {detail}. Nothing was pushed.",
                fix="Revert it by hand, resolving the overlap with the later commits, or fix "
                "forward.",
            )

    def _diff_names(self, a: str, b: str) -> list[str]:
        return _split_z(self._out("diff", "--name-only", "-z", "--no-renames", a, b, "--"))

    # ------------------------------------------------------------------ pushing

    @staticmethod
    def _classify_push(text: str) -> str:
        """'ok', 'moved' (remote has new commits), 'refused' (the remote said no), 'unknown'."""
        low = text.lower()
        if (
            "[remote rejected]" in low
            or "pre-receive hook declined" in low
            or "protected branch" in low
            or "gh006" in low
            or "gh013" in low
            or "permission to" in low
            or "refusing to allow" in low  # e.g. workflow files without `workflows` permission
        ):
            return "refused"
        if (
            "[rejected]" in low
            or "fetch first" in low
            or "non-fast-forward" in low
            or "stale info" in low
        ):
            return "moved"
        return "unknown"

    def _check_branch(self, branch: str) -> str:
        _check_rev(branch, "branch")
        ok = self.run("check-ref-format", f"refs/heads/{branch}", check=False).returncode == 0
        if not ok:
            raise GitError(f"invalid branch name {branch!r}", fix="Pass a plain branch name.")
        return branch

    def push_fast_forward(
        self,
        branch: str,
        *,
        base: str,
        remote: str = "origin",
        retries: int = 3,
        on_rebased: Callable[[str], None] | None = None,
    ) -> PushResult:
        """Push HEAD to `branch` without ever forcing.

        `base` is the commit our own commits were made on: only `base..HEAD` is ours. When the
        remote moved: fetch, rebase just those commits onto it, call `on_rebased(new_head)`
        (re-check there; raise to stop), retry; at most `retries` retries. When the branch no
        longer contains `base` (it was force-pushed), GitError: rebasing everything would push
        the commits the force push removed back onto the branch. When the remote refuses
        (protection, hook): PushRejected. When the outcome is unclear (network): fetch and
        treat "our HEAD is in the remote branch" as success.
        """
        self._check_branch(branch)
        _check_rev(remote, "remote")
        _check_rev(base, "base")
        tracking = f"refs/remotes/{remote}/{branch}"
        refresh = f"+refs/heads/{branch}:{tracking}"
        rebased = False
        last_error: GitError | None = None
        for attempt in range(1, retries + 2):
            head = self.head_sha()
            args = (
                "push",
                "--porcelain",
                "--no-verify",
                "--",
                remote,
                f"{head}:refs/heads/{branch}",
            )
            proc = self.run(*args, check=False, timeout=NETWORK_TIMEOUT)
            text = proc.stdout + "\n" + proc.stderr
            rejected = any(line.startswith("!") for line in proc.stdout.splitlines())
            if proc.returncode == 0 and not rejected:
                return PushResult(pushed_sha=head, attempts=attempt, rebased=rebased)
            kind = self._classify_push(text)
            if kind == "refused":
                raise self._error(
                    args,
                    proc,
                    PushRejected,
                    message=f"the remote refused the push to {branch}",
                    fix=f"Allow this token to push to `{branch}` (branch protection / rulesets),"
                    " or push to a fallback branch and open a pull request.",
                )
            last_error = self._error(args, proc)
            if kind == "unknown":
                # The push may have landed before the connection broke: look before retrying.
                if self._try_fetch(remote, refspec=refresh):
                    tip = self.rev_parse(tracking)
                    if tip and self.commit_exists(tip) and self.is_ancestor(head, tip):
                        return PushResult(pushed_sha=head, attempts=attempt, rebased=rebased)
                if attempt <= retries:
                    time.sleep(PUSH_BACKOFF * attempt)
                continue
            if attempt > retries:
                break
            self.fetch(remote, refresh)
            self._rebase_onto(tracking, remote, base, branch)
            base = self.rev_parse(tracking) or base  # our commits now sit on the new tip
            rebased = True
            new_head = self.head_sha()
            if on_rebased is not None:
                on_rebased(new_head)
        raise GitError(
            f"could not push to {branch} after {retries + 1} attempts: "
            f"{last_error.message if last_error else ''}",
            fix="The branch keeps moving or the remote is unreachable; re-run the job.",
        )

    def _rebase_onto(self, upstream: str, remote: str, base: str, branch: str) -> None:
        """Replay our commits (`base..HEAD`) onto `upstream`, which must still contain `base`."""
        # In a shallow clone the history linking `base` to the new tip may be missing:
        # deepen (bounded) until it is there.
        depth = 8
        for _ in range(MAX_DEEPEN_STEPS):
            if self.is_ancestor(base, upstream) or not self.is_shallow():
                break
            self._try_fetch(remote, f"--deepen={depth}")
            depth *= 2
        if not self.is_ancestor(base, upstream):
            how = "force-pushed" if not self.is_shallow() else "force-pushed, or is too deep"
            raise GitError(
                f"`{branch}` was rewritten while we worked: its new tip no longer contains "
                f"{base[:12]}, the commit our changes were made on ({how}). Nothing was pushed:"
                " rebasing would put the commits the force push removed back on the branch.",
                fix="Re-run the job on the branch's new tip (with `fetch-depth: 0` in "
                "actions/checkout if the branch moved by many commits).",
            )
        args = (
            "rebase",
            "--quiet",
            "--no-autosquash",
            "--no-autostash",
            "--no-gpg-sign",
            "--no-verify",
            "--onto",
            upstream,
            base,
        )
        proc = self.run(*args, check=False, env=self._identity_env(None, None, author=False))
        if proc.returncode != 0:
            paths = self._conflicted_paths()
            self.run("rebase", "--abort", check=False)
            raise RebaseConflict(
                f"our commits conflict with new commits on {upstream}"
                + (f" in: {', '.join(paths)}" if paths else f": {_trim(proc.stderr)}"),
                paths=paths,
                fix="Someone changed the same lines meanwhile; re-run the job on the new tip.",
                stderr=self.redact(_trim(proc.stderr)),
            )

    def push_branch(
        self,
        local_ref: str,
        remote_branch: str,
        *,
        remote: str = "origin",
        lease: str | None = None,
    ) -> str:
        """Push `local_ref` to `remote_branch`; returns the pushed sha. Without `lease` the
        push only creates the branch or moves it forward. With `lease`, a sha the caller has
        checked, it replaces the branch only while the branch is still exactly there (a
        compare-and-swap, for our own `autoheal/...` branches only). BranchMoved when the
        branch is not where the push needs it."""
        self._check_branch(remote_branch)
        _check_rev(remote, "remote")
        sha = self.rev_parse(local_ref)
        if sha is None:
            raise GitError(f"{local_ref!r} does not resolve to a commit")
        args = ["push", "--porcelain", "--no-verify"]
        if lease is not None:
            if not remote_branch.startswith("autoheal/"):
                raise GitError(
                    f"refusing to replace {remote_branch}: only autoheal/* branches may be"
                    " replaced",
                    fix="Push without a lease, or use an autoheal/ branch.",
                )
            args.append(f"--force-with-lease=refs/heads/{remote_branch}:{_check_rev(lease)}")
        args += ["--", remote, f"{sha}:refs/heads/{remote_branch}"]
        proc = self.run(*args, check=False, timeout=NETWORK_TIMEOUT)
        rejected = any(line.startswith("!") for line in proc.stdout.splitlines())
        if proc.returncode == 0 and not rejected:
            return sha
        kind = self._classify_push(proc.stdout + "\n" + proc.stderr)
        if kind == "refused":
            raise self._error(
                tuple(args),
                proc,
                PushRejected,
                message=f"the remote refused the push to {remote_branch}",
                fix=f"Allow this token to push to `{remote_branch}`.",
            )
        raise self._error(tuple(args), proc, BranchMoved if kind == "moved" else GitError)

    # ------------------------------------------------------------------ checkouts

    def worktree_add(self, path: Path, sha: str) -> Git:
        """A detached work tree of `sha` at `path`; returns a Git for it (same credentials)."""
        _check_rev(sha, "sha")
        if not self.commit_exists(sha):
            self.ensure_commit(sha, with_parents=False)
        self.run("worktree", "add", "--quiet", "--detach", "--", str(path), sha)
        return Git(Path(path), token=self._token, host=self.host, repository=self.repository)

    def worktree_remove(self, path: Path) -> None:
        self.run("worktree", "remove", "--force", "--", str(path), check=False)
        self.run("worktree", "prune")

    def checkout_detached(self, sha: str) -> None:
        _check_rev(sha, "sha")
        self.run("checkout", "--quiet", "--detach", sha, "--")
