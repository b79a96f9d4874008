"""The pull request, after a dispatch: one label and one comment, updated in place (found by
its marker). Their failures are warnings: the dispatch already happened."""

from __future__ import annotations

from autoheal import payload
from autoheal.context import Context
from autoheal.github.client import GitHub
from autoheal.github.errors import GitHubError
from autoheal.markdown import code_span, link, table_cell
from autoheal.markers import COMMENT_MARKER
from autoheal.report import Report
from autoheal.settings import Settings


def _mark_pull_request(
    client: GitHub,
    settings: Settings,
    ctx: Context,
    report: Report,
    ours: payload.HealPayload,
    sent: list[str],
) -> list[str]:
    """Label and comment; returns the problems (already reported as warnings)."""
    number = int(ctx.pr_number or 0)
    problems: list[str] = []
    label = _label(settings)
    if label:
        try:
            client.add_labels(ctx.repository, number, [label])
        except GitHubError as err:
            problems.append(f"Could not add the label {code_span(label)} to #{number}: {err}")
    if settings.comment:
        body = _comment_body(settings, ctx, ours, sent)
        try:
            url = client.upsert_comment(ctx.repository, number, COMMENT_MARKER, body)
            report.info(f"Pull request comment: {url}")
        except GitHubError as err:
            problems.append(f"Could not post the comment on #{number}: {err}")
    for problem in problems:
        report.warning(problem + " The dispatch itself was sent.", title="Pull request")
    return problems


def _label(settings: Settings) -> str:
    """The label to add, or "" for none.

    An empty input reaches us as "not given" (the composite action maps every input, empty
    when unset), so `none` or `false` is how a workflow turns the label off.
    """
    label = settings.label.strip()
    return "" if label.lower() in ("none", "false") else label


def _comment_body(
    settings: Settings, ctx: Context, ours: payload.HealPayload, sent: list[str]
) -> str:
    run_link = link("this run", ctx.run_url) if ctx.run_url else "this run"
    return (
        "### CI Autoheal: validation requested\n\n"
        f"{run_link} sent {code_span(settings.event_type)} to "
        f"{', '.join(map(table_cell, sent))} to re-check commit {code_span(ours.sha)}.\n\n"
        f"- Dispatch id: {code_span(ours.dispatch_id)}\n"
        f"- Commit: {code_span(ours.sha)}\n"
        "\nThe validation run carries the dispatch id in its name; this comment is updated "
        f"in place.\n\n{COMMENT_MARKER}\n"
    )
