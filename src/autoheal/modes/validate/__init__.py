"""validate: re-check the healed commit, score it, and say plainly whether to roll back.

It runs in the workflow a `repository_dispatch` started, where GITHUB_SHA is the default
branch tip and not the healed commit: the sha comes from the payload (or the `sha` input).
That commit is checked out, detached, in the job's own checkout (where the workflow installed
the project's tools and packages), its checks run there, and the checkout goes back to its
branch afterwards: a tree with uncommitted changes is refused first (autoheal.git.checkout).

Exit code 0 whatever the score: the decision is in the outputs and the rollback step acts on
it. Only a failed or refused evaluation (bad payload: 2; missing commit, checkout with
uncommitted changes: 1) exits non-zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from autoheal import markers, payload, scoring
from autoheal.checks import CheckResult, run_checks
from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.git import CommitMissing, Git
from autoheal.git.checkout import detached_at, refuse_dirty
from autoheal.github import github_client
from autoheal.markdown import code_span, link
from autoheal.modes.common import echo_failures, plan_checks, refuse_fork_code, repository
from autoheal.modes.validate.report import (
    Decision,
    Evaluation,
    comment_body,
    duplicate_summary,
    heal_comparison,
    parse_decision,
    status_description,
    status_state,
    summary,
)
from autoheal.report import Report
from autoheal.settings import Settings

if TYPE_CHECKING:
    from autoheal.github.client import GitHub
    from autoheal.modes.validate.check_run import Verdict


@dataclass(frozen=True)
class Target:
    """What to evaluate, and where each piece came from (for the summary)."""

    sha: str
    where: str  # "from the dispatch payload", "from the `sha` input", ...
    confidence: int | None  # heal's claim, when carried
    confidence_from: str  # where heal's claim was read, e.g. "from the dispatch payload"
    repository: str
    dispatch_id: str | None = None
    pr: int | None = None
    heal_checks: dict[str, str] = field(default_factory=dict)


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


def summary_markdown(ev: Evaluation, target: Target, published: list[str]) -> str:
    """The "Rollback Safety Status": the job summary, and the check run's summary."""
    own = scoring.confidence(ev.outcomes)
    comparison = heal_comparison(target.confidence, target.heal_checks, own, ev.outcomes)
    return summary(
        ev,
        where=target.where,
        confidence_source=target.confidence_from,
        comparison=comparison,
        published=published,
    )


# --------------------------------------------------------------------------- what to check


def resolve_target(settings: Settings, ctx: Context, git: Git, report: Report) -> Target:
    """The sha, heal's confidence and outcomes: explicit inputs, then the dispatch payload,
    then HEAD (and none)."""
    heal = payload.parse(ctx.client_payload)  # InputError (exit 2) naming a bad field
    sha_given = "sha" in settings.explicit and bool(settings.sha)
    if sha_given:
        sha, where = settings.sha, "from the `sha` input"
    elif heal is not None:
        sha, where = (
            heal.sha,
            f"from the dispatch payload, dispatch {code_span(heal.dispatch_id)}",
        )
    elif ctx.merge_group is not None:  # a merge queue: the merge it tests, not its base
        base = ctx.merge_group.base_ref.removeprefix("refs/heads/")
        sha, where = (
            ctx.merge_group.head_sha,
            f"the merge group's head, queued into {code_span(base)}",
        )
    else:
        sha, where = git.head_sha(), "HEAD of the working directory: no sha was given"
        note = (
            " In a repository_dispatch run that is the default branch tip, not a healed commit."
            if ctx.event_name == "repository_dispatch"
            else ""
        )
        report.notice(f"No sha in the dispatch payload or the `sha` input: evaluating HEAD.{note}")
    if "confidence" in settings.explicit and settings.confidence is not None:
        conf, conf_from = settings.confidence, "from the `confidence` input"
    elif heal is not None and heal.confidence is not None:
        conf, conf_from = heal.confidence, "from the dispatch payload"
    else:
        conf, conf_from = None, ""
    heal_checks = dict(heal.checks) if heal else {}
    if "category-outcomes" in settings.explicit:  # as `confidence`: the input wins
        heal_checks = payload.heal_outcomes(settings.category_outcomes)
    return Target(
        sha=sha,
        where=where,
        confidence=conf,
        confidence_from=conf_from,
        repository=(heal.repository if heal and heal.repository else ctx.repository),
        dispatch_id=heal.dispatch_id if heal else None,
        pr=(heal.pr if heal and heal.pr else ctx.pr_number),
        heal_checks=heal_checks,
    )


# --------------------------------------------------------------------------- duplicates


