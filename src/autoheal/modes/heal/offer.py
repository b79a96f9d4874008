"""A good fix heal does not push, offered instead of being pushed: as one review of suggested
changes on the pull request (`heal-via: suggest`), or, in a pull request's run whose token
cannot write (a fork's, Dependabot's), as the `autoheal-fix` artifact that a trusted job
applies (`apply-patch`, `modes.heal.apply`).

Both are made from the same patch: `git diff` of the pull request's head and heal's fix
commit, written with git's `a/` and `b/` prefixes whatever the git config says.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.git import Git
from autoheal.github import github_client
from autoheal.markdown import link, markdown_text
from autoheal.modes.heal.artifact import FOLDER_NAME, write_artifact
from autoheal.modes.heal.review import Posted, post_suggestions
from autoheal.report import Report
from autoheal.settings import Settings

#: Reasons an earlier review could not be retired, listed in the summary.
SHOWN = 5


def write_fix_artifact(ctx: Context, report: Report, git: Git, head: str, fix: str) -> str:
    """Write the `autoheal-fix` artifact of the fix (`head`..`fix`) under RUNNER_TEMP; its
    folder, or "" (with a warning) when no trusted job could apply it: it binds the patch to
    the pull request's head, so HEAD must be that commit, not the merge commit
    actions/checkout makes of a pull request."""
    pr = ctx.pull_request
    if pr is None:
        return ""
    if head != pr.head_sha:
        report.warning(
            f"No patch artifact: HEAD ({head[:12]}) is not the pull request's head "
            f"({pr.head_sha[:12] or 'unknown'}), the only commit a trusted job applies a patch "
            "to. Check out `ref: ${{ github.event.pull_request.head.sha }}` in actions/checkout.",
            title="No patch artifact",
        )
        return ""
    folder = Path(report.env.get("RUNNER_TEMP") or tempfile.gettempdir()) / FOLDER_NAME
    try:
        write_artifact(
            folder,
            report.redact(git.diff_commits(head, fix)),
            repository=ctx.repository,
            pull_request=pr.number,
            base_sha=pr.base_sha,
            head_sha=pr.head_sha,
            head_repository=pr.head_repo,
            head_ref=pr.head_ref,
        )
    except AutohealError as exc:  # the patch file stands: the artifact is an extra
        report.warning(f"No patch artifact: {exc}", title="No patch artifact")
        return ""
    return str(folder)


def suggest_fix(
    settings: Settings, ctx: Context, report: Report, git: Git, head: str, fix: str
) -> Posted:
    """Post the fix (`head`..`fix`) as one review of suggestions on the run's pull request,
    retiring our earlier review. `Posted.skipped` says why none was posted."""
    number = ctx.pr_number
    client = github_client(settings, ctx)
    if number is None or client is None:
        raise AutohealError(
            "`heal-via` is `suggest`, but there is no token to post the review with.",
            fix="Pass `token: ${{ github.token }}` with `pull-requests: write`, or set "
            "`heal-via: push`.",
        )
    with client:
        return post_suggestions(
            client,
            ctx.repository,
            number,
            head,
            report.redact(git.diff_commits(head, fix)),
            run_url=ctx.run_url,
        )


def posted_where(posted: Posted, number: int) -> str:
    """The summary's words on the review: where it is, what it holds, what it replaced."""
    review = link("a review", posted.review_url) if posted.review_url else "a review"
    text = (
        f"Posted {review} of pull request #{number} with {posted.suggestions} suggested "
        f"change(s) (**Commit suggestion** applies one)."
    )
    if posted.left:
        text += (
            f" {posted.left} change(s) could not be suggested: the review holds them as a patch."
        )
    if posted.refused:
        text += f" GitHub refused the suggestions ({markdown_text(posted.refused)})."
    if posted.superseded:
        text += f" It replaces {len(posted.superseded)} earlier review(s) of ours."
    if posted.unretired:
        shown = "; ".join(markdown_text(u) for u in posted.unretired[:SHOWN])
        text += f" Earlier reviews left as they were: {shown}."
    return text
