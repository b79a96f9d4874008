"""heal mode: run the checks, apply the mechanical fixes, commit them and push them to the branch
that failed; when the failure does not reproduce, rerun the failed jobs (flakiness).

Status words (output `status`) and exit codes:

- HEALTHY (0): every check passes; nothing changed. A rerun may have been requested.
- HEALED (0): a fix was committed and pushed (or a pull request opened for a protected branch
  or with `heal-via: pull-request`, or, locally, committed) and every check passes.
- PARTIAL (1): a fix was pushed, but some checks still fail.
- PATCH (0, or 1 when checks still fail with it): a fix exists but was not pushed by design
  (fork pull request, dry-run); see `patch-path`.
- NOT FIXED (1): checks fail and nothing was pushed: no fix command, the fixers changed
  nothing or fixed nothing, or the fix was refused (workflow files, too large, a regression,
  a merge queue's branch: then a patch).
- SKIPPED (0): a loop guard stopped heal, or there are no checks.
- FAILED (1, 2 for bad inputs): an error; the message says what to change.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from autoheal.checks import CheckResult, Plan, run_checks, run_fixes
from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.git import Git
from autoheal.markdown import code_block, code_cell, code_span, markdown_text, table_cell
from autoheal.modes.common import (
    echo_failures,
    plan_checks,
    plan_markdown,
    refuse_fork_code,
    repository,
    result_word,
)
from autoheal.modes.heal.guards import Target, loop_guard, refuse_dirty, resolve_target
from autoheal.modes.heal.limits import refusal
from autoheal.modes.heal.next_step import next_step, to_validate
from autoheal.modes.heal.publish import commit_message, commit_patch, push_fix, write_patch
from autoheal.modes.heal.rerun import Rerun, request_rerun, rerun_target
from autoheal.plaintext import inline
from autoheal.publish.ci_dispatch import CiRun, exit_code, start_ci
from autoheal.report import Report
from autoheal.scoring import category_outcomes, confidence, confidence_line, weights_text
from autoheal.settings import Settings

HEALTHY = "HEALTHY"
HEALED = "HEALED"
PARTIAL = "PARTIAL"
PATCH = "PATCH"
NOT_FIXED = "NOT FIXED"
SKIPPED = "SKIPPED"

#: Lines of a still-failing check's output quoted in the summary (the log has it all).
OUTPUT_TAIL_LINES = 40


@dataclass
class Outcome:
    """Everything the summary and the outputs report."""

    status: str
    headline: str
    plan: Plan | None = None
    before: list[CheckResult] = field(default_factory=list)
    fixes: list[CheckResult] = field(default_factory=list)
    after: list[CheckResult] | None = None
    fixed_categories: list[str] = field(default_factory=list)
    diff_stat: str = ""
    patch: str = ""
    patch_path: str = ""
    commit_sha: str = ""
    where: str = ""
    pr_url: str = ""
    rerun: Rerun | None = None
    pushed: bool = False
    on_branch: bool = False  # the fix commit is on the branch that failed (pushed or local)
    validate_sha: str = ""  # the commit to hand to validate next, or ""
    ci: CiRun | None = None  # the CI run started on the pushed commit (`ci-workflow`)

    @property
    def final(self) -> list[CheckResult]:
        return self.before if self.after is None else self.after

    @property
    def exit_code(self) -> int:
        if self.status in (SKIPPED, HEALTHY):
            return 0
        if self.status == NOT_FIXED:
            return 1
        return 0 if all(r.passed for r in self.final) else 1


def run(settings: Settings, ctx: Context, report: Report) -> int:
    for name in ("healed", "rerun-requested"):
        report.output(name, False)
    for name in ("commit-sha", "fixed-categories", "pr-url", "patch-path", "validate-sha"):
        report.output(name, "")
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
        return _finish(report, Outcome(SKIPPED, f"**Skipped by a loop guard:** {reason}"))
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
    return _finish(report, outcome) or exit_code(settings, outcome.ci)


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
        return _unpushed_fix(settings, git, report, outcome, target, start)
    assert target.branch is not None
    recheck = _recheck(report, git, outcome, target.branch)
    published = push_fix(git, settings, ctx, report, target.branch, start, recheck)
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
    outcome.headline = _healed_headline(outcome)
    return outcome


def _unpushed_fix(
    settings: Settings, git: Git, report: Report, outcome: Outcome, target: Target, start: str
) -> Outcome:
    """A good fix that is not pushed by design: committed locally, or handed over as a patch."""
    if settings.local and not settings.dry_run:
        outcome.pushed = False
        outcome.on_branch = True
        outcome.status = HEALED if all(r.passed for r in outcome.final) else PARTIAL
        outcome.headline = _healed_headline(outcome)
        where = f"on {code_span(target.branch)}" if target.branch else "on the detached HEAD"
        outcome.where = (
            f"Committed `{outcome.commit_sha[:12]}` locally {where}; not pushed ({target.why_not})."
        )
        return outcome
    outcome.commit_sha = ""
    why = f"Not pushed: {target.why_not}. The patch below makes the fix."
    # A refusal (a merge queue's branch) fails the step like the other refusals.
    return _not_pushed(git, report, outcome, start, NOT_FIXED if target.refused else PATCH, why)


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


def _healed_headline(outcome: Outcome) -> str:
    fixed = ", ".join(outcome.fixed_categories) or "some checks"
    still = _failing_categories(outcome.final)
    text = f"Fixed {fixed}."
    if still:
        text += f" Still failing: {', '.join(still)} (no mechanical fix)."
    if outcome.ci and outcome.ci.failed:
        text += " CI was not started on the pushed commit (see CI run)."
    return text


# ----------------------------------------------------------------------------- reporting


def _finish(report: Report, outcome: Outcome) -> int:
    before = confidence(category_outcomes(outcome.before)) if outcome.before else None
    after = confidence(category_outcomes(outcome.final)) if outcome.before else None
    report.output("status", outcome.status)
    report.output("healed", bool(outcome.commit_sha))
    report.output("commit-sha", outcome.commit_sha)
    report.output("confidence-before", before)
    report.output("confidence-after", after)
    final = outcome.final if outcome.before else []
    report.output("category-outcomes", json.dumps(category_outcomes(final)) if final else "")
    report.output("fixed-categories", ",".join(outcome.fixed_categories))
    report.output("rerun-requested", bool(outcome.rerun and outcome.rerun.requested))
    report.output("pr-url", outcome.pr_url)
    report.output("patch-path", outcome.patch_path)
    report.output("validate-sha", outcome.validate_sha)
    report.section(_summary(outcome, before, after, report.in_actions))
    if outcome.exit_code:
        # The one error of the run, in Actions and locally: why the step fails.
        report.error(_failure_line(outcome))
    else:
        report.info(f"heal: {outcome.status}. {inline(outcome.headline)}")
    return outcome.exit_code


def _failure_line(outcome: Outcome) -> str:
    """Which categories still fail, and why heal did not make them pass."""
    if outcome.status == PARTIAL:  # the headline names what was fixed and what still fails
        return f"heal: PARTIAL. {inline(outcome.headline)}"
    # NOT FIXED: nothing was used, so the branch fails as before; PATCH: what fails with it.
    results = outcome.before if outcome.status == NOT_FIXED else outcome.final
    failing = ", ".join(_failing_categories(results))
    with_fix = " with the fix" if outcome.status == PATCH else ""
    return f"heal: {outcome.status}. Still failing{with_fix}: {failing}. {inline(outcome.headline)}"


def _failing_categories(results: list[CheckResult]) -> list[str]:
    return sorted({r.check.category for r in results if not r.passed})


def _summary(outcome: Outcome, before: int | None, after: int | None, in_actions: bool) -> str:
    # The headline and `where` quote names through code_span/table_cell where they are made;
    # a rerun's note can quote an answer of the API.
    parts = [f"## CI Autoheal · heal: {outcome.status}", outcome.headline]
    if before is not None:
        parts.append(_confidence_line(outcome, before, after))
    if outcome.before:
        parts.append(_checks_table(outcome))
    if outcome.fixes:
        parts.append("### Fixes run\n\n" + _fixes_table(outcome.fixes))
    if outcome.diff_stat:
        parts.append("### Changes\n\n" + code_block(outcome.diff_stat))
    if outcome.where:
        parts.append("### Where\n\n" + outcome.where)
    if outcome.ci:
        parts.append("### CI run\n\n" + outcome.ci.note)
    if outcome.rerun:
        parts.append("### Rerun\n\n" + markdown_text(outcome.rerun.note))
    if outcome.patch_path:
        parts.append(_patch_section(outcome, in_actions))
    still = [r for r in outcome.final if not r.passed]
    if still:
        parts.append(_failures_section(still, in_actions))
    if outcome.validate_sha:
        parts.append(next_step(outcome.validate_sha, outcome.commit_sha))
    if outcome.plan is not None:
        parts.append(plan_markdown(outcome.plan))
    return "\n\n".join(p for p in parts if p)


def _checks_table(outcome: Outcome) -> str:
    rows = [
        "| Category | Check | Before | After | Duration | Command |",
        "|---|---|---|---|---|---|",
    ]
    after: list[CheckResult | None] = [None] * len(outcome.before)
    if outcome.after is not None:
        after = list(outcome.after)
    for b, a in zip(outcome.before, after, strict=True):
        shown = a or b
        rows.append(
            f"| {b.check.category} | {table_cell(b.check.name)} "
            f"| {table_cell(result_word(b))} "
            f"| {table_cell(result_word(a)) if a else '–'} "
            f"| {shown.duration:.1f}s | {code_cell(b.check.display)} |"
        )
    return "### Checks\n\n" + "\n".join(rows)


def _fixes_table(fixes: list[CheckResult]) -> str:
    rows = ["| Category | Check | Fix | Result | Duration |", "|---|---|---|---|---|"]
    for f in fixes:
        word = "✅ ran" if f.passed else result_word(f)
        rows.append(
            f"| {f.check.category} | {table_cell(f.check.name)} "
            f"| {code_cell(f.check.fix_display or '')} | {table_cell(word)} "
            f"| {f.duration:.1f}s |"
        )
    return "\n".join(rows)


def _patch_section(outcome: Outcome, in_actions: bool) -> str:
    where = (
        f"Saved to {code_span(outcome.patch_path)} (upload it with actions/upload-artifact; "
        "apply it with `git am < autoheal-heal.patch`)."
        if in_actions
        else f"Saved to {code_span(outcome.patch_path)}: apply it with "
        f"{code_span(f'git am < {outcome.patch_path}')}."
    )
    return (
        f"### Patch\n\n{where}\n\n"
        f"<details><summary>Diff</summary>\n\n{code_block(outcome.patch, 'diff')}\n\n</details>"
    )


def _failures_section(results: list[CheckResult], in_actions: bool) -> str:
    if not in_actions:  # a terminal: their output is just above, in the log
        names = [
            f"- {r.check.category}: {table_cell(r.check.name)} ({result_word(r)})" for r in results
        ]
        return "### Still failing\n\n" + "\n".join(names) + "\n\nTheir output is above."
    blocks = ["### Still failing"]
    for r in results:
        tail = "\n".join(r.output.rstrip().splitlines()[-OUTPUT_TAIL_LINES:])
        blocks.append(
            f"<details><summary>{table_cell(r.check.category)}: {table_cell(r.check.name)} "
            f"({table_cell(result_word(r))})</summary>\n\n{code_block(tail or '(no output)')}"
            "\n\n</details>"
        )
    return "\n\n".join(blocks)


def _confidence_line(outcome: Outcome, before: int, after: int | None) -> str:
    """The numbers, what they measure, and what the last one is made of, in one line."""
    made_of = confidence_line(category_outcomes(outcome.final))
    return (
        f"**Confidence:** {before} → {after}, the weighted share of passing checks (weights "
        f"{weights_text()}; absent categories do not count). After heal, {made_of}."
    )
