"""Find the first bad commit of a range: a pure binary search over an `is_bad` callback.

Kept free of git and checks so its cost (the number of `is_bad` calls, i.e. check runs) can be
tested exactly with a table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    sha: str
    bad: bool


@dataclass(frozen=True)
class Bisection:
    index: int  # position of the first bad commit in the candidates
    sha: str
    steps: list[Step] = field(default_factory=list)  # every `is_bad` call, in order


def first_bad(candidates: Sequence[str], is_bad: Callable[[str], bool]) -> Bisection:
    """The first bad commit among `candidates` (oldest first), whose LAST entry is known bad
    and is never tested.

    Returns index i such that candidates[i] is bad and, when i > 0, candidates[i - 1] was
    tested good: a proven good→bad transition, even when badness is not monotonic (flaky).
    Calls `is_bad` ceil(log2(len(candidates))) times at most.
    """
    if not candidates:
        raise ValueError("first_bad needs at least one candidate (the known bad one)")
    steps: list[Step] = []
    lo, hi = 0, len(candidates) - 1  # invariant: hi is bad; lo == 0 or lo - 1 is good
    while lo < hi:
        mid = (lo + hi) // 2
        bad = is_bad(candidates[mid])
        steps.append(Step(candidates[mid], bad))
        if bad:
            hi = mid
        else:
            lo = mid + 1
    return Bisection(index=lo, sha=candidates[lo], steps=steps)
