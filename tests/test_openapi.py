"""The checks of requests against GitHub's OpenAPI description (tests/openapi.py), and their
use by the fake GitHub and tests/conftest.py: what they accept and, above all, what they refuse."""

from __future__ import annotations

import json
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import requests
from pytest_httpserver import HTTPServer

from tests import fake_github, openapi_spec
from tests.fake_github import FakeGitHub
from tests.openapi import request_problems, response_problems, sent_request_problems

SHA = "a" * 40
JSON_HEADERS = {"Content-Type": "application/json"}
DISPATCH = "POST /repos/{owner}/{repo}/dispatches"
REVIEWS = "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews"


@pytest.fixture(autouse=True)
def _description() -> None:
    """Every test here needs the description."""
    reason = openapi_spec.unavailable_reason()
    if reason:
        pytest.skip(reason)


def check(method: str, path: str, body: Any = None, **query: str) -> list[str]:
    return request_problems(method, path, query, JSON_HEADERS if body is not None else {}, body)


# ---- requests: what passes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "query"),
    [
        ("POST", "/repos/o/r/dispatches", {"event_type": "e", "client_payload": {"k": 1}}, {}),
        (
            "POST",
            "/repos/o/r/pulls/7/reviews",
            {
                "commit_id": SHA,
                "event": "COMMENT",
                "body": "Suggested fixes",
                "comments": [
                    {
                        "path": "a.py",
                        "body": "```suggestion\nx = 1\n```",
                        "line": 4,
                        "side": "RIGHT",
                    },
                    {
                        "path": "b.py",
                        "body": "```suggestion\ny = 2\nz = 3\n```",
                        "start_line": 2,
                        "start_side": "RIGHT",
                        "line": 3,
                        "side": "RIGHT",
                    },
                ],
            },
            {},
        ),
        ("GET", "/repos/o/r/collaborators/sam/permission", None, {}),
        ("POST", "/repos/o/r/issues/3/reactions", {"content": "rocket"}, {}),
        ("POST", "/repos/o/r/issues/comments/9/reactions", {"content": "+1"}, {}),
        ("GET", "/repos/o/r/issues/3/events", None, {"per_page": "100", "page": "2"}),
        ("POST", "/repos/o/r/git/blobs", {"content": "aGk=", "encoding": "base64"}, {}),
        (
            "POST",
            "/repos/o/r/git/trees",
            {
                "base_tree": SHA,
                "tree": [
                    {"path": "a.py", "mode": "100644", "type": "blob", "sha": SHA},
                    {"path": "gone.py", "mode": "100644", "type": "blob", "sha": None},  # nullable
                ],
            },
            {},
        ),
        ("POST", "/repos/o/r/git/commits", {"message": "m", "tree": SHA, "parents": [SHA]}, {}),
        ("PATCH", "/repos/o/r/git/refs/heads/feature/deep/x", {"sha": SHA, "force": False}, {}),
        ("GET", "/repos/o/r/rules/branches/release/1.x", None, {"per_page": "100"}),
        ("GET", "/repos/o/r/rules/branches/release%2F1.x", None, {}),
        (
            "POST",
            "/repos/o/r/actions/workflows/ci.yml/dispatches",
            {"ref": "main", "inputs": {"sha": SHA}, "return_run_details": True},
            {},
        ),
        (
            "POST",
            "/repos/o/r/check-runs",
            {
                "name": "autoheal",
                "head_sha": SHA,
                "status": "completed",
                "conclusion": "neutral",
                "output": {
                    "title": "t",
                    "summary": "s",
                    "annotations": [
                        {
                            "path": "a.py",
                            "start_line": 1,
                            "end_line": 2,
                            "annotation_level": "warning",
                            "message": "m",
                        }
                    ],
                },
            },
            {},
        ),
        ("GET", "/user", None, {}),
        ("GET", "/repos/o/r/pulls/comments", None, {}),  # the literal template, not {pull_number}
        ("GET", "/repos/o/r/issues", None, {"state": "open", "labels": "a,b", "per_page": "100"}),
        ("PATCH", "/repos/o/r/issues/3", {"title": "t", "body": None}, {}),  # nullable body
    ],
    ids=lambda value: value if isinstance(value, str) and value.startswith("/") else "",
)
def test_requests_as_github_documents_them_pass(
    method: str, path: str, body: Any, query: dict[str, str]
) -> None:
    assert check(method, path, body, **query) == []


