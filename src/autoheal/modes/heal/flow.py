"""heal's flow, in the order it runs: refuse what must be refused, stop at a loop guard, run
the checks, run the fixers of the failing ones and commit what they changed, re-run the checks
on that commit, then push it (rechecking after a rebase), commit it locally, suggest it as a
review (`heal-via: suggest`), or keep it as a patch (and, in a read-only run, as the
`autoheal-fix` artifact); the tree goes back to where it was whenever a fix is not used or an
error stops heal. A comment (`issue_comment`) goes to `request` first, which calls this flow
for a fix request; `apply-patch` goes to `apply`, which runs no check.
"""

from __future__ import annotations

from collections.abc import Callable

from autoheal.checks import CheckResult, run_checks, run_fixes
from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.git import Git
from autoheal.markdown import code_span, markdown_text
from autoheal.modes.common import echo_failures, plan_checks, refuse_fork_code, repository
from autoheal.modes.heal.guards import Target, loop_guard, refuse_dirty, resolve_target
from autoheal.modes.heal.limits import refusal
from autoheal.modes.heal.next_step import to_validate
from autoheal.modes.heal.outcome import (
    HEALED,
    HEALTHY,
    NOT_FIXED,
    PARTIAL,
    PATCH,
    SKIPPED,
    SUGGESTED,
    Outcome,
    finish,
    healed_headline,
)
from autoheal.modes.heal.publish import commit_message, commit_patch, push_fix, write_patch
from autoheal.modes.heal.rerun import Rerun, request_rerun, rerun_target
from autoheal.publish.ci_dispatch import exit_code, start_ci
from autoheal.publish.commit_via import Destination
from autoheal.report import Report
from autoheal.scoring import category_outcomes, confidence
from autoheal.settings import Settings


def run(settings: Settings, ctx: Context, report: Report) -> int:
    if ctx.event_name == "issue_comment":  # a `/autoheal fix` comment, or nothing to do
        from autoheal.modes.heal.request import on_comment  # only comments need it

        return on_comment(settings, ctx, report, heal_branch)
    if settings.apply_patch:  # a trusted job applying a read-only run's fix: no code runs
        from autoheal.modes.heal.apply import run as apply_patch

        clear_outputs(report)
        return apply_patch(settings, ctx, report)
    return heal_branch(settings, ctx, report)[0]


def clear_outputs(report: Report) -> None:
    """Every output heal may set, empty until it is: a later step reads no stale value."""
    for name in ("healed", "rerun-requested"):
        report.output(name, False)
    for name in (
        "commit-sha",
        "fixed-categories",
        "pr-url",
        "patch-path",
        "validate-sha",
        "patch-artifact",
        "review-url",
    ):
        report.output(name, "")


def heal_branch(settings: Settings, ctx: Context, report: Report) -> tuple[int, Outcome]:
    """heal the branch the context names: (exit code, outcome)."""
    clear_outputs(report)
    # Decided from the event alone, before any of the project's code can run.
    refuse_fork_code(
        ctx,
        "heal",
        fix="Heal fork pull requests in a `pull_request` workflow instead: the token there is "
        "read-only, and heal reports the fix as a patch for the contributor to apply.",
    )
    git = repository(settings, ctx)
    git.head_sha()  # a clear error when there is no repository or commit here
    refuse_dirty(git)
    target = resolve_target(settings, ctx, git)
    reason = loop_guard(git, settings, ctx, target.branch)
    if reason:
        skipped = Outcome(SKIPPED, f"**Skipped by a loop guard:** {reason}")
        return finish(report, skipped), skipped
    start = git.head_sha()
    try:
        outcome = _heal(settings, ctx, report, git, target)
    except BaseException:
        # Nothing half done: an error after the fix was committed locally (a recheck, a
        # rebase, the API) must not leave that commit or the fixers' files behind.
        _restore(git, report, start, "")
        raise
    still_failing = bool(outcome.before) and not all(r.passed for r in outcome.final)
    fix = outcome.commit_sha
    outcome.validate_sha = to_validate(settings, ctx, fix, outcome.on_branch, still_failing, start)
    # A CI run that was not started fails the step only with fail-on-error; the push stands.
    return finish(report, outcome) or exit_code(settings, outcome.ci), outcome


def _run_url(settings: Settings, ctx: Context) -> str:
    """The trailer's value: the run that made the fix, or "" (shown as local) off Actions."""
    return "" if settings.local else ctx.run_url


