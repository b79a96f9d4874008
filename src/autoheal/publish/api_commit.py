"""Commits made through GitHub's Git database API, which GitHub signs ("Verified").

The local git commits stay the source of truth: they are made, checked and (for reverts)
verified with git as on the git path, and the API only reproduces them. Each local commit
becomes one blob per changed file, one tree on its parent's tree and one commit, sent with no
author, committer or signature (GitHub signs only commits it authors itself, for an App or
Actions token). GitHub's answers are checked against the local objects (same blob, same tree)
before the branch moves, the branch moves fast-forward only, and afterwards the new commits
are fetched and their trees compared with the local ones again: equal trees mean every file,
executable bit, symlink, deletion and rename arrived exactly. The checkout then moves onto
GitHub's commits, so later steps see what the branch holds.
"""

from __future__ import annotations

import base64
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from autoheal.git import NETWORK_TIMEOUT, PUSH_BACKOFF, Git, GitError, PushRejected, PushResult
from autoheal.github.client import GitHub
from autoheal.github.errors import (
    GitHubError,
    MaybeSent,
    NetworkError,
    ServerError,
    ValidationFailed,
)

#: Modes a tree entry can have; git itself writes no other for a file.
FILE_MODES = frozenset({"100644", "100755", "120000"})
SUBMODULE_MODE = "160000"

#: Waits between attempts; tests replace it.
sleep = time.sleep


@dataclass(frozen=True)
class Replayed:
    """Local commits reproduced on GitHub: `pairs` is (local, GitHub's) oldest first."""

    base: str
    pairs: list[tuple[str, str]]
    verified: bool  # GitHub signed every one
    reason: str  # GitHub's verification reason for the first one it did not sign, or ""

    @property
    def sha(self) -> str:
        return self.pairs[-1][1]


@dataclass(frozen=True)
class SignedPush(PushResult):
    """A push made through the API; `verified` says whether GitHub signed the commits."""

    verified: bool = False
    reason: str = ""


# ----------------------------------------------------------------------------- the push


def push_fast_forward(
    git: Git,
    client: GitHub,
    repo: str,
    branch: str,
    *,
    base: str,
    retries: int,
    on_rebased: Callable[[str], None] | None = None,
    remote: str = "origin",
) -> SignedPush:
    """`Git.push_fast_forward` through the API: the same guarantees, the same errors.

    Our commits are `base..HEAD` (a straight line). When the branch moved meanwhile (422
    "Update is not a fast forward"): fetch, rebase them onto the new tip with git, call
    `on_rebased(new_head)` (re-check there; raise to stop), replay, retry; at most `retries`
    retries. When GitHub refuses the update (rules, protection): PushRejected, with the
    checkout on GitHub's signed commits so that a fallback branch carries them.
    """
    git._check_branch(branch)  # the git path's own checks: both paths refuse the same names
    tracking = f"refs/remotes/{remote}/{branch}"
    refresh = f"+refs/heads/{branch}:{tracking}"
    rebased = False
    said = ""
    for attempt in range(1, retries + 2):
        replayed = replay(git, client, repo, base)
        outcome, said = _move(client, repo, branch, replayed.sha)
        if outcome == "refused":
            if not adopt(git, replayed, remote, None):
                said += " (GitHub's commit could not be fetched: the fallback carries ours)"
            raise PushRejected(
                f"GitHub refused to move `{branch}` to the commit made through its API: {said}",
                fix=f"Allow this token to push to `{branch}` (branch protection / rulesets), "
                "or push to a fallback branch and open a pull request.",
            )
        if outcome == "ok" or _landed(git, remote, refresh, tracking, replayed.sha):
            adopt(git, replayed, remote, refresh, required=True)
            return SignedPush(
                pushed_sha=replayed.sha,
                attempts=attempt,
                rebased=rebased,
                verified=replayed.verified,
                reason=replayed.reason,
            )
        tip = git.rev_parse(tracking)
        if attempt > retries:
            break
        if outcome == "unknown" or tip == base:
            # No answer, or GitHub's copy lagged behind a branch that did not move: again.
            sleep(PUSH_BACKOFF * attempt)
            continue
        git._rebase_onto(tracking, remote, base, branch)  # refuses a force-pushed branch
        base = tip or base
        rebased = True
        if on_rebased is not None:
            on_rebased(git.head_sha())
    raise GitError(
        f"could not push to {branch} after {retries + 1} attempts: {said}",
        fix="The branch keeps moving or GitHub is unreachable; re-run the job.",
    )


