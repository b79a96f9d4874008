"""Unit tests of autoheal.github with `responses`: no sockets, injected clock and sleep."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import requests
import responses
from responses import matchers
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

from autoheal import __version__
from autoheal.errors import InputError
from autoheal.github.answers import parse_accepted_permissions
from autoheal.github.client import GitHub
from autoheal.github.errors import (
    GitHubError,
    MaybeSent,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    TooManyPages,
    Unauthorized,
    ValidationFailed,
)
from tests.fakes import NOW, FakeClock
from tests.troubleshooting import assert_documented

TOKEN = "ghp_SECRETTOKEN123"
API = "https://api.github.com"
REPO = "octo/repo"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def make_client(clock: FakeClock, **kwargs: Any) -> GitHub:
    # rand=1.0 makes the jittered backoff its maximum, so sleeps are predictable.
    options: dict[str, Any] = {"api_url": API, "clock": clock.time, "sleep": clock.sleep}
    options["rand"] = lambda: 1.0
    options.update(kwargs)
    return GitHub(TOKEN, **options)


@pytest.fixture
def gh(clock: FakeClock) -> GitHub:
    return make_client(clock)


def refused(url: str) -> requests.exceptions.ConnectionError:
    """What requests raises when nothing listens: provably nothing was sent."""
    reason = NewConnectionError(None, "Failed to establish a new connection: refused")  # type: ignore[arg-type]
    return requests.exceptions.ConnectionError(MaxRetryError(None, url, reason))  # type: ignore[arg-type]


def dropped() -> requests.exceptions.ConnectionError:
    """What requests raises when the server closes after we sent: maybe received."""
    return requests.exceptions.ConnectionError(
        ProtocolError("Connection aborted.", ConnectionResetError(104, "reset"))
    )


def assert_no_token(exc: BaseException) -> None:
    texts = [str(exc), repr(exc), *map(str, exc.args)]
    texts += [getattr(exc, "message", ""), getattr(exc, "fix", "")]
    for text in texts:
        assert TOKEN not in text


# ---- construction, headers, URLs ----------------------------------------------------------


def test_headers_and_timeouts_sent_on_every_call(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    rsps.get(f"{API}/repos/{REPO}", json={"full_name": REPO})
    gh = make_client(clock, timeout=(1.5, 7.0))
    assert gh.get_repo(REPO) == {"full_name": REPO}
    request = rsps.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert request.headers["User-Agent"] == f"ci-autoheal/{__version__}"  # names the version
    assert request.req_kwargs["timeout"] == (1.5, 7.0)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://ghe.example/api/v3", "https://ghe.example/api/v3/repos/octo/repo"),
        ("https://ghe.example/api/v3/", "https://ghe.example/api/v3/repos/octo/repo"),
        ("https://api.github.com", "https://api.github.com/repos/octo/repo"),
    ],
    ids=["ghe", "ghe-trailing-slash", "dotcom"],
)
def test_base_url_keeps_its_path(
    rsps: responses.RequestsMock, clock: FakeClock, api_url: str, expected: str
) -> None:
    rsps.get(expected, json={})
    make_client(clock, api_url=api_url).get_repo(REPO)
    assert rsps.calls[0].request.url == expected


def test_base_url_from_environment(
    rsps: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.example/api/v3")
    rsps.get("https://ghe.example/api/v3/repos/octo/repo", json={})
    GitHub(TOKEN).get_repo(REPO)
    assert len(rsps.calls) == 1


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    assert GitHub(TOKEN).api_url == "https://api.github.com"


@pytest.mark.parametrize("token", ["", "   "], ids=["empty", "blank"])
def test_empty_token_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="empty"):
        GitHub(token)


def test_bad_api_url_is_an_input_error() -> None:
    with pytest.raises(InputError):
        GitHub(TOKEN, api_url="ghe.example/api/v3")


def test_repr_hides_token(gh: GitHub) -> None:
    assert TOKEN not in repr(gh)
    assert "***" in repr(gh)


@pytest.mark.parametrize("repo", ["octo", "octo/repo/x", "../x", "octo/..", "a b/c"])
def test_bad_repo_names_are_refused(gh: GitHub, repo: str) -> None:
    with pytest.raises(InputError):
        gh.get_repo(repo)


# ---- status codes -> typed errors ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "texts"),
    [
        (401, {"message": "Bad credentials"}, {}, Unauthorized, ["Bad credentials", "expired"]),
        (
            403,
            {"message": "Resource not accessible by integration"},
            {"X-Accepted-GitHub-Permissions": "contents=write"},
            PermissionDenied,
            [
                "Resource not accessible by integration",
                "permissions:\n  contents: write",
                "Contents: Read and write",
                "`repo`",
            ],
        ),
        (
            403,
            {"message": "Resource not accessible by integration"},
            {},
            PermissionDenied,
            ["Resource not accessible by integration", "permissions:", "fork"],
        ),
        (404, {"message": "Not Found"}, {}, NotFound, ["does not exist", "cannot see it"]),
        (
            422,
            {
                "message": "Validation Failed",
                "errors": [
                    {"resource": "Issue", "field": "title", "code": "missing_field"},
                    {"message": "event_type is too long"},
                    "plain string error",
                ],
            },
            {},
            ValidationFailed,
            [
                "Validation Failed",
                "resource=Issue field=title code=missing_field",
                "event_type is too long",
                "plain string error",
            ],
        ),
        (409, {"message": "Conflict here"}, {}, GitHubError, ["409", "Conflict here"]),
    ],
    ids=["401", "403-permission-header", "403-permission-no-header", "404", "422", "409-other"],
)
def test_client_errors_are_typed_and_never_retried(
    rsps: responses.RequestsMock,
    gh: GitHub,
    clock: FakeClock,
    status: int,
    body: dict[str, Any],
    headers: dict[str, str],
    error: type[GitHubError],
    texts: list[str],
) -> None:
    rsps.post(f"{API}/repos/{REPO}/dispatches", status=status, json=body, headers=headers)
    with pytest.raises(error) as caught:
        gh.dispatch(REPO, "autoheal", {"a": 1})
    assert type(caught.value) is error
    for text in texts:
        assert text in str(caught.value)
    assert caught.value.status == status
    assert caught.value.method == "POST"
    assert caught.value.path == "/repos/octo/repo/dispatches"
    assert caught.value.exit_code == 1
    assert caught.value.fix
    assert len(rsps.calls) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, Unauthorized), (403, PermissionDenied), (404, NotFound), (422, ValidationFailed)],
    ids=str,
)
def test_client_errors_of_idempotent_calls_are_not_retried_either(
    rsps: responses.RequestsMock,
    gh: GitHub,
    clock: FakeClock,
    status: int,
    error: type[GitHubError],
) -> None:
    # A GET may be repeated safely, but a refusal would only be refused again.
    rsps.get(f"{API}/repos/{REPO}", status=status, json={"message": "no"})
    rsps.get(f"{API}/repos/{REPO}", json={"id": 1})
    with pytest.raises(error):
        gh.get_repo(REPO)
    assert len(rsps.calls) == 1
    assert clock.sleeps == []
    assert gh.stats.retries == 0


def test_actions_not_allowed_to_open_pull_requests_names_the_setting(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    rsps.post(
        f"{API}/repos/{REPO}/pulls",
        status=403,
        json={"message": "GitHub Actions is not permitted to create or approve pull requests."},
    )
    with pytest.raises(PermissionDenied) as caught:
        gh.create_pull(REPO, "octo:fix", "main", "t", "b")
    assert "Allow GitHub Actions to create and approve pull requests" in caught.value.fix
    assert "permissions:" not in caught.value.fix


def test_permission_denied_exposes_accepted_permissions(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    rsps.post(
        f"{API}/repos/{REPO}/pulls",
        status=403,
        json={"message": "Resource not accessible by integration"},
        headers={
            "X-Accepted-GitHub-Permissions": "pull_requests=write,contents=read; issues=write"
        },
    )
    with pytest.raises(PermissionDenied) as caught:
        gh.create_pull(REPO, "octo:fix", "main", "t", "b")
    err = caught.value
    assert err.accepted_permissions == {"pull_requests": "write", "contents": "read"}
    assert err.alternatives[1] == {"issues": "write"}
    assert "permissions:\n  pull-requests: write\n  contents: read" in err.fix
    assert "Pull requests: Read and write" in err.fix
    assert "issues: write" in err.fix


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("contents=write", [{"contents": "write"}]),
        ("contents=read, issues=write", [{"contents": "read", "issues": "write"}]),
        ("a=read; b=write", [{"a": "read"}, {"b": "write"}]),
        ("", []),
        ("garbage", []),
    ],
    ids=["one", "all-of", "alternatives", "empty", "garbage"],
)
def test_parse_accepted_permissions(header: str, expected: list[dict[str, str]]) -> None:
    assert parse_accepted_permissions(header) == expected


def test_dispatch_returns_204_and_sends_payload(rsps: responses.RequestsMock, gh: GitHub) -> None:
    payload = {"autoheal": {"version": 1, "sha": "a" * 40}}
    rsps.post(
        f"{API}/repos/{REPO}/dispatches",
        status=204,
        match=[matchers.json_params_matcher({"event_type": "heal", "client_payload": payload})],
    )
    assert gh.dispatch(REPO, "heal", payload) == 204


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("", {}),
        ("x" * 101, {}),
        ("ok", {f"k{i}": i for i in range(11)}),
        ("ok", {"big": "x" * 70_000}),
    ],
    ids=["empty-event", "long-event", "11-keys", "over-64kb"],
)
def test_dispatch_limits_checked_before_sending(
    rsps: responses.RequestsMock, gh: GitHub, event_type: str, payload: dict[str, Any]
) -> None:
    with pytest.raises(InputError):
        gh.dispatch(REPO, event_type, payload)
    assert len(rsps.calls) == 0


def payload_of_size(size: int) -> dict[str, Any]:
    """A client_payload whose JSON encoding is exactly `size` bytes."""
    empty = len(json.dumps({"big": ""}).encode())
    return {"big": "x" * (size - empty)}


@pytest.mark.parametrize(
    ("event_type", "payload"),
    [
        ("x", {}),
        ("x" * 100, {}),
        ("ok", {f"k{i}": i for i in range(10)}),
        ("ok", payload_of_size(65_535)),
    ],
    ids=["1-char-event", "100-char-event", "10-keys", "65535-bytes"],
)
def test_dispatch_limits_accept_their_boundaries(
    rsps: responses.RequestsMock, gh: GitHub, event_type: str, payload: dict[str, Any]
) -> None:
    rsps.post(f"{API}/repos/{REPO}/dispatches", status=204)
    assert gh.dispatch(REPO, event_type, payload) == 204
    assert len(rsps.calls) == 1


def test_dispatch_payload_of_64_kib_is_refused(rsps: responses.RequestsMock, gh: GitHub) -> None:
    with pytest.raises(InputError, match="65536 bytes"):
        gh.dispatch(REPO, "ok", payload_of_size(65_536))
    assert len(rsps.calls) == 0


# ---- rate limits --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status", "headers", "expected_sleep"),
    [
        ("GET", 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 10)}, 11.0),
        ("GET", 429, {"retry-after": "7"}, 7.0),
        ("POST", 429, {"retry-after": "3"}, 3.0),
        ("POST", 403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) - 50)}, 1.0),
        ("GET", 429, {}, 60.0),
    ],
    ids=["403-reset", "429-retry-after", "post-retry-after", "post-reset-past", "429-bare"],
)
def test_rate_limit_waits_as_asked_then_retries(
    rsps: responses.RequestsMock,
    gh: GitHub,
    clock: FakeClock,
    method: str,
    status: int,
    headers: dict[str, str],
    expected_sleep: float,
) -> None:
    url = f"{API}/repos/{REPO}/dispatches" if method == "POST" else f"{API}/repos/{REPO}"
    rsps.add(
        method, url, status=status, json={"message": "API rate limit exceeded"}, headers=headers
    )
    rsps.add(
        method, url, status=204 if method == "POST" else 200, json={} if method == "GET" else None
    )
    if method == "POST":
        assert gh.dispatch(REPO, "heal", {}) == 204
    else:
        assert gh.get_repo(REPO) == {}
    assert clock.sleeps == [expected_sleep]
    assert len(rsps.calls) == 2
    assert gh.stats.retries == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 3600)},
        {"retry-after": "3600"},
    ],
    ids=["reset-in-an-hour", "retry-after-an-hour"],
)
def test_rate_limit_beyond_budget_raises_with_reset_time(
    rsps: responses.RequestsMock, gh: GitHub, clock: FakeClock, headers: dict[str, str]
) -> None:
    rsps.get(f"{API}/repos/{REPO}", status=403, json={"message": "rate limit"}, headers=headers)
    with pytest.raises(RateLimited) as caught:
        gh.get_repo(REPO)
    message = str(caught.value)
    assert "2023-11-14 23:13:" in message  # NOW + ~3600 s, in UTC
    assert "UTC" in message
    assert "s from now" in message
    assert "Stopped after 1 attempt(s): this run waits at most 60 s" in message
    assert clock.sleeps == []
    assert len(rsps.calls) == 1


def test_rate_limit_retries_are_bounded(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    gh = make_client(clock, max_retries=2)
    rsps.get(f"{API}/repos/{REPO}", status=429, headers={"retry-after": "1"})
    with pytest.raises(RateLimited) as caught:
        gh.get_repo(REPO)
    assert len(rsps.calls) == 3
    assert clock.sleeps == [1.0, 1.0]
    # Each wait fitted the budget: the message must blame the retry count, not the budget.
    assert "Stopped after 3 attempt(s)" in str(caught.value)
    assert "makes at most 3 attempts" in str(caught.value)
    assert "(1 s from now)" in str(caught.value)


# ---- 5xx and network failures: idempotent vs not ------------------------------------------


def test_get_500_then_success_is_retried(
    rsps: responses.RequestsMock, gh: GitHub, clock: FakeClock
) -> None:
    rsps.get(f"{API}/repos/{REPO}", status=500, json={"message": "oops"})
    rsps.get(f"{API}/repos/{REPO}", json={"id": 1})
    assert gh.get_repo(REPO) == {"id": 1}
    assert len(rsps.calls) == 2
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_idempotent_500_then_204_is_retried(
    rsps: responses.RequestsMock, gh: GitHub, clock: FakeClock, method: str
) -> None:
    url = f"{API}/repos/{REPO}/issues/3/lock"  # lock and unlock both answer 204
    rsps.add(method, url, status=500, json={"message": "oops"})
    rsps.add(method, url, status=204)
    assert gh.request(method, f"/repos/{REPO}/issues/3/lock").status_code == 204
    assert len(rsps.calls) == 2
    assert clock.sleeps == [1.0]
    assert (gh.stats.requests, gh.stats.retries) == (2, 1)


def test_post_dispatch_500_is_not_retried(
    rsps: responses.RequestsMock, gh: GitHub, clock: FakeClock
) -> None:
    rsps.post(f"{API}/repos/{REPO}/dispatches", status=500, json={"message": "oops"})
    rsps.post(f"{API}/repos/{REPO}/dispatches", status=204)
    with pytest.raises(MaybeSent) as caught:
        gh.dispatch(REPO, "heal", {})
    assert "may have been received" in str(caught.value)
    assert "not repeated" in str(caught.value)
    assert caught.value.status == 500
    assert len(rsps.calls) == 1
    assert clock.sleeps == []


def test_502_exhausts_retries(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    gh = make_client(clock, max_retries=3)
    rsps.get(f"{API}/repos/{REPO}", status=502, body="Bad Gateway")
    with pytest.raises(ServerError) as caught:
        gh.get_repo(REPO)
    assert len(rsps.calls) == 4
    assert gh.stats.retries == 3
    assert gh.stats.requests == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]  # exponential, at the jitter's maximum
    assert caught.value.status == 502
    assert "4 attempt" in str(caught.value)


def test_backoff_is_bounded_by_total_wait(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    gh = make_client(clock, max_retries=10, max_wait=5.0)
    rsps.get(f"{API}/repos/{REPO}", status=503)
    with pytest.raises(ServerError):
        gh.get_repo(REPO)
    assert clock.sleeps == [1.0, 2.0, 2.0]  # the last wait is cut to what is left
    assert sum(clock.sleeps) <= 5.0


def test_backoff_uses_full_jitter(rsps: responses.RequestsMock, clock: FakeClock) -> None:
    gh = make_client(clock, max_retries=2, rand=lambda: 0.25)
    rsps.get(f"{API}/repos/{REPO}", status=503)
    with pytest.raises(ServerError):
        gh.get_repo(REPO)
    assert clock.sleeps == [0.25, 0.5]


# One real call per method, as GitHub documents it.
CALLS: dict[str, tuple[str, Any]] = {
    "GET": (f"/repos/{REPO}", None),
    "POST": (f"/repos/{REPO}/issues", {"title": "t"}),
    "PATCH": (f"/repos/{REPO}/issues/3", {"title": "t"}),
    "PUT": (f"/repos/{REPO}/issues/3/lock", {"lock_reason": "resolved"}),
}


@pytest.mark.parametrize(
    ("method", "idempotent", "failure", "expected", "calls", "sent"),
    [
        ("POST", None, "refused", NetworkError, 5, 0),
        ("POST", None, "connect-timeout", NetworkError, 5, 0),
        ("POST", None, "read-timeout", MaybeSent, 1, 1),
        ("POST", None, "dropped", MaybeSent, 1, 1),
        ("PATCH", None, "read-timeout", MaybeSent, 1, 1),
        ("POST", True, "read-timeout", NetworkError, 5, 5),
        ("GET", None, "read-timeout", NetworkError, 5, 5),
        ("GET", None, "dropped", NetworkError, 5, 5),
        ("PUT", None, "refused", NetworkError, 5, 0),
    ],
    ids=[
        "post-refused-retried",
        "post-connect-timeout-retried",
        "post-read-timeout-not-retried",
        "post-dropped-not-retried",
        "patch-read-timeout-not-retried",
        "post-told-idempotent-retried",
        "get-read-timeout-retried",
        "get-dropped-retried",
        "put-refused-retried",
    ],
)
def test_network_failures_retried_only_when_safe(
    rsps: responses.RequestsMock,
    gh: GitHub,
    method: str,
    idempotent: bool | None,
    failure: str,
    expected: type[GitHubError],
    calls: int,
    sent: int,
) -> None:
    path, body = CALLS[method]
    url = f"{API}{path}"
    errors: dict[str, Exception] = {
        "refused": refused(url),
        "connect-timeout": requests.exceptions.ConnectTimeout("connect timed out"),
        "read-timeout": requests.exceptions.ReadTimeout("read timed out"),
        "dropped": dropped(),
    }
    rsps.add(method, url, body=errors[failure])
    with pytest.raises(expected) as caught:
        gh.request(method, path, json=body, idempotent=idempotent)
    assert type(caught.value) is expected
    assert caught.value.status is None
    assert len(rsps.calls) == calls
    assert gh.stats.requests == sent
    assert gh.stats.retries == calls - 1


def test_post_refused_then_success(rsps: responses.RequestsMock, gh: GitHub) -> None:
    url = f"{API}/repos/{REPO}/dispatches"
    rsps.post(url, body=refused(url))
    rsps.post(url, status=204)
    assert gh.dispatch(REPO, "heal", {}) == 204
    assert gh.stats.requests == 1
    assert gh.stats.retries == 1


# ---- token never leaks --------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403, 404, 409, 422, 500], ids=str)
def test_token_echoed_by_server_is_redacted(
    rsps: responses.RequestsMock, clock: FakeClock, status: int
) -> None:
    gh = make_client(clock, max_retries=0)
    echo = f"Authorization: Bearer {TOKEN}"
    body = {"message": echo, "errors": [{"message": echo}]}
    rsps.post(f"{API}/repos/{REPO}/dispatches", status=status, json=body)
    with pytest.raises(GitHubError) as caught:
        gh.dispatch(REPO, "heal", {})
    assert_no_token(caught.value)
    if status != 404:  # a 404 does not quote GitHub's "Not Found"
        assert "***" in str(caught.value)


def test_token_redacted_from_plain_text_body(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.get(f"{API}/repos/{REPO}", status=400, body=f"you sent token {TOKEN}")
    with pytest.raises(GitHubError) as caught:
        gh.get_repo(REPO)
    assert_no_token(caught.value)


ODD_TOKEN = 'gho_Ab/Cd+Ef=Gh%Ij&Kl"Mn'  # characters that change when encoded


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda t: quote(t, safe=""), id="url-encoded"),
        pytest.param(
            lambda t: re.sub("%[0-9A-F]{2}", lambda m: m[0].lower(), quote(t, safe="")),
            id="url-encoded-lower-hex",
        ),
        pytest.param(quote_plus, id="form-encoded"),
        pytest.param(lambda t: json.dumps(t)[1:-1], id="json-escaped"),
        pytest.param(
            lambda t: base64.b64encode(f"x-access-token:{t}".encode()).decode(),
            id="basic-auth-base64",
        ),
    ],
)
def test_token_echoed_in_an_encoded_form_is_redacted(
    rsps: responses.RequestsMock, clock: FakeClock, form: Any
) -> None:
    gh = GitHub(ODD_TOKEN, api_url=API, clock=clock.time, sleep=clock.sleep, max_retries=0)
    echoed = form(ODD_TOKEN)
    assert echoed != ODD_TOKEN
    rsps.post(f"{API}/repos/{REPO}/dispatches", status=422, json={"message": f"bad {echoed}"})
    with pytest.raises(GitHubError) as caught:
        gh.dispatch(REPO, "heal", {})
    for text in (str(caught.value), repr(caught.value), caught.value.message):
        assert echoed not in text
    assert "bad ***" in str(caught.value)


def test_redact_hides_token_shapes(gh: GitHub) -> None:
    other = "ghs_" + "A" * 36
    text = gh.redact(f"{TOKEN} {other} Bearer abc.def")
    assert TOKEN not in text and other not in text and "abc.def" not in text


# ---- pagination ---------------------------------------------------------------------------


def test_paginate_follows_next_links(rsps: responses.RequestsMock, gh: GitHub) -> None:
    url = f"{API}/repos/{REPO}/issues/1/comments"
    rsps.get(
        url,
        json=[{"id": 1}],
        headers={"Link": f'<{url}?page=2>; rel="next", <{url}?page=3>; rel="last"'},
        match=[matchers.query_param_matcher({"per_page": "100"})],
    )
    rsps.get(
        url,
        json=[{"id": 2}],
        headers={"Link": f'<{url}?page=3>; rel="next"'},
        match=[matchers.query_param_matcher({"page": "2"})],
    )
    rsps.get(url, json=[{"id": 3}], match=[matchers.query_param_matcher({"page": "3"})])
    items = gh.paginate(f"/repos/{REPO}/issues/1/comments")
    assert [item["id"] for item in items] == [1, 2, 3]
    assert len(rsps.calls) == 3


def test_paginate_is_bounded_and_never_silently_partial(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    # A caller searching the list would take a partial list's "not found" for an answer.
    url = f"{API}/repos/{REPO}/issues"
    rsps.get(url, json=[{"id": 1}], headers={"Link": f'<{url}?page=2>; rel="next"'})
    with pytest.raises(TooManyPages, match="more than 4 pages at /repos/octo/repo/issues"):
        gh.paginate(f"/repos/{REPO}/issues", max_pages=4)
    assert len(rsps.calls) == 4


def test_paginate_refuses_link_to_plain_http_on_the_same_host(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    # Same host, but the token would travel in clear text.
    url = f"{API}/repos/{REPO}/issues"
    http_next = url.replace("https://", "http://") + "?page=2"
    rsps.get(url, json=[{"id": 1}], headers={"Link": f'<{http_next}>; rel="next"'})
    rsps.get(http_next, json=[{"id": 2}])
    with pytest.raises(GitHubError, match=r"Refusing to send the token to http://api\.github\.com"):
        gh.paginate(f"/repos/{REPO}/issues")
    assert [call.request.url for call in rsps.calls] == [f"{url}?per_page=100"]


def test_paginate_refuses_link_to_other_host(rsps: responses.RequestsMock, gh: GitHub) -> None:
    url = f"{API}/repos/{REPO}/issues"
    rsps.get(url, json=[], headers={"Link": '<https://evil.example/steal>; rel="next"'})
    with pytest.raises(GitHubError, match="Refusing to send the token"):
        gh.paginate(f"/repos/{REPO}/issues")
    assert len(rsps.calls) == 1


def test_paginate_object_with_key(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.get(
        f"{API}/repos/{REPO}/actions/runs", json={"total_count": 1, "workflow_runs": [{"id": 9}]}
    )
    assert gh.paginate(f"/repos/{REPO}/actions/runs", key="workflow_runs") == [{"id": 9}]


def test_non_json_answer_names_api_url(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.get(f"{API}/repos/{REPO}", body="<html>sign in</html>", content_type="text/html")
    with pytest.raises(GitHubError, match="GITHUB_API_URL"):
        gh.get_repo(REPO)


# ---- comments, issues, pulls --------------------------------------------------------------

MARKER = "<!-- autoheal:redispatch -->"


def test_upsert_comment_creates_when_no_marker(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.get(f"{API}/repos/{REPO}/issues/7/comments", json=[{"id": 1, "body": "hello"}])
    rsps.post(
        f"{API}/repos/{REPO}/issues/7/comments",
        status=201,
        json={"id": 2, "html_url": "https://github.com/c/2"},
        match=[matchers.json_params_matcher({"body": f"Healed.\n\n{MARKER}\n"})],
    )
    assert gh.upsert_comment(REPO, 7, MARKER, "Healed.") == "https://github.com/c/2"
    assert [call.request.method for call in rsps.calls] == ["GET", "POST"]


def test_upsert_comment_updates_marked_comment_in_place(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    comments_url = f"{API}/repos/{REPO}/issues/7/comments"
    a_pat(rsps)
    rsps.get(
        comments_url,
        json=[{"id": 1, "body": "other", "user": US}],
        headers={"Link": f'<{comments_url}?page=2>; rel="next"'},
    )
    rsps.get(
        comments_url,
        json=[
            {"id": 5, "body": f"old {MARKER}", "user": US},
            {"id": 6, "body": f"later {MARKER}", "user": US},
        ],
        match=[matchers.query_param_matcher({"page": "2"})],
    )
    body = f"{MARKER}\nNew text"
    rsps.patch(
        f"{API}/repos/{REPO}/issues/comments/5",
        json={"id": 5, "html_url": "https://github.com/c/5"},
        match=[matchers.json_params_matcher({"body": body})],
    )
    assert gh.upsert_comment(REPO, 7, MARKER, body) == "https://github.com/c/5"
    assert [call.request.method for call in rsps.calls] == ["GET", "GET", "GET", "PATCH"]


@pytest.mark.parametrize("found", [True, False], ids=["update", "create"])
def test_upsert_pull(rsps: responses.RequestsMock, gh: GitHub, found: bool) -> None:
    a_pat(rsps)
    rsps.get(
        f"{API}/repos/{REPO}/pulls",
        json=[{"number": 12, "user": US}] if found else [],
        match=[matchers.query_param_matcher({"head": "octo:autoheal/fix", "state": "open"})],
    )
    rsps.patch(
        f"{API}/repos/{REPO}/pulls/12",
        json={"number": 12, "updated": True},
        match=[matchers.json_params_matcher({"title": "T", "body": "B"})],
    )
    rsps.post(
        f"{API}/repos/{REPO}/pulls",
        status=201,
        json={"number": 13},
        match=[
            matchers.json_params_matcher(
                {"title": "T", "head": "octo:autoheal/fix", "base": "main", "body": "B"}
            )
        ],
    )
    pull = gh.upsert_pull(REPO, "octo", "autoheal/fix", "main", "T", "B")
    assert pull["number"] == (12 if found else 13)
    assert rsps.calls[-1].request.method == ("PATCH" if found else "POST")
    assert len(rsps.calls) == (3 if found else 2)  # an existing one: whose is it (GET /user)


@pytest.mark.parametrize("found", [True, False], ids=["update", "create"])
def test_upsert_issue(rsps: responses.RequestsMock, gh: GitHub, found: bool) -> None:
    marker = "<!-- autoheal:rollback -->"
    issues = [
        {"number": 3, "body": f"a PR {marker}", "pull_request": {}},  # PRs are not issues
        {"number": 4, "body": "unrelated"},
    ]
    if found:
        a_pat(rsps)
        issues.append({"number": 5, "body": f"x {marker}", "user": US})
    rsps.get(
        f"{API}/repos/{REPO}/issues",
        json=issues,
        match=[
            matchers.query_param_matcher({"state": "open", "labels": "autoheal", "per_page": "100"})
        ],
    )
    body = f"Rolled back.\n\n{marker}\n"
    rsps.patch(
        f"{API}/repos/{REPO}/issues/5",
        json={"number": 5},
        match=[matchers.json_params_matcher({"title": "T", "body": body})],
    )
    rsps.post(
        f"{API}/repos/{REPO}/issues",
        status=201,
        json={"number": 6},
        match=[matchers.json_params_matcher({"title": "T", "body": body, "labels": ["autoheal"]})],
    )
    issue = gh.upsert_issue(REPO, marker, "T", "Rolled back.", labels=["autoheal"])
    assert issue["number"] == (5 if found else 6)
    assert len(rsps.calls) == (3 if found else 2)


# ---- whose comment, issue, pull request: never edit what someone else wrote ----------------

OURS = "autoheal-pat-owner"
US = {"login": OURS, "type": "User"}
MALLORY = {"login": "mallory", "type": "User"}
COMMENTS = f"{API}/repos/{REPO}/issues/7/comments"


def a_pat(rsps: responses.RequestsMock) -> None:
    """GET /user answers for a personal access token: its owner's login."""
    rsps.get(f"{API}/user", json={"login": OURS, "id": 1, "type": "User"})