# ---- requests: what fails -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "query", "expected"),
    [
        (
            "POST",
            "/repos/o/r/dispatches",
            {"event_type": "e", "client_payload": {f"k{i}": i for i in range(11)}},
            {},
            f"{DISPATCH}: body.client_payload: has 11 properties, GitHub allows at most 10",
        ),
        (
            "POST",
            "/repos/o/r/dispatches",
            {"client_payload": {}},
            {},
            f"{DISPATCH}: body: 'event_type' is a required property",
        ),
        (
            "POST",
            "/repos/o/r/dispatches",
            {"event_type": "e" * 101},
            {},
            f"{DISPATCH}: body.event_type: has 101 characters, GitHub allows at most 100",
        ),
        (
            "PUT",
            "/repos/o/r/dispatches",
            {"event_type": "e"},
            {},
            "PUT /repos/o/r/dispatches: /repos/{owner}/{repo}/dispatches has only POST",
        ),
        (
            "GET",
            "/repos/o/r/dispatch",
            None,
            {},
            "GET /repos/o/r/dispatch: no operation of GitHub's REST API has this path",
        ),
        (
            "POST",
            "/repos/o/r/pulls/7/reviews",
            {"event": "COMMENT", "comments": [{"path": "a.py", "body": "b", "line": "4"}]},
            {},
            f"{REVIEWS}: body.comments[0].line: '4' is not of type 'integer'",
        ),
        (
            "POST",
            "/repos/o/r/pulls/7/reviews",
            {"event": "COMMENT", "comments": [{"path": "a.py", "body": "b", "startLine": 2}]},
            {},
            f"{REVIEWS}: body.comments[0].startLine: not a field GitHub knows here (it is ignored)",
        ),
        (
            "POST",
            "/repos/o/r/pulls/7/reviews",
            {"event": "SUGGEST"},
            {},
            f"{REVIEWS}: body.event: 'SUGGEST' is not one of ['APPROVE', 'REQUEST_CHANGES', "
            "'COMMENT']",
        ),
        (
            "GET",
            "/repos/o/r/pulls/abc",
            None,
            {},
            "GET /repos/{owner}/{repo}/pulls/{pull_number}: path.pull_number: 'abc' is not of "
            "type 'integer'",
        ),
        (
            "GET",
            "/repos/o/r/issues",
            None,
            {"state": "opened"},
            "GET /repos/{owner}/{repo}/issues: query.state: 'opened' is not one of ['open', "
            "'closed', 'all']",
        ),
        (
            "GET",
            "/repos/o/r/actions/runs",
            None,
            {"created_since": "2026-01-01"},
            "GET /repos/{owner}/{repo}/actions/runs: query.created_since: not a parameter of this "
            "operation",
        ),
        (
            "POST",
            "/repos/o/r/issues",
            None,
            {},
            "POST /repos/{owner}/{repo}/issues: body: required",
        ),
        (
            "GET",
            "/repos/o/r",
            {},
            {},
            "GET /repos/{owner}/{repo}: body: this operation takes no body",
        ),
        (
            "POST",
            "/repos/o/r/actions/workflows/ci.yml/dispatches",
            {"ref": "main", "return_run_details": "true"},
            {},
            "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches: "
            "body.return_run_details: 'true' is not of type 'boolean'",
        ),
        (
            "POST",
            "/repos/o/r/check-runs",
            {
                "name": "n",
                "head_sha": SHA,
                "output": {
                    "title": "t",
                    "summary": "s",
                    "annotations": [
                        {
                            "path": "a",
                            "start_line": 1,
                            "end_line": 1,
                            "annotation_level": "error",
                            "message": "m",
                        }
                    ],
                },
            },
            {},
            "POST /repos/{owner}/{repo}/check-runs: body.output.annotations[0].annotation_level: "
            "'error' is not one of ['notice', 'warning', 'failure']",
        ),
        (
            "POST",
            "/repos/o/r/git/trees",
            {"tree": [{"path": "a", "mode": "100644", "type": "blob", "sha": 5}]},
            {},
            "POST /repos/{owner}/{repo}/git/trees: body.tree[0].sha: 5 is not of type 'string'",
        ),
        (
            "POST",
            "/repos/o/r/issues/3/reactions",
            {"content": "thumbsup"},
            {},
            "POST /repos/{owner}/{repo}/issues/{issue_number}/reactions: body.content: "
            "'thumbsup' is not one of ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', "
            "'rocket', 'eyes']",
        ),
        (
            "DELETE",
            "/repos/o/r/git/refs/heads/main/extra/../x",
            None,
            {},
            "",  # multi-segment refs match: DELETE exists, so no problem
        ),
    ],
    ids=lambda value: value[:60] if isinstance(value, str) and value.startswith("/") else "",
)
def test_requests_unlike_github_documents_them_fail(
    method: str, path: str, body: Any, query: dict[str, str], expected: str
) -> None:
    assert check(method, path, body, **query) == ([expected] if expected else [])


