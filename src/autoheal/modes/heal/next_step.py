"""What comes after heal: the commit validate should check next, and how to chain it."""

from __future__ import annotations

from autoheal.context import Context
from autoheal.markdown import code_block, code_cell
from autoheal.settings import Settings
from autoheal.snippets import redispatch_step


def to_validate(
    settings: Settings,
    ctx: Context,
    fix: str,
    fix_on_branch: bool,
    still_failing: bool,
    failing: str,
) -> str:
    """The commit validate should check next (redispatch sends it), or "" for none.

    heal's fix when it is on the branch that failed. Else, on a push to the default branch whose
    checks still fail (NOT FIXED; PARTIAL with the fix in a pull request; PATCH), the commit
    that failed: validate decides whether it is critical and rollback reverts its culprit, so
    an insufficient heal does not leave the default branch broken. Else heal's fix wherever it
    went (its pull request on a protected branch), or "". A pull request's failing commit is
    its author's to fix: never sent.
    """
    if fix and fix_on_branch:
        return fix
    if still_failing and default_branch_push(settings, ctx):
        return failing
    return fix


def default_branch_push(settings: Settings, ctx: Context) -> bool:
    """The failure is a push to the default branch: the event itself, or the CI run that a
    `workflow_run` follows."""
    if settings.local or not ctx.default_branch:
        return False
    if ctx.event_name == "push":
        return ctx.ref == f"refs/heads/{ctx.default_branch}"
    run = ctx.workflow_run
    if ctx.event_name == "workflow_run" and run is not None:
        return run.event == "push" and run.head_branch == ctx.default_branch
    return False


def next_step(validate_sha: str, fix: str) -> str:
    """The summary's "Next step": chain redispatch with `validate-sha`."""
    sha = code_cell(validate_sha[:12])
    if validate_sha == fix:
        why = (
            "A push made with `GITHUB_TOKEN` starts no workflow run. Chain `mode: redispatch` "
            f"so validate re-checks heal's commit {sha} (`validate-sha`):"
        )
    else:
        why = (
            "Checks still fail on the default branch and heal could not fix them all. Chain "
            f"`mode: redispatch` so validate checks the failing commit {sha} (`validate-sha`) "
            "and, when a build or test check fails again on retry, rollback reverts its culprit:"
        )
    return f"### Next step\n\n{why}\n\n" + code_block(redispatch_step(), "yaml")
