"""GitHub's Git database endpoints on the fake GitHub, backed by a real bare repository.

    db = GitDatabase(FakeGitHub(httpserver), repos.remote)
    env["GITHUB_API_URL"] = db.fake.api_url
    ... run heal or rollback with `commit-via: api` ...
    assert db.verified[repos.remote_sha("main")]

Blobs are written with `git hash-object -w --stdin`, trees with `git mktree` (`base_tree` read
with `git ls-tree -r`, the entries applied to it, nested paths included), commits with
`git commit-tree` as GitHub's bot, and `PATCH .../git/refs/heads/{branch}` moves the branch
with `git update-ref` only when the move is a fast-forward, answering 422 "Update is not a fast
forward" like GitHub when it is not. The objects land in the same bare repository that git
pushes to and fetches from, so both paths meet one remote.

A commit is recorded as `verified` (GitHub would sign it) when the request carried no author,
committer or signature. `rules` is what `GET .../rules/branches/{branch}` answers; a
`required_signatures` rule also makes the ref update refuse an unsigned commit, as GitHub does;
`refusal` refuses every ref update. The branch has no classic protection.
`before_ref_update` callbacks run before each ref update: a colleague pushing at that moment.
"""

from __future__ import annotations

import base64
import itertools
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from autoheal.git import Git, PushResult
from tests.actions import TOKEN, ActionsEnv
from tests.fake_github import FakeGitHub, Recorded
from tests.gitfixtures import install_reject_hook

REPO = "octo-org/octo-repo"
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
MODES = {"100644": "blob", "100755": "blob", "120000": "blob", "160000": "commit", "040000": "tree"}
SHA = re.compile(r"^[0-9a-f]{40}$")
DOCS = "https://docs.github.com/rest/git"


