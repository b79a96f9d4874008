"""validate's flow, in the order it runs: refuse fork code, resolve what to evaluate, stop at
a duplicate delivery of the same dispatch, evaluate the sha, fail closed when an earlier
decision cannot be read, write the outputs, post the verdict, and write the job summary even
when posting it failed.
"""

from __future__ import annotations

from autoheal.context import Context
from autoheal.github import github_client
from autoheal.modes.common import refuse_fork_code, repository
from autoheal.modes.validate.decision import fail_closed, find_decision, report_duplicate
from autoheal.modes.validate.evaluation import evaluate, write_outputs
from autoheal.modes.validate.post import publish
from autoheal.modes.validate.report import Evaluation, summary_markdown
from autoheal.modes.validate.target import Target, resolve_target
from autoheal.report import Report
from autoheal.settings import Settings


def run(settings: Settings, ctx: Context, report: Report) -> int:
    refuse_fork_code(
        ctx,
        "validate",
        fix="Validate the commits of this repository's branches, from the workflow that "
        "redispatch wakes; a fork's pull request is checked by your `pull_request` CI.",
    )
    git = repository(settings, ctx)
    target = resolve_target(settings, ctx, git, report)
    report.output("sha", target.sha)
    client = github_client(settings, ctx)
    if client is None:
        how = (
            "Set GITHUB_TOKEN and GITHUB_REPOSITORY to post them"
            if settings.local
            else "Pass `token: ${{ github.token }}` with `statuses: write`, `checks: write` and "
            "`pull-requests: write` permissions"
        )
        report.notice(
            "No token: no check for a duplicate delivery, no commit status or check run, no "
            f"pull request comment. {how}."
        )
    try:
        decision, unreadable = find_decision(client, target, settings)
        if decision is not None:
            return report_duplicate(decision, target, report)
        ev = evaluate(settings, git, target, report)
        notes: list[str] = []
        if unreadable:
            ev, note = fail_closed(ev, target, unreadable)
            report.warning(note, title="No rollback requested")
            notes.append(note)
        write_outputs(ev, report)
        published: list[str] = []
        try:
            published = publish(client, settings, ctx, target, ev, report, git)
        finally:  # the evaluation is reported even when posting it failed the step
            write_summary(ev, target, notes + published, report)
    finally:
        if client is not None:
            client.close()
    report.info(
        f"{ev.word}: effectiveness {ev.effectiveness.score} (threshold {ev.threshold}); "
        f"rollback required: {'yes' if ev.rollback else 'no'}."
    )
    return 0


def write_summary(ev: Evaluation, target: Target, published: list[str], report: Report) -> None:
    report.section(summary_markdown(ev, target, published))
