"""redispatch mode: start the validation run that a heal commit cannot start by itself.

A commit pushed with GITHUB_TOKEN starts no workflow run, so nothing checks whether a heal
worked. `repository_dispatch` is one of the events GITHUB_TOKEN may start, so this mode sends
one, carrying the heal attempt in `client_payload.autoheal` (see `autoheal.payload`).

Rules this module keeps, and why:

- Everything is built and checked before the first request: a bad input sends nothing.
- A dispatch is never sent twice (a repeat starts a second validation run): the client
  raises `MaybeSent` instead of repeating, and we tell the user where to look.
- Each target repository is reported on its own: one failing target hides no other.
- Label, comment and waiting happen after the dispatch; their failures are warnings, because
  the dispatch already happened, unless `fail-on-error` asks for strictness.
- `wait-for-run` only ever reports the run whose title carries our dispatch id: never a guess.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from autoheal import payload
from autoheal.context import Context
from autoheal.errors import AutohealError, InputError
from autoheal.github.client import GitHub, check_dispatch
from autoheal.github.errors import (
    GitHubError,
    MaybeSent,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from autoheal.markdown import code_block, code_cell, code_span, link, markdown_text, table_cell
from autoheal.markers import COMMENT_MARKER
from autoheal.modes.redispatch.push_start import previous_push_sha
from autoheal.report import Report
from autoheal.settings import SHA_RE, Settings
from autoheal.snippets import SECRET, redispatch_step

# Injected time: tests replace these module attributes to run waits and retries instantly.
clock: Callable[[], float] = time.time
sleep: Callable[[float], None] = time.sleep

POLL_INTERVAL = 5.0  # seconds between two looks for the validation run
# The runner's clock and GitHub's differ a little; look back this far for the new run.
CREATED_SKEW = 120.0
DOCS = "docs/token-setup.md"
PERMISSIONS_BLOCK = "permissions:\n  contents: write"

DISPATCHED = "DISPATCHED"
SKIPPED = "SKIPPED"
FAILED = "FAILED"


@dataclass
class Outcome:
    """What happened to the dispatch for one target repository."""

    repo: str
    status: int | None = None  # HTTP status; None when no answer arrived
    attempts: int = 0
    message: str = ""
    fix: str = ""
    block: str = ""  # a YAML snippet for the fix (the `permissions:` block)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.message


@dataclass
class FoundRun:
    """The validation run that carries our dispatch id (with wait-for-run)."""

    repo: str
    url: str = ""
    status: str = ""  # queued, in_progress, completed ... ; "" when no run was found
    conclusion: str = ""


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


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

    with GitHub(settings.token, api_url=ctx.api_url, sleep=sleep, clock=clock) as client:
        before = _push_start(client, ctx, report)
        if before:
            ours = replace(ours, before=before)
            client_payload = payload.build(ours, settings.client_payload)
            check_dispatch(settings.event_type, client_payload)
            body["client_payload"] = client_payload
        started = clock()
        outcomes = [_dispatch(client, repo, body, ours.dispatch_id, ctx) for repo in targets]
        duration_ms = round((clock() - started) * 1000)
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


def _fail_on_error(report: Report, what: str) -> None:
    """The step's one error when `fail-on-error` turns a warning into a failure."""
    report.error(
        f"redispatch fails because `fail-on-error` is true: {what}. Set `fail-on-error: "
        "false` to keep such problems warnings."
    )


# --------------------------------------------------------------------------------------------
# Building what is sent
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Skips: dry run and no token
# --------------------------------------------------------------------------------------------


def _dry_run(
    report: Report, targets: list[str], ours: payload.HealPayload, body: dict[str, Any]
) -> int:
    report.output("dispatched", False)
    report.output("status", SKIPPED)
    report.info(f"Dry run: would dispatch {body['event_type']!r} to {', '.join(targets)}.")
    rows = [_row(repo, body["event_type"], ours, "dry run: not sent") for repo in targets]
    report.section(
        "### CI Autoheal: redispatch (dry run)\n\n"
        + _table(rows)
        + "\n\nNothing was sent. This is the exact body each target would receive at "
        "`POST /repos/{owner}/{repo}/dispatches`:\n\n" + code_block(_pretty(body), "json")
    )
    return 0


