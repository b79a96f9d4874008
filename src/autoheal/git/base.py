"""GitBase: running git, the plumbing every other part of the Git class builds on. It holds
the constants (NETWORK_TIMEOUT, MAX_DEEPEN_STEPS, the bot identity), the checks of
user-supplied refs, the environment and authentication of each command, redaction, and the
author/committer identity of the commits we make.

Git through argument lists only. Rules every call follows:
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
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from autoheal.git.errors import GitError
from autoheal.tokens import basic_auth, environ_without_tokens, secret_forms

ZERO_SHA = "0" * 40
DEFAULT_NAME = "github-actions[bot]"
DEFAULT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
#: Seconds a network operation (fetch, push, ls-remote) may take before we give up.
NETWORK_TIMEOUT = 300.0
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


class GitBase:
    """Running git in one repository: argv, environment, token, redaction, errors. The area
    mixins (reads, diffs, reverts, pushes) build on it; `autoheal.git.repo.Git` joins them."""

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