def find_decision(
    client: GitHub | None, target: Target, settings: Settings
) -> tuple[Decision | None, str]:
    """The decision an earlier delivery of the same dispatch recorded on the sha, if any;
    and, when the statuses could not be read, why (else ""). Only a status our own token
    posted counts: anyone with `statuses: write` can post one named like ours."""
    if target.dispatch_id is None:
        return None, ""
    if client is None or not target.repository:
        return None, ""  # `run` says once what having no token skips
    from autoheal.github.errors import GitHubError

    try:
        for status in client.list_statuses(target.repository, target.sha):
            if status.get("context") != markers.STATUS_CONTEXT:
                continue
            if status.get("state") not in ("success", "failure"):
                continue  # a decision is only ever recorded as success or failure
            decision = parse_decision(str(status.get("description") or ""), target.dispatch_id)
            if decision is not None and client.wrote(status, "creator"):
                return decision, ""
    except GitHubError as exc:
        what = f"Cannot read the commit statuses of {target.sha}"
        if settings.fail_on_error:
            raise AutohealError(f"{what}: {exc.message}", fix=exc.fix) from exc
        return None, f"{what} ({exc.message})"
    return None, ""


def fail_closed(ev: Evaluation, target: Target, unreadable: str) -> tuple[Evaluation, str]:
    """No readable record of an earlier decision: this may be a second delivery of a
    dispatch that already asked for a rollback. Asking again could revert twice, so the
    evaluation stands but no rollback is requested."""
    asked = "it would have asked for a rollback" if ev.rollback else "it asks for no rollback"
    note = (
        f"{unreadable}. Without them no earlier decision on dispatch "
        f"{code_span(target.dispatch_id or '')} can be seen, so no rollback is requested "
        f"(this evaluation alone: {asked}). Give the token `statuses: write` (it includes "
        "read), or re-run once GitHub answers; to evaluate the commit anyway, run validate "
        "with the `sha` input."
    )
    return replace(ev, withheld=True), note


def report_duplicate(decision: Decision, target: Target, report: Report) -> int:
    """Say what was decided the first time; request nothing new."""
    report.notice(
        f"Duplicate delivery of dispatch {decision.dispatch_id}: first decision was "
        f"{decision.text!r}. Not evaluating again."
    )
    report.output("status", "SKIPPED")
    report.output("rollback-required", False)
    report.output("effectiveness-score", "" if decision.score < 0 else decision.score)
    report.output("flaky-checks", "")
    report.section(duplicate_summary(decision, target.sha))
    return 0


# --------------------------------------------------------------------------- evaluation


def evaluate(settings: Settings, git: Git, target: Target, report: Report) -> Evaluation:
    """Check the sha out in the job's checkout, run every check (with retries) with the tools
    installed there, as heal does, then put the checkout back; score it."""
    refuse_dirty(git, "validate")  # before fetching anything
    _ensure_present(git, target.sha)
    with detached_at(git, target.sha, doing="validate") as start:
        report.info(
            f"Checked out {target.sha} (detached) in the checkout; it goes back to {start} "
            "after the checks."
        )
        plan = plan_checks(settings)
        if not plan.checks:
            report.warning("No checks found: nothing to evaluate, so nothing can pass.")
        report.info(f"Running {len(plan.checks)} check(s) on {target.sha}.")
        first = run_checks(plan.checks, plan.parallel)
        results, flaky = run_with_retries(first, settings.retries, plan.parallel)
        echo_failures(report, results)
    outcomes: dict[str, str] = dict(scoring.category_outcomes(results, set(flaky)))
    critical = tuple(settings.critical_categories)
    eff = scoring.effectiveness(
        target.confidence, outcomes, threshold=settings.threshold, critical=critical
    )
    return Evaluation(
        sha=target.sha,
        results=results,
        flaky=flaky,
        outcomes=outcomes,
        effectiveness=eff,
        threshold=settings.threshold,
        critical=critical,
        plan=plan,
        retries=settings.retries,
        pr=target.pr,
    )


def _ensure_present(git: Git, sha: str) -> None:
    try:
        git.ensure_commit(sha, with_parents=False)  # fetches into a shallow clone as needed
    except CommitMissing as exc:
        raise AutohealError(
            f"Commit {sha} no longer exists: it is neither in the checkout nor on the remote "
            "(force-pushed away, or the branch was deleted). Nothing was evaluated.",
            fix="Heal again from the branch's current tip; this validation cannot be done.",
        ) from exc


def run_with_retries(
    first: list[CheckResult], retries: int, parallel: int | None = None
) -> tuple[list[CheckResult], tuple[str, ...]]:
    """Rerun failing checks up to `retries` times. Failing then passing is flaky.

    Returns the final results (in plan order) and the names of the flaky checks.
    """
    results = list(first)
    flaky: list[str] = []
    for _ in range(retries):
        failing = [i for i, r in enumerate(results) if not r.passed]
        if not failing:
            break
        again = run_checks([results[i].check for i in failing], parallel)
        for i, result in zip(failing, again, strict=True):
            results[i] = result
            if result.passed:
                flaky.append(result.check.name)
    order = [r.check.name for r in results]
    return results, tuple(sorted(flaky, key=order.index))


def write_outputs(ev: Evaluation, report: Report) -> None:
    report.output("effectiveness-score", ev.effectiveness.score)
    report.output("confidence", ev.effectiveness.confidence_used)
    report.output("status", ev.word)
    report.output("rollback-required", ev.rollback)
    report.output("breakdown", json.dumps(ev.effectiveness.breakdown))
    report.output("flaky-checks", ",".join(ev.flaky))


# --------------------------------------------------------------------------- publishing


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