def _no_token(
    settings: Settings, report: Report, targets: list[str], ours: payload.HealPayload
) -> int:
    report.output("dispatched", False)
    report.output("status", SKIPPED)
    report.warning(
        "Redispatch skipped: the `token` input is empty, so no validation run was started. "
        f"Pass a token with Contents read/write on the target repository (see {DOCS}).",
        title="No token",
    )
    rows = [_row(repo, settings.event_type, ours, "skipped: no token") for repo in targets]
    report.section(
        "### CI Autoheal: redispatch skipped (no token)\n\n"
        + _table(rows)
        + "\n\nThe `token` input is empty (a secret that is not set is empty, for example on "
        "a fork or Dependabot pull request), so nothing was sent.\n\n"
        "**How to set one up** (details in " + DOCS + "):\n\n"
        "- A fine-grained personal access token with access to the target repository and "
        f"**Contents: Read and write** (a classic token needs the `repo` scope), stored as "
        f"the repository secret `{SECRET}` and passed as in the examples:\n\n"
        + code_block(redispatch_step(), "yaml")
        + "\n"
        "- Or a GitHub App token from `actions/create-github-app-token` (App permission "
        "Contents: Read and write), see examples/ci-app-token.yml.\n"
        "- For this repository only, the job's own token also dispatches: "
        "`token: ${{ github.token }}` when the job has:\n\n" + code_block(PERMISSIONS_BLOCK, "yaml")
    )
    if settings.fail_on_error:
        _fail_on_error(report, "there is no token, so nothing was dispatched")
        return 1
    return 0


# --------------------------------------------------------------------------------------------
# Sending
# --------------------------------------------------------------------------------------------


def _dispatch(
    client: GitHub, repo: str, body: dict[str, Any], dispatch_id: str, ctx: Context
) -> Outcome:
    retries_before = client.stats.retries
    outcome = Outcome(repo)
    try:
        outcome.status = client.dispatch(repo, body["event_type"], body["client_payload"])
    except GitHubError as err:
        outcome.status = err.status
        _explain(outcome, err, dispatch_id, ctx)
    # A refused connection sent no bytes but was still an attempt: count tries, not bytes.
    outcome.attempts = client.stats.retries - retries_before + 1
    return outcome


def _explain(outcome: Outcome, err: GitHubError, dispatch_id: str, ctx: Context) -> None:
    """Fill in the message and the fix for one failed dispatch."""
    repo = outcome.repo
    other_repo = repo.lower() != ctx.repository.lower()
    cross = (
        f" GITHUB_TOKEN only reaches {ctx.repository or 'the repository running the workflow'}:"
        f" for {repo} use a PAT or GitHub App token with access to it (see {DOCS})."
        if other_repo
        else ""
    )
    outcome.message = err.message
    outcome.fix = err.fix
    if isinstance(err, MaybeSent):
        cause = (
            f"GitHub answered {err.status}"
            if err.status
            else f"{err.reason or 'no answer'}, after the request was sent"
        )
        outcome.message = (
            f"The dispatch to {repo} may have reached GitHub ({cause}); it was not "
            "repeated to avoid starting two validation runs."
        )
        outcome.fix = (
            f"Check the Actions tab of {repo} for a run named with dispatch id "
            f"`{dispatch_id}`. If there is none, re-run this job; if there is, nothing is "
            "missing."
        )
    elif isinstance(err, PermissionDenied):
        outcome.message = (
            f"GitHub refused the dispatch to {repo} (403 {_said(err)}): the token lacks "
            "`contents: write` there."
        )
        outcome.fix = (
            "Give the job `contents: write` (block below) when dispatching to the same "
            "repository; for a fine-grained PAT grant Contents: Read and write, for a classic "
            "PAT the `repo` scope. A fork pull request's token is read-only whatever "
            "`permissions:` says." + cross
        )
        outcome.block = _permissions_block(err)
    elif isinstance(err, NotFound):
        outcome.message = (
            f"GitHub answered 404 for the dispatch to {repo}: the repository does not exist "
            "or the token cannot see it."
        )
        outcome.fix = (
            "Check the spelling of `repository` (owner/name). A token sees only the "
            "repositories it was given: GITHUB_TOKEN the current one, a fine-grained PAT the "
            "ones listed under Repository access, a GitHub App token those the App is "
            f"installed on (see {DOCS})."
        )
    elif isinstance(err, Unauthorized):
        outcome.message = f"GitHub rejected the token (401) for the dispatch to {repo}."
        outcome.fix = (
            "The token is invalid, expired or revoked. Create a new one, update the secret "
            f"({SECRET}) and re-run (see {DOCS}, Rotating)."
        )
    elif isinstance(err, ValidationFailed):
        outcome.message = f"GitHub refused the dispatch payload for {repo}. {err.message}"
        outcome.fix = (
            "Check `event-type` (1-100 characters) and `client-payload` (a JSON object of at "
            "most 9 keys, beside `autoheal`, under 64 KB), then re-run."
        )
    elif isinstance(err, RateLimited):
        outcome.fix = (
            "Nothing was sent. Re-run after that time, or use a token with its own quota "
            "(a PAT or a GitHub App token instead of the shared GITHUB_TOKEN)."
        )
    elif isinstance(err, NetworkError):
        outcome.fix = "Nothing was sent. " + err.fix
    if not outcome.message:
        outcome.message = f"The dispatch to {repo} failed."


