"""Our own branches (`autoheal/...`): a heal fix or a revert waiting in a pull request.

People add to those branches (a reviewer's commit on the pull request), so they are never
forced. A branch is moved forward, or replaced only while it holds nothing but commits we made
(our trailer, our committer) on top of the history the new commit builds on, with a
compare-and-swap on the tip we checked. Otherwise the push goes to the next name
(`NAME-2` .. `NAME-5`); when every name holds someone's work, nothing is pushed.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoheal.errors import AutohealError
from autoheal.git import NETWORK_TIMEOUT, BranchMoved, CommitMissing, Git
from autoheal.markdown import code_span

#: Names tried: NAME, then NAME-2 .. NAME-{MAX_NAMES}.
MAX_NAMES = 5
#: Our commits on one branch (a rollback reverts several): a longer run is not ours.
MAX_OWN_COMMITS = 50
#: A shallow clone is deepened at most this many times (16, 32, ... commits) to see history.
DEEPEN_STEPS = 6


@dataclass(frozen=True)
class OwnPush:
    branch: str
    sha: str
    passed_over: tuple[tuple[str, str], ...] = ()  # (name, why it was left as it was)

    def note(self) -> str:
        """What was left alone and why, or "" when the first name was used."""
        if not self.passed_over:
            return ""
        kept = "; ".join(f"{code_span(name)} {why}" for name, why in self.passed_over)
        return (
            f"Pushed to {code_span(self.branch)} instead of the branches holding commits that "
            f"are not ours, which a push would drop: {kept}. They were left as they are."
        )


def push_own_branch(git: Git, name: str, sha: str, *, trailer: str) -> OwnPush:
    """Push `sha` (a commit we just made, carrying `trailer`) to `name` or the first free or
    still-ours name after it. AutohealError when every name holds someone else's work."""
    passed_over: list[tuple[str, str]] = []
    committer = git.committer(sha)
    for candidate in names(name):
        why = _push(git, candidate, sha, trailer, committer)
        if not why:
            return OwnPush(candidate, sha, tuple(passed_over))
        passed_over.append((candidate, why))
    listed = "; ".join(f"{code_span(n)} {why}" for n, why in passed_over)
    raise AutohealError(
        f"Nothing was pushed: every branch name heal may use holds commits that are not ours, "
        f"which a push would drop: {listed}.",
        fix="Merge or close the pull requests of those branches and delete the branches, then "
        "re-run the job.",
    )


def names(name: str) -> list[str]:
    return [name, *(f"{name}-{n}" for n in range(2, MAX_NAMES + 1))]


def _push(git: Git, branch: str, sha: str, trailer: str, committer: tuple[str, str]) -> str:
    """Push to `branch` unless it holds someone else's commits: "" when done, else why not."""
    for _ in range(2):  # once more when the branch moved between our look and our push
        tip = git.remote_sha(branch)
        lease = None  # a new branch, or one that only moves forward: a plain push
        if tip is not None and tip != sha:
            try:
                git.ensure_commit(tip, with_parents=False)
            except CommitMissing:
                continue  # deleted or moved since ls-remote: look again
            if not git.is_ancestor(tip, sha):
                why = _not_ours(git, tip, sha, trailer, committer)
                if why:
                    return why
                lease = tip  # ours alone: replace it, if it is still exactly that
        try:
            git.push_branch(sha, branch, lease=lease)
        except BranchMoved:
            continue
        return ""
    return "moved while we pushed, twice"


def _not_ours(git: Git, tip: str, sha: str, trailer: str, committer: tuple[str, str]) -> str:
    """Why replacing `tip` would drop someone's commit, or "": `tip` and the commits under it
    are ours down to a commit of the history `sha` builds on."""
    commit = tip
    for _ in range(MAX_OWN_COMMITS):
        if trailer not in git.trailers(commit) or git.committer(commit) != committer:
            break
        parents = git.parents(commit)
        if len(parents) != 1:
            return f"holds the merge {commit[:12]}"
        commit = parents[0]
        git.ensure_commit(commit, with_parents=False)
    else:
        return f"holds more than {MAX_OWN_COMMITS} commits"
    if commit == tip:
        return f"ends with {tip[:12]}, which is not a commit of ours"
    if not _reachable(git, commit, sha):
        return f"holds {commit[:12]}, which is not ours and not on the branch"
    return ""


def _reachable(git: Git, ancestor: str, sha: str) -> bool:
    """`ancestor` is in the history of `sha`, deepening a shallow clone (bounded) to tell."""
    depth = 16
    for _ in range(DEEPEN_STEPS):
        if git.is_ancestor(ancestor, sha) or not git.is_shallow():
            break
        deepen = ("fetch", "--no-tags", "--quiet", f"--deepen={depth}", "--", "origin")
        git.run(*deepen, check=False, timeout=NETWORK_TIMEOUT)
        depth *= 2
    return git.is_ancestor(ancestor, sha)