def test_a_json_body_must_say_so_in_content_type() -> None:
    problems = request_problems(
        "POST", "/repos/o/r/dispatches", {}, {"Content-Type": "text/plain"}, {"event_type": "e"}
    )
    assert problems == [
        f"{DISPATCH}: header.Content-Type: 'text/plain', GitHub expects application/json"
    ]


def test_an_operation_without_json_bodies_refuses_one() -> None:
    problems = check("POST", "/markdown/raw", {"text": "x"})
    assert problems == [
        "POST /markdown/raw: body: a JSON body, but this operation takes text/plain, "
        "text/x-markdown"
    ]


# ---- requests handed to `requests` (the `responses` tests) -------------------------------------


@pytest.mark.parametrize(
    ("url", "checked"),
    [
        ("https://api.github.com/repos/o/r/dispatch", True),
        ("https://ghe.example/api/v3/repos/o/r/dispatch", True),
        ("http://127.0.0.1:8080/api/v3/repos/o/r/dispatch", True),
        ("https://github.com/o/r/dispatch", False),
        ("http://127.0.0.1:8080/repos/o/r/dispatch", False),  # transport tests' own servers
    ],
)
def test_sent_requests_are_checked_when_they_go_to_the_api(url: str, checked: bool) -> None:
    prepared = requests.Request("POST", url, json={"event_type": "e"}).prepare()
    expected = ["POST /repos/o/r/dispatch: no operation of GitHub's REST API has this path"]
    assert sent_request_problems(prepared) == (expected if checked else [])


@pytest.mark.parametrize(
    "url", ["https://api.github.com/graphql", "https://ghe.example/api/graphql"]
)
def test_sent_graphql_requests_are_checked_against_the_recorded_shapes(url: str) -> None:
    prepared = requests.Request("POST", url, json={"query": "mutation { nope }"}).prepare()
    expected = ["graphql: Cannot query field 'nope' on type 'Mutation'."]
    assert sent_request_problems(prepared) == expected


# ---- canned answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "expected"),
    [
        ("POST", "/repos/o/r/dispatches", 204, None, []),
        ("POST", "/repos/o/r/dispatches", 200, None, [f"{DISPATCH}: answers 204, never 200"]),
        ("POST", "/repos/o/r/dispatches", 500, {"message": "oops"}, []),  # made up on purpose
        ("GET", f"/repos/o/r/commits/{SHA}", 200, {"author": {"login": "sam"}}, []),  # partial
        (
            "GET",
            f"/repos/o/r/commits/{SHA}",
            200,
            {"author": {"login": "sam", "id": "12"}},
            [
                "GET /repos/{owner}/{repo}/commits/{ref}: response 200.author: {'login': 'sam', "
                "'id': '12'} is not valid under any of the given schemas (closest: response "
                "200.author.id: '12' is not of type 'integer')"
            ],
        ),
        ("GET", "/repos/o/r/actions/runs/5", 200, {"id": 5, "conclusion": None}, []),  # nullable
        (
            "POST",
            "/repos/o/r/actions/workflows/ci.yml/dispatches",
            200,
            {"workflow_run_id": 1, "run_url": "u", "html_url": "h"},
            [],
        ),
        (
            "GET",
            "/repos/o/r/collaborators/sam/permission",
            200,
            {"permission": "write", "role_name": 7},
            [
                "GET /repos/{owner}/{repo}/collaborators/{username}/permission: response "
                "200.role_name: 7 is not of type 'string'"
            ],
        ),
    ],
)
def test_canned_answers_must_look_like_githubs(
    method: str, path: str, status: int, body: Any, expected: list[str]
) -> None:
    assert response_problems(method, path, status, body) == expected


