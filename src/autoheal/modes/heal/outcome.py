"""What heal reports: the status words, the `Outcome` the flow fills in, and how it becomes
the step's outputs, its one error or info line, and the job summary (checks before and after,
fixes run, changes, where the fix went, the patch, what still fails, what comes next).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from autoheal.checks import CheckResult, Plan
from autoheal.markdown import code_block, code_cell, code_span, markdown_text, table_cell
from autoheal.modes.common import plan_markdown, result_word
from autoheal.modes.heal.next_step import next_step
from autoheal.modes.heal.rerun import Rerun
from autoheal.plaintext import inline
from autoheal.publish.ci_dispatch import CiRun
from autoheal.report import Report
from autoheal.scoring import category_outcomes, confidence, confidence_line, weights_text

HEALTHY = "HEALTHY"
HEALED = "HEALED"
PARTIAL = "PARTIAL"
PATCH = "PATCH"
SUGGESTED = "SUGGESTED"
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
    patch_artifact: str = ""  # the `autoheal-fix` folder of a read-only run, or ""
    review_url: str = ""  # the review of suggestions posted, or ""

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


def healed_headline(outcome: Outcome) -> str:
    fixed = ", ".join(outcome.fixed_categories) or "some checks"
    still = _failing_categories(outcome.final)
    text = f"Fixed {fixed}."
    if still:
        text += f" Still failing: {', '.join(still)} (no mechanical fix)."
    if outcome.ci and outcome.ci.failed:
        text += " CI was not started on the pushed commit (see CI run)."
    return text


# ----------------------------------------------------------------------------- reporting


def finish(report: Report, outcome: Outcome) -> int:
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
    report.output("patch-artifact", outcome.patch_artifact)
    report.output("review-url", outcome.review_url)
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
    with_fix = " with the fix" if outcome.status in (PATCH, SUGGESTED) else ""
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
    if outcome.patch_artifact:
        parts.append(_artifact_section(outcome.patch_artifact))
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


def _artifact_section(folder: str) -> str:
    """Where the artifact is and who applies it."""
    return (
        f"### Patch artifact\n\nThe fix and its manifest are in {code_span(folder)} (output "
        "`patch-artifact`). Upload it as `autoheal-fix`: the trusted workflow "
        "(examples/autoheal-apply.yml) checks it against this pull request's head and pushes "
        "it to the branch, or posts it as suggestions on a fork's pull request."
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
