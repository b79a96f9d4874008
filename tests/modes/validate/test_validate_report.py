"""The commit status text that records a dispatch's decision, and reading it back."""

from __future__ import annotations

import pytest

from autoheal.checks import Plan
from autoheal.github.client import STATUS_DESCRIPTION_MAX
from autoheal.modes.validate.report import (
    Evaluation,
    action_line,
    breakdown_table,
    parse_decision,
    status_description,
    status_state,
)
from autoheal.scoring import effectiveness


def evaluation(conf: int, outcomes: dict[str, str], pr: int | None = None) -> Evaluation:
    return Evaluation(
        sha="a" * 40,
        results=[],
        flaky=(),
        outcomes=outcomes,
        effectiveness=effectiveness(conf, outcomes),
        threshold=30,
        critical=("build", "test"),
        plan=Plan(),
        pr=pr,
    )


FAILING = {"lint": "pass", "security": "absent", "build": "fail", "test": "fail"}
PASSING = {"lint": "pass", "security": "pass", "build": "pass", "test": "flaky"}


@pytest.mark.parametrize(
    ("dispatch_id", "ev", "score", "word", "rollback"),
    [
        ("o/r/12/1/abc", evaluation(0, FAILING), 5, "CRITICAL", True),
        ("o/r/12/2/abc", evaluation(40, PASSING), 90, "HEALTHY", False),
        ("x" * 300, evaluation(0, FAILING), 5, "CRITICAL", True),
        ("a: b: c", evaluation(0, FAILING, pr=3), 5, "CRITICAL", False),
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
    ev = evaluation(0, FAILING)
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
    ("conf", "outcomes", "pr", "word", "state", "says"),
    [
        pytest.param(40, PASSING, None, "HEALTHY", "success", "No action needed", id="all-pass"),
        # Lint and build alone scored 80 (HEALTHY) while tests failed: now CRITICAL, capped.
        pytest.param(
            60,
            {"lint": "pass", "security": "absent", "build": "pass", "test": "fail"},
            None,
            "CRITICAL",
            "failure",
            "**Rollback required**: test fails again on retry (not flaky)",
            id="tests-failing-lint-build-passing",
        ),
        pytest.param(
            60,
            {"lint": "pass", "security": "absent", "build": "pass", "test": "fail"},
            12,
            "CRITICAL",
            "failure",
            "it belongs to a pull request (`#12`) and a pull request is never rolled back",
            id="pull-request-never-rolled-back",
        ),
        pytest.param(
            0,
            {"lint": "fail", "security": "absent", "build": "pass", "test": "pass"},
            None,
            "CRITICAL",
            "failure",
            "lint or security failures alone never revert anything",
            id="below-threshold-no-critical-failure",
        ),
        pytest.param(
            0,
            {"lint": "fail", "security": "absent", "build": "pass", "test": "pass"},
            None,
            "CRITICAL",
            "failure",
            "no critical category (build, test) fails",
            id="names-the-critical-categories",
        ),
        pytest.param(
            30,
            {"lint": "fail", "security": "absent", "build": "pass", "test": "pass"},
            None,
            "MONITORING",
            "success",
            "keep an eye on it",
            id="only-lint-fails",
        ),
    ],
)
def test_the_action_line_follows_the_decision(
    conf: int, outcomes: dict[str, str], pr: int | None, word: str, state: str, says: str
) -> None:
    ev = evaluation(conf, outcomes, pr)
    assert ev.word == word
    assert status_state(ev) == state
    assert says in action_line(ev)
    assert ev.rollback is (says.startswith("**Rollback required**"))


def test_the_breakdown_rows_add_up_to_the_score() -> None:
    ev = evaluation(60, {"lint": "pass", "security": "absent", "build": "pass", "test": "fail"})
    table = breakdown_table(ev, "from the dispatch payload")
    points = [int(row.rsplit("|", 2)[1].strip().strip("*").replace("−", "-"))
              for row in table.splitlines()[2:-1]]  # fmt: skip
    assert sum(points) == ev.effectiveness.score == 29
    assert "| capped below the threshold (test failing) | | −51 |" in table
    assert "heal's 60 from the dispatch payload, not above validate's own 60" in table
