"""redispatch mode's flow: check everything, send one dispatch per target, then mark the pull
request and wait for the validation run.

Rules it keeps, and why:

- Everything is built and checked before the first request: a bad input sends nothing.
- A dispatch is never sent twice (a repeat starts a second validation run): the client
  raises `MaybeSent` instead of repeating, and we tell the user where to look.
- Each target repository is reported on its own: one failing target hides no other.
- Label, comment and waiting happen after the dispatch; their failures are warnings, because
  the dispatch already happened, unless `fail-on-error` asks for strictness.
- `wait-for-run` only ever reports the run whose title carries our dispatch id: never a guess.
"""

from __future__ import annotations

from dataclasses import replace

from autoheal import payload
from autoheal.context import Context
from autoheal.github.client import GitHub, check_dispatch
from autoheal.modes.redispatch import waiting
from autoheal.modes.redispatch.outcomes import (
    DISPATCHED,
    FAILED,
    _annotation,
    _dispatch,
    _dispatch_outputs,
    _fail_on_error,
)
from autoheal.modes.redispatch.pull_request import _mark_pull_request
from autoheal.modes.redispatch.skips import _dry_run, _no_token
from autoheal.modes.redispatch.summary import _summary
from autoheal.modes.redispatch.targets import (
    _heal_payload,
    _push_start,
    _repeated_note,
    _targets,
    refuse_fork,
)
from autoheal.modes.redispatch.waiting import FoundRun, _wait_for_runs
from autoheal.report import Report
from autoheal.settings import Settings


def run(settings: Settings, ctx: Context, report: Report) -> int:
    refuse_fork(ctx)
    targets, repeated = _targets(settings, ctx)
    if repeated:
        report.notice(_repeated_note(repeated))
    ours = _heal_payload(settings, ctx)
    client_payload = payload.build(ours, settings.client_payload)
    # GitHub's limits, checked now so that a refusal sends nothing (and shows in dry runs).
    check_dispatch(settings.event_type, client_payload)
    body = {"event_type": settings.event_type, "client_payload": client_payload}
    report.output("dispatch-id", ours.dispatch_id)

    if settings.dry_run:
        return _dry_run(report, targets, ours, body)
    if not settings.token.strip():
        return _no_token(settings, report, targets, ours)

    with GitHub(
        settings.token, api_url=ctx.api_url, sleep=waiting.sleep, clock=waiting.clock
    ) as client:
        before = _push_start(client, ctx, report)
        if before:
            ours = replace(ours, before=before)
            client_payload = payload.build(ours, settings.client_payload)
            check_dispatch(settings.event_type, client_payload)
            body["client_payload"] = client_payload
        started = waiting.clock()
        outcomes = [_dispatch(client, repo, body, ours.dispatch_id, ctx) for repo in targets]
        duration_ms = round((waiting.clock() - started) * 1000)
        _dispatch_outputs(report, outcomes, duration_ms)
        for outcome in outcomes:
            if not outcome.ok:
                report.error(_annotation(outcome), title=f"Dispatch to {outcome.repo} failed")
        sent = [o.repo for o in outcomes if o.ok]
        problems: list[str] = []
        if sent and ctx.pr_number and ctx.repository:
            problems += _mark_pull_request(client, settings, ctx, report, ours, sent)
        found: list[FoundRun] = []
        if sent and settings.wait_for_run:
            found, wait_problems = _wait_for_runs(
                client, report, sent, ours.dispatch_id, started, settings.wait_timeout
            )
            problems += wait_problems

    _summary(report, settings, ours, body, outcomes, found, problems, repeated)
    if len(sent) < len(outcomes):
        report.output("status", FAILED)
        return 1
    report.output("status", DISPATCHED)
    if problems and settings.fail_on_error:
        _fail_on_error(report, f"{len(problems)} step(s) after the dispatch failed (see above)")
        return 1
    return 0
