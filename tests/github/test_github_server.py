"""autoheal.github against real sockets on 127.0.0.1: timeouts, dropped and refused connections.

A raw TCP server (not an HTTP framework) is used because the interesting cases are the ones a
framework hides: a connection accepted but never answered, or closed without an answer.
Retry waits use an injected clock and sleep; only the short read timeouts really take time.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest

from autoheal.github.client import GitHub
from autoheal.github.errors import GitHubError, MaybeSent, NetworkError, RateLimited, ServerError
from tests.fakes import NOW, FakeClock

TOKEN = "ghp_SECRETTOKEN123"
REPO = "octo/repo"
SHORT = (1.0, 0.3)  # connect, read: a hung server costs 0.3 s, not 30


@dataclass
class Respond:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    delay: float = 0.0  # seconds before answering


@dataclass
class Hang:
    """Accept and read the request, never answer."""


@dataclass
class Drop:
    """Read the request, then close the connection without a byte of answer."""


@dataclass
class Trickle:
    """Answer one byte at a time, `interval` seconds apart: the body only, or (`head`) the
    status line and headers too. Each byte comes well within a read timeout."""

    status: int = 200
    body: str = '{"id": 1}'
    interval: float = 0.2
    head: bool = False


Action = Respond | Hang | Drop | Trickle


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    """Each accepted connection gets the next action; `{auth}` in a body echoes the header."""

    def __init__(self, actions: list[Action]) -> None:
        self.actions = list(actions)
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads = [threading.Thread(target=self._accept_loop, daemon=True)]
        self._threads[0].start()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            with self._lock:
                self._threads.append(worker)
            worker.start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = self._read_request(conn)
                if request is None:
                    return
                with self._lock:
                    self.received.append(request)
                    action = self.actions.pop(0) if self.actions else Respond(599, body="no script")
                self._perform(conn, action, request)
            except OSError:
                pass  # the client gave up (timeout); nothing to answer

    def _read_request(self, conn: socket.socket) -> Received | None:
        conn.settimeout(2.0)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return Received(method, path, headers, body)

    def _perform(self, conn: socket.socket, action: Action, request: Received) -> None:
        if isinstance(action, Hang):
            self._stop.wait(5.0)
            return
        if isinstance(action, Drop):
            return
        if isinstance(action, Trickle):
            self._trickle(conn, action)
            return
        if action.delay and self._stop.wait(action.delay):
            return  # the test is over: nobody is listening for the late answer
        body = action.body.replace("{auth}", request.headers.get("authorization", "")).encode()
        headers = {"Content-Type": "application/json", **action.headers}
        lines = [f"HTTP/1.1 {action.status} X", f"Content-Length: {len(body)}", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)

    def _trickle(self, conn: socket.socket, action: Trickle) -> None:
        body = action.body.encode()
        head = f"HTTP/1.1 {action.status} X\r\nContent-Length: {len(body)}\r\n"
        head += "Content-Type: application/json\r\nConnection: close\r\n\r\n"
        slow = (head.encode() if action.head else b"") + body
        if not action.head:
            conn.sendall(head.encode())
        for i in range(len(slow)):
            if self._stop.wait(action.interval):
                return
            conn.sendall(slow[i : i + 1])  # OSError once the client closed: it gave up

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=5.0)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(*actions: Action) -> ScriptedServer:
        server = ScriptedServer(list(actions))
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def client(clock: FakeClock) -> Iterator[Callable[..., GitHub]]:
    clients: list[GitHub] = []

    def make(api_url: str, **kwargs: Any) -> GitHub:
        options: dict[str, Any] = {"timeout": SHORT, "clock": clock.time, "sleep": clock.sleep}
        options["rand"] = lambda: 1.0
        options.update(kwargs)
        gh = GitHub(TOKEN, api_url=api_url, **options)
        clients.append(gh)
        return gh

    yield make
    for gh in clients:
        gh.close()


def test_headers_and_ghe_path_reach_the_server(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    server = serve(Respond(204))
    gh = client(f"{server.url}/api/v3")
    assert gh.dispatch(REPO, "heal", {"autoheal": {"version": 1}}) == 204
    (request,) = server.received
    assert (request.method, request.path) == ("POST", "/api/v3/repos/octo/repo/dispatches")
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    assert request.headers["user-agent"].startswith("ci-autoheal/")


def test_post_to_silent_server_times_out_once_and_is_not_repeated(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], clock: FakeClock
) -> None:
    server = serve(Hang(), Respond(204))
    gh = client(server.url)
    started = time.monotonic()
    with pytest.raises(MaybeSent) as caught:
        gh.dispatch(REPO, "heal", {})
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 2.0  # the 0.3 s read timeout, not the 30 s default
    assert "may have been received" in str(caught.value)
    assert len(server.received) == 1
    assert clock.sleeps == []
    assert gh.stats.requests == 1


def test_get_to_silent_server_retries_then_network_error(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], clock: FakeClock
) -> None:
    server = serve(Hang(), Hang())
    gh = client(server.url, max_retries=1)
    with pytest.raises(NetworkError, match="read timeout"):
        gh.get_repo(REPO)
    assert len(server.received) == 2
    assert clock.sleeps == [1.0]


def test_slow_answer_within_timeout_succeeds(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    server = serve(Respond(200, body='{"full_name": "octo/repo"}', delay=0.15))
    gh = client(server.url, timeout=(1.0, 1.0))
    assert gh.get_repo(REPO) == {"full_name": "octo/repo"}
    assert gh.stats.retries == 0


def test_get_answered_too_slowly_is_retried(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], clock: FakeClock
) -> None:
    # The first answer comes long after the 0.3 s read timeout: that attempt counts as lost.
    server = serve(Respond(200, body='{"id": 1}', delay=5.0), Respond(200, body='{"id": 2}'))
    gh = client(server.url)
    assert gh.get_repo(REPO) == {"id": 2}
    assert len(server.received) == 2
    assert (gh.stats.requests, gh.stats.retries) == (2, 1)
    assert clock.sleeps == [1.0]


def test_post_answered_too_slowly_is_not_repeated(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    # GitHub got the dispatch and would have answered 204, too late: a repeat would be a twin.
    server = serve(Respond(204, delay=5.0), Respond(204))
    gh = client(server.url)
    with pytest.raises(MaybeSent, match="read timeout") as caught:
        gh.dispatch(REPO, "heal", {})
    assert caught.value.reason == "read timeout: no answer in time"
    assert len(server.received) == 1


@pytest.mark.parametrize(
    ("script", "expected", "attempts"),
    [
        ([Drop(), Respond(200, body="{}")], None, 2),
        ([Drop(), Drop(), Respond(200, body="{}")], None, 3),
        ([Drop(), Drop(), Drop()], NetworkError, 3),
        ([Drop(), Respond(502), Respond(503)], ServerError, 3),
    ],
    ids=["drop-then-ok", "drop-twice-then-ok", "always-dropped", "drop-then-5xx"],
)
def test_get_on_dropped_connection_is_retried(
    serve: Callable[..., ScriptedServer],
    client: Callable[..., GitHub],
    clock: FakeClock,
    script: list[Action],
    expected: type[GitHubError] | None,
    attempts: int,
) -> None:
    server = serve(*script)
    gh = client(server.url, max_retries=2)
    if expected is None:
        assert gh.get_repo(REPO) == {}
    else:
        with pytest.raises(expected):
            gh.get_repo(REPO)
    assert len(server.received) == attempts
    assert gh.stats.retries == attempts - 1
    assert clock.sleeps == [1.0, 2.0][: attempts - 1]


def test_post_on_dropped_connection_is_not_repeated(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub]
) -> None:
    server = serve(Drop(), Respond(204))
    gh = client(server.url)
    with pytest.raises(MaybeSent, match="connection dropped"):
        gh.dispatch(REPO, "heal", {})
    assert len(server.received) == 1


def test_post_to_refused_port_is_retried_then_network_error(
    client: Callable[..., GitHub], clock: FakeClock
) -> None:
    # A bound socket that does not listen: the port is ours, and connecting is refused.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        gh = client(f"http://127.0.0.1:{port}", max_retries=3)
        with pytest.raises(NetworkError) as caught:
            gh.dispatch(REPO, "heal", {})
    assert "refused" in str(caught.value)
    assert gh.stats.retries == 3
    assert gh.stats.requests == 0  # nothing was ever sent
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_rate_limit_reset_in_the_past_is_retried_promptly(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], clock: FakeClock
) -> None:
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 120)}
    server = serve(Respond(403, limited, '{"message": "API rate limit exceeded"}'), Respond(204))
    gh = client(server.url)
    assert gh.dispatch(REPO, "heal", {}) == 204  # even a POST: the limited one was not processed
    assert len(server.received) == 2
    assert clock.sleeps == [1.0]


def test_rate_limit_reset_beyond_budget_raises_with_reset_time(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], clock: FakeClock
) -> None:
    reset = int(NOW) + 7200
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)}
    server = serve(Respond(403, limited, '{"message": "API rate limit exceeded"}'))
    gh = client(server.url, max_wait=600.0)
    with pytest.raises(RateLimited) as caught:
        gh.get_repo(REPO)
    reset_text = datetime.fromtimestamp(reset, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")
    assert reset_text in str(caught.value)
    assert "7201 s from now" in str(caught.value)
    assert len(server.received) == 1
    assert clock.sleeps == []


def limited(reset: float) -> Respond:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(reset))}
    return Respond(403, headers, '{"message": "API rate limit exceeded"}')


def test_rate_limit_reset_in_the_future_within_budget_is_waited_for(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], clock: FakeClock
) -> None:
    server = serve(limited(NOW + 20), Respond(200, body='{"id": 1}'))
    gh = client(server.url)
    assert gh.get_repo(REPO) == {"id": 1}
    assert clock.sleeps == [21.0]  # until the reset, plus a second for clock differences
    assert clock.now >= NOW + 20  # the retry went out after the reset, on the injected clock
    assert len(server.received) == 2


def test_rate_limit_sequence_past_then_future_then_over_budget(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], clock: FakeClock
) -> None:
    # The reset moves forward each time; the budget (60 s) runs out on the third answer.
    server = serve(limited(NOW - 30), limited(NOW + 30), limited(NOW + 3600), Respond(200))
    gh = client(server.url)
    with pytest.raises(RateLimited) as caught:
        gh.get_repo(REPO)
    assert clock.sleeps == [1.0, 30.0]  # past: at once; future: until the reset
    assert len(server.received) == 3  # the over-budget wait is not attempted
    reset = datetime.fromtimestamp(NOW + 3600, tz=timezone.utc).strftime("%H:%M")
    assert reset in str(caught.value)
    assert "Stopped after 3 attempt(s)" in str(caught.value)
    assert gh.stats.seconds == pytest.approx(31.0, abs=0.01)


def test_retry_after_within_budget_then_success(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], clock: FakeClock
) -> None:
    server = serve(Respond(429, {"retry-after": "30"}), Respond(200, body='{"id": 1}'))
    gh = client(server.url)
    assert gh.get_repo(REPO) == {"id": 1}
    assert clock.sleeps == [30.0]
    assert gh.stats.seconds == pytest.approx(30.0, abs=0.01)


@pytest.mark.parametrize("status", [400, 401, 403, 422, 500], ids=str)
def test_token_echoed_by_real_server_never_leaks(
    serve: Callable[..., ScriptedServer], client: Callable[..., GitHub], status: int
) -> None:
    body = '{"message": "you sent {auth}", "errors": [{"message": "header {auth}"}]}'
    server = serve(Respond(status, body=body))
    gh = client(server.url, max_retries=0)
    with pytest.raises(GitHubError) as caught:
        gh.dispatch(REPO, "heal", {})
    err = caught.value
    for text in (str(err), repr(err), err.message, err.fix, *map(str, err.args), repr(gh)):
        assert TOKEN not in text
    assert "***" in str(err)
    assert len(server.received) == 1
