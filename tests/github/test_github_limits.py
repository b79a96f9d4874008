"""autoheal.github's hard limits on real sockets: deadlines, size caps, redirects.

Elapsed times are asserted loosely (a few times the deadline) so a busy machine cannot make
them fail; what matters is that the call ends, with a clear error, instead of hanging.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from autoheal.github.client import GitHub
from autoheal.github.errors import GitHubError, MaybeSent, NetworkError
from tests.github.test_github_server import (
    REPO,
    TOKEN,
    Respond,
    ScriptedServer,
    Trickle,
    client,
    clock,
    serve,
)

__all__ = ["client", "clock", "serve"]  # the fixtures, imported so pytest finds them here

DEADLINE = 1.0
BODY = '{"full_name": "octo/repo", "padding": "' + "x" * 40 + '"}'


def timed(call: Callable[[], object]) -> tuple[BaseException, float]:
    started = time.monotonic()
    with pytest.raises(GitHubError) as caught:
        call()
    return caught.value, time.monotonic() - started


# ---- item: every request has an overall deadline -------------------------------------------


@pytest.mark.parametrize("head", [False, True], ids=["slow-body", "slow-headers"])
def test_get_trickling_answer_ends_at_the_deadline(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], head: bool
) -> None:
    # One byte every 0.2 s: each read is quick, so a read timeout alone never fires.
    server = serve(Trickle(body=BODY, interval=0.2, head=head))
    gh = client(server.url, timeout=(1.0, 1.0), deadline=DEADLINE, max_retries=0)
    err, elapsed = timed(lambda: gh.get_repo(REPO))
    assert isinstance(err, NetworkError)
    assert f"no complete answer within {DEADLINE:g} s" in str(err)
    assert elapsed < 3 * DEADLINE + 1.0
    assert len(server.received) == 1


def test_post_trickling_answer_ends_at_the_deadline_and_is_not_repeated(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    server = serve(Trickle(body=BODY, interval=0.2), Respond(204))
    gh = client(server.url, timeout=(1.0, 1.0), deadline=DEADLINE)
    err, elapsed = timed(lambda: gh.dispatch(REPO, "heal", {}))
    assert isinstance(err, MaybeSent)
    assert "no complete answer within" in err.reason
    assert elapsed < 3 * DEADLINE + 1.0
    assert len(server.received) == 1  # a dispatch is never sent twice


def test_retries_of_a_slow_get_stay_within_the_call_deadline(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    # Every attempt trickles; the call as a whole (attempts and waits) has its own bound.
    server = serve(*[Trickle(body=BODY, interval=0.2) for _ in range(6)])
    gh = client(
        server.url,
        timeout=(1.0, 1.0),
        deadline=DEADLINE,
        call_deadline=1.5,
        max_retries=5,
        clock=time.monotonic,
        sleep=time.sleep,
        rand=lambda: 0.0,
    )
    err, elapsed = timed(lambda: gh.get_repo(REPO))
    assert isinstance(err, NetworkError)
    assert elapsed < 3 * 1.5 + 1.0
    assert len(server.received) <= 2


def test_answer_over_the_size_cap_is_not_read(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    server = serve(Respond(200, body='{"x": "' + "y" * 5000 + '"}'))
    gh = client(server.url, max_body=1024, max_retries=0)
    with pytest.raises(GitHubError, match="with more than 0 MB") as caught:
        gh.get_repo(REPO)
    assert "GET /repos/octo/repo" in str(caught.value)
    assert len(server.received) == 1


# ---- item: redirects of writes are reported, never followed --------------------------------


def redirect_loop(
    serve: Callable[..., ScriptedServer], status: int, times: int, path: str
) -> ScriptedServer:
    """A server answering `times` requests with a redirect back to itself, at `path`."""
    server = serve(*[Respond(status) for _ in range(times)])
    for action in server.actions:
        assert isinstance(action, Respond)
        action.headers["Location"] = f"{server.url}{path}"
    return server


def test_post_answered_with_a_307_loop_is_sent_once(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    server = redirect_loop(serve, 307, 31, "/repos/octo/repo/dispatches")
    gh = client(server.url)
    with pytest.raises(GitHubError) as caught:
        gh.dispatch(REPO, "heal", {})
    assert len(server.received) == 1
    assert caught.value.status == 307
    assert f"127.0.0.1:{server.port}" in str(caught.value)
    assert "not followed" in str(caught.value)


def test_post_answered_with_a_301_is_not_turned_into_a_get(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    target = serve(Respond(200, body="{}"))
    server = serve(Respond(301, headers={"Location": f"{target.url}/moved"}))
    gh = client(server.url)
    with pytest.raises(GitHubError, match="not followed") as caught:
        gh.dispatch(REPO, "heal", {})
    assert caught.value.status == 301
    assert target.received == []
    assert [r.method for r in server.received] == ["POST"]


def test_get_follows_a_redirect_on_the_same_host_with_the_token(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    # GitHub answers a renamed repository's old name with a 301 to the new one.
    server = serve(Respond(301), Respond(200, body='{"full_name": "octo/renamed"}'))
    first = server.actions[0]
    assert isinstance(first, Respond)
    first.headers["Location"] = f"{server.url}/repositories/42"
    gh = client(server.url)
    assert gh.get_repo(REPO) == {"full_name": "octo/renamed"}
    assert [r.path for r in server.received] == ["/repos/octo/repo", "/repositories/42"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in server.received)


def test_get_redirect_loop_is_bounded(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    server = redirect_loop(serve, 302, 10, "/again")
    gh = client(server.url, max_retries=0)
    with pytest.raises(GitHubError, match="redirected more than 3 times"):
        gh.get_repo(REPO)
    assert len(server.received) == 4


def test_get_redirect_to_another_host_is_refused(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    elsewhere = serve(Respond(200, body='{"full_name": "octo/repo"}'))
    other = elsewhere.url.replace("127.0.0.1", "localhost")  # another host name
    api = serve(Respond(302, headers={"Location": f"{other}/repos/octo/repo"}))
    with pytest.raises(GitHubError, match="another host") as caught:
        client(api.url).get_repo(REPO)
    assert f"localhost:{elsewhere.port}" in str(caught.value)
    assert elsewhere.received == []