def _move(client: GitHub, repo: str, branch: str, sha: str) -> tuple[str, str]:
    """Move the branch: ('ok' | 'moved' | 'refused' | 'unknown', what GitHub said)."""
    try:
        client.update_branch(repo, branch, sha)
    except ValidationFailed as exc:
        moved = "fast forward" in exc.message.lower() or "fast-forward" in exc.message.lower()
        return ("moved" if moved else "refused"), exc.message
    except (MaybeSent, NetworkError, ServerError) as exc:
        return "unknown", exc.message  # it may have landed: the caller looks
    except GitHubError as exc:
        if exc.status == 409:  # an empty or archived repository, a ref that cannot move
            return "refused", exc.message
        raise
    return "ok", ""


def _landed(git: Git, remote: str, refresh: str, tracking: str, sha: str) -> bool:
    """After an answer that is not a success: is `sha` on the branch all the same? (A lost
    answer, or a retried request that found its own work done.) Leaves `tracking` fresh."""
    git.fetch(remote, refresh)
    tip = git.rev_parse(tracking)
    return tip is not None and git.commit_exists(sha) and git.is_ancestor(sha, tip)


# ----------------------------------------------------------------------------- replaying


def replay(git: Git, client: GitHub, repo: str, base: str) -> Replayed:
    """Make GitHub's copies of our commits `base..HEAD`, each on the previous one, checking
    every blob, tree and commit GitHub answers with against the local one. Moves no ref."""
    commits = git.run(
        "rev-list", "--reverse", "--first-parent", "--end-of-options", f"{base}..HEAD", "--"
    ).stdout.split()
    if not commits:
        raise GitError(f"nothing to push: HEAD is {base[:12]}, the commit it was made on")
    uploaded: set[str] = set()
    parent = base
    pairs: list[tuple[str, str]] = []
    verified, reason = True, ""
    for local in commits:
        answer = _replay_one(git, client, repo, local, parent, uploaded)
        info = answer.get("verification") or {}
        if verified and not info.get("verified"):
            verified, reason = False, str(info.get("reason") or "unsigned")
        parent = str(answer["sha"])
        pairs.append((local, parent))
    return Replayed(base, pairs, verified, reason)


def _replay_one(
    git: Git, client: GitHub, repo: str, local: str, parent: str, uploaded: set[str]
) -> dict[str, Any]:
    parents = git.parents(local)
    if len(parents) != 1:
        raise GitError(
            f"{local} has {len(parents)} parents: only plain commits are made through the API"
        )
    tree = _tree(git, local)
    entries, on_github = tree_changes(git, parents[0], local)
    for entry in entries:
        sha = entry["sha"]
        # A blob the parent holds (a rename, a mode change) is on GitHub already.
        if entry["type"] == "blob" and sha and sha not in uploaded | on_github:
            _upload(git, client, repo, sha, entry["path"])
            uploaded.add(sha)
    # The parent on GitHub has the same tree as the local parent (it is its copy, or base).
    made = client.create_tree(repo, _tree(git, parents[0]), entries)["sha"] if entries else tree
    _same("tree", f"commit {local[:12]}", made, tree)
    answer = client.create_commit(repo, _message(git, local), tree, [parent])
    _same("tree", f"GitHub's commit for {local[:12]}", (answer.get("tree") or {}).get("sha"), tree)
    got_parents = [p.get("sha") for p in answer.get("parents") or [] if isinstance(p, dict)]
    _same("parents", f"GitHub's commit for {local[:12]}", got_parents, [parent])
    return answer


