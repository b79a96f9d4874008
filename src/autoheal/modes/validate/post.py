"""Where the evaluation goes on GitHub: the commit status (the record a duplicate delivery
reads back), the check run with its annotations, and the pull request comment; each optional
post that fails is a warning, or the run's failure with `fail-on-error`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autoheal import markers
from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.git import Git
from autoheal.markdown import link
from autoheal.modes.validate.report import (
    Evaluation,
    comment_body,
    status_description,
    status_state,
    summary_markdown,
)
from autoheal.modes.validate.target import Target
from autoheal.report import Report
from autoheal.settings import Settings

if TYPE_CHECKING:
    from autoheal.github.client import GitHub
    from autoheal.modes.validate.check_run import Verdict


def publish(
    client: GitHub | None,
    settings: Settings,
    ctx: Context,
    target: Target,
    ev: Evaluation,
    report: Report,
    git: Git,
) -> list[str]:
    """Post the commit status, the check run and the PR comment. Returns lines saying what
    was done."""
    description = status_description(target.dispatch_id, ev)
    state = status_state(ev)
    body = comment_body(
        ev,
        dispatch_id=target.dispatch_id,
        run_url=ctx.run_url,
        confidence_source=target.confidence_from,
    )
    wants_comment = settings.comment and target.pr is not None
    done: list[str] = []
    if not settings.post_status:
        done.append("Commit status: not posted (`post-status: false`).")
    if settings.comment and target.pr is None:
        done.append("Pull request comment: none (no pull request in the payload or event).")
    if not (settings.post_status or wants_comment):
        return done
    if settings.dry_run:
        if settings.post_status:
            done.append(f"Dry run: would set commit status `{state}`: {description}")
            verdict = _verdict(ctx, target, ev, git, report)
            done.append(
                f"Dry run: would post check run `{markers.STATUS_CONTEXT}` "
                f"(`{verdict.conclusion}`) with {len(verdict.annotations)} annotation(s)."
            )
        if wants_comment:
            done.append(f"Dry run: would update the comment on pull request #{target.pr}.")
            report.info(f"Dry run: comment that would be posted:\n{body}")
        return done
    if client is None or not target.repository:
        if settings.fail_on_error:
            raise AutohealError(
                "No token to post the validation outcome.",
                fix="Pass `token:` or set `fail-on-error: false`.",
            )
        done.append("Commit status and comment: skipped (no token).")
        return done
    if settings.post_status:
        done.append(_post_status(client, settings, ctx, target, state, description, report))
        done.append(_post_check_run(client, settings, ctx, target, ev, git, report))
    if wants_comment and target.pr is not None:
        done.append(_post_comment(client, settings, target, target.pr, body, report))
    return done


def _post_status(
    client: GitHub,
    settings: Settings,
    ctx: Context,
    target: Target,
    state: str,
    description: str,
    report: Report,
) -> str:
    from autoheal.github.errors import GitHubError

    try:
        client.create_status(
            target.repository,
            target.sha,
            state,
            markers.STATUS_CONTEXT,
            description,
            target_url=ctx.run_url or None,
        )
    except GitHubError as exc:
        _optional_failed(settings, report, "Cannot post the commit status", exc)
        return "Commit status: failed (see the warning in the log)."
    return f"Commit status `{markers.STATUS_CONTEXT}` set to `{state}`: {description}"


# The check run is the verdict for people; the commit status above stays the record that a
# duplicate delivery reads back (find_decision). autoheal.modes.validate.check_run explains both.


def _verdict(ctx: Context, target: Target, ev: Evaluation, git: Git, report: Report) -> Verdict:
    from autoheal.modes.validate import check_run

    return check_run.build(
        state=status_state(ev),
        title=status_description(None, ev),
        summary=summary_markdown(ev, target, []),
        results=ev.results,
        git=git,
        sha=target.sha,
        details_url=ctx.run_url,
        report=report,
    )


def _post_check_run(
    client: GitHub,
    settings: Settings,
    ctx: Context,
    target: Target,
    ev: Evaluation,
    git: Git,
    report: Report,
) -> str:
    from autoheal.github.errors import GitHubError
    from autoheal.modes.validate import check_run

    verdict = _verdict(ctx, target, ev, git, report)
    try:
        return check_run.publish(
            client,
            token=settings.token,
            repo=target.repository,
            sha=target.sha,
            verdict=verdict,
            report=report,
        )
    except GitHubError as exc:
        _optional_failed(settings, report, f"Cannot post the check run {check_run.NAME}", exc)
        return "Check run: failed (see the warning in the log)."


def _post_comment(
    client: GitHub, settings: Settings, target: Target, pr: int, body: str, report: Report
) -> str:
    from autoheal.github.errors import GitHubError

    try:
        url = client.upsert_comment(target.repository, pr, markers.COMMENT_MARKER, body)
    except GitHubError as exc:
        _optional_failed(settings, report, f"Cannot comment on pull request #{pr}", exc)
        return "Pull request comment: failed (see the warning in the log)."
    return f"Pull request comment updated: {link(url, url) if url else f'#{pr}'}"


def _optional_failed(settings: Settings, report: Report, what: str, exc: AutohealError) -> None:
    """An optional API call failed: a warning, or the run's failure with `fail-on-error`."""
    if settings.fail_on_error:
        raise AutohealError(f"{what}: {exc.message}", fix=exc.fix) from exc
    report.warning(f"{what}: {exc}")