# ---- the fake GitHub ----------------------------------------------------------------------------


def send(url: str, body: Any = None) -> None:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data, headers)  # noqa: S310 (our fake, on loopback)
    try:
        urllib.request.urlopen(request, timeout=5).close()  # noqa: S310
    except urllib.error.HTTPError as answer:  # the fake's 404
        answer.close()


def test_the_fake_keeps_every_problem_until_the_test_ends(httpserver: HTTPServer) -> None:
    fake = FakeGitHub(httpserver)
    fake.route("POST", "/repos/o/r/dispatches", status=200)  # GitHub answers 204
    fake.route("GET", "/repos/o/r", body={"id": "1"}, unlike_github="a broken answer on purpose")
    # Sent with urllib: tests/conftest.py would fail this test for them if requests sent them.
    send(f"{fake.api_url}/repos/o/r/dispatches", {"client_payload": {}})
    send(f"{fake.api_url}/repos/o/r")
    send(f"{fake.api_url}/repos/o/r/nothing-here")
    send(f"{fake.api_url}/graphql", {"query": "mutation { nope }"})
    expected = [
        f"{DISPATCH}: body: 'event_type' is a required property",
        f"{DISPATCH}: answers 204, never 200",
        "GET /repos/o/r/nothing-here: no operation of GitHub's REST API has this path",
        "graphql: Cannot query field 'nope' on type 'Mutation'.",
    ]
    assert fake.problems == expected
    # What tests/conftest.py fails the test with at teardown; taking them leaves none to fail.
    assert fake_github.take_problems() == expected
    assert fake_github.take_problems() == []


def test_the_fake_checks_percent_encoded_paths_as_sent(httpserver: HTTPServer) -> None:
    fake = FakeGitHub(httpserver)
    fake.route("GET", "/repos/o/r/rules/branches/.*", body=[])
    answer = requests.get(f"{fake.api_url}/repos/o/r/rules/branches/release%2F1.x", timeout=5)
    assert answer.status_code == 200
    assert [r.path for r in fake.log] == ["/repos/o/r/rules/branches/release/1.x"]
    assert fake.problems == []


def test_a_test_whose_requests_github_does_not_document_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The teardown check of tests/conftest.py, in a pytest of its own (its requests would
    otherwise fail this test too)."""
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parent.parent))
    pytester.makeconftest("from tests.conftest import _github_requests_as_documented")
    pytester.makepyfile(
        textwrap.dedent(
            """
            import requests
            import responses

            from tests.fake_github import FakeGitHub


            def test_through_responses():
                with responses.RequestsMock() as mock:
                    mock.post("https://api.github.com/repos/o/r/dispatch", status=204)
                    requests.post("https://api.github.com/repos/o/r/dispatch", json={}, timeout=5)


            def test_through_the_fake(httpserver):
                fake = FakeGitHub(httpserver)
                fake.route("POST", "/repos/o/r/dispatches", status=204)
                requests.post(f"{fake.api_url}/repos/o/r/dispatches", json={}, timeout=5)


            def test_as_documented(httpserver):
                fake = FakeGitHub(httpserver)
                fake.route("POST", "/repos/o/r/dispatches", status=204)
                body = {"event_type": "e"}
                requests.post(f"{fake.api_url}/repos/o/r/dispatches", json=body, timeout=5)
            """
        )
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_through_responses*",
            "POST /repos/o/r/dispatch: no operation of GitHub's REST API has this path",
            "*ERROR at teardown of test_through_the_fake*",
            f"{DISPATCH}: body: 'event_type' is a required property",
        ]
    )