def an_installation(rsps: responses.RequestsMock, viewer: str = "github-actions[bot]") -> None:
    """GITHUB_TOKEN and GitHub App tokens may not read /user; GraphQL's viewer names them."""
    rsps.get(
        f"{API}/user",
        status=403,
        json={
            "message": "Resource not accessible by integration",
            "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
        },
    )
    rsps.post(
        f"{API}/graphql",
        json={"data": {"viewer": {"login": viewer}}},
        match=[matchers.json_params_matcher({"query": "query { viewer { login } }"})],
    )


def comment(cid: int, user: dict[str, str], body: str) -> dict[str, Any]:
    return {"id": cid, "user": user, "body": body, "html_url": f"https://github.com/c/{cid}"}


def test_a_strangers_comment_carrying_our_marker_is_left_alone(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    a_pat(rsps)
    rsps.get(COMMENTS, json=[comment(1, MALLORY, f"@team merge it {MARKER}")])
    rsps.post(COMMENTS, status=201, json=comment(2, US, "new"))
    assert gh.upsert_comment(REPO, 7, MARKER, "Healed.") == "https://github.com/c/2"
    assert [c.request.method for c in rsps.calls] == ["GET", "GET", "POST"]
    assert rsps.calls[1].request.url == f"{API}/user"
    assert not [c for c in rsps.calls if c.request.method == "PATCH"]


def test_our_own_comment_is_updated_among_strangers_copies(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    a_pat(rsps)
    rsps.get(
        COMMENTS,
        json=[
            comment(1, MALLORY, f"fake {MARKER}"),
            comment(2, {"login": OURS.upper(), "type": "User"}, f"old {MARKER}"),  # no case
        ],
    )
    rsps.patch(f"{COMMENTS.rsplit('/', 2)[0]}/comments/2", json=comment(2, US, "new"))
    assert gh.upsert_comment(REPO, 7, MARKER, "Healed.") == "https://github.com/c/2"
    assert [c.request.method for c in rsps.calls] == ["GET", "GET", "PATCH"]


def test_an_installation_token_knows_itself_as_its_bot_and_asks_once(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    an_installation(rsps, viewer="octo-healer")  # an App: its comments are `octo-healer[bot]`
    bot = {"login": "octo-healer[bot]", "type": "Bot"}
    human = {"login": "octo-healer", "type": "User"}  # a person may own the same name
    rsps.get(COMMENTS, json=[comment(1, human, MARKER), comment(2, bot, MARKER)])
    rsps.patch(f"{API}/repos/{REPO}/issues/comments/2", json=comment(2, bot, "x"))
    gh.upsert_comment(REPO, 7, MARKER, "one")
    gh.upsert_comment(REPO, 7, MARKER, "two")
    paths = [(c.request.method, c.request.url.split("?")[0]) for c in rsps.calls]
    assert paths.count(("GET", f"{API}/user")) == 1  # the identity is read once per client
    assert paths.count(("POST", f"{API}/graphql")) == 1
    assert paths.count(("PATCH", f"{API}/repos/{REPO}/issues/comments/2")) == 2
    assert ("POST", COMMENTS) not in paths


def test_graphql_of_enterprise_server_is_beside_the_rest_api(
    rsps: responses.RequestsMock, clock: FakeClock
) -> None:
    ghe = "https://ghe.example/api/v3"
    gh = make_client(clock, api_url=ghe)
    rsps.get(f"{ghe}/user", status=403, json={"message": "Resource not accessible by integration"})
    rsps.post(
        "https://ghe.example/api/graphql", json={"data": {"viewer": {"login": "github-actions"}}}
    )
    assert gh.identity() == "github-actions[bot]"


def test_when_the_token_cannot_say_who_it_is_nothing_is_edited_or_posted(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    rsps.get(f"{API}/user", status=403, json={"message": "Resource not accessible by integration"})
    rsps.post(f"{API}/graphql", json={"errors": [{"message": "Something went wrong"}]})
    rsps.get(COMMENTS, json=[comment(1, US, MARKER)])
    with pytest.raises(GitHubError, match="Cannot tell which account the token acts as"):
        gh.upsert_comment(REPO, 7, MARKER, "Healed.")
    assert not [
        c
        for c in rsps.calls
        if c.request.method in ("PATCH",)
        or ("comments" in c.request.url and c.request.method == "POST")
    ]


def test_no_identity_is_asked_when_no_comment_carries_the_marker(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    rsps.get(COMMENTS, json=[comment(1, MALLORY, "hello")])
    rsps.post(COMMENTS, status=201, json=comment(2, US, "new"))
    gh.upsert_comment(REPO, 7, MARKER, "Healed.")
    assert [c.request.method for c in rsps.calls] == ["GET", "POST"]


@pytest.mark.parametrize("last", [7, 12], ids=["page-7-of-7", "page-12-of-12"])
def test_our_comment_on_the_last_page_is_found_and_updated(
    rsps: responses.RequestsMock, gh: GitHub, last: int
) -> None:
    # Ten pages used to be the limit: a comment beyond them was "not found", and a
    # second one was posted.
    a_pat(rsps)
    for page in range(1, last + 1):
        items = [comment(page * 1000 + i, MALLORY, "chatter") for i in range(100)]
        if page == last:
            items.append(comment(7777, US, f"old {MARKER}"))
        link = {"Link": f'<{COMMENTS}?page={page + 1}>; rel="next"'} if page < last else {}
        query = {"per_page": "100"} if page == 1 else {"page": str(page)}
        rsps.get(COMMENTS, json=items, headers=link, match=[matchers.query_param_matcher(query)])
    rsps.patch(f"{API}/repos/{REPO}/issues/comments/7777", json=comment(7777, US, "new"))
    assert gh.upsert_comment(REPO, 7, MARKER, "Healed.") == "https://github.com/c/7777"
    methods = [c.request.method for c in rsps.calls]
    assert methods.count("PATCH") == 1 and "POST" not in methods


def test_a_comment_list_too_long_to_search_posts_nothing(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    rsps.get(
        COMMENTS,
        json=[comment(1, MALLORY, "chatter")],
        headers={"Link": f'<{COMMENTS}?page=2>; rel="next"'},
    )
    with pytest.raises(TooManyPages, match="more than 100 pages"):
        gh.upsert_comment(REPO, 7, MARKER, "Healed.")
    assert {c.request.method for c in rsps.calls} == {"GET"}
    assert len(rsps.calls) == 100


def test_a_strangers_issue_carrying_our_marker_is_left_alone(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    marker = "<!-- autoheal:rollback:main -->"
    a_pat(rsps)
    rsps.get(
        f"{API}/repos/{REPO}/issues",
        json=[{"number": 4, "user": MALLORY, "body": f"ping @org/admins {marker}"}],
    )
    rsps.post(f"{API}/repos/{REPO}/issues", status=201, json={"number": 6, "user": US})
    assert gh.upsert_issue(REPO, marker, "T", "Rolled back.")["number"] == 6
    assert not [c for c in rsps.calls if c.request.method == "PATCH"]


def test_a_pull_request_someone_else_opened_from_our_branch_is_not_rewritten(
    rsps: responses.RequestsMock, gh: GitHub
) -> None:
    a_pat(rsps)
    theirs = {"number": 12, "user": MALLORY, "html_url": "https://github.com/p/12"}
    rsps.get(f"{API}/repos/{REPO}/pulls", json=[theirs])
    pull = gh.upsert_pull(REPO, "octo", "autoheal/fix", "main", "T", "B")
    assert pull["number"] == 12
    assert [c.request.method for c in rsps.calls] == ["GET", "GET"]  # pulls, then /user


def test_add_labels_is_retried_as_idempotent(rsps: responses.RequestsMock, gh: GitHub) -> None:
    url = f"{API}/repos/{REPO}/issues/3/labels"
    rsps.post(url, status=502)
    rsps.post(
        url,
        json=[{"name": "autoheal"}],
        match=[matchers.json_params_matcher({"labels": ["autoheal"]})],
    )
    assert gh.add_labels(REPO, 3, ["autoheal"]) == [{"name": "autoheal"}]
    assert len(rsps.calls) == 2


# ---- statuses and runs --------------------------------------------------------------------

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_create_status_truncates_description(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.post(f"{API}/repos/{REPO}/statuses/{SHA}", status=201, json={"id": 1})
    gh.create_status(REPO, SHA, "success", "autoheal/validate", "d" * 200, "https://x/run")
    sent = json.loads(rsps.calls[0].request.body or b"{}")
    assert len(sent["description"]) == 140
    assert sent["description"].endswith("…")
    assert sent["target_url"] == "https://x/run"
    assert sent["state"] == "success"


def test_create_status_rejects_unknown_state(gh: GitHub) -> None:
    with pytest.raises(ValueError, match="state"):
        gh.create_status(REPO, SHA, "green", "c", "d")


def test_list_statuses(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.get(f"{API}/repos/{REPO}/commits/{SHA}/statuses", json=[{"state": "success"}])
    assert gh.list_statuses(REPO, SHA) == [{"state": "success"}]


def test_runs(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.get(f"{API}/repos/{REPO}/actions/runs/42", json={"id": 42})
    rsps.get(
        f"{API}/repos/{REPO}/actions/runs",
        json={"total_count": 1, "workflow_runs": [{"id": 42}]},
        match=[
            matchers.query_param_matcher(
                {
                    "per_page": "5",
                    "event": "repository_dispatch",
                    "created": ">=2024-01-01T00:00:00Z",
                }
            )
        ],
    )
    rsps.post(f"{API}/repos/{REPO}/actions/runs/42/rerun-failed-jobs", status=201)
    assert gh.get_run(REPO, 42) == {"id": 42}
    runs = gh.list_runs(
        REPO, event="repository_dispatch", created_since="2024-01-01T00:00:00Z", per_page=5
    )
    assert runs == [{"id": 42}]
    assert gh.rerun_failed_jobs(REPO, 42) == 201


def test_rerun_failed_jobs_500_is_not_retried(rsps: responses.RequestsMock, gh: GitHub) -> None:
    rsps.post(f"{API}/repos/{REPO}/actions/runs/42/rerun-failed-jobs", status=500)
    with pytest.raises(MaybeSent):
        gh.rerun_failed_jobs(REPO, 42)
    assert len(rsps.calls) == 1


# ---- statistics ---------------------------------------------------------------------------


def test_stats_count_requests_retries_and_time(
    rsps: responses.RequestsMock, gh: GitHub, clock: FakeClock
) -> None:
    rsps.get(f"{API}/repos/{REPO}", status=503)
    rsps.get(f"{API}/repos/{REPO}", status=429, headers={"retry-after": "5"})
    rsps.get(f"{API}/repos/{REPO}", json={})
    rsps.post(f"{API}/repos/{REPO}/dispatches", status=204)
    gh.get_repo(REPO)
    gh.dispatch(REPO, "heal", {})
    assert gh.stats.requests == 4
    assert gh.stats.retries == 2
    assert gh.stats.seconds == pytest.approx(1.0 + 5.0)


# ---- every message is in the troubleshooting table -----------------------------------------

REPO_URL = f"{API}/repos/{REPO}"
ISSUES_URL = f"{REPO_URL}/issues"


def _get_repo(gh: GitHub) -> Any:
    return gh.get_repo(REPO)


def _open_issue(gh: GitHub) -> Any:
    return gh.request("POST", f"/repos/{REPO}/issues", json={"title": "t"})


def _paginate(gh: GitHub) -> Any:
    return gh.paginate(f"/repos/{REPO}/issues")


API_MESSAGES = [
    pytest.param(
        {"method": "GET", "url": REPO_URL, "status": 401, "json": {"message": "Bad credentials"}},
        _get_repo,
        "GitHub rejected the token (401 …) for …",
        id="401",
    ),
    pytest.param(
        {"method": "GET", "url": REPO_URL, "status": 403, "json": {"message": "Forbidden"}},
        _get_repo,
        "GitHub refused … (403 …): the token lacks a permission",
        id="403",
    ),
    pytest.param(
        {
            "method": "POST",
            "url": ISSUES_URL,
            "status": 403,
            "json": {
                "message": "GitHub Actions is not permitted to create or approve pull requests."
            },
        },
        _open_issue,
        "GitHub refused … (403 GitHub Actions is not permitted to create or approve pull requests",
        id="403-pull-request-setting",
    ),
    pytest.param(
        {"method": "GET", "url": REPO_URL, "status": 404, "json": {"message": "Not Found"}},
        _get_repo,
        "GitHub answered 404 for …",
        id="404",
    ),
    pytest.param(
        {"method": "POST", "url": ISSUES_URL, "status": 422, "json": {"message": "Invalid"}},
        _open_issue,
        "GitHub rejected the content of … (422 …)",
        id="422",
    ),
    pytest.param(
        {"method": "GET", "url": REPO_URL, "status": 409, "json": {"message": "Conflict"}},
        _get_repo,
        "GitHub answered 4… for …: …",
        id="409",
    ),
    pytest.param(
        {"method": "GET", "url": REPO_URL, "status": 429, "headers": {"retry-after": "3600"}},
        _get_repo,
        "GitHub rate limit reached for …; it resets at …",
        id="rate-limit",
    ),
    pytest.param(
        {"method": "GET", "url": REPO_URL, "status": 502, "body": "Bad Gateway"},
        _get_repo,
        "GitHub answered 5… for … after … attempt(s)",
        id="5xx",
    ),
    pytest.param(
        {"method": "POST", "url": ISSUES_URL, "status": 500},
        _open_issue,
        "… may have been received by GitHub (…); it was not repeated",
        id="maybe-sent",
    ),
    pytest.param(
        {"method": "GET", "url": REPO_URL, "body": requests.exceptions.ConnectTimeout("slow")},
        _get_repo,
        "Could not reach GitHub at … after … attempt(s): …",
        id="network",
    ),
    pytest.param(
        {"method": "GET", "url": REPO_URL, "body": "<html>sign in</html>"},
        _get_repo,
        "GitHub answered … with something that is not …",
        id="not-json",
    ),
    pytest.param(
        {
            "method": "GET",
            "url": ISSUES_URL,
            "json": [],
            "headers": {"Link": '<https://evil.example/x>; rel="next"'},
        },
        _paginate,
        "Refusing to send the token to …",
        id="other-host",
    ),
    pytest.param(
        {"method": "GET", "url": REPO_URL, "body": requests.exceptions.TooManyRedirects("loop")},
        _get_repo,
        "… failed in the HTTP library: …",
        id="http-library",
    ),
]


@pytest.mark.parametrize(("answer", "call", "form"), API_MESSAGES)
def test_every_api_error_is_in_the_troubleshooting_table(
    rsps: responses.RequestsMock,
    clock: FakeClock,
    answer: dict[str, Any],
    call: Any,
    form: str,
) -> None:
    rsps.add(**answer)
    with pytest.raises(GitHubError) as caught:
        call(make_client(clock, max_retries=1))
    assert_documented(caught.value.message, form)


@pytest.mark.parametrize(
    ("make", "form"),
    [
        (
            lambda: GitHub(TOKEN, api_url="ghe.example/api/v3"),
            "GitHub API URL … is not an http(s) URL",
        ),
        (lambda: GitHub(TOKEN).get_repo("octo"), "Repository … is not of the form owner/name"),
    ],
    ids=["api-url", "repository"],
)
def test_every_input_error_of_the_client_is_in_the_troubleshooting_table(
    make: Any, form: str
) -> None:
    with pytest.raises(InputError) as caught:
        make()
    assert_documented(caught.value.message, form)