def tree_changes(git: Git, parent: str, commit: str) -> tuple[list[dict[str, Any]], set[str]]:
    """The tree entries that turn `parent`'s tree into `commit`'s: added or changed files with
    their mode and blob, deleted ones with `sha: None`. Renames are a deletion and an addition
    (`--no-renames`), and every path is a file's full path (`-r`). Also the blobs the changed
    paths had in `parent`."""
    out = git.run(
        "diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", "--end-of-options",
        parent, commit, "--",
    ).stdout  # fmt: skip
    fields = out.split("\0")
    entries = []
    before = set()
    for header, path in zip(fields[0::2], fields[1::2], strict=False):
        if not header.startswith(":"):
            continue
        old_mode, new_mode, old_sha, new_sha, status = header[1:].split()
        if status != "A":
            before.add(old_sha)
        if status == "D":
            entries.append({"path": path, "mode": old_mode, "type": _kind(old_mode), "sha": None})
            continue
        entries.append({"path": path, "mode": new_mode, "type": _kind(new_mode), "sha": new_sha})
    return entries, before


def _kind(mode: str) -> str:
    if mode == SUBMODULE_MODE:
        return "commit"
    if mode not in FILE_MODES:
        raise GitError(f"tree entry mode {mode} cannot be made through the API")
    return "blob"


def blob_body(content: bytes) -> tuple[str, str]:
    """(content, encoding) for `POST /git/blobs`: text as UTF-8, anything else as base64."""
    if b"\0" not in content:
        try:
            return content.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    return base64.b64encode(content).decode("ascii"), "base64"


def _upload(git: Git, client: GitHub, repo: str, sha: str, path: str) -> None:
    # Bytes, not text: Git.run decodes output, which would mangle a binary file.
    proc = subprocess.run(
        git.command("cat-file", "blob", sha),
        cwd=git.path,
        env=git.env(),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        raise GitError(f"cannot read blob {sha} ({path}): {git.redact(proc.stderr.decode())}")
    content, encoding = blob_body(proc.stdout)
    _same("blob", path, client.create_blob(repo, content, encoding).get("sha"), sha)


def _same(what: str, of: str, got: object, want: object) -> None:
    """GitHub made exactly the object git made, or nothing goes further."""
    if got != want:
        raise GitError(
            f"GitHub made a different {what} for {of} than the local commit has ({got!r}, "
            f"expected {want!r}). The branch was not moved.",
            fix="Re-run the job; if it happens again, use `commit-via: git` and report it.",
        )


def _tree(git: Git, commit: str) -> str:
    return git.run("rev-parse", "--verify", "--end-of-options", f"{commit}^{{tree}}").stdout.strip()


def _message(git: Git, commit: str) -> str:
    """The message exactly as stored in the commit object (trailers included)."""
    raw = git.run("cat-file", "commit", commit).stdout
    return raw.split("\n\n", 1)[1] if "\n\n" in raw else ""


# ----------------------------------------------------------------------------- adopting


def adopt(
    git: Git,
    replayed: Replayed,
    remote: str,
    refspec: str | None = None,
    *,
    required: bool = False,
) -> bool:
    """Fetch GitHub's commits, check that each has its local commit's tree and its parent, and
    move the checkout (its branch, or the detached HEAD) onto them. The index and the files
    already hold that tree, so nothing on disk changes. Returns False, or raises when
    `required`, if they cannot be fetched."""
    if refspec:
        git.run("fetch", "--no-tags", "--quiet", "--", remote, refspec, timeout=NETWORK_TIMEOUT)
    if not git.commit_exists(replayed.sha):
        fetched = git.run(
            "fetch", "--no-tags", "--quiet", "--", remote, replayed.sha,
            check=False, timeout=NETWORK_TIMEOUT,
        )  # fmt: skip
        if fetched.returncode != 0 or not git.commit_exists(replayed.sha):
            if required:
                raise GitError(
                    f"the branch was moved to {replayed.sha}, but that commit cannot be "
                    "fetched back",
                    fix="Fetch the branch in a later step before using it.",
                )
            return False
    parent = replayed.base
    for local, theirs in replayed.pairs:
        if _tree(git, theirs) != _tree(git, local) or git.parents(theirs) != [parent]:
            raise GitError(
                f"{theirs}, made through GitHub's API, does not hold the same files as the "
                f"local commit {local}, or not on {parent[:12]}. The branch may hold it now.",
                fix="Compare the two commits and correct the branch by hand (revert it).",
            )
        parent = theirs
    git.run("reset", "--soft", "--quiet", replayed.sha)
    return True