def _said(err: GitHubError) -> str:
    """GitHub's own words from the client's message: `(403 Resource not accessible ...)`."""
    match = re.search(r"\((\d{3}) ([^()]*)\)", err.message)
    return match[2].strip() if match else err.message.rstrip(".")


def _permissions_block(err: PermissionDenied) -> str:
    """GitHub's accepted permissions when it names them, else `contents: write`."""
    perms = dict(err.accepted_permissions)
    perms.pop("metadata", None)
    if not perms:
        return PERMISSIONS_BLOCK
    lines = [f"  {name.replace('_', '-')}: {level}" for name, level in perms.items()]
    return "permissions:\n" + "\n".join(lines)


def _annotation(outcome: Outcome) -> str:
    block = f"\n{outcome.block}" if outcome.block else ""
    return f"{outcome.message} {outcome.fix}{block}"


def _dispatch_outputs(report: Report, outcomes: list[Outcome], duration_ms: int) -> None:
    report.output("dispatched", all(o.ok for o in outcomes))
    # 0 stands for "no HTTP answer" (network failure), like curl's 000.
    report.output("http-status", ",".join(str(o.status or 0) for o in outcomes))
    report.output("attempts", sum(o.attempts for o in outcomes))
    report.output("duration-ms", duration_ms)
    for outcome in outcomes:
        if outcome.ok:
            report.info(f"Dispatched to {outcome.repo}: HTTP {outcome.status}.")


# --------------------------------------------------------------------------------------------
# The pull request: one label, one comment updated in place
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# wait-for-run: find the run by dispatch id, never guess
# --------------------------------------------------------------------------------------------


def _wait_for_runs(
    client: GitHub,
    report: Report,
    repos: list[str],
    dispatch_id: str,
    sent_at: float,
    timeout: int,
) -> tuple[list[FoundRun], list[str]]:
    deadline = sent_at + timeout
    since = _iso(sent_at - CREATED_SKEW)
    found: list[FoundRun] = []
    problems: list[str] = []
    for repo in repos:
        try:
            result = _wait_for_run(client, repo, dispatch_id, since, deadline)
        except GitHubError as err:
            found.append(FoundRun(repo))
            problems.append(
                f"Could not look for the validation run in {repo}: {err} "
                "(waiting needs Actions: Read on the token)."
            )
            continue
        found.append(result)
        if not result.url:
            problems.append(
                f"No run carrying dispatch id `{dispatch_id}` appeared in {repo} within "
                f"{timeout} s. Check that a workflow there listens to this event type "
                "(`on: repository_dispatch: types: [...]`), runs on the default branch and "
                "puts the dispatch id in its `run-name`."
            )
        elif result.status != "completed":
            problems.append(
                f"The validation run {result.url} did not finish within {timeout} s "
                f"(status {result.status})."
            )
        else:
            report.info(f"Validation run {result.url}: {result.conclusion}.")
    urls = [f.url for f in found if f.url]
    if urls:
        report.output("validation-run-url", ",".join(urls))
        # "" for a run still going when the wait ended: never a guessed conclusion.
        report.output("validation-conclusion", ",".join(f.conclusion for f in found if f.url))
    for problem in problems:
        report.warning(problem, title="wait-for-run")
    return found, problems


def _wait_for_run(
    client: GitHub, repo: str, dispatch_id: str, since: str, deadline: float
) -> FoundRun:
    """Poll until our run completes or `deadline` (on `clock`) passes. The deadline covers
    the requests too: each one gets only the time that is left, so a slow API cannot stretch
    the wait past `wait-timeout`."""
    match: dict[str, Any] | None = None
    while True:
        left = deadline - clock()
        if left <= 0:
            break
        try:
            with client.time_limit(left):
                if match is None:
                    runs = client.list_runs(repo, event="repository_dispatch", created_since=since)
                    match = _find_run(runs, dispatch_id)
                else:
                    match = client.get_run(repo, int(match["id"]))
        except NetworkError:
            if clock() < deadline:
                raise  # not the deadline: the API is unreachable
            break  # out of time: report what was seen so far
        if match is not None and match.get("status") == "completed":
            break
        if clock() + POLL_INTERVAL > deadline:
            break
        sleep(POLL_INTERVAL)
    if match is None:
        return FoundRun(repo)
    return FoundRun(
        repo,
        url=str(match.get("html_url") or ""),
        status=str(match.get("status") or ""),
        conclusion=str(match.get("conclusion") or ""),
    )


def _find_run(runs: list[dict[str, Any]], dispatch_id: str) -> dict[str, Any] | None:
    """The run whose title (run-name) or name carries our dispatch id; never another one."""
    for candidate in runs:
        title = str(candidate.get("display_title") or "")
        name = str(candidate.get("name") or "")
        if dispatch_id in title or dispatch_id in name:
            return candidate
    return None


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


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
