"""The client's retry loop, and how each attempt's outcome is sorted: a good answer, a failure
worth another attempt (`_Retryable`, with the wait GitHub asked for, if any) or a typed error
raised at once. `Retries` is mixed into `autoheal.github.api.Api`, whose `__init__` sets the
attributes it declares; each attempt is one `autoheal.github.transport` exchange. `Stats`
counts requests, retries and seconds for outputs and benchmarks. `BACKOFF_BASE` and
`BACKOFF_CAP` shape the exponential backoff and are read here at every wait.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

# First imported by `autoheal.github.api`, which keeps requests' start-up warning quiet.
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from autoheal.github import transport
from autoheal.github.answers import client_error, github_message, rate_limit_wait
from autoheal.github.errors import (
    GitHubError,
    MaybeSent,
    NetworkError,
    RateLimited,
    Redirected,
    ServerError,
)

BACKOFF_BASE = 1.0
BACKOFF_CAP = 16.0


@dataclass
class Stats:
    """Counters for outputs and benchmarks. `seconds` is measured with the injected clock."""

    requests: int = 0  # HTTP requests sent (a refused connection sent nothing)
    retries: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class _Retryable:
    """A failed attempt that may be repeated; `error` is raised when we stop trying."""

    error: GitHubError
    wait: float | None = None  # seconds GitHub asked for; None means exponential backoff


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _provably_unsent(exc: requests.RequestException) -> bool:
    """True when the connection never opened, so no byte of the request reached anyone."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError) or isinstance(
        exc, (requests.exceptions.SSLError, requests.exceptions.ProxyError)
    ):
        return False
    inner = exc.args[0] if exc.args else None
    if isinstance(inner, MaxRetryError):
        inner = inner.reason
    # NewConnectionError covers refused connections and DNS failures (NameResolutionError).
    return isinstance(inner, NewConnectionError)


