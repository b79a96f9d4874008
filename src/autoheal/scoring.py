"""Confidence and effectiveness scores, status words and the rollback rule. Pure functions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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
    score: int
    confidence_used: int
    breakdown: dict[str, BreakdownEntry] = field(default_factory=dict)
    ci_ready: bool = False


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


def effectiveness(conf: int | None, outcomes: Mapping[str, str]) -> Effectiveness:
    """`min(100, confidence + 5·lint + 10·security + 15·build + 20·ci_ready)`.

    `conf` is heal's post-fix confidence; None means "not carried", so validate's own
    `confidence(outcomes)` is used. Absent categories add nothing and fail nothing.
    """
    _check_outcomes(outcomes)
    used = confidence(outcomes) if conf is None else validate_confidence(conf)
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
    return Effectiveness(
        score=min(100, total), confidence_used=used, breakdown=breakdown, ci_ready=ready
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
    score: int,
    threshold: int,
    outcomes: Mapping[str, str],
    critical: Iterable[str] = ("build", "test"),
) -> bool:
    """Score below threshold AND a critical category failed (flaky and absent are not failures)."""
    _check_threshold(threshold)
    _check_outcomes(outcomes)
    return score < threshold and any(outcomes.get(category) == "fail" for category in critical)
