"""The job summary: a row per target (dispatch id and commit as code), the failures with
their fixes, the validation runs found, the warnings, and the body sent."""

from __future__ import annotations

import json
from typing import Any

from autoheal import payload
from autoheal.markdown import code_block, code_cell, code_span, link, markdown_text, table_cell
from autoheal.modes.redispatch.outcomes import Outcome
from autoheal.modes.redispatch.targets import _repeated_note
from autoheal.modes.redispatch.waiting import FoundRun
from autoheal.report import Report
from autoheal.settings import Settings


def _summary(
    report: Report,
    settings: Settings,
    ours: payload.HealPayload,
    body: dict[str, Any],
    outcomes: list[Outcome],
    found: list[FoundRun],
    problems: list[str],
    repeated: list[str],
) -> None:
    rows = [_row(o.repo, settings.event_type, ours, _result(o)) for o in outcomes]
    failed = [o for o in outcomes if not o.ok]
    if failed:
        headline = f"**Outcome:** {len(failed)} of {len(outcomes)} dispatch(es) failed."
    else:
        headline = (
            f"**Outcome:** dispatched to {len(outcomes)} repository(ies); each starts the "
            f"workflows listening to {code_span(settings.event_type)} on its default branch."
        )
    parts = ["### CI Autoheal: redispatch", _table(rows), headline]
    if repeated:
        parts.append(_repeated_note(repeated))  # names checked against owner/name: inert
    for outcome in failed:
        # The message and fix quote GitHub's answer and the names given.
        text = (
            f"#### {table_cell(outcome.repo)}: failed\n\n{markdown_text(outcome.message)}\n\n"
            f"**What to do:** {markdown_text(outcome.fix)}"
        )
        if outcome.block:
            text += "\n\n" + code_block(outcome.block, "yaml")
        parts.append(text)
    if found:
        parts.append(_runs_table(found))
    if problems:
        parts.append("**Warnings:**\n\n" + "\n".join(f"- {markdown_text(p)}" for p in problems))
    parts.append(
        "<details><summary>Body sent</summary>\n\n"
        + code_block(_pretty(body), "json")
        + "\n\n</details>"
    )
    report.section("\n\n".join(parts))


def _result(outcome: Outcome) -> str:
    if outcome.ok:
        return f"✅ {outcome.status} dispatched"
    status = f"{outcome.status} " if outcome.status else ""
    return f"❌ {status}failed"


def _row(repo: str, event_type: str, ours: payload.HealPayload, result: str) -> list[str]:
    """One row's cells, each already safe in a table: the id and sha as code."""
    return [
        table_cell(repo),
        table_cell(event_type),
        code_cell(ours.dispatch_id),
        code_cell(ours.sha[:12]),
        table_cell(result),
    ]


def _table(rows: list[list[str]]) -> str:
    head = "| Target | Event type | Dispatch id | Commit | Result |\n|---|---|---|---|---|\n"
    return head + "\n".join("| " + " | ".join(row) + " |" for row in rows)


def _runs_table(found: list[FoundRun]) -> str:
    lines = ["| Target | Validation run | Status | Conclusion |", "|---|---|---|---|"]
    for run_ in found:
        shown = link(run_.url, run_.url) if run_.url else "not found: no run carries the id"
        lines.append(
            f"| {table_cell(run_.repo)} | {shown} | {table_cell(run_.status or '-')} | "
            f"{table_cell(run_.conclusion or '-')} |"
        )
    return "\n".join(lines)


def _pretty(body: dict[str, Any]) -> str:
    return json.dumps(body, indent=2, sort_keys=False)