def _describe_exception(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timeout"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "read timeout: no answer in time"
    if _provably_unsent(exc):
        return "connection failed (refused or host not found)"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection dropped"
    return type(exc).__name__


class Retries:
    """The retry loop of `Api.request` and the sorting of each attempt. A mixin of `Api`,
    whose `__init__` sets every attribute declared here."""

    api_url: str
    timeout: tuple[float, float]
    deadline: float
    call_deadline: float
    max_body: int
    max_retries: int
    max_wait: float
    stats: Stats
    _clock: Callable[[], float]
    _sleep: Callable[[float], None]
    _rand: Callable[[], float]
    _until: float | None
    _session: requests.Session
    _headers: dict[str, str]

    # ---- retry loop --------------------------------------------------------------------------

    def _with_retries(
        self,
        method: str,
        url: str,
        path: str,
        repeatable: bool,
        json: Any,
        params: Mapping[str, Any] | None,
    ) -> requests.Response:
        started = self._clock()
        end = started + self.call_deadline
        if self._until is not None:
            end = min(end, self._until)
        waited = 0.0
        attempt = 0
        while True:
            left = end - self._clock()
            if left <= 0:
                raise self._no_time(method, path, attempt, end - started)
            attempt += 1
            deadline = min(self.deadline, left)
            outcome = self._attempt(method, url, path, repeatable, json, params, attempt, deadline)
            if isinstance(outcome, requests.Response):
                return outcome
            delay = self._next_delay(outcome, attempt, waited, end - self._clock())
            if delay is None:
                raise outcome.error
            self._sleep(delay)
            waited += delay
            self.stats.retries += 1

    def _next_delay(
        self, outcome: _Retryable, attempt: int, waited: float, left: float
    ) -> float | None:
        """How long to wait before the next attempt, or None to give up. `left`: seconds
        before the call's deadline; a wait that would use them all up is not started."""
        if attempt > self.max_retries:
            return None
        remaining = self.max_wait - waited
        if outcome.wait is not None:
            # Waiting less than GitHub asked is pointless: it fits or we stop.
            fits = outcome.wait <= remaining and outcome.wait < left
            return outcome.wait if fits else None
        if remaining <= 0:
            return None
        # Exponential backoff with full jitter spreads retries of many parallel jobs.
        ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (attempt - 1))
        delay = min(self._rand() * ceiling, remaining)
        return delay if delay < left else None

    def _no_time(self, method: str, path: str, attempts: int, limit: float) -> NetworkError:
        return NetworkError(
            f"No time left for {method} {path}: its {limit:g} s limit was spent after "
            f"{attempts} attempt(s).",
            fix="GitHub or the network is slow: check https://www.githubstatus.com and the "
            "proxy settings (HTTPS_PROXY, NO_PROXY), then re-run the job.",
            method=method,
            path=path,
        )

    def _attempt(
        self,
        method: str,
        url: str,
        path: str,
        repeatable: bool,
        json: Any,
        params: Mapping[str, Any] | None,
        attempt: int,
        deadline: float,
    ) -> requests.Response | _Retryable:
        """One HTTP exchange: a good response, a retryable failure, or a raised error."""
        try:
            resp = transport.exchange(
                self._session,
                method,
                url,
                json=json,
                params=params,
                headers=self._headers,
                timeout=self.timeout,
                deadline=deadline,
                max_bytes=self.max_body,
            )
        except requests.RequestException as exc:
            return self._classify_exception(exc, method, path, repeatable, attempt)
        except transport.TransportError as exc:
            return self._classify_transport(exc, method, path, repeatable, attempt)
        self.stats.requests += 1
        return self._classify_response(resp, method, path, repeatable, attempt)

    def _classify_transport(
        self,
        exc: transport.TransportError,
        method: str,
        path: str,
        repeatable: bool,
        attempt: int,
    ) -> _Retryable:
        """Limits of one exchange: a redirect not followed, an answer too large or too slow."""
        self.stats.requests += 1
        if isinstance(exc, transport.RedirectRefused):
            raise Redirected(
                f"GitHub answered {method} {path} with {exc.what}.",
                fix="Check GITHUB_API_URL: it must be the API itself (https://api.github.com, "
                "or https://HOST/api/v3 for GitHub Enterprise Server), reached without a proxy "
                "that redirects. A renamed or moved repository: use its new owner/name.",
                status=exc.status,
                method=method,
                path=path,
                location=exc.location,
            ) from exc
        if isinstance(exc, transport.BodyTooLarge):
            raise GitHubError(
                f"GitHub answered {method} {path} with {exc.what}.",
                fix="Check that GITHUB_API_URL points at the API, not at another service.",
                method=method,
                path=path,
            ) from exc
        if not repeatable:
            raise self._maybe_sent(method, path, None, exc.what) from exc
        error = NetworkError(
            f"Could not reach GitHub at {self.api_url} for {method} {path} after {attempt} "
            f"attempt(s): {exc.what}.",
            fix="GitHub or the network is slow: check https://www.githubstatus.com and the "
            "proxy settings (HTTPS_PROXY, NO_PROXY), then re-run the job.",
            method=method,
            path=path,
        )
        error.__cause__ = exc
        return _Retryable(error)

    def _classify_exception(
        self,
        exc: requests.RequestException,
        method: str,
        path: str,
        repeatable: bool,
        attempt: int,
    ) -> _Retryable:
        if not isinstance(
            exc,
            (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ),
        ):
            raise GitHubError(
                f"{method} {path} failed in the HTTP library: {type(exc).__name__}: {exc}",
                fix="Check GITHUB_API_URL and the proxy settings (HTTPS_PROXY, NO_PROXY).",
                method=method,
                path=path,
            ) from exc
        what = _describe_exception(exc)
        unsent = _provably_unsent(exc)
        if not unsent:
            self.stats.requests += 1
        if not unsent and not repeatable:
            raise self._maybe_sent(method, path, None, what) from exc
        error = NetworkError(
            f"Could not reach GitHub at {self.api_url} for {method} {path} after {attempt} "
            f"attempt(s): {what}.",
            fix="Check the network, GITHUB_API_URL (GitHub Enterprise Server: "
            "https://HOST/api/v3) and proxy settings (HTTPS_PROXY, NO_PROXY), then re-run.",
            method=method,
            path=path,
        )
        error.__cause__ = exc
        return _Retryable(error)

    def _classify_response(
        self,
        resp: requests.Response,
        method: str,
        path: str,
        repeatable: bool,
        attempt: int,
    ) -> requests.Response | _Retryable:
        status = resp.status_code
        if status < 400:
            return resp
        now = self._clock()
        wait = rate_limit_wait(resp, now)
        if wait is not None:
            return _Retryable(self._rate_limited(method, path, status, now, wait, attempt), wait)
        if status >= 500:
            if not repeatable:
                said = f"GitHub answered {status} {github_message(resp)}".strip()
                raise self._maybe_sent(method, path, status, said)
            return _Retryable(
                ServerError(
                    f"GitHub answered {status} {github_message(resp)} for {method} {path} "
                    f"after {attempt} attempt(s).",
                    fix="GitHub is having trouble: check https://www.githubstatus.com and "
                    "re-run the job later.",
                    status=status,
                    method=method,
                    path=path,
                )
            )
        raise client_error(resp, method, path)

    def _rate_limited(
        self, method: str, path: str, status: int, now: float, wait: float, attempt: int
    ) -> RateLimited:
        # Raised only when we stop: the wait did not fit, or the retries are used up.
        return RateLimited(
            f"GitHub rate limit reached for {method} {path} ({status}); it resets at "
            f"{_utc(now + wait)} ({round(wait)} s from now). Stopped after {attempt} "
            f"attempt(s): this run waits at most {self.max_wait:g} s and makes at most "
            f"{self.max_retries + 1} attempts.",
            fix="Re-run after the reset, make fewer API calls, or use a token with its own "
            "quota (a PAT or a GitHub App token instead of the shared GITHUB_TOKEN).",
            status=status,
            method=method,
            path=path,
        )

    def _maybe_sent(self, method: str, path: str, status: int | None, what: str) -> MaybeSent:
        return MaybeSent(
            f"{method} {path} may have been received by GitHub ({what}); it was not repeated "
            "to avoid a duplicate.",
            fix="Check whether it took effect (for a dispatch: a new run in the Actions tab) "
            "before re-running the job.",
            status=status,
            method=method,
            path=path,
            reason=what,
        )
