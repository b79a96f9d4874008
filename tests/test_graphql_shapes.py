"""The recorded shape of GitHub's GraphQL mutation enablePullRequestAutoMerge
(tests/graphql_shapes.py): what it accepts and what it refuses."""

from __future__ import annotations

from typing import Any

import pytest

from tests.graphql_shapes import graphql_problems

SHA = "a" * 40
AUTO_MERGE = "enablePullRequestAutoMerge"
BY_FIELDS = """
mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod,
                         $commitHeadline: String, $commitBody: String, $authorEmail: String,
                         $expectedHeadOid: GitObjectID) {
  enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod,
      commitHeadline: $commitHeadline, commitBody: $commitBody, authorEmail: $authorEmail,
      expectedHeadOid: $expectedHeadOid}) {
    pullRequest { number autoMergeRequest { enabledAt mergeMethod } }
  }
}
"""
BY_INPUT = """
mutation($input: EnablePullRequestAutoMergeInput!) {
  enablePullRequestAutoMerge(input: $input) { clientMutationId }
}
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                "query": BY_FIELDS,
                "variables": {
                    "pullRequestId": "PR_kwDOA",
                    "mergeMethod": "SQUASH",
                    "commitHeadline": "h",
                    "commitBody": "b",
                    "authorEmail": "a@example.com",
                    "expectedHeadOid": SHA,
                },
            },
            [],
        ),
        ({"query": BY_FIELDS, "variables": {"pullRequestId": "PR_kwDOA"}}, []),
        ({"query": BY_INPUT, "variables": {"input": {"pullRequestId": "PR_kwDOA"}}}, []),
        (
            {"query": BY_FIELDS, "variables": {"mergeMethod": "MERGE"}},
            [
                "graphql: Variable '$pullRequestId' has invalid value: Expected a value of "
                "non-null type 'ID!' to be provided."
            ],
        ),
        (
            {"query": BY_FIELDS, "variables": {"pullRequestId": "P", "mergeMethod": "FAST"}},
            [
                "graphql: Variable '$mergeMethod' has invalid value: Value 'FAST' does not exist "
                "in 'PullRequestMergeMethod' enum."
            ],
        ),
        (
            {"query": BY_FIELDS, "variables": {"pullRequestId": "P", "expectedHeadOid": "main"}},
            [
                "graphql: Variable '$expectedHeadOid' has invalid value: GitObjectID must be a "
                "hex object id, got 'main'"
            ],
        ),
        (
            {"query": BY_INPUT, "variables": {"input": {"pullRequestId": "P", "title": "t"}}},
            [
                "graphql: Variable '$input' has invalid value: Expected value of type "
                "'EnablePullRequestAutoMergeInput' not to include unknown field 'title', "
                "found: {'pullRequestId': 'P', 'title': 't'}."
            ],
        ),
        (
            {"query": BY_FIELDS, "variables": {"pullRequestId": "P", "sha": SHA}},
            ["graphql: variables.sha: not declared by the operation"],
        ),
        (
            {"query": 'query { node(id: "P") { id } }'},
            ["graphql: the operation does not call the mutation enablePullRequestAutoMerge"],
        ),
        (
            {"query": "mutation { mergePullRequest(input: {}) { clientMutationId } }"},
            ["graphql: Cannot query field 'mergePullRequest' on type 'Mutation'."],
        ),
        (
            {"query": "mutation {", "variables": {}},
            ["graphql: query does not parse: Syntax Error: Expected Name, found <EOF>."],
        ),
        ({"mutation": BY_INPUT}, ["graphql: the body must be a JSON object with a string `query`"]),
    ],
)
def test_enable_pull_request_auto_merge_shape(body: Any, expected: list[str]) -> None:
    assert graphql_problems(body, AUTO_MERGE) == expected
