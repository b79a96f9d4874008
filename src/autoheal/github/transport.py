"""One HTTP exchange with hard limits: an overall deadline, a size cap, a redirect policy.

Why each limit exists:

- requests' read timeout bounds each socket read, not the exchange: a server trickling one
  byte every few seconds (in the headers or the body) never trips it. A watchdog timer shuts
  the connection's socket down when the exchange's deadline passes, which ends any blocked
  read at once; the caller gets `DeadlineExceeded`.
- The body is streamed and counted: an answer larger than the cap is dropped unread
  (`BodyTooLarge`) instead of filling the runner's memory.
- Redirects are never followed automatically. A write (POST, PATCH, PUT, DELETE) that is
  answered with a redirect is reported, not re-sent: following a 307 repeats it, following
  a 301 or 302 turns it into a GET that "succeeds". A GET follows at most a few redirects,
  and only to the origin (scheme and host) it was sent to: the token goes with every request,
  so it must never reach another host or travel over plain http.

Nothing here knows GitHub; `autoheal.github` turns these errors into its typed ones.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

#: Redirects a GET may follow (GitHub uses one for a renamed repository).
MAX_REDIRECTS = 3
#: The largest answer read, in bytes. A page of 100 comments of GitHub's maximum size fits.
MAX_BODY_BYTES = 32 * 1024 * 1024
CHUNK = 65536
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
FOLLOWED_METHODS = frozenset({"GET", "HEAD"})


class TransportError(Exception):
    """An exchange that ended without a usable answer. `sent`: the request left in full."""

    def __init__(self, what: str, *, sent: bool) -> None:
        super().__init__(what)
        self.what = what
        self.sent = sent


class DeadlineExceeded(TransportError):
    """No complete answer before the exchange's deadline; the connection was closed."""


class BodyTooLarge(TransportError):
    """The answer was larger than the cap; it was not read."""


class RedirectRefused(TransportError):
    """A redirect that was not followed. `status` and `location` say where it pointed."""

    def __init__(self, what: str, *, status: int, location: str) -> None:
        super().__init__(what, sent=True)
        self.status = status
        self.location = location


# --------------------------------------------------------------------------------------------
# The watchdog: connections of the exchange in progress are registered with it
# --------------------------------------------------------------------------------------------

_current = threading.local()


class _Watch:
    """Shuts down the sockets of this thread's exchange when `seconds` have passed."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watch:
        _current.watch = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        _current.watch = None

    def add(self, sock: object) -> None:
        if not isinstance(sock, socket.socket):
            return  # not connected yet (its `connect` registers it), or TLS inside TLS
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                _shutdown(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._socks:
                _shutdown(sock)


def _watch(sock: object) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        watch.add(sock)


def _shutdown(sock: socket.socket) -> None:
    """End every blocked read on the socket now (the reader sees the connection drop).

    The socket, not the connection, is remembered: http.client lets go of a connection's
    socket as soon as the answer's headers say `Connection: close`. And the plain socket
    method is called on purpose: `SSLSocket.shutdown` also drops its TLS object, under the
    feet of the thread that is reading."""
    with contextlib.suppress(OSError):  # already closed
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _WatchedConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self.sock)


class _WatchedHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _watch(self.sock)


class _WatchedPool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        _watch(getattr(conn, "sock", None))  # a kept-alive connection is not connected again
        return conn


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)
        _watch(getattr(conn, "sock", None))
        return conn


_POOLS = {"http": _WatchedPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with pools whose connections the deadline watchdog can close."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager


def new_session() -> requests.Session:
    session = requests.Session()
    adapter = WatchedAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --------------------------------------------------------------------------------------------
# The exchange
# --------------------------------------------------------------------------------------------


def origin(url: str) -> tuple[str, str]:
    """(scheme, host[:port]) in lower case: what must not change while the token travels."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def exchange(
    session: requests.Session,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str],
    json: Any = None,
    params: Mapping[str, Any] | None = None,
    timeout: tuple[float, float],
    deadline: float,
    max_bytes: int = MAX_BODY_BYTES,
    max_redirects: int = MAX_REDIRECTS,
) -> requests.Response:
    """Send one request and read its whole answer within `deadline` seconds.

    Returns the final response with its body read (`.content`, `.json()` work). Raises
    `requests.RequestException` for network failures, or a `TransportError`.
    """
    allowed = origin(url)
    hops = 0
    while True:
        resp = _one(session, method, url, headers, json, params, timeout, deadline, max_bytes)
        location = resp.headers.get("location")
        if resp.status_code not in REDIRECT_STATUSES or not location:
            return resp
        target = urljoin(url, location)
        code = resp.status_code
        redirect = f"a {code} redirect to {urlsplit(target).netloc or '?'}, not followed"
        if method.upper() not in FOLLOWED_METHODS:
            why = f"a {method.upper()} is never re-sent, so it was not carried out"
            raise RedirectRefused(f"{redirect}: {why}", status=code, location=target)
        if origin(target) != allowed:
            scheme, host = origin(target)
            to_http = scheme != allowed[0] and host == allowed[1]
            why = "plain http" if to_http else f"another host than {allowed[1]}"
            raise RedirectRefused(
                f"{redirect}: it leads to {why}, and the request carries the token",
                status=code,
                location=target,
            )
        hops += 1
        if hops > max_redirects:
            raise RedirectRefused(
                f"{redirect}: redirected more than {max_redirects} times",
                status=code,
                location=target,
            )
        url, params, json = target, None, None


def _one(
    session: requests.Session,
    method: str,
    url: str,
    headers: Mapping[str, str],
    json: Any,
    params: Mapping[str, Any] | None,
    timeout: tuple[float, float],
    deadline: float,
    max_bytes: int,
) -> requests.Response:
    connect, read = timeout
    # The watchdog decides the deadline; the socket timeouts never exceed it either.
    per_read = (min(connect, deadline), min(read, deadline))
    sent_whole = False
    with _Watch(deadline) as watch:
        try:
            resp = session.request(
                method,
                url,
                json=json,
                params=params,
                headers=dict(headers),
                timeout=per_read,
                allow_redirects=False,
                stream=True,
            )
            sent_whole = True
            try:
                body = _read_capped(resp, max_bytes)
            finally:
                resp.close()
        except requests.RequestException as exc:
            if watch.expired and not isinstance(exc, requests.exceptions.ConnectTimeout):
                raise DeadlineExceeded(_late(deadline), sent=True) from exc
            raise
        if watch.expired:  # the last byte raced the watchdog: the connection is gone anyway
            raise DeadlineExceeded(_late(deadline), sent=sent_whole)
    resp._content = body
    return resp


def _late(deadline: float) -> str:
    return f"no complete answer within {deadline:g} s (the connection was closed)"


def _read_capped(resp: requests.Response, max_bytes: int) -> bytes:
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(_too_large(max_bytes), sent=True)
    chunks: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(_too_large(max_bytes), sent=True)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(max_bytes: int) -> str:
    return f"more than {max_bytes // (1024 * 1024)} MB, which was not read"