def _heal(settings: Settings, ctx: Context, report: Report, git: Git, target: Target) -> Outcome:
    plan = plan_checks(settings)
    if not plan.checks:
        report.warning("heal found no checks to run.", title="No checks")
        return Outcome(SKIPPED, "**Skipped:** there are no checks to run.", plan=plan)
    start = git.head_sha()
    before = run_checks(plan.checks, plan.parallel)
    _restore(git, report, start, "the checks")
    echo_failures(report, before)
    # Set now so that an error later (e.g. a rebase conflict) still reports it.
    report.output("confidence-before", confidence(category_outcomes(before)))
    outcome = Outcome(NOT_FIXED, "", plan=plan, before=before)
    failing = [r.check for r in before if not r.passed]
    if not failing:
        outcome.status, outcome.headline = HEALTHY, "Every check passes: nothing to fix."
        run_id = rerun_target(settings, ctx)
        if run_id is not None:
            outcome.rerun = request_rerun(settings, ctx, report, run_id)
        return outcome
    if rerun_target(settings, ctx) is not None:
        outcome.rerun = Rerun(False, "No rerun: the failure reproduces here, so it is not flaky.")
    fixable = [check for check in failing if check.fix is not None]
    if not fixable:
        outcome.headline = "The failing checks have no fix command: a person has to fix them."
        return outcome
    outcome.fixes = run_fixes(fixable)
    for fix in outcome.fixes:
        report.tool_output(f"fix: {fix.check.category}: {fix.check.name}", fix.output)
    if not git.changed_paths():
        _restore(git, report, start, "the fixers")
        outcome.headline = "The fixers ran but changed no file."
        return outcome
    git.commit_all(
        commit_message(outcome.fixes, [], _run_url(settings, ctx)),
        author_name=settings.author_name,
        author_email=settings.author_email,
    )
    outcome.diff_stat = _diff_stat(git, start)
    refused = refusal(git, settings, start)
    if refused:
        return _not_pushed(
            git, report, outcome, start, NOT_FIXED, refused.why, binary=not refused.binary
        )
    return _check_and_publish(settings, ctx, report, git, target, outcome, start)


def _check_and_publish(
    settings: Settings,
    ctx: Context,
    report: Report,
    git: Git,
    target: Target,
    outcome: Outcome,
    start: str,
) -> Outcome:
    """Re-run the checks on the fix, then push it, or keep it as a patch."""
    assert outcome.plan is not None
    outcome.after = run_checks(outcome.plan.checks, outcome.plan.parallel)
    _restore(git, report, git.head_sha(), "the checks")
    echo_failures(report, outcome.after)
    pairs = list(zip(outcome.before, outcome.after, strict=True))
    broken = [b.check.name for b, a in pairs if b.passed and not a.passed]
    improved = [b.check.name for b, a in pairs if not b.passed and a.passed]
    if broken:
        failing = ", ".join(map(code_span, broken))
        why = f"The fix makes passing checks fail ({failing}): not using it."
        return _not_pushed(git, report, outcome, start, NOT_FIXED, why)
    if not improved:
        why = "The fixers changed files but no failing check passes now: not using the change."
        return _not_pushed(git, report, outcome, start, NOT_FIXED, why)
    outcome.fixed_categories = _fixed_categories(outcome.before, outcome.after)
    if outcome.fixed_categories:
        _reword(git, settings, outcome, ctx, start)
    outcome.commit_sha = git.head_sha()
    if not target.push:
        return _unpushed_fix(settings, ctx, git, report, outcome, target, start)
    assert target.branch is not None
    recheck = _recheck(report, git, outcome, target.branch)
    published = push_fix(Destination(git, settings, ctx, report, target.branch), start, recheck)
    outcome.commit_sha, outcome.where, outcome.pr_url = (
        published.sha,
        published.where,
        published.pr_url,
    )
    outcome.pushed = True
    outcome.on_branch = published.on_branch
    if published.on_branch:  # `ci-workflow`: the branch's CI runs on the pushed commit
        outcome.ci = start_ci(settings, ctx, report, target.branch, published.sha)
    outcome.status = HEALED if all(r.passed for r in outcome.final) else PARTIAL
    outcome.headline = healed_headline(outcome)
    return outcome


