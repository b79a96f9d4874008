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
    ("conf", "given", "formula", "used", "ready"),
    [
        pytest.param(None, outcomes(A, A, A, A), 0, 0, False, id="every-category-absent"),
        pytest.param(None, outcomes(P, P, P, P), 100, 100, True, id="all-passing-capped"),
        pytest.param(None, outcomes(F, F, F, F), 0, 0, False, id="all-failing"),
        pytest.param(0, outcomes(P, P, P, P), 50, 0, True, id="bonuses-only"),
        pytest.param(90, outcomes(P, P, P, P), 100, 90, True, id="cap-at-100"),
        pytest.param(40, outcomes(P, A, F, F), 25, 20, False, id="absent-adds-nothing"),
        pytest.param(None, outcomes(A, A, P, A), 100, 100, True, id="only-build-exists"),
        pytest.param(10, outcomes(A, A, A, P), 30, 10, True, id="test-has-no-own-bonus"),
        pytest.param(None, outcomes(F, A, P, P), 95, 80, False, id="confidence-missing-uses-own"),
        pytest.param(20, outcomes(FL, FL, FL, FL), 70, 20, True, id="flaky-counts-as-passing"),
    ],
)
def test_effectiveness_formula(
    conf: int | None, given: dict[str, str], formula: int, used: int, ready: bool
) -> None:
    result = scoring.effectiveness(conf, given)
    assert (result.formula, result.confidence_used, result.ci_ready) == (formula, used, ready)
    points = sum(entry["points"] for entry in result.breakdown.values())
    assert result.formula == min(100, used + points) == min(100, result.uncapped)
    assert set(result.breakdown) == {"lint", "security", "build", "test", "ci_ready"}


# The decision contract (DESIGN §3): one row per rule, with the numbers a reader can check.
# claimed: heal's confidence (None: not carried); measured: validate's own.
@pytest.mark.parametrize(
    ("claimed", "given", "threshold", "critical", "expected"),
    [
        # A reproducible critical failure: CRITICAL, rollback, score capped at threshold - 1.
        pytest.param(
            None,
            outcomes(P, A, P, F),
            30,
            ("build", "test"),
            (60, 80, 29, "CRITICAL", True),
            id="tests-fail-lint-build-pass-was-80-healthy",
        ),
        pytest.param(
            None,
            outcomes(P, P, P, F),
            30,
            ("build", "test"),
            (70, 100, 29, "CRITICAL", True),
            id="tests-fail-everything-else-passes-was-100",
        ),
        pytest.param(
            90,
            outcomes(P, A, P, F),
            30,
            ("build", "test"),
            (60, 80, 29, "CRITICAL", True),
            id="heal-claims-90-tests-fail",
        ),
        pytest.param(
            None,
            outcomes(P, P, F, P),
            30,
            ("build", "test"),
            (70, 85, 29, "CRITICAL", True),
            id="build-fails",
        ),
        pytest.param(
            None,
            outcomes(P, A, F, F),
            30,
            ("build", "test"),
            (20, 25, 25, "CRITICAL", True),
            id="already-below-the-cap-is-not-raised",
        ),
        pytest.param(
            None,
            outcomes(P, A, P, F),
            80,
            ("build", "test"),
            (60, 80, 79, "CRITICAL", True),
            id="cap-follows-the-threshold",
        ),
        pytest.param(
            None,
            outcomes(P, A, P, F),
            0,
            ("build", "test"),
            (60, 80, 0, "CRITICAL", True),
            id="threshold-zero-caps-at-zero-still-critical",
        ),
        pytest.param(
            None,
            outcomes(F, P, P, P),
            30,
            ("lint",),
            (85, 100, 29, "CRITICAL", True),
            id="custom-critical-lint",
        ),
        # Without a critical failure the score decides the word, and nothing rolls back.
        pytest.param(
            None,
            outcomes(P, A, P, F),
            30,
            (),
            (60, 80, 80, "HEALTHY", False),
            id="no-critical-category-configured",
        ),
        pytest.param(
            None,
            outcomes(F, A, P, P),
            30,
            ("build", "test"),
            (80, 95, 95, "HEALTHY", False),
            id="lint-fails-alone",
        ),
        pytest.param(
            None,
            outcomes(P, F, P, P),
            30,
            ("build", "test"),
            (75, 95, 95, "HEALTHY", False),
            id="security-fails-alone",
        ),
        pytest.param(
            0,
            outcomes(F, F, P, P),
            30,
            ("build", "test"),
            (0, 15, 15, "CRITICAL", False),
            id="below-threshold-lint-security-fail-never-rolls-back",
        ),
        pytest.param(
            None,
            outcomes(F, A, A, A),
            30,
            ("build", "test"),
            (0, 0, 0, "CRITICAL", False),
            id="critical-categories-absent",
        ),
        pytest.param(
            None,
            outcomes(P, A, P, FL),
            30,
            ("build", "test"),
            (100, 100, 100, "HEALTHY", False),
            id="flaky-test-is-no-failure",
        ),
        pytest.param(
            20,
            outcomes(P, P, P, P),
            30,
            ("build", "test"),
            (20, 70, 70, "HEALTHY", False),
            id="heal-claimed-less-than-measured-keeps-its-claim",
        ),
        pytest.param(
            40,
            outcomes(P, A, P, P),
            30,
            ("build", "test"),
            (40, 80, 80, "HEALTHY", False),
            id="monitoring-edge-heal-40",
        ),
        # validate's measurement lowers heal's claim: all checks failing can't read 100.
        pytest.param(
            100,
            outcomes(F, F, F, F),
            30,
            ("build", "test"),
            (0, 0, 0, "CRITICAL", True),
            id="heal-claims-100-everything-fails-was-healthy-100",
        ),
        pytest.param(
            100,
            outcomes(F, F, F, F),
            30,
            (),
            (0, 0, 0, "CRITICAL", False),
            id="everything-fails-nothing-critical-no-rollback",
        ),
    ],
)
def test_decision_contract(
    claimed: int | None,
    given: dict[str, str],
    threshold: int,
    critical: tuple[str, ...],
    expected: tuple[int, int, int, str, bool],
) -> None:
    eff = scoring.effectiveness(claimed, given, threshold=threshold, critical=critical)
    got = (eff.confidence_used, eff.formula, eff.score, eff.word, eff.rollback_required)
    assert got == expected
    # The invariants behind every row.
    assert eff.confidence_used == min(eff.measured, 100 if claimed is None else claimed)
    assert eff.measured == scoring.confidence(given)
    if eff.critical_failures:
        assert eff.score == min(eff.formula, max(0, threshold - 1))
        assert eff.word == "CRITICAL" and eff.rollback_required
    else:
        assert eff.score == eff.formula
        assert eff.word == scoring.status_word(eff.score, threshold)
        assert not eff.rollback_required
    assert scoring.rollback_required(given, critical) is eff.rollback_required


