"""A recording fake of the GitHub REST API on 127.0.0.1, built on pytest-httpserver.

One catch-all handler records every request (method, path, query, headers, JSON body) and
answers from a small routing table; a request nobody routed gets GitHub's own 404 shape, so a
test sees it both in the mode's behaviour and in `FakeGitHub.unrouted()`.

    fake = FakeGitHub(httpserver)
    fake.route("POST", "/repos/o/r/dispatches", status=204)
    fake.route("GET", r"/repos/o/r/commits/[0-9a-f]{40}", body={"author": {"login": "sam"}})
    env["GITHUB_API_URL"] = fake.api_url
    ...
    [request] = fake.requests("POST", "/repos/o/r/dispatches")

Every request is also checked against GitHub's OpenAPI description (`tests/openapi.py`;
`POST /graphql` against `tests/graphql_shapes.py`; GraphQL is served at `/api/graphql`, as
on GitHub Enterprise next to `/api/v3`, and recorded as `/graphql`), and every routed answer
against the operation's response schema (fields may be left out). The fake still answers as
routed, but each problem is kept in `problems`, and the test fails at its teardown while any
is left (`tests/conftest.py`). Without the description (not cached, npm registry
unreachable) nothing is checked, and the end of the pytest run says why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.openapi import GRAPHQL, github_request_problems, response_problems
from tests.openapi_spec import unavailable_reason

API_PREFIX = "/api/v3"  # like GitHub Enterprise: the client must keep the base path
GHES_GRAPHQL = "/api/graphql"  # GitHub Enterprise's GraphQL endpoint, next to /api/v3
NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # without API_PREFIX
    query: dict[str, str]
    headers: dict[str, str]
    body: Any  # decoded JSON, or None

    @property
    def text(self) -> str:
        """Everything about the request as one string, for "never contains" assertions."""
        return json.dumps(
            {"path": self.path, "query": self.query, "headers": self.headers, "body": self.body}
        )


Answer = Callable[[Recorded], tuple[int, Any]]


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    answer: Answer
    unlike_github: str  # why its answers are not checked, or ""


@dataclass
class FakeGitHub:
    server: HTTPServer
    log: list[Recorded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # requests or answers unlike GitHub's
    checking: bool = field(default=False, init=False)
    _routes: list[_Route] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.checking = unavailable_reason() is None  # loads it here, not in the server thread
        LIVE.append(self)
        self.server.expect_request(re.compile(".*")).respond_with_handler(self._handle)

    @property
    def api_url(self) -> str:
        return self.server.url_for(API_PREFIX).rstrip("/")

    def route(
        self,
        method: str,
        path_regex: str,
        *,
        status: int = 200,
        body: Any = None,
        answer: Answer | None = None,
        unlike_github: str = "",
    ) -> None:
        """Answer `method path` (a full-match regex) with `status` and a JSON `body`, or let
        `answer(request)` return (status, body). A 204 never has a body, as on GitHub.

        An answer that differs from GitHub's description on purpose (a broken body, a shape
        GitHub really sends but does not document) says why in `unlike_github`."""
        reply = answer or (lambda _request: (status, body))
        self._routes.append(_Route(method, re.compile(path_regex), reply, unlike_github))

    def as_github_actions(self) -> None:
        """Answer "who is this token" as GitHub does for GITHUB_TOKEN: GET /user refused,
        GraphQL's `viewer` (beside the REST API, like GitHub Enterprise) the bot."""
        from tests.fakes import USER_REFUSED, VIEWER

        self.route("GET", "/user", status=403, body=USER_REFUSED)
        self.route("POST", GRAPHQL, body=VIEWER)  # served at /api/graphql, routed as /graphql

    def requests(self, method: str, path_regex: str) -> list[Recorded]:
        pattern = re.compile(path_regex)
        return [r for r in self.log if r.method == method and pattern.fullmatch(r.path)]

    def unrouted(self) -> list[Recorded]:
        return [
            r
            for r in self.log
            if not any(
                rt.method == r.method and rt.pattern.fullmatch(r.path) for rt in self._routes
            )
        ]

    def _handle(self, request: Request) -> Response:
        path = GRAPHQL if request.path == GHES_GRAPHQL else request.path.removeprefix(API_PREFIX)
        data = request.get_data(as_text=True)
        recorded = Recorded(
            method=request.method,
            path=path,
            query=dict(request.args),
            headers=dict(request.headers),
            body=json.loads(data) if data else None,
        )
        self.log.append(recorded)
        raw_uri = str(request.environ.get("RAW_URI") or quote(request.path))
        raw_path = raw_uri.split("?")[0].removeprefix(API_PREFIX)  # as sent: %2F stays
        raw_path = GRAPHQL if raw_path == GHES_GRAPHQL else raw_path
        self._check(
            github_request_problems,
            request.method,
            raw_path,
            recorded.query,
            recorded.headers,
            recorded.body,
        )
        for route in self._routes:
            if route.method == request.method and route.pattern.fullmatch(path):
                status, body = route.answer(recorded)
                if path != GRAPHQL and not route.unlike_github:
                    self._check(response_problems, request.method, path, status, body)
                if status == 204 or body is None:
                    return Response("", status=status)
                return Response(json.dumps(body), status=status, content_type="application/json")
        return Response(json.dumps(NOT_FOUND), status=404, content_type="application/json")

    def _check(self, problems: Callable[..., list[str]], *args: Any) -> None:
        if not self.checking:
            return
        try:
            self.problems += problems(*args)
        except Exception as exc:  # the fake must still answer; the test fails at teardown
            self.problems.append(f"checking against GitHub's description failed: {exc!r}")


LIVE: list[FakeGitHub] = []  # the fakes of the running test, checked when it ends


def take_problems() -> list[str]:
    """Every problem of the fakes made since the last call, which forgets those fakes."""
    problems = [problem for fake in LIVE for problem in fake.problems]
    LIVE.clear()
    return problems


def dispatch_run_details(repo: str, run_id: int) -> dict[str, Any]:
    """GitHub's 200 answer to a workflow dispatch sent with `return_run_details: true`."""
    return {
        "workflow_run_id": run_id,
        "run_url": f"https://api.github.com/repos/{repo}/actions/runs/{run_id}",
        "html_url": f"https://github.com/{repo}/actions/runs/{run_id}",
    }
