"""Fakes shared by the tests."""

from __future__ import annotations

from typing import Any

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


#: The account GITHUB_TOKEN acts as: what GitHub puts in `user` (`creator` for a status).
ACTIONS_BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
#: Someone else, who pastes our hidden markers into comments and issues.
STRANGER = {"login": "mallory", "id": 666, "type": "User"}
USER_REFUSED = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
}
VIEWER = {"data": {"viewer": {"login": ACTIONS_BOT["login"]}}}


def as_github_actions(rsps: Any, api: str = "https://api.github.com") -> None:
    """Answer "who is this token" as GitHub does for GITHUB_TOKEN (a `responses` mock):
    GET /user refused, GraphQL's `viewer` the bot."""
    rsps.get(f"{api}/user", status=403, json=USER_REFUSED)
    rsps.post(f"{api}/graphql", json=VIEWER)
