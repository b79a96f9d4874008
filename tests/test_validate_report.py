"""The commit status text that records a dispatch's decision, and reading it back."""

from __future__ import annotations

import pytest

from autoheal.checks import Plan
from autoheal.github import STATUS_DESCRIPTION_MAX
from autoheal.scoring import effectiveness
from autoheal.validate_report import (
    Evaluation,
    action_line,
    parse_decision,
    status_description,
    status_state,
)


def evaluation(conf: int, outcomes: dict[str, str], rollback: bool, word: str) -> Evaluation:
    return Evaluation(
        sha="a" * 40,
        results=[],
        flaky=(),
        outcomes=outcomes,
        effectiveness=effectiveness(conf, outcomes),
        word=word,
        rollback=rollback,
        threshold=30,
        critical=("build", "test"),
        plan=Plan(),
    )


FAILING = {"lint": "pass", "security": "absent", "build": "fail", "test": "fail"}
PASSING = {"lint": "pass", "security": "pass", "build": "pass", "test": "flaky"}


@pytest.mark.parametrize(
    ("dispatch_id", "ev", "score", "word", "rollback"),
    [
        ("o/r/12/1/abc", evaluation(0, FAILING, True, "CRITICAL"), 5, "CRITICAL", True),
        ("o/r/12/2/abc", evaluation(40, PASSING, False, "HEALTHY"), 90, "HEALTHY", False),
        ("x" * 300, evaluation(0, FAILING, True, "CRITICAL"), 5, "CRITICAL", True),
        ("a: b: c", evaluation(0, FAILING, False, "CRITICAL"), 5, "CRITICAL", False),
    ],
    ids=["rollback", "healthy", "very-long-id", "colons-in-id"],
)
def test_description_round_trip(
    dispatch_id: str, ev: Evaluation, score: int, word: str, rollback: bool
) -> None:
    text = status_description(dispatch_id, ev)
    assert len(text) <= STATUS_DESCRIPTION_MAX
    decision = parse_decision(text, dispatch_id)
    assert decision is not None
    assert (decision.score, decision.word, decision.rollback) == (score, word, rollback)
    assert parse_decision(text, dispatch_id + "0") is None
    assert parse_decision(text, dispatch_id[:-1]) is None


def test_description_example() -> None:
    ev = evaluation(0, FAILING, True, "CRITICAL")
    assert status_description("o/r/12/1/abc", ev) == (
        "dispatch o/r/12/1/abc: score 5 (CRITICAL), rollback required"
    )
    assert status_description(None, ev) == "score 5 (CRITICAL), rollback required"
    assert status_state(ev) == "failure"


def test_unparseable_text_of_the_same_dispatch_still_counts() -> None:
    decision = parse_decision("dispatch d-1: edited by hand", "d-1")
    assert decision is not None
    assert decision.score == -1
    assert not decision.rollback


@pytest.mark.parametrize(
    ("outcomes", "word", "state", "says"),
    [
        pytest.param(PASSING, "HEALTHY", "success", "No action needed", id="all-pass"),
        # Lint and build alone score 80 (HEALTHY by the score's contract) while tests fail.
        pytest.param(
            {"lint": "pass", "security": "absent", "build": "pass", "test": "fail"},
            "HEALTHY",
            "failure",
            "a critical category (test) fails",
            id="healthy-score-tests-failing",
        ),
        pytest.param(
            {"lint": "fail", "security": "absent", "build": "pass", "test": "pass"},
            "MONITORING",
            "success",
            "keep an eye on it",
            id="only-lint-fails",
        ),
    ],
)
def test_a_failing_critical_category_is_never_reported_as_holding(
    outcomes: dict[str, str], word: str, state: str, says: str
) -> None:
    ev = evaluation(0, outcomes, False, word)
    assert status_state(ev) == state
    assert says in action_line(ev)
