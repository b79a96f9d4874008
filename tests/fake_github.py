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
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

API_PREFIX = "/api/v3"  # like GitHub Enterprise: the client must keep the base path
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


@dataclass
class FakeGitHub:
    server: HTTPServer
    log: list[Recorded] = field(default_factory=list)
    _routes: list[_Route] = field(default_factory=list)

    def __post_init__(self) -> None:
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
    ) -> None:
        """Answer `method path` (a full-match regex) with `status` and a JSON `body`, or let
        `answer(request)` return (status, body). A 204 never has a body, as on GitHub."""
        reply = answer or (lambda _request: (status, body))
        self._routes.append(_Route(method, re.compile(path_regex), reply))

    def as_github_actions(self) -> None:
        """Answer "who is this token" as GitHub does for GITHUB_TOKEN: GET /user refused,
        GraphQL's `viewer` (beside the REST API, like GitHub Enterprise) the bot."""
        from tests.fakes import USER_REFUSED, VIEWER

        self.route("GET", "/user", status=403, body=USER_REFUSED)
        self.route("POST", "/api/graphql", body=VIEWER)

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
        path = request.path.removeprefix(API_PREFIX)
        data = request.get_data(as_text=True)
        recorded = Recorded(
            method=request.method,
            path=path,
            query=dict(request.args),
            headers=dict(request.headers),
            body=json.loads(data) if data else None,
        )
        self.log.append(recorded)
        for route in self._routes:
            if route.method == request.method and route.pattern.fullmatch(path):
                status, body = route.answer(recorded)
                if status == 204 or body is None:
                    return Response("", status=status)
                return Response(json.dumps(body), status=status, content_type="application/json")
        return Response(json.dumps(NOT_FOUND), status=404, content_type="application/json")
