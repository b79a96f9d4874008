"""The bisection as a pure function: right answer, bounded number of check runs."""

from __future__ import annotations

import math

import pytest

from autoheal.modes.rollback.bisect import first_bad


def _table() -> list[tuple[int, int]]:
    cases = []
    for n in (1, 2, 3, 8, 32, 128):
        for culprit in sorted({0, 1 % n, n // 3, n // 2, n - 2 if n > 1 else 0, n - 1}):
            cases.append((n, culprit))
    return cases


@pytest.mark.parametrize(("n", "culprit"), _table(), ids=lambda v: str(v))
def test_finds_culprit_within_log2_plus_two(n: int, culprit: int) -> None:
    commits = [f"c{i}" for i in range(n)]
    calls: list[str] = []

    def is_bad(sha: str) -> bool:
        calls.append(sha)
        return commits.index(sha) >= culprit

    # As rollback calls it: `before` first (it may be bad), the push's commits after it.
    # The culprit index here is within the push, so shift by one for the `before` slot.
    result = first_bad(["before", *commits], lambda s: s != "before" and is_bad(s))
    assert result.sha == commits[culprit]
    # One run at `after` (to learn which checks fail) plus the bisection's runs.
    assert 1 + len(result.steps) <= math.log2(n) + 2
    assert len(calls) == len([s for s in result.steps if s.sha != "before"])


@pytest.mark.parametrize("n", [1, 2, 3, 8, 32, 128])
def test_before_already_bad_is_index_zero(n: int) -> None:
    result = first_bad(["before", *[f"c{i}" for i in range(n)]], lambda sha: True)
    assert result.index == 0
    assert result.steps[-1].sha == "before" and result.steps[-1].bad


def test_last_is_never_tested() -> None:
    result = first_bad(["only"], lambda sha: pytest.fail("must not be called"))
    assert result.index == 0 and result.steps == []


def test_flaky_middle_still_gives_a_proven_transition() -> None:
    # bad, good, bad, bad: not monotonic; any answer must be bad with a good predecessor.
    truth = {"a": True, "b": False, "c": True, "d": True}
    result = first_bad(list(truth), truth.__getitem__)
    tested = {s.sha: s.bad for s in result.steps}
    assert truth[result.sha]
    if result.index > 0:
        assert tested[list(truth)[result.index - 1]] is False


def test_empty_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        first_bad([], lambda sha: True)
