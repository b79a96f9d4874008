"""Confidence and effectiveness scores, status words and the rollback rule. Pure functions.

The decision contract: a reproducible failure (failing again on retry, so not flaky) of a
critical category makes a commit CRITICAL and asks for a rollback, and caps its effectiveness
score just below the threshold, so the number never reads healthier than the decision. Without
one, the score decides the word, and nothing asks for a rollback.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Literal, TypedDict, get_args

from autoheal.checks import CATEGORIES, CheckResult
from autoheal.errors import InputError

Outcome = Literal["pass", "fail", "flaky", "absent"]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
PASSING: frozenset[str] = frozenset({"pass", "flaky"})  # flaky passed on a retry: it passed

DEFAULT_WEIGHTS: Mapping[str, float] = {"lint": 15, "security": 25, "build": 30, "test": 30}
#: Effectiveness bonus for each passing category; test has none (it is in confidence already).
BONUS: Mapping[str, int] = {"lint": 5, "security": 10, "build": 15, "test": 0}
CI_READY_BONUS = 20
DEFAULT_THRESHOLD = 30
DEFAULT_CRITICAL: tuple[str, ...] = ("build", "test")
HEALTHY_AT = 70

HEALTHY = "HEALTHY"
MONITORING = "MONITORING"
CRITICAL = "CRITICAL"
ROLLBACK_EXECUTED = "ROLLBACK EXECUTED"


class BreakdownEntry(TypedDict):
    outcome: str  # an Outcome, or "pass"/"fail" for the ci_ready entry
    points: int


@dataclass(frozen=True)
class Effectiveness:
    """The score, every part it was made of, and the decision it agrees with."""

    score: int  # what is reported: `formula`, capped below the threshold on a critical failure
    confidence_used: int  # the lower of heal's claim and validate's measurement
    breakdown: dict[str, BreakdownEntry] = field(default_factory=dict)
    ci_ready: bool = False
    formula: int = 0  # min(100, confidence + bonuses): the seed's formula, before the cap
    uncapped: int = 0  # confidence + bonuses, before min(100)
    measured: int = 0  # validate's own confidence
    claimed: int | None = None  # heal's confidence from the payload or input, when carried
    critical_failures: tuple[str, ...] = ()  # critical categories that fail reproducibly
    threshold: int = DEFAULT_THRESHOLD

    @property
    def capped(self) -> bool:
        """The critical cap lowered the formula's number."""
        return self.score < self.formula

    @property
    def rollback_required(self) -> bool:
        """A reproducible failure of a critical category, and nothing else, asks for one."""
        return bool(self.critical_failures)

    @property
    def word(self) -> str:
        """CRITICAL on a critical failure whatever the number; else the score decides."""
        return CRITICAL if self.critical_failures else status_word(self.score, self.threshold)


def category_outcomes(
    results: Iterable[CheckResult], flaky_names: AbstractSet[str] = frozenset()
) -> dict[str, Outcome]:
    """Outcome of every category in `CATEGORIES` order.

    A category fails when any of its checks failed (in the final attempt); it is "flaky" when
    all passed but some only on a retry (their names are in `flaky_names`).
    """
    by_category: dict[str, list[CheckResult]] = {category: [] for category in CATEGORIES}
    for result in results:
        by_category.setdefault(result.check.category, []).append(result)
    outcomes: dict[str, Outcome] = {}
    for category, found in by_category.items():
        if not found:
            outcomes[category] = "absent"
        elif not all(result.passed for result in found):
            outcomes[category] = "fail"
        elif any(result.check.name in flaky_names for result in found):
            outcomes[category] = "flaky"
        else:
            outcomes[category] = "pass"
    return outcomes


def _round(value: float) -> int:
    """Half-up rounding: Python's round() sends 82.5 to 82, which reads as a bug in a score."""
    return math.floor(value + 0.5)


def _check_outcomes(outcomes: Mapping[str, str]) -> None:
    for category, outcome in outcomes.items():
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r} for category {category!r}")


