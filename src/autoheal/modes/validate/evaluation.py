"""The evaluation itself: check the sha out (detached) in the job's checkout, run every
check there with retries (failing, then passing is flaky), put the checkout back, score the
results, and write the scores as the step's outputs.
"""

from __future__ import annotations

import json

from autoheal import scoring
from autoheal.checks import CheckResult, run_checks
from autoheal.errors import AutohealError
from autoheal.git import CommitMissing, Git
from autoheal.git.checkout import detached_at, refuse_dirty
from autoheal.modes.common import echo_failures, plan_checks
from autoheal.modes.validate.report import Evaluation
from autoheal.modes.validate.target import Target
from autoheal.report import Report
from autoheal.settings import Settings


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
