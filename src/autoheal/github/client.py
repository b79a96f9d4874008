"""GitHub REST client shared by every mode: auth, timeouts, retries, rate limits, typed errors.

Rules this module keeps, and why:

- Every call has a connect and a read timeout, each attempt an overall deadline (a server
  trickling bytes trips no read timeout), every answer a size cap, and the call as a whole
  (attempts and waits) a deadline of its own: a hung API must not hang a CI job for hours.
  `autoheal.github.transport` keeps the per-attempt limits.
- Redirects are followed only by reads, only on the API's own scheme and host, and only a few
  times; a write answered with a redirect is reported, never re-sent.
- Only requests that are safe to repeat are repeated. A POST such as `repository_dispatch`
  starts a workflow run; sending it twice starts two. A POST is therefore retried only when
  the failure provably happened before a byte was sent (connection refused, DNS, connect
  timeout); otherwise `MaybeSent` tells the user to look before re-running.
- A rate-limited request was not processed, so it is retried for every method, but only if
  GitHub's wait fits in the time budget; a 403 without rate-limit headers is a permission
  error and is never retried.
- The token never appears in an error, a repr or a log line, in any of the forms it travels
  in (`autoheal.tokens.secret_forms`): every error is scrubbed in one place (`GitHub._scrub`)
  before it leaves the client.
- Nothing happens at import time: the environment is read and the session created in
  `GitHub.__init__`.
"""

from __future__ import annotations

import json as jsonlib
import os
import random
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote, urlsplit

with warnings.catch_warnings():
    # The action's lock leaves out requests' charset detector (charset_normalizer): GitHub
    # answers JSON, which requests decodes as UTF-8 without one, and the detector costs a
    # 260 KB download and ~10 ms of every start. requests warns when it finds none.
    warnings.filterwarnings("ignore", "Unable to find acceptable character detection")
    import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from autoheal import USER_AGENT
from autoheal.errors import InputError
from autoheal.github import transport
from autoheal.github.answers import (
    _as_dict,
    _as_list_of_dicts,
    client_error,
    github_message,
    rate_limit_wait,
    truncate,
)
from autoheal.github.errors import (
    GitHubError,
    MaybeSent,
    NetworkError,
    PermissionDenied,
    RateLimited,
    Redirected,
    ServerError,
    TooManyPages,
)
from autoheal.github.paths import _repo_path, _segment, join_url
from autoheal.github.paths import check_repo as check_repo
from autoheal.tokens import secret_forms

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
# Methods whose repetition has the same effect as one call (RFC 9110 section 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Pages read before a listing is declared too long to search (100 items each): beyond it,
#: finding our comment or issue fails closed instead of posting a second one.
MAX_PAGES = 100
#: Seconds one attempt may take, answer read in full (connect, send, wait, read).
ATTEMPT_DEADLINE = 60.0
#: Seconds one call may take: every attempt and every wait between them.
CALL_DEADLINE = 150.0
BACKOFF_BASE = 1.0
BACKOFF_CAP = 16.0
STATUS_STATES = frozenset({"error", "failure", "pending", "success"})
STATUS_DESCRIPTION_MAX = 140
DISPATCH_EVENT_TYPE_MAX = 100
DISPATCH_PAYLOAD_KEYS_MAX = 10
DISPATCH_PAYLOAD_BYTES_MAX = 65_536
REDACTED = "***"

# Defence in depth: anything shaped like a GitHub token or a bearer credential is hidden too,
# not only the token this client holds.
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{22,})|(?i:\bbearer\s+\S+)"
)


# --------------------------------------------------------------------------------------------
# Pure helpers (no I/O): parsing GitHub's answers and writing fixes
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------