def confidence(outcomes: Mapping[str, str], weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> int:
    """Weighted share (0–100) of passing categories over the categories that exist.

    Absent categories drop out and the remaining weights are renormalised. With no category at
    all the answer is 0: nothing was checked, so nothing has earned confidence (100 would let
    an empty plan look healthy).
    """
    _check_outcomes(outcomes)
    for category, weight in weights.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
            raise InputError(
                f"weights.{category} must be a number ≥ 0, got {weight!r}.",
                fix="Use weights like lint: 15, security: 25, build: 30, test: 30.",
            )
    present = [category for category, outcome in outcomes.items() if outcome != "absent"]
    total = sum(weights.get(category, 0) for category in present)
    if total <= 0:
        return 0
    passing = sum(weights.get(c, 0) for c in present if outcomes[c] in PASSING)
    return max(0, min(100, _round(100 * passing / total)))


def validate_confidence(value: object, field_name: str = "confidence") -> int:
    """An int 0–100 (bool rejected), or InputError naming `field_name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InputError(
            f"{field_name} must be an integer from 0 to 100, got {value!r}.",
            fix=f"Send the post-fix confidence heal reported, or leave {field_name} out to let "
            "validate compute its own.",
        )
    return value


def is_ci_ready(outcomes: Mapping[str, str]) -> bool:
    """Every existing category passed (flaky counts as passed) and at least one exists."""
    present = [outcome for outcome in outcomes.values() if outcome != "absent"]
    return bool(present) and all(outcome in PASSING for outcome in present)


def critical_failures(
    outcomes: Mapping[str, str], critical: Iterable[str] = DEFAULT_CRITICAL
) -> tuple[str, ...]:
    """The critical categories that fail, in `CATEGORIES` order.

    The outcomes are final (after validate's retries): "fail" failed again on every retry, so
    it reproduces; flaky (passed on a retry) and absent are not failures.
    """
    _check_outcomes(outcomes)
    wanted = set(critical)
    return tuple(c for c in CATEGORIES if c in wanted and outcomes.get(c) == "fail")


def critical_cap(threshold: int) -> int:
    """The highest score a commit with a critical failure may show: just below the threshold
    (0 when the threshold is 0, where nothing is below it: the word still says CRITICAL)."""
    _check_threshold(threshold)
    return max(0, threshold - 1)


def effectiveness(
    claimed: int | None,
    outcomes: Mapping[str, str],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    critical: Iterable[str] = DEFAULT_CRITICAL,
) -> Effectiveness:
    """`min(100, confidence + 5·lint + 10·security + 15·build + 20·ci_ready)`, then capped.

    `confidence` is the lower of `claimed` (heal's post-fix confidence; None when not carried)
    and validate's own `confidence(outcomes)`: an independent measurement can lower a claim,
    never raise it. Absent categories add nothing and fail nothing. When a critical category
    fails, the score is `min(formula, threshold - 1)` (at least 0), so the number never reads
    healthier than the decision.
    """
    _check_outcomes(outcomes)
    measured = confidence(outcomes)
    used = measured if claimed is None else min(validate_confidence(claimed), measured)
    breakdown: dict[str, BreakdownEntry] = {}
    total = used
    for category in CATEGORIES:
        outcome = outcomes.get(category, "absent")
        points = BONUS[category] if outcome in PASSING else 0
        breakdown[category] = {"outcome": outcome, "points": points}
        total += points
    ready = is_ci_ready(outcomes)
    ready_points = CI_READY_BONUS if ready else 0
    breakdown["ci_ready"] = {"outcome": "pass" if ready else "fail", "points": ready_points}
    total += ready_points
    formula = min(100, total)
    failing = critical_failures(outcomes, critical)
    score = min(formula, critical_cap(threshold)) if failing else formula
    return Effectiveness(
        score=score,
        confidence_used=used,
        breakdown=breakdown,
        ci_ready=ready,
        formula=formula,
        uncapped=total,
        measured=measured,
        claimed=claimed,
        critical_failures=failing,
        threshold=threshold,
    )


def _check_threshold(threshold: int) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, int) or not 0 <= threshold <= 100:
        raise InputError(
            f"threshold must be an integer from 0 to 100, got {threshold!r}.",
            fix="Use e.g. `threshold: 30` (the default).",
        )


def status_word(score: int, threshold: int = DEFAULT_THRESHOLD) -> str:
    """HEALTHY (≥ 70), MONITORING (threshold..69), CRITICAL (< threshold).

    Below the threshold is CRITICAL even when the threshold is set above 70, so the word never
    says HEALTHY about a score that triggers a rollback.
    """
    _check_threshold(threshold)
    if score < threshold:
        return CRITICAL
    if score >= HEALTHY_AT:
        return HEALTHY
    return MONITORING


def rollback_required(
    outcomes: Mapping[str, str], critical: Iterable[str] = DEFAULT_CRITICAL
) -> bool:
    """A critical category fails reproducibly. Lint or security failures alone never ask for
    a rollback, and a commit whose critical categories pass is never rolled back."""
    return bool(critical_failures(outcomes, critical))


# --------------------------------------------------------------------------- in words

_NAMES = {"ci_ready": "CI ready"}


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def fails_phrase(categories: Sequence[str], retries: int) -> str:
    """e.g. "test fails again on retry (not flaky)"."""
    verb = "fails" if len(categories) == 1 else "fail"
    again = "again on retry (not flaky)" if retries > 0 else "(not retried: `retries` is 0)"
    return f"{_and(categories)} {verb} {again}"


def _confidence_phrase(eff: Effectiveness) -> str:
    what = "the weighted share of passing checks"
    if eff.claimed is None:
        return f"{what}, measured by validate"
    if eff.claimed == eff.measured:
        return f"{what}; heal and validate both measured {eff.measured}"
    return f"{what}; heal claimed {eff.claimed}, validate measured {eff.measured}: the lower counts"


def explain(eff: Effectiveness, retries: int = 1) -> str:
    """The score in one sentence a newcomer can follow, e.g.

    Score 29/100 = confidence 60 (the weighted share of passing checks; heal claimed 80,
    validate measured 60: the lower counts) + lint 5 + build 15 = 80, capped at 29 (below
    the threshold 30) because test fails again on retry (not flaky).

    Only fixed words and numbers: nothing in it comes from the project.
    """
    text = f"Score {eff.score}/100 = confidence {eff.confidence_used} ({_confidence_phrase(eff)})"
    bonuses = [
        f"{_NAMES.get(name, name)} {entry['points']}"
        for name, entry in eff.breakdown.items()
        if entry["points"]
    ]
    text += "".join(f" + {bonus}" for bonus in bonuses) if bonuses else " and no bonus"
    total = f" = {eff.uncapped}" if bonuses else ""
    why = fails_phrase(eff.critical_failures, retries) if eff.critical_failures else ""
    if eff.capped:
        where = (
            f"below the threshold {eff.threshold}"
            if eff.score < eff.threshold
            else "the lowest score: the threshold is 0"
        )
        return f"{text}{total}, capped at {eff.score} ({where}) because {why}."
    if eff.uncapped > 100:  # never with a critical failure: that caps it lower (above)
        return f"{text}{total}, capped at 100."
    if why and eff.score < eff.threshold:
        return f"{text}{total}, already below the threshold {eff.threshold}; and {why}."
    if why:  # a threshold of 0: nothing is below it, the failure alone decides
        return f"{text}{total}; CRITICAL whatever the score, because {why}."
    return text + "."


def confidence_line(
    outcomes: Mapping[str, str], weights: Mapping[str, float] = DEFAULT_WEIGHTS
) -> str:
    """What a confidence number is made of, e.g. "lint passes: 15 of the 75 points of lint,
    build, test (build and test fail; security absent)"."""
    _check_outcomes(outcomes)
    present = [c for c in CATEGORIES if outcomes.get(c, "absent") != "absent"]
    if not present:
        return "no check ran, so nothing earned confidence"
    passing = [c for c in present if outcomes[c] in PASSING]
    failing = [c for c in present if outcomes[c] not in PASSING]
    absent = [c for c in CATEGORIES if c not in present]
    points = sum(weights.get(c, 0) for c in passing)
    total = sum(weights.get(c, 0) for c in present)
    lead = (
        f"{_and(passing)} {'passes' if len(passing) == 1 else 'pass'}" if passing else "none passes"
    )
    notes = [f"{_and(failing)} {'fails' if len(failing) == 1 else 'fail'}"] if failing else []
    notes += [f"{_and(absent)} absent"] if absent else []
    tail = f" ({'; '.join(notes)})" if notes else ""
    return f"{lead}: {_num(points)} of the {_num(total)} points of {', '.join(present)}{tail}"


def weights_text(weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> str:
    """e.g. "lint 15, security 25, build 30, test 30"."""
    return ", ".join(f"{category} {_num(weight)}" for category, weight in weights.items())


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
