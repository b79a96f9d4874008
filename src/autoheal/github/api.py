"""The core of the GitHub REST client, which every endpoint uses. `Api` holds the token and
the session, sends each call (`request`, `request_json`, `get_json`), reads listings page by
page (`paginate`, `iter_items`), runs GraphQL operations (`graphql`), and tells who the token
acts as (`identity`, `wrote`). Its retry loop is mixed in from `autoheal.github.retries`; the
endpoints, one module per area, are mixed into `autoheal.github.client.GitHub`.

Rules this module keeps (with `autoheal.github.retries`), and why:

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
  in (`autoheal.tokens.secret_forms`): every error is scrubbed in one place (`Api._scrub`)
  before it leaves the client.
- Nothing happens at import time: the environment is read and the session created in
  `Api.__init__`.
"""

from __future__ import annotations

import os
import random
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import urlsplit

with warnings.catch_warnings():
    # The action's lock leaves out requests' charset detector (charset_normalizer): GitHub
    # answers JSON, which requests decodes as UTF-8 without one, and the detector costs a
    # 260 KB download and ~10 ms of every start. requests warns when it finds none.
    warnings.filterwarnings("ignore", "Unable to find acceptable character detection")
    import requests

from autoheal import USER_AGENT
from autoheal.errors import InputError
from autoheal.github import transport
from autoheal.github.answers import _as_dict, truncate
from autoheal.github.errors import GitHubError, PermissionDenied, TooManyPages
from autoheal.github.paths import join_url
from autoheal.github.retries import Retries, Stats
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
REDACTED = "***"

# Defence in depth: anything shaped like a GitHub token or a bearer credential is hidden too,
# not only the token this client holds.
_TOKEN_SHAPES = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9_]{16,}|github_pat_[A-Za-z0-9_]{22,})|(?i:\bbearer\s+\S+)"
)

_ApiT = TypeVar("_ApiT", bound="Api")


class Api(Retries):
    """The core of the client (see the module's notes); `GitHub` adds the endpoints."""

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

    def __enter__(self: _ApiT) -> _ApiT:
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

    # ---- GraphQL -----------------------------------------------------------------------------

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
