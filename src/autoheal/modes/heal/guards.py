"""heal's refusals and loop guards: all decided before any of the project's code runs.

Refusals (a dirty tree, a HEAD that is not a commit of the branch GitHub vouches for; fork code
with a privileged token is refused by `modes.common.refuse_fork_code`, before these) are errors:
the user must change the workflow. Loop guards are normal outcomes (status SKIPPED, exit 0):
they are how the heal loop stops itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoheal.context import Context, is_queue_branch
from autoheal.errors import AutohealError
from autoheal.git import NETWORK_TIMEOUT, Git
from autoheal.markdown import code_span
from autoheal.markers import HEAL_TRAILER, is_ours
from autoheal.settings import SHA_RE, Settings

#: How far back heal commits are counted when the default branch is not there to stop at.
RECENT_COMMITS = 50
#: Status lines of a dirty tree quoted in the error.
DIRTY_SHOWN = 10

CHECKOUT_FIX = (
    "Check out the branch itself, not the merge commit: in actions/checkout set "
    "`ref: ${{ github.head_ref }}` (pull_request) or "
    "`ref: ${{ github.event.workflow_run.head_branch }}` (workflow_run)."
)


@dataclass(frozen=True)
class Target:
    """Where a fix may go. `branch` None: nowhere known; `push` False: `why_not` says why."""

    branch: str | None
    push: bool
    why_not: str = ""
    refused: bool = False  # not pushed because pushing there is wrong, not by choice
    read_only: bool = False  # a pull request's run whose token cannot write: the artifact
    suggest: bool = False  # `heal-via: suggest` on a pull request: a review, not a push
    notice: str = ""  # why the fix is not offered the way the inputs ask, for the log


def refuse_dirty(git: Git) -> None:
    """A heal commit holds only what the fixers changed: never the user's own edits."""
    lines = git.status_lines()
    if not lines:
        return
    shown = "\n".join(lines[:DIRTY_SHOWN]) + ("\n..." if len(lines) > DIRTY_SHOWN else "")
    raise AutohealError(
        f"Refusing to heal: the working tree of {git.path} has uncommitted changes, which "
        f"would end up in the heal commit:\n{shown}",
        fix="Run heal right after actions/checkout, or commit, stash or .gitignore what the "
        "earlier steps of the job wrote.",
    )


DRY_RUN = "dry-run: nothing is committed or pushed"


#: The account Dependabot's pull requests come from: their runs get a read-only token.
DEPENDABOT = "dependabot[bot]"


def resolve_target(settings: Settings, ctx: Context, git: Git) -> Target:
    """The branch that failed and whether heal may push to it (or suggest the fix)."""
    pr = ctx.pull_request
    if pr is not None and pr.is_fork:
        return Target(
            pr.head_ref or None,
            False,
            f"the pull request comes from the fork {code_span(pr.head_repo or '(deleted)')}, "
            "which this token cannot push to",
            read_only=True,
        )
    if pr is not None and ctx.event_name == "pull_request" and ctx.actor == DEPENDABOT:
        return Target(
            pr.head_ref or None,
            False,
            "Dependabot's pull request runs get a read-only token, which cannot push",
            read_only=True,
        )
    branch = ctx.branch or git.current_branch()
    if settings.local:
        why = DRY_RUN if settings.dry_run else "local run: heal commits locally and never pushes"
        return Target(branch, False, why)
    if not branch:
        raise AutohealError(
            f"Cannot tell which branch to push the fix to: the `{ctx.event_name or 'unknown'}` "
            f"event names no branch (ref {ctx.ref or '-'}) and HEAD is detached.",
            fix="Run heal on push, pull_request or workflow_run events, or check out a branch.",
        )
    if is_queue_branch(branch):  # whatever the event: a merge queue's branch is GitHub's
        return Target(branch, False, queue_refusal(branch), refused=True)
    require_branch_tip(git, ctx, branch)
    if settings.dry_run:
        return Target(branch, False, DRY_RUN)
    if settings.heal_via == "suggest":
        if ctx.pr_number is not None:  # a pull request's run, or a workflow_run of one
            return Target(branch, False, "`heal-via` is `suggest`", suggest=True)
        why = (
            "`heal-via` is `suggest`, and a push to a branch has no pull request to suggest "
            "the fix on"
        )
        return Target(branch, False, why, notice=f"{why}: the fix is kept as a patch.")
    return Target(branch, True)


