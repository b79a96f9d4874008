"""What is sent, and where: the target repositories (each once, owner/name without case),
the commit validate must check, and the heal payload carried in `client_payload.autoheal`, with
the push's start (`before`) looked up when the event lacks it (`push_start`). A fork's code is
never dispatched for."""

from __future__ import annotations

from autoheal import payload
from autoheal.context import Context
from autoheal.errors import AutohealError, InputError
from autoheal.github.client import GitHub
from autoheal.github.errors import GitHubError
from autoheal.modes.redispatch.push_start import previous_push_sha
from autoheal.report import Report
from autoheal.settings import SHA_RE, Settings


def refuse_fork(ctx: Context) -> None:
    """Never wake a validation run for a fork's code, whatever the event: that run checks out
    the commit and runs its checks with a token that can write (GitHub serves a fork's
    commits from the parent repository too)."""
    fork = ctx.fork
    if fork is None:
        return
    raise AutohealError(
        f"Refusing to dispatch: this `{ctx.event_name or 'unknown'}` run is about code from the "
        f"fork {fork or '(deleted repository)'}, and the validation run would run that code's "
        f"checks with a token that can write to {ctx.repository or 'this repository'}. "
        "Nothing was sent.",
        fix="Dispatch only for this repository's branches: run redispatch on what heal hands "
        "over (`if: steps.heal.outputs.validate-sha != ''`), never a fork's commit.",
    )


def _targets(settings: Settings, ctx: Context) -> tuple[list[str], list[str]]:
    """Every target once, and the names left out as repeats. Settings checked each name
    before any request (with the client's rule), so a bad name found later cannot leave the
    others sent. GitHub compares owner/name without case: `o/r` and `O/R` are one repository,
    and a second dispatch to it would start a second validation run."""
    if not settings.repository:
        if not ctx.repository:
            raise InputError(
                "No repository to dispatch to: GITHUB_REPOSITORY is not set and the "
                "`repository` input is empty.",
                fix="Set `repository: owner/name` (or, locally, GITHUB_REPOSITORY).",
            )
        return [ctx.repository], []
    targets: list[str] = []
    repeated: list[str] = []
    seen: set[str] = set()
    for repo in settings.repository:
        if repo.lower() in seen:
            repeated.append(repo)
        else:
            seen.add(repo.lower())
            targets.append(repo)
    return targets, repeated


def _repeated_note(repeated: list[str]) -> str:
    return (
        f"Input `repository` has targets named more than once: {', '.join(repeated)} "
        "(owner/name without case). Each repository is dispatched once."
    )


def _sha(settings: Settings, ctx: Context) -> tuple[str, str]:
    """The commit validate must check, and where it came from (for the error message)."""
    if settings.sha:
        return settings.sha, "input `sha`"
    if ctx.pull_request and ctx.pull_request.head_sha:
        # Not GITHUB_SHA: on pull_request events that is a merge commit nobody pushed.
        return ctx.pull_request.head_sha, "the pull request head sha"
    if ctx.workflow_run and ctx.workflow_run.head_sha:
        return ctx.workflow_run.head_sha, "the workflow run head sha"
    return ctx.sha, "GITHUB_SHA"


def _heal_payload(settings: Settings, ctx: Context) -> payload.HealPayload:
    sha, source = _sha(settings, ctx)
    sha = sha.strip().lower()
    if not SHA_RE.match(sha):
        raise InputError(
            f"No commit to validate: {source} is {sha!r}, not a full 40-character commit SHA.",
            fix="Pass the commit to validate as `sha:` (e.g. "
            "`${{ steps.heal.outputs.validate-sha }}` "
            "or `${{ github.sha }}`).",
        )
    branch = ctx.branch
    return payload.HealPayload(
        dispatch_id=payload.dispatch_id(ctx.repository, ctx.run_id, ctx.run_attempt, sha),
        sha=sha,
        ref=f"refs/heads/{branch}" if branch else ctx.ref,
        repository=ctx.repository,
        source_run_id=ctx.run_id,
        source_run_attempt=ctx.run_attempt,
        pr=ctx.pr_number,
        confidence=settings.confidence,
        checks=payload.heal_outcomes(settings.category_outcomes),
        # Where the failing push started, so rollback can bisect it in the dispatched run.
        before=ctx.push_before,
    )


def _push_start(client: GitHub, ctx: Context, report: Report) -> str | None:
    """`before` for a heal that ran under `workflow_run` (its event has none), so rollback can
    bisect the push; None when the event says it, or nothing can."""
    run = ctx.workflow_run
    if ctx.push_before or run is None or run.event != "push" or not ctx.repository:
        return None
    try:
        found = previous_push_sha(client, ctx.repository, run)
    except GitHubError as err:
        report.warning(
            f"Cannot read the earlier runs of the CI workflow to find where the push to "
            f"`{run.head_branch}` started ({err.message}): the payload carries no `before`, so "
            "a rollback can only revert the failing commit itself. Give the token Actions: read.",
            title="Push start unknown",
        )
        return None
    if found is None:
        report.notice(
            f"No earlier push run of the CI workflow on `{run.head_branch}`: the payload carries "
            "no `before`, so a rollback can only revert the failing commit itself."
        )
    return found