def _unpushed_fix(
    settings: Settings,
    ctx: Context,
    git: Git,
    report: Report,
    outcome: Outcome,
    target: Target,
    start: str,
) -> Outcome:
    """A good fix that is not pushed by design: committed locally, suggested on the pull
    request, or handed over as a patch (and, from a read-only run, as the artifact)."""
    # Here, not at the top: the patch reader and review code load only for a fix kept back.
    from autoheal.modes.heal.offer import posted_where, suggest_fix, write_fix_artifact

    if settings.local and not settings.dry_run:
        outcome.pushed = False
        outcome.on_branch = True
        outcome.status = HEALED if all(r.passed for r in outcome.final) else PARTIAL
        outcome.headline = healed_headline(outcome)
        where = f"on {code_span(target.branch)}" if target.branch else "on the detached HEAD"
        outcome.where = (
            f"Committed `{outcome.commit_sha[:12]}` locally {where}; not pushed ({target.why_not})."
        )
        return outcome
    fix, outcome.commit_sha = outcome.commit_sha, ""
    if target.notice:
        report.notice(target.notice, title="Not suggested")
    if target.suggest:
        posted = suggest_fix(settings, ctx, report, git, start, fix)
        if posted.review_url:
            _restore(git, report, start, "")
            outcome.status, outcome.review_url = SUGGESTED, posted.review_url
            outcome.headline = "The fix is suggested on the pull request (`heal-via: suggest`)."
            outcome.where = posted_where(posted, ctx.pr_number or 0)
            return outcome
        why = f"Not suggested: {markdown_text(posted.skipped)}. The patch below makes the fix."
        return _not_pushed(git, report, outcome, start, PATCH, why)
    why = f"Not pushed: {target.why_not}. The patch below makes the fix."
    # A refusal (a merge queue's branch) fails the step like the other refusals.
    outcome = _not_pushed(git, report, outcome, start, NOT_FIXED if target.refused else PATCH, why)
    if target.read_only:  # a fork's or Dependabot's run: a trusted job can apply it
        outcome.patch_artifact = write_fix_artifact(ctx, report, git, start, fix)
    return outcome


def _not_pushed(
    git: Git,
    report: Report,
    outcome: Outcome,
    start: str,
    status: str,
    why: str,
    *,
    binary: bool = True,
) -> Outcome:
    """Keep the fix as a patch file (binary files' bytes only with `binary`), and leave the
    tree and branch as they were."""
    outcome.patch = commit_patch(git, start, binary=binary)
    outcome.patch_path = str(write_patch(report.env, report.redact(outcome.patch)))
    _restore(git, report, start, "")
    outcome.status, outcome.headline = status, why  # NOT FIXED: the run's error says why
    return outcome


def _recheck(report: Report, git: Git, outcome: Outcome, branch: str) -> Callable[[str], None]:
    """After a rebase onto new commits, the fix must still hold before it is pushed."""

    def recheck(new_head: str) -> None:
        assert outcome.plan is not None and outcome.after is not None
        report.info(f"`{branch}` moved: re-running the checks on the rebased fix {new_head[:12]}.")
        results = run_checks(outcome.plan.checks, outcome.plan.parallel)
        _restore(git, report, new_head, "the checks")
        pairs = zip(outcome.after, results, strict=True)
        broken = [a.check.name for a, r in pairs if a.passed and not r.passed]
        if broken:
            echo_failures(report, results)
            raise AutohealError(
                f"{code_span(branch)} moved while healing, and after rebasing the fix onto it "
                f"these checks fail: {', '.join(map(code_span, broken))}. Nothing was pushed.",
                fix="Re-run the job on the new tip of the branch.",
            )
        outcome.after = results

    return recheck


def _reword(git: Git, settings: Settings, outcome: Outcome, ctx: Context, start: str) -> None:
    """Now that the checks say what the fix fixed, say it in the commit message too."""
    git.run("reset", "--soft", "--quiet", start)
    git.commit_all(
        commit_message(outcome.fixes, outcome.fixed_categories, _run_url(settings, ctx)),
        author_name=settings.author_name,
        author_email=settings.author_email,
    )


def _restore(git: Git, report: Report, sha: str, who: str) -> None:
    """Put the tree back to `sha`. The tree was clean when heal started, so whatever is
    dirty now was written by our checks or fixers (.gitignored files are kept)."""
    if who and git.is_clean() and git.head_sha() == sha:
        return
    if who:
        report.info(f"Removing files that {who} left in the working tree.")
    git.run("reset", "--hard", "--quiet", sha)
    git.run("clean", "-f", "-d", "--quiet")


def _diff_stat(git: Git, start: str) -> str:
    return git.run("diff", "--stat", "--no-color", start, "HEAD", "--").stdout


def _fixed_categories(before: list[CheckResult], after: list[CheckResult]) -> list[str]:
    was, now = category_outcomes(before), category_outcomes(after)
    return [c for c in was if was[c] == "fail" and now[c] == "pass"]