def queue_refusal(branch: str) -> str:
    return (
        f"{code_span(branch)} is a merge queue's branch: GitHub makes it to test a merge and "
        "deletes it afterwards, so a fix pushed there would never be merged. Fix the pull "
        "request's own branch (heal runs there on `pull_request`), then queue it again"
    )


def require_branch_tip(git: Git, ctx: Context, branch: str) -> None:
    """HEAD must be a commit of `branch` that GitHub vouches for: the one the event names, or
    the branch's tip on the remote. The local branch's name proves nothing: a step before heal
    can put any commit under it (a pull request's merge commit, a fork's commit with
    `git checkout -B`, a local commit), and heal would push it with a token that can write."""
    head = git.head_sha()
    named = event_commits(ctx, branch)
    if head in named:
        return
    tip = git.remote_sha(branch)
    if head == tip:
        return
    said = f", nor the commit the `{ctx.event_name}` event names ({named[0][:12]})" if named else ""
    raise AutohealError(
        f"Refusing to heal: HEAD ({head[:12]}) is not the tip of {code_span(branch)} "
        f"({(tip or 'not on the remote')[:12]}){said}. A fix made on it would push HEAD, and "
        "every commit under it, to the branch. actions/checkout of a pull request checks out a "
        "merge commit; a step may also have committed or moved the branch.",
        fix=f"{CHECKOUT_FIX} Run heal right after actions/checkout, with no commit or "
        "`git checkout -B` before it.",
    )


def event_commits(ctx: Context, branch: str) -> list[str]:
    """The commits the event itself says `branch` was at: a pull request's or a workflow
    run's head, or GITHUB_SHA (and a push's `after`) when the event's ref is that branch."""
    if ctx.pull_request is not None:
        named = [ctx.pull_request.head_sha] if ctx.pull_request.head_ref == branch else []
    elif ctx.workflow_run is not None:
        named = [ctx.workflow_run.head_sha] if ctx.workflow_run.head_branch == branch else []
    else:
        named = [ctx.sha, ctx.push_after or ""] if ctx.ref == f"refs/heads/{branch}" else []
    return [sha for sha in named if SHA_RE.match(sha)]


def loop_guard(git: Git, settings: Settings, ctx: Context, branch: str | None) -> str | None:
    """Why heal must not run on this commit, or None. Guards stop heal from feeding on itself."""
    head = git.head_sha()
    if is_ours(git.trailers(head)):
        return (
            f"HEAD ({head[:12]}) is a commit made by CI Autoheal (it carries our trailer): "
            "healing it again could loop."
        )
    base = ctx.pull_request.base_ref if ctx.pull_request else ""
    count = count_heal_commits(git, base or ctx.default_branch, branch)
    if count >= settings.max_heal_attempts:
        return (
            f"{code_span(branch or 'HEAD')} already has {count} heal commit(s) in its recent "
            "history and "
            f"`max-heal-attempts` is {settings.max_heal_attempts}: the fixes are not sticking, "
            "so a person should look."
        )
    return None


def count_heal_commits(git: Git, base: str, branch: str | None) -> int:
    """Heal commits on the branch since it left `base` (the pull request's base branch, else
    the default branch) when that is fetched, else among the last RECENT_COMMITS commits."""
    if git.is_shallow():
        # actions/checkout fetches one commit: earlier heal commits would be invisible. Only
        # the branch and its base are deepened (not every branch), and the base is fetched
        # when the clone lacks it, so that its own heal commits are not counted.
        refspecs = [f"+refs/heads/{b}:refs/remotes/origin/{b}" for b in {branch, base} if b]
        if not _deepen(git, *sorted(refspecs)) and refspecs:
            # A fork pull request's branch is not on origin: deepen what origin has.
            _deepen(git)
    args = [
        "log",
        f"--max-count={RECENT_COMMITS}",
        f"--format=%(trailers:key={HEAL_TRAILER},valueonly,separator=%x2C)",
        "HEAD",
    ]
    tracking = f"refs/remotes/origin/{base}"
    if base and branch != base and git.rev_parse(tracking):
        args.append(f"^{tracking}")
    out = git.run(*args, "--").stdout
    return sum(1 for line in out.splitlines() if line.strip())


def _deepen(git: Git, *refspecs: str) -> bool:
    fetch = ("fetch", "--no-tags", "--quiet", f"--deepen={RECENT_COMMITS}", "--", "origin")
    proc = git.run(*fetch, *refspecs, check=False, timeout=NETWORK_TIMEOUT)
    return proc.returncode == 0