@pytest.mark.parametrize(
    ("claimed", "given", "retries", "expected"),
    [
        pytest.param(
            80, outcomes(P, A, P, F), 1,
            "Score 29/100 = confidence 60 (the weighted share of passing checks; heal claimed "
            "80, validate measured 60: the lower counts) + lint 5 + build 15 = 80, capped at 29 "
            "(below the threshold 30) because test fails again on retry (not flaky).",
            id="capped",
        ),
        pytest.param(
            None, outcomes(F, A, P, P), 1,
            "Score 95/100 = confidence 80 (the weighted share of passing checks, measured by "
            "validate) + build 15.",
            id="no-claim-no-cap",
        ),
        pytest.param(
            90, outcomes(P, P, P, P), 1,
            "Score 100/100 = confidence 90 (the weighted share of passing checks; heal claimed "
            "90, validate measured 100: the lower counts) + lint 5 + security 10 + build 15 + "
            "CI ready 20 = 140, capped at 100.",
            id="capped-at-100",
        ),
        pytest.param(
            20, outcomes(P, A, F, F), 0,
            "Score 25/100 = confidence 20 (the weighted share of passing checks; heal and "
            "validate both measured 20) + lint 5 = 25, already below the threshold 30; and "
            "build and test fail (not retried: `retries` is 0).",
            id="already-below-no-retries",
        ),
        pytest.param(
            None, outcomes(F, F, A, A), 1,
            "Score 0/100 = confidence 0 (the weighted share of passing checks, measured by "
            "validate) and no bonus.",
            id="no-bonus",
        ),
    ],
)  # fmt: skip
def test_explain_says_where_every_point_came_from(
    claimed: int | None, given: dict[str, str], retries: int, expected: str
) -> None:
    assert scoring.explain(scoring.effectiveness(claimed, given), retries) == expected


def test_explain_with_a_threshold_of_zero() -> None:
    eff = scoring.effectiveness(None, outcomes(P, A, P, F), threshold=0)
    assert scoring.explain(eff).endswith(
        "= 80, capped at 0 (the lowest score: the threshold is 0) because test fails again on "
        "retry (not flaky)."
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            outcomes(P, A, F, F),
            "lint passes: 15 of the 75 points of lint, build, test (build and test fail; "
            "security absent)",
            id="partial",
        ),
        pytest.param(
            outcomes(P, P, P, FL),
            "lint, security, build and test pass: 100 of the 100 points of lint, security, "
            "build, test",
            id="all",
        ),
        pytest.param(outcomes(A, A, A, A), "no check ran, so nothing earned confidence", id="none"),
        pytest.param(
            outcomes(F, A, A, A), "none passes: 0 of the 15 points of lint (lint fails; "
            "security, build and test absent)", id="nothing-passes",
        ),
    ],
)  # fmt: skip
def test_confidence_line(given: dict[str, str], expected: str) -> None:
    assert scoring.confidence_line(given) == expected


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


def test_end_to_end_scores_from_results() -> None:
    results = [result("ruff", "lint", True), result("pytest", "test", False)]
    got = scoring.category_outcomes(results)
    assert scoring.confidence(got) == 33  # 15 of 45
    eff = scoring.effectiveness(None, got)
    assert eff.formula == 38
    assert eff.score == 29  # capped: the test fails
    assert eff.word == "CRITICAL"
    assert eff.rollback_required
    assert not scoring.rollback_required(got, critical=("build",))