class GitHub:
    """A small GitHub REST client. One instance per run; not thread-safe (shares a Session)."""

    def __init__(
        self,
        token: str,
        *,
        api_url: str | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        deadline: float = ATTEMPT_DEADLINE,
        call_deadline: float = CALL_DEADLINE,
        max_body: int = transport.MAX_BODY_BYTES,
        max_retries: int = 4,
        max_wait: float = 60.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if not token or not token.strip():
            raise ValueError("GitHub token is empty")
        base = (api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).strip()
        if urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).netloc:
            raise InputError(
                f"GitHub API URL {base!r} is not an http(s) URL.",
                fix="Set GITHUB_API_URL to https://api.github.com or, for GitHub Enterprise "
                "Server, https://HOST/api/v3.",
            )
        self.api_url = base.rstrip("/")
        self.timeout = timeout
        self.deadline = deadline
        self.call_deadline = call_deadline
        self.max_body = max_body
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.stats = Stats()
        self._token = token
        self._secrets = secret_forms(token)
        self._clock = clock
        self._sleep = sleep
        self._rand = rand
        self._until: float | None = None  # set by `time_limit`, on the injected clock
        self._login: str | None = None  # the token's account, read once (`identity`)
        self._owns_session = session is None
        self._session = session or transport.new_session()
        # Sent per request, so a session handed in by the caller is not modified.
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": USER_AGENT,
        }

    def __repr__(self) -> str:
        return f"GitHub(api_url={self.api_url!r}, token={REDACTED!r})"

    def close(self) -> None:
        """Close pooled connections; a session handed in by the caller stays the caller's."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ---- redaction ---------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """Hide the token in every form it travels in (raw, URL-encoded, base64 of the basic
        auth pair), and anything token-shaped, in text meant for people."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPES.sub(REDACTED, text)

    def _scrub(self, err: GitHubError) -> None:
        """Last stop before an error leaves the client: no token in any of its texts."""
        err.message = self.redact(err.message)
        err.fix = self.redact(err.fix)
        err.args = (err.message,)

    # ---- time limits -------------------------------------------------------------------------

    @contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Every call inside ends within `seconds` from now, its attempts and waits included
        (a wait loop passes what is left of its own deadline). Limits nest: the tighter wins."""
        saved = self._until
        until = self._clock() + max(0.0, seconds)
        self._until = until if saved is None else min(saved, until)
        try:
            yield
        finally:
            self._until = saved

    # ---- low level ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> requests.Response:
        """Send one API call with retries; return a < 400 response or raise a GitHubError.

        `path` is relative to the API URL, or an absolute URL on the same host (pagination).
        `idempotent` overrides the method's default (GET/HEAD/PUT/DELETE are idempotent).
        """
        method = method.upper()
        repeatable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        started = self._clock()
        try:
            url = self._url(path)
            shown_path = urlsplit(url).path
            return self._with_retries(method, url, shown_path, repeatable, json, params)
        except GitHubError as err:
            self._scrub(err)
            raise
        finally:
            self.stats.seconds += self._clock() - started

    def request_json(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        """`request`, then the decoded JSON body (None for an empty body such as 204)."""
        resp = self.request(method, path, json=json, params=params, idempotent=idempotent)
        return self._decode(resp, method)

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request_json("GET", path, params=params)

    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        max_pages: int = MAX_PAGES,
    ) -> list[Any]:
        """Items of every page, following `Link: rel="next"`. `key` names the list inside an
        object answer (e.g. `workflow_runs`). More than `max_pages` pages: TooManyPages, never
        a silently partial list (a caller would take "not found" for an answer)."""
        return list(self.iter_items(path, params, key=key, max_pages=max_pages))

    def iter_items(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        key: str | None = None,
        max_pages: int = MAX_PAGES,
    ) -> Iterator[Any]:
        """`paginate`, one page at a time: a search that finds its item early reads no more."""
        query = {"per_page": 100, **(params or {})}
        next_url: str | None = path
        pages = 0
        while next_url:
            if pages == max_pages:
                raise TooManyPages(
                    f"GitHub lists more than {max_pages} pages at {urlsplit(self._url(path)).path}"
                    ": not all were read.",
                    fix="Too many items to search through: close or delete old ones (for "
                    "comments: on the pull request; for issues: old open issues), then re-run.",
                    method="GET",
                    path=urlsplit(self._url(path)).path,
                )
            resp = self.request("GET", next_url, params=query if pages == 0 else None)
            data = self._decode(resp, "GET")
            page = data.get(key) if key and isinstance(data, dict) else data
            if not isinstance(page, list):
                raise self._unexpected("GET", urlsplit(resp.url).path, "a list")
            pages += 1
            next_url = resp.links.get("next", {}).get("url")
            yield from page

    def _url(self, path: str) -> str:
        if not path.startswith(("http://", "https://")):
            return join_url(self.api_url, path)
        # An absolute URL (a Link header) must stay on our API's scheme and host: the token
        # goes with it, and over plain http anyone on the way would read it.
        wanted = transport.origin(self.api_url)
        got = transport.origin(path)
        if got != wanted:
            where = f"{got[0]}://{got[1]}"
            raise GitHubError(
                f"Refusing to send the token to {where}, which is not the API at "
                f"{wanted[0]}://{wanted[1]}.",
                fix="Check GITHUB_API_URL and any proxy that rewrites Link headers.",
                method="GET",
                path=urlsplit(path).path,
            )
        return path

    def _decode(self, resp: requests.Response, method: str) -> Any:
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise self._unexpected(method, urlsplit(resp.url).path, "JSON") from None

    def _unexpected(self, method: str, path: str, wanted: str) -> GitHubError:
        err = GitHubError(
            f"GitHub answered {method} {path} with something that is not {wanted}.",
            fix="Check that GITHUB_API_URL points at the API (https://api.github.com, or "
            "https://HOST/api/v3 for GitHub Enterprise Server), not at the web site.",
            method=method,
            path=path,
        )
        self._scrub(err)
        return err

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

    # ---- high level: repositories and dispatch ----------------------------------------------

    def get_repo(self, repo: str) -> dict[str, Any]:
        return _as_dict(self.get_json(_repo_path(repo)))

    def dispatch(self, repo: str, event_type: str, client_payload: Mapping[str, Any]) -> int:
        """Send `repository_dispatch`. Not idempotent: a repeat would start a second run."""
        check_dispatch(event_type, client_payload)
        body = {"event_type": event_type, "client_payload": dict(client_payload)}
        resp = self.request("POST", f"{_repo_path(repo)}/dispatches", json=body)
        return resp.status_code

    # ---- high level: who we are ---------------------------------------------------------------

    def identity(self) -> str:
        """The login the token acts as (`autoheal.github.identity`), read once per client."""
        if self._login is None:
            from autoheal.github.identity import read_login

            self._login = read_login(self)
        return self._login

    def wrote(self, item: Any, key: str = "user") -> bool:
        """True when the token's own account wrote `item` (`creator` for a commit status).
        Asks GitHub who we are only the first time it is needed."""
        from autoheal.github.identity import author, same_account

        login = author(item, key)
        return bool(login) and same_account(login, self.identity())

    # ---- high level: issues, labels, comments -------------------------------------------------

    def add_labels(self, repo: str, issue_number: int, labels: list[str]) -> list[dict[str, Any]]:
        """Adding a label that is already there changes nothing, so this may be repeated."""
        data = self.request_json(
            "POST",
            f"{_repo_path(repo)}/issues/{int(issue_number)}/labels",
            json={"labels": labels},
            idempotent=True,
        )
        return _as_list_of_dicts(data)

    def find_comment(self, repo: str, issue_number: int, marker: str) -> dict[str, Any] | None:
        """Our first comment on the issue or PR whose body contains `marker`. A comment
        someone else wrote never counts, marker or not. Every page is read until it is
        found; a list too long to read raises TooManyPages rather than answer "none"."""
        path = f"{_repo_path(repo)}/issues/{int(issue_number)}/comments"
        for comment in self.iter_items(path):
            if _marked(comment, marker) and self.wrote(comment):
                return dict(comment)
        return None

    def upsert_comment(self, repo: str, issue_number: int, marker: str, body: str) -> str:
        """Update our marked comment in place, or create it; return its html_url. Someone
        else's comment that carries the marker is left as it is: a new one is posted."""
        body = with_marker(body, marker)
        existing = self.find_comment(repo, issue_number, marker)
        if existing is not None:
            data = self.request_json(
                "PATCH",
                f"{_repo_path(repo)}/issues/comments/{int(existing['id'])}",
                json={"body": body},
                idempotent=True,  # setting the same body twice is harmless
            )
        else:
            data = self.request_json(
                "POST",
                f"{_repo_path(repo)}/issues/{int(issue_number)}/comments",
                json={"body": body},
            )
        return str(_as_dict(data).get("html_url", ""))

    def find_issue(
        self, repo: str, marker: str, labels: list[str] | None = None
    ) -> dict[str, Any] | None:
        """Our first open issue (not PR) whose body contains `marker`; as `find_comment`."""
        params = {"state": "open"}
        if labels:
            params["labels"] = ",".join(labels)
        for issue in self.iter_items(f"{_repo_path(repo)}/issues", params):
            if not _marked(issue, marker) or "pull_request" in issue:
                continue
            if self.wrote(issue):
                return dict(issue)
        return None

    def upsert_issue(
        self,
        repo: str,
        marker: str,
        title: str,
        body: str,
        labels: list[str] | None = None,
    ) -> dict[str, Any]:
        """Update the open issue carrying `marker`, or open a new one."""
        body = with_marker(body, marker)
        existing = self.find_issue(repo, marker, labels)
        if existing is not None:
            data = self.request_json(
                "PATCH",
                f"{_repo_path(repo)}/issues/{int(existing['number'])}",
                json={"title": title, "body": body},
                idempotent=True,
            )
        else:
            payload: dict[str, Any] = {"title": title, "body": body}
            if labels:
                payload["labels"] = labels
            data = self.request_json("POST", f"{_repo_path(repo)}/issues", json=payload)
        return _as_dict(data)

    # ---- high level: commit statuses ----------------------------------------------------------

    def create_status(
        self,
        repo: str,
        sha: str,
        state: str,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> dict[str, Any]:
        """Set a commit status. Repeating it only repeats the same latest state: idempotent."""
        if state not in STATUS_STATES:
            raise ValueError(f"status state must be one of {sorted(STATUS_STATES)}: {state!r}")
        payload: dict[str, Any] = {
            "state": state,
            "context": context,
            "description": truncate(description, STATUS_DESCRIPTION_MAX),
        }
        if target_url:
            payload["target_url"] = target_url
        data = self.request_json(
            "POST", f"{_repo_path(repo)}/statuses/{_segment(sha)}", json=payload, idempotent=True
        )
        return _as_dict(data)

    def list_statuses(self, repo: str, sha: str) -> list[dict[str, Any]]:
        items = self.paginate(f"{_repo_path(repo)}/commits/{_segment(sha)}/statuses")
        return _as_list_of_dicts(items)

    # ---- high level: workflow runs ------------------------------------------------------------

    def get_run(self, repo: str, run_id: int) -> dict[str, Any]:
        return _as_dict(self.get_json(f"{_repo_path(repo)}/actions/runs/{int(run_id)}"))

    def rerun_failed_jobs(self, repo: str, run_id: int) -> int:
        """Rerun failed jobs (answers 201). Not repeated: a second call adds another attempt."""
        resp = self.request(
            "POST", f"{_repo_path(repo)}/actions/runs/{int(run_id)}/rerun-failed-jobs"
        )
        return resp.status_code

    def list_runs(
        self,
        repo: str,
        *,
        event: str | None = None,
        created_since: str | None = None,
        per_page: int = 30,
        workflow_id: int | None = None,
        branch: str | None = None,
    ) -> list[dict[str, Any]]:
        """One page of workflow runs (of one workflow when `workflow_id` is given), newest
        first; `created_since` is an ISO 8601 time."""
        params: dict[str, Any] = {"per_page": per_page}
        if event:
            params["event"] = event
        if created_since:
            params["created"] = f">={created_since}"
        if branch:
            params["branch"] = branch
        scope = f"/workflows/{int(workflow_id)}" if workflow_id is not None else ""
        data = _as_dict(self.get_json(f"{_repo_path(repo)}/actions{scope}/runs", params))
        return _as_list_of_dicts(data.get("workflow_runs", []))

    # ---- high level: pull requests ------------------------------------------------------------

    def find_pull(self, repo: str, head_owner: str, branch: str) -> dict[str, Any] | None:
        data = self.get_json(
            f"{_repo_path(repo)}/pulls", {"head": f"{head_owner}:{branch}", "state": "open"}
        )
        pulls = _as_list_of_dicts(data)
        return pulls[0] if pulls else None

    def create_pull(self, repo: str, head: str, base: str, title: str, body: str) -> dict[str, Any]:
        payload = {"title": title, "head": head, "base": base, "body": body}
        return _as_dict(self.request_json("POST", f"{_repo_path(repo)}/pulls", json=payload))

    def update_pull(self, repo: str, number: int, title: str, body: str) -> dict[str, Any]:
        data = self.request_json(
            "PATCH",
            f"{_repo_path(repo)}/pulls/{int(number)}",
            json={"title": title, "body": body},
            idempotent=True,
        )
        return _as_dict(data)

    def upsert_pull(
        self, repo: str, head_owner: str, branch: str, base: str, title: str, body: str
    ) -> dict[str, Any]:
        """Update the open PR from `head_owner:branch`, or open one. A PR someone else
        opened from that branch is returned as it is: its title and text are theirs."""
        existing = self.find_pull(repo, head_owner, branch)
        if existing is None:
            return self.create_pull(repo, f"{head_owner}:{branch}", base, title, body)
        if not self.wrote(existing):
            return existing
        return self.update_pull(repo, int(existing["number"]), title, body)

    # ---- workflow dispatch ----------------------------------------------------------------------

    def dispatch_workflow(
        self, repo: str, workflow: str, ref: str, *, run_details: bool = True
    ) -> tuple[int, dict[str, Any] | None]:
        """Start `workflow` (file name or id) on `ref`: (status, body). With `run_details`
        GitHub answers 200 with `workflow_run_id`, `run_url` and `html_url` (since 2026-02);
        without it, or on an older server, 204 and no body. Not idempotent: a repeat starts a
        second run, so a request that may have been sent is never repeated (MaybeSent)."""
        body: dict[str, Any] = {"ref": ref}
        if run_details:
            body["return_run_details"] = True
        path = f"{_repo_path(repo)}/actions/workflows/{_segment(workflow)}/dispatches"
        resp = self.request("POST", path, json=body)
        data = self._decode(resp, "POST") if resp.status_code != 204 else None
        return resp.status_code, data if isinstance(data, dict) else None

    def list_workflow_runs(
        self,
        repo: str,
        workflow: str,
        *,
        branch: str,
        event: str,
        head_sha: str,
        created_since: str,
        per_page: int = 30,
    ) -> list[dict[str, Any]]:
        """One page of `workflow`'s runs, newest first, filtered by GitHub (callers check the
        fields again: a server that ignores a filter must not make us pick a wrong run)."""
        params = {
            "branch": branch,
            "event": event,
            "head_sha": head_sha,
            "created": f">={created_since}",
            "per_page": per_page,
        }
        path = f"{_repo_path(repo)}/actions/workflows/{_segment(workflow)}/runs"
        data = _as_dict(self.get_json(path, params))
        return _as_list_of_dicts(data.get("workflow_runs", []))

    # ---- branch rules -------------------------------------------------------------------------

    def branch_rules(self, repo: str, branch: str) -> list[dict[str, Any]]:
        """The rules in force on `branch`, from every ruleset (read access is enough)."""
        path = f"{_repo_path(repo)}/rules/branches/{self._branch(branch)}"
        return _as_list_of_dicts(self.paginate(path))

    def get_ruleset(self, repo: str, ruleset_id: int) -> dict[str, Any]:
        """A ruleset applying to the repository (its own or its organization's): its `name`
        and `current_user_can_bypass`."""
        return _as_dict(self.get_json(f"{_repo_path(repo)}/rulesets/{int(ruleset_id)}"))

    def branch_protection(self, repo: str, branch: str) -> dict[str, Any]:
        """Classic branch protection in full. Needs admin rights: 403 or 404 otherwise, as
        for a branch without protection."""
        path = f"{_repo_path(repo)}/branches/{self._branch(branch)}/protection"
        return _as_dict(self.get_json(path))

    def get_branch(self, repo: str, branch: str) -> dict[str, Any]:
        """The branch, with `protected` and a summary of its protection (read access)."""
        return _as_dict(self.get_json(f"{_repo_path(repo)}/branches/{self._branch(branch)}"))

    @staticmethod
    def _branch(branch: str) -> str:
        """A branch name in a path: its slashes kept (GitHub's `{branch}` spans segments),
        everything else that could change the URL encoded."""
        return quote(branch, safe="/")

    def graphql_url(self) -> str:
        """GitHub's GraphQL endpoint next to the REST one: `/graphql` on api.github.com (and
        GHE.com), `/api/graphql` on GitHub Enterprise Server (`/api/v3`)."""
        if self.api_url.endswith("/api/v3"):
            return self.api_url.removesuffix("/v3") + "/graphql"
        return self.api_url + "/graphql"

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run a GraphQL operation; its `data`. GraphQL reports errors in a 200 answer: they
        are raised as GitHubError (PermissionDenied for FORBIDDEN). Sent once (not repeated)
        unless the caller's operation is safe to repeat, which is ours: enabling auto-merge
        twice is the same as once."""
        path = "/graphql"
        resp = self.request(
            "POST",
            self.graphql_url(),
            json={"query": query, "variables": dict(variables)},
            idempotent=True,
        )
        data = _as_dict(self._decode(resp, "POST"))
        errors = data.get("errors")
        if isinstance(errors, list) and errors:
            said = "; ".join(
                str(e.get("message") or e) if isinstance(e, dict) else str(e) for e in errors
            )
            kinds = {e.get("type") for e in errors if isinstance(e, dict)}
            error_class = PermissionDenied if "FORBIDDEN" in kinds else GitHubError
            err = error_class(
                f"GitHub's GraphQL API refused the request: {truncate(said, 500)}",
                fix="See GitHub's message above.",
                method="POST",
                path=path,
            )
            self._scrub(err)
            raise err
        return _as_dict(data.get("data") or {})

    # ---- pause switch -------------------------------------------------------------------------

    def labelled_issues(self, repo: str, label: str, limit: int) -> list[dict[str, Any]]:
        """Open issues carrying `label`, newest first: one page of at most `limit`. GitHub
        lists pull requests here too (they have a `pull_request` key)."""
        params = {"labels": label, "state": "open", "per_page": limit}
        return _as_list_of_dicts(self.get_json(f"{_repo_path(repo)}/issues", params))

    def issue_events_newest_first(
        self, repo: str, number: int, max_pages: int
    ) -> Iterator[dict[str, Any]]:
        """An issue's events, newest first, read lazily. GitHub lists them oldest first, so
        this starts at the `last` page and follows `prev`: at most `max_pages` requests."""
        resp = self.request(
            "GET", f"{_repo_path(repo)}/issues/{int(number)}/events", params={"per_page": 100}
        )
        pages = 1
        last = resp.links.get("last", {}).get("url")
        if last and pages < max_pages:
            resp, pages = self.request("GET", last), pages + 1
        while True:
            data = self._decode(resp, "GET")
            if not isinstance(data, list):
                raise self._unexpected("GET", urlsplit(resp.url).path, "a list")
            yield from reversed([event for event in data if isinstance(event, dict)])
            previous = resp.links.get("prev", {}).get("url")
            if not previous or pages >= max_pages:
                return
            resp, pages = self.request("GET", previous), pages + 1

    def collaborator_permission(self, repo: str, username: str) -> dict[str, Any]:
        """`permission` (admin, write, read, none: maintain reads as write) and `role_name`
        (admin, maintain, write, triage, read or a custom role) of `username` here."""
        path = f"{_repo_path(repo)}/collaborators/{_segment(username)}/permission"
        return _as_dict(self.get_json(path))

    # ---- check runs ---------------------------------------------------------------------------
    # Only a GitHub App can write check runs (GITHUB_TOKEN is one); a personal access token
    # is refused with 403, or 404. At most 50 annotations go in one request.

    ANNOTATIONS_PER_REQUEST = 50

    def list_check_runs(self, repo: str, ref: str, name: str) -> list[dict[str, Any]]:
        """Every check run called `name` on the commit `ref`, of any app, newest first."""
        items = self.paginate(
            f"{_repo_path(repo)}/commits/{_segment(ref)}/check-runs",
            {"check_name": name, "filter": "all"},
            key="check_runs",
        )
        return _as_list_of_dicts(items)

    def list_check_run_annotations(self, repo: str, check_run_id: int) -> list[dict[str, Any]]:
        items = self.paginate(f"{_repo_path(repo)}/check-runs/{int(check_run_id)}/annotations")
        return _as_list_of_dicts(items)

    def create_check_run(self, repo: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a check run. Not repeated: a second POST would make a second check run."""
        self._check_annotations(body)
        return _as_dict(
            self.request_json("POST", f"{_repo_path(repo)}/check-runs", json=dict(body))
        )

    def update_check_run(
        self, repo: str, check_run_id: int, body: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Update a check run. Annotations are appended to those it has, so a body that
        carries some is not repeated; one without them sets the same fields again: idempotent.
        """
        carries = self._check_annotations(body) > 0
        data = self.request_json(
            "PATCH",
            f"{_repo_path(repo)}/check-runs/{int(check_run_id)}",
            json=dict(body),
            idempotent=not carries,
        )
        return _as_dict(data)

    def _check_annotations(self, body: Mapping[str, Any]) -> int:
        """How many annotations `body` carries; more than GitHub takes is a bug of ours."""
        count = len(dict(body.get("output") or {}).get("annotations") or [])
        if count > self.ANNOTATIONS_PER_REQUEST:
            raise ValueError(
                f"{count} annotations in one check run request; GitHub takes at most "
                f"{self.ANNOTATIONS_PER_REQUEST}"
            )
        return count

    # ---- Git database (blobs, trees, commits, refs) -------------------------------------------
    # Blobs, trees and commits are content-addressed: sending one twice makes the same object
    # (a commit: a second, unreferenced one), so they may be repeated. Moving a ref may not.

    def create_blob(self, repo: str, content: str, encoding: str) -> dict[str, Any]:
        """Store a blob; `encoding` is "utf-8" (text as it is) or "base64"."""
        body = {"content": content, "encoding": encoding}
        data = self.request_json(
            "POST", f"{_repo_path(repo)}/git/blobs", json=body, idempotent=True
        )
        return _as_dict(data)

    def create_tree(
        self, repo: str, base_tree: str, entries: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """A tree made of `base_tree` with `entries` (path, mode, type, sha) applied; an entry
        whose sha is None deletes its path."""
        body = {"base_tree": base_tree, "tree": entries}
        data = self.request_json(
            "POST", f"{_repo_path(repo)}/git/trees", json=body, idempotent=True
        )
        return _as_dict(data)

    def create_commit(
        self, repo: str, message: str, tree: str, parents: list[str]
    ) -> dict[str, Any]:
        """A commit GitHub signs when the token is an App's or Actions' own: no author,
        committer or signature is ever sent (GitHub signs only commits it authors itself)."""
        body = {"message": message, "tree": tree, "parents": parents}
        data = self.request_json(
            "POST", f"{_repo_path(repo)}/git/commits", json=body, idempotent=True
        )
        return _as_dict(data)

    def update_branch(self, repo: str, branch: str, sha: str) -> dict[str, Any]:
        """Move `branch` to `sha`, fast-forward only (`force: false`): GitHub answers 422
        "Update is not a fast forward" when the branch moved meanwhile."""
        path = f"{_repo_path(repo)}/git/refs/heads/{quote(branch, safe='/')}"
        data = self.request_json("PATCH", path, json={"sha": sha, "force": False})
        return _as_dict(data)


# --------------------------------------------------------------------------------------------
# Small helpers used by the client
# --------------------------------------------------------------------------------------------


def _marked(item: Any, marker: str) -> bool:
    return isinstance(item, dict) and marker in str(item.get("body") or "")


def with_marker(body: str, marker: str) -> str:
    """Make sure a body carries its hidden marker, so the next run finds it again."""
    return body if marker in body else f"{body.rstrip()}\n\n{marker}\n"


def check_dispatch(event_type: str, client_payload: Mapping[str, Any]) -> None:
    """GitHub's documented limits, checked before sending so the error says what to change."""
    if not 1 <= len(event_type) <= DISPATCH_EVENT_TYPE_MAX:
        raise InputError(
            f"Dispatch event type must be 1 to {DISPATCH_EVENT_TYPE_MAX} characters, "
            f"got {len(event_type)}.",
            fix="Shorten the event type.",
        )
    if len(client_payload) > DISPATCH_PAYLOAD_KEYS_MAX:
        raise InputError(
            f"Dispatch client_payload has {len(client_payload)} top-level keys; GitHub allows "
            f"{DISPATCH_PAYLOAD_KEYS_MAX}.",
            fix="Move extra values under one key.",
        )
    size = len(jsonlib.dumps(dict(client_payload)).encode())
    if size >= DISPATCH_PAYLOAD_BYTES_MAX:
        raise InputError(
            f"Dispatch client_payload is {size} bytes; GitHub allows under 64 KB.",
            fix="Send less data in the payload (e.g. a summary instead of full logs).",
        )