class Refused(Exception):
    """An answer other than success: (status, GitHub's message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class GitDatabase:
    fake: FakeGitHub
    bare: Path
    repo: str = REPO
    rules: list[dict[str, Any]] | None = field(default_factory=list)  # None: answers 404
    verified: dict[str, bool] = field(default_factory=dict)
    signs: bool = True  # False: like a personal access token, whose API commits are unsigned
    lost_answers: int = 0  # ref updates that succeed but answer 502, as a dropped answer would
    refusal: str = ""  # GitHub's 422 to every ref update (a rule the reader could not see)
    before_ref_update: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        base = f"/repos/{self.repo}"
        routes: list[tuple[str, str, Callable[[Recorded], tuple[int, Any]]]] = [
            ("POST", f"{base}/git/blobs", self._blob),
            ("POST", f"{base}/git/trees", self._tree),
            ("POST", f"{base}/git/commits", self._commit),
            ("PATCH", f"{base}/git/refs/heads/(?P<branch>.+)", self._ref),
            ("GET", f"{base}/rules/branches/.+", self._rules),
            ("GET", f"{base}/branches/[^/]+/protection", _unprotected),
            ("GET", f"{base}/branches/[^/]+", _branch),
        ]
        for method, path, handler in routes:
            self.fake.route(method, path, answer=_answering(handler))

    # ------------------------------------------------------------------ requests made

    def commit_bodies(self) -> list[Any]:
        return [r.body for r in self.fake.requests("POST", f"/repos/{self.repo}/git/commits")]

    def ref_updates(self) -> list[Any]:
        return [r.body for r in self.fake.requests("PATCH", f"/repos/{self.repo}/git/refs/.+")]

    # ------------------------------------------------------------------ handlers

    def _blob(self, request: Recorded) -> tuple[int, Any]:
        body = _object(request.body)
        content, encoding = body.get("content"), body.get("encoding", "utf-8")
        if not isinstance(content, str) or encoding not in ("utf-8", "base64"):
            raise Refused(422, "Invalid request: content and encoding (utf-8, base64)")
        data = (
            base64.b64decode(content, validate=True) if encoding == "base64" else content.encode()
        )
        sha = self._git_bytes(data, "hash-object", "-w", "--stdin").strip()
        return 201, {"sha": sha, "url": self._url("blobs", sha)}

    def _tree(self, request: Recorded) -> tuple[int, Any]:
        body = _object(request.body)
        entries = body.get("tree")
        if not isinstance(entries, list):
            raise Refused(422, "Invalid request: tree is required")
        files = self._files(body["base_tree"]) if body.get("base_tree") else {}
        for entry in entries:
            self._apply(files, _object(entry))
        sha = self._mktree(files)
        top = self._git("ls-tree", "-z", sha).split("\0")
        listing = [_entry(line) for line in top if line]
        return 201, {
            "sha": sha,
            "url": self._url("trees", sha),
            "truncated": False,
            "tree": listing,
        }

    def _commit(self, request: Recorded) -> tuple[int, Any]:
        body = _object(request.body)
        message, tree, parents = body.get("message"), body.get("tree"), body.get("parents", [])
        if not isinstance(message, str) or not self._is(tree, "tree"):
            raise Refused(422, "Invalid request: message and an existing tree are required")
        if not all(self._is(p, "commit") for p in parents):
            raise Refused(422, "Invalid request: parents must be existing commits")
        # GitHub authors it as the token's identity and signs it, unless told who wrote it.
        signed = self.signs and not ({"author", "committer", "signature"} & set(body))
        who = body.get("author") or {"name": BOT_NAME, "email": BOT_EMAIL}
        env = {
            "GIT_AUTHOR_NAME": who["name"],
            "GIT_AUTHOR_EMAIL": who["email"],
            "GIT_COMMITTER_NAME": BOT_NAME,
            "GIT_COMMITTER_EMAIL": BOT_EMAIL,
        }
        args = ["commit-tree", str(tree)]
        for parent in parents:
            args += ["-p", parent]
        sha = self._git_bytes(message.encode(), *args, "-F", "-", env=env).strip()
        self.verified[sha] = signed
        reason = "valid" if signed else "unsigned"
        return 201, {
            "sha": sha,
            "node_id": f"C_{sha[:12]}",
            "url": self._url("commits", sha),
            "html_url": f"https://github.com/{self.repo}/commit/{sha}",
            "author": {"name": who["name"], "email": who["email"], "date": "2026-01-01T00:00:00Z"},
            "committer": {"name": BOT_NAME, "email": BOT_EMAIL, "date": "2026-01-01T00:00:00Z"},
            "message": message,
            "tree": {"sha": tree, "url": self._url("trees", str(tree))},
            "parents": [
                {"sha": p, "url": self._url("commits", p), "html_url": f"https://github.com/{p}"}
                for p in parents
            ],
            "verification": {
                "verified": signed,
                "reason": reason,
                "signature": "-----BEGIN PGP SIGNATURE-----" if signed else None,
                "payload": f"tree {tree}" if signed else None,
                "verified_at": "2026-01-01T00:00:00Z" if signed else None,
            },
        }

    def _ref(self, request: Recorded) -> tuple[int, Any]:
        branch = request.path.split("/git/refs/heads/", 1)[1]
        body = _object(request.body)
        sha = body.get("sha")
        for hook in self.before_ref_update:
            hook()
        ref = f"refs/heads/{branch}"
        current = self._git("rev-parse", "--verify", "--quiet", ref, check=False).strip()
        if not current:
            raise Refused(422, "Reference does not exist")
        if not self._is(sha, "commit"):
            raise Refused(422, "Object does not exist")
        if not body.get("force") and not self._ancestor(current, str(sha)):
            raise Refused(422, "Update is not a fast forward")
        if self._rule("required_signatures") and not self.verified.get(str(sha)):
            raise Refused(
                422, "Repository rule violations found\n\nCommits must have verified signatures."
            )
        if self.refusal:
            raise Refused(422, self.refusal)
        self._git("update-ref", ref, str(sha), current)
        if self.lost_answers:  # it happened, but the answer never arrives
            self.lost_answers -= 1
            raise Refused(502, "Server Error")
        return 200, {
            "ref": ref,
            "node_id": "REF_1",
            "url": self._url("refs", ref),
            "object": {"type": "commit", "sha": sha, "url": self._url("commits", str(sha))},
        }

    def _rules(self, _request: Recorded) -> tuple[int, Any]:
        if self.rules is None:
            raise Refused(404, "Not Found")
        return 200, self.rules

    # ------------------------------------------------------------------ trees

    def _files(self, tree: str) -> dict[str, tuple[str, str, str]]:
        """path -> (mode, type, sha) of every non-tree entry under `tree`."""
        if not self._is(tree, "tree"):
            raise Refused(422, "Invalid request: base_tree is not a tree")
        files = {}
        for line in self._git("ls-tree", "-r", "-z", "--full-tree", tree).split("\0"):
            if line:
                entry = _entry(line)
                files[entry["path"]] = (entry["mode"], entry["type"], entry["sha"])
        return files

    def _apply(self, files: dict[str, tuple[str, str, str]], entry: dict[str, Any]) -> None:
        path, mode, kind, sha = (entry.get(k) for k in ("path", "mode", "type", "sha"))
        if not isinstance(path, str) or any(p in ("", ".", "..") for p in path.split("/")):
            raise Refused(422, f"Invalid tree path {path!r}")
        if MODES.get(str(mode)) != kind or kind == "tree":
            raise Refused(422, f"Invalid mode {mode!r} for type {kind!r} at {path}")
        if "content" in entry:
            sha = self._git_bytes(str(entry["content"]).encode(), "hash-object", "-w", "--stdin")
            sha = sha.strip()
        if sha is None:
            # Strict on purpose: deleting what the base lacks is a client bug worth seeing.
            if path not in files:
                raise Refused(422, f"GitRPC::BadObjectState: {path} is not in the base tree")
            del files[path]
            return
        if kind == "blob" and not self._is(sha, "blob"):
            raise Refused(422, f"Invalid sha {sha!r} for {path}: not a blob")
        files[path] = (str(mode), str(kind), str(sha))

    def _mktree(self, files: dict[str, tuple[str, str, str]]) -> str:
        """Nested trees for `files`, written bottom up with `git mktree`."""
        here: dict[str, tuple[str, str, str]] = {}
        below: dict[str, dict[str, tuple[str, str, str]]] = {}
        for path, value in files.items():
            head, sep, rest = path.partition("/")
            if sep:
                below.setdefault(head, {})[rest] = value
            else:
                here[head] = value
        clash = set(here) & set(below)
        if clash:
            raise Refused(422, f"Invalid tree: {sorted(clash)} both a file and a directory")
        lines = [f"{mode} {kind} {sha}\t{name}" for name, (mode, kind, sha) in here.items()]
        lines += [f"040000 tree {self._mktree(sub)}\t{name}" for name, sub in below.items()]
        return self._git_bytes("".join(f"{line}\0" for line in lines).encode(), "mktree", "-z")

    # ------------------------------------------------------------------ git

    def _rule(self, kind: str) -> bool:
        return any(rule.get("type") == kind for rule in self.rules or [])

    def _is(self, sha: object, kind: str) -> bool:
        if not isinstance(sha, str) or not SHA.match(sha):
            return False
        return self._git("cat-file", "-t", sha, check=False).strip() == kind

    def _ancestor(self, a: str, b: str) -> bool:
        proc = subprocess.run(
            ["git", "merge-base", "--is-ancestor", a, b], cwd=self.bare, check=False
        )
        return proc.returncode == 0

    def _git(self, *args: str, check: bool = True) -> str:
        return self._git_bytes(b"", *args, check=check)

    def _git_bytes(
        self, data: bytes, *args: str, env: dict[str, str] | None = None, check: bool = True
    ) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=self.bare,
            input=data,
            capture_output=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {args} failed in the fake: {proc.stderr.decode()}")
        return proc.stdout.decode().strip() if args[0] == "mktree" else proc.stdout.decode()

    def _url(self, kind: str, sha: str) -> str:
        return f"https://api.github.com/repos/{self.repo}/git/{kind}/{sha}"


def _answering(handler: Callable[[Recorded], tuple[int, Any]]) -> Callable[[Recorded], Any]:
    def answer(request: Recorded) -> tuple[int, Any]:
        try:
            return handler(request)
        except Refused as exc:
            return exc.status, {"message": str(exc), "documentation_url": DOCS}

    return answer


def _unprotected(_request: Recorded) -> tuple[int, Any]:
    raise Refused(404, "Branch not protected")


def _branch(request: Recorded) -> tuple[int, Any]:
    return 200, {"name": request.path.rsplit("/", 1)[1], "protected": False}


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Refused(400, "Problems parsing JSON")
    return value


def _entry(line: str) -> dict[str, str]:
    """One `git ls-tree` line: `mode type sha<TAB>path`."""
    meta, path = line.split("\t", 1)
    mode, kind, sha = meta.split()
    return {"path": path, "mode": mode, "type": kind, "sha": sha}


# ----------------------------------------------------------------------------- both paths

VIA = pytest.mark.parametrize("via", ["git", "api"])


def use_commit_via(
    via: str, actions: ActionsEnv, httpserver: HTTPServer, remote: Path
) -> GitDatabase | None:
    """Run with `commit-via: via`; for `api` and `auto`, GitHub's Git database over `remote`."""
    actions.inputs(commit_via=via, token=TOKEN)
    if via == "git":
        return None
    db = GitDatabase(FakeGitHub(httpserver), remote)
    actions.env["GITHUB_API_URL"] = db.fake.api_url
    return db


