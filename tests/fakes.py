"""Fakes shared by the tests."""

from __future__ import annotations

NOW = 1_700_000_000.0


class FakeClock:
    """Time that only moves when someone sleeps: retries and waits take no real time."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
