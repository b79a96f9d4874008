"""The pause switch's endpoints in the client (`responses`): newest-first events, bounded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from responses import matchers

from autoheal.github.client import GitHub
from autoheal.github.errors import GitHubError
from tests.fakes import FakeClock

TOKEN = "ghp_SECRETTOKEN123"
API = "https://api.github.com"
REPO = "octo/repo"
EVENTS = f"{API}/repos/{REPO}/issues/3/events"


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def gh() -> GitHub:
    clock = FakeClock()
    return GitHub(TOKEN, api_url=API, clock=clock.time, sleep=clock.sleep)


def page(number: int, last: int) -> dict[str, str]:
    """GitHub's Link header of page `number` out of `last`."""
    links = [f'<{EVENTS}?per_page=100&page={last}>; rel="last"'] if number < last else []
    if number > 1:
        links.append(f'<{EVENTS}?per_page=100&page={number - 1}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}


def route_pages(rsps: responses.RequestsMock, last: int) -> None:
    """Pages 1..last of two events each, oldest first, ids 2n-1 and 2n on page n."""
    for number in range(1, last + 1):
        queries = [{"per_page": "100", "page": str(number)}]
        if number == 1:  # the first request names no page
            queries.append({"per_page": "100"})
        for query in queries:
            rsps.get(
                EVENTS,
                json=[{"id": 2 * number - 1}, {"id": 2 * number}],
                headers=page(number, last),
                match=[matchers.query_param_matcher(query)],
            )


def test_events_come_newest_first_from_the_last_page(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    route_pages(rsps, last=4)
    events = gh.issue_events_newest_first(REPO, 3, max_pages=10)
    assert [e["id"] for e in events] == [8, 7, 6, 5, 4, 3, 2, 1]
    # The first page, then the last, then back; page 1 is read twice (it said where the end is).
    pages = [c.request.url.split("page=")[-1] for c in rsps.calls[1:]]
    assert pages == ["4", "3", "2", "1"]


def test_events_are_read_lazily_and_bounded(rsps: responses.RequestsMock, gh: GitHub) -> None:
    route_pages(rsps, last=40)
    events = gh.issue_events_newest_first(REPO, 3, max_pages=3)
    assert next(events)["id"] == 80
    assert len(rsps.calls) == 2  # nothing more is read once the caller has what it wanted
    assert [e["id"] for e in events] == [79, 78, 77]
    assert len(rsps.calls) == 3


def test_one_page_of_events(rsps: responses.RequestsMock, gh: GitHub) -> None:
    route_pages(rsps, last=1)
    assert [e["id"] for e in gh.issue_events_newest_first(REPO, 3, max_pages=3)] == [2, 1]
    assert len(rsps.calls) == 1


def test_events_that_are_not_a_list_are_an_error(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.get(EVENTS, json={"message": "moved"})
    with pytest.raises(GitHubError, match="not a list"):
        list(gh.issue_events_newest_first(REPO, 3, max_pages=3))


def test_a_login_stays_one_path_segment(rsps: responses.RequestsMock, gh: GitHub) -> None:
    """Logins come from an API answer: a slash in one must not reach another endpoint."""
    rsps.get(
        f"{API}/repos/{REPO}/collaborators/a%2F..%2Fb/permission",
        json={"permission": "read", "role_name": "read", "user": None},
    )
    answer = gh.collaborator_permission(REPO, "a/../b")
    assert answer["permission"] == "read"


def test_labelled_issues_filter_on_the_label(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.get(
        f"{API}/repos/{REPO}/issues",
        json=[{"number": 1}],
        match=[
            matchers.query_param_matcher(
                {"labels": "autoheal:pause", "state": "open", "per_page": "10"}
            )
        ],
    )
    assert gh.labelled_issues(REPO, "autoheal:pause", 10) == [{"number": 1}]