def before_push(
    db: GitDatabase | None,
    monkeypatch: pytest.MonkeyPatch,
    action: Callable[[], None],
    *,
    every: bool = False,
) -> None:
    """Run `action` (a colleague pushing) just before our first push, or before each one:
    before git's push, or before the API's ref update, when our commits exist on GitHub."""
    runs = itertools.repeat(True) if every else iter([True])

    def maybe() -> None:
        if next(runs, False):
            action()

    if db is not None:
        db.before_ref_update.append(maybe)
        return
    real = Git.push_fast_forward

    def push_fast_forward(self: Git, branch: str, **kwargs: Any) -> Any:
        if not every:
            maybe()
            return real(self, branch, **kwargs)
        real_run = self.run

        def run(*args: str, **kw: Any) -> Any:
            if args[0] == "push":
                maybe()
            return real_run(*args, **kw)

        monkeypatch.setattr(self, "run", run)
        return real(self, branch, **kwargs)

    monkeypatch.setattr(Git, "push_fast_forward", push_fast_forward)


class Pusher:
    """`Git.push_fast_forward`, or its twin through the API (`autoheal.publish.api_commit`) over a
    GitDatabase on `remote`: one call, so that the git service's push tests run on both."""

    def __init__(self, via: str, remote: Path, httpserver: HTTPServer) -> None:
        self.via = via
        self.remote = remote
        self.db = GitDatabase(FakeGitHub(httpserver), remote) if via == "api" else None

    def __call__(
        self,
        g: Git,
        branch: str,
        *,
        base: str,
        retries: int = 3,
        on_rebased: Callable[[str], None] | None = None,
    ) -> PushResult:
        if self.db is None:
            return g.push_fast_forward(branch, base=base, retries=retries, on_rebased=on_rebased)
        from autoheal.github.client import GitHub
        from autoheal.publish import api_commit

        with GitHub(TOKEN, api_url=self.db.fake.api_url) as client:
            return api_commit.push_fast_forward(
                g, client, REPO, branch, base=base, retries=retries, on_rebased=on_rebased
            )

    def protect(self, message: str) -> None:
        """Make the remote refuse updates of main: a hook for git, a rule for the API."""
        if self.db is None:
            install_reject_hook(self.remote, message)
        else:
            self.db.refusal = f"Repository rule violations found\n\n{message}"
