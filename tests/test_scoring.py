"""Scoring is pure: tables of outcomes in, numbers and words out."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoheal import scoring
from autoheal.checks import Check, CheckResult
from autoheal.errors import InputError

P, F, FL, A = "pass", "fail", "flaky", "absent"


def outcomes(lint: str, security: str, build: str, test: str) -> dict[str, str]:
    return {"lint": lint, "security": security, "build": build, "test": test}


def result(name: str, category: str, passed: bool) -> CheckResult:
    check = Check(name, category, ("true",), Path("."), 1.0)
    return CheckResult(check, passed, 0 if passed else 1, 0.0, "")


@pytest.mark.parametrize(
    ("results", "flaky", "expected"),
    [
        pytest.param([], set(), outcomes(A, A, A, A), id="nothing-ran"),
        pytest.param(
            [result("ruff", "lint", True), result("mypy", "lint", False)],
            set(),
            outcomes(F, A, A, A),
            id="one-failing-check-fails-the-category",
        ),
        pytest.param(
            [result("pytest", "test", True), result("go test", "test", True)],
            {"go test"},
            outcomes(A, A, A, FL),
            id="passed-on-retry-is-flaky",
        ),
        pytest.param(
            [result("pytest", "test", False)],
            {"pytest"},
            outcomes(A, A, A, F),
            id="flaky-name-but-failed-is-fail",
        ),
        pytest.param(
            [result("b", "build", True), result("a", "security", True)],
            {"other"},
            outcomes(A, P, P, A),
            id="unrelated-flaky-name",
        ),
    ],
)
def test_category_outcomes(
    results: list[CheckResult], flaky: set[str], expected: dict[str, str]
) -> None:
    assert scoring.category_outcomes(results, frozenset(flaky)) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(outcomes(A, A, A, A), 0, id="every-category-absent"),
        pytest.param(outcomes(P, P, P, P), 100, id="all-passing"),
        pytest.param(outcomes(F, F, F, F), 0, id="all-failing"),
        pytest.param(outcomes(F, P, P, P), 85, id="lint-fails"),
        pytest.param(outcomes(P, F, F, F), 15, id="only-lint-passes"),
        pytest.param(outcomes(F, A, P, P), 80, id="renormalised-security-absent"),
        pytest.param(outcomes(A, A, P, F), 50, id="renormalised-two-categories"),
        pytest.param(outcomes(A, P, A, A), 100, id="single-category"),
        pytest.param(outcomes(FL, FL, P, FL), 100, id="flaky-counts-as-passing"),
        pytest.param(outcomes(P, A, F, A), 33, id="rounds-15-of-45"),
    ],
)
def test_confidence(given: dict[str, str], expected: int) -> None:
    assert scoring.confidence(given) == expected


def test_confidence_rounds_half_up() -> None:
    # 1 of 8 -> 12.5 -> 13 (round() would give 12)
    assert scoring.confidence({"lint": P, "build": F}, {"lint": 1, "build": 7}) == 13


@pytest.mark.parametrize("weight", [-1, True, "15"], ids=["negative", "bool", "string"])
def test_confidence_rejects_bad_weights(weight: object) -> None:
    with pytest.raises(InputError, match=r"weights\.lint"):
        scoring.confidence(outcomes(P, P, P, P), {"lint": weight})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("conf", "given", "score", "used", "ready"),
    [
        pytest.param(None, outcomes(A, A, A, A), 0, 0, False, id="every-category-absent"),
        pytest.param(None, outcomes(P, P, P, P), 100, 100, True, id="all-passing-capped"),
        pytest.param(None, outcomes(F, F, F, F), 0, 0, False, id="all-failing"),
        pytest.param(0, outcomes(P, P, P, P), 50, 0, True, id="bonuses-only"),
        pytest.param(90, outcomes(P, P, P, P), 100, 90, True, id="cap-at-100"),
        pytest.param(40, outcomes(P, A, F, F), 45, 40, False, id="absent-adds-nothing"),
        pytest.param(None, outcomes(A, A, P, A), 100, 100, True, id="only-build-exists"),
        pytest.param(10, outcomes(A, A, A, P), 30, 10, True, id="test-has-no-own-bonus"),
        pytest.param(None, outcomes(F, A, P, P), 95, 80, False, id="confidence-missing-uses-own"),
        pytest.param(20, outcomes(FL, FL, FL, FL), 70, 20, True, id="flaky-counts-as-passing"),
    ],
)
def test_effectiveness(
    conf: int | None, given: dict[str, str], score: int, used: int, ready: bool
) -> None:
    result = scoring.effectiveness(conf, given)
    assert (result.score, result.confidence_used, result.ci_ready) == (score, used, ready)
    points = sum(entry["points"] for entry in result.breakdown.values())
    assert result.score == min(100, used + points)
    assert set(result.breakdown) == {"lint", "security", "build", "test", "ci_ready"}


def test_effectiveness_breakdown_names_outcomes() -> None:
    result = scoring.effectiveness(50, outcomes(P, A, F, P))
    assert result.breakdown == {
        "lint": {"outcome": "pass", "points": 5},
        "security": {"outcome": "absent", "points": 0},
        "build": {"outcome": "fail", "points": 0},
        "test": {"outcome": "pass", "points": 0},
        "ci_ready": {"outcome": "fail", "points": 0},
    }


@pytest.mark.parametrize("conf", [-1, 101, True, 50.0, "50"], ids=str)
def test_effectiveness_rejects_bad_confidence(conf: object) -> None:
    with pytest.raises(InputError, match="confidence must be an integer from 0 to 100"):
        scoring.effectiveness(conf, outcomes(P, P, P, P))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "threshold", "word"),
    [
        pytest.param(100, 30, "HEALTHY", id="top"),
        pytest.param(70, 30, "HEALTHY", id="healthy-edge"),
        pytest.param(69, 30, "MONITORING", id="just-below-healthy"),
        pytest.param(30, 30, "MONITORING", id="exactly-at-threshold"),
        pytest.param(29, 30, "CRITICAL", id="just-below-threshold"),
        pytest.param(0, 30, "CRITICAL", id="zero"),
        pytest.param(0, 0, "MONITORING", id="threshold-zero"),
        pytest.param(75, 80, "CRITICAL", id="threshold-above-healthy"),
    ],
)
def test_status_word(score: int, threshold: int, word: str) -> None:
    assert scoring.status_word(score, threshold) == word


@pytest.mark.parametrize("threshold", [-1, 101], ids=str)
def test_status_word_rejects_bad_threshold(threshold: int) -> None:
    with pytest.raises(InputError, match="threshold"):
        scoring.status_word(50, threshold)


@pytest.mark.parametrize(
    ("score", "given", "critical", "expected"),
    [
        pytest.param(29, outcomes(P, P, F, P), ("build", "test"), True, id="below-build-fails"),
        pytest.param(30, outcomes(P, P, F, F), ("build", "test"), False, id="exactly-at-threshold"),
        pytest.param(10, outcomes(P, P, P, F), ("build", "test"), True, id="test-fails"),
        pytest.param(
            10, outcomes(F, F, P, P), ("build", "test"), False, id="only-noncritical-fail"
        ),
        pytest.param(10, outcomes(P, P, FL, FL), ("build", "test"), False, id="flaky-is-not-fail"),
        pytest.param(0, outcomes(A, A, A, A), ("build", "test"), False, id="all-absent"),
        pytest.param(10, outcomes(P, F, P, P), ("security",), True, id="custom-critical"),
    ],
)
def test_rollback_required(
    score: int, given: dict[str, str], critical: tuple[str, ...], expected: bool
) -> None:
    assert scoring.rollback_required(score, 30, given, critical) is expected


def test_end_to_end_scores_from_results() -> None:
    results = [result("ruff", "lint", True), result("pytest", "test", False)]
    got = scoring.category_outcomes(results)
    assert scoring.confidence(got) == 33  # 15 of 45
    eff = scoring.effectiveness(None, got)
    assert eff.score == 38
    assert scoring.status_word(eff.score) == "MONITORING"
    assert not scoring.rollback_required(eff.score, 30, got)
    assert scoring.rollback_required(eff.score, 40, got)
