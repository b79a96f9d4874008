"""Shapes of the GitHub GraphQL requests we send, recorded from GitHub's GraphQL reference.

GraphQL is not in the REST OpenAPI description, so the part of GitHub's schema that our
requests touch is kept here as SDL, copied from the reference pages named next to each type.
A body sent to `POST /graphql` is parsed and validated against it with graphql-core (fields,
arguments, literal values, variable definitions), then its `variables` are coerced to the
declared types: a missing `pullRequestId`, an unknown input field or a merge method GitHub does
not have is a problem. A request that uses a type or field not recorded here is a problem too:
add what it needs here, from the reference, before using it.

    problems = graphql_problems(body, "enablePullRequestAutoMerge")
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationType,
    StringValueNode,
    build_schema,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.language import FieldNode

SCHEMA_SDL = """
# https://docs.github.com/en/graphql/reference/mutations#enablepullrequestautomerge
type Mutation {
  enablePullRequestAutoMerge(
    input: EnablePullRequestAutoMergeInput!
  ): EnablePullRequestAutoMergePayload
}

# https://docs.github.com/en/graphql/reference/input-objects#enablepullrequestautomergeinput
# Only pullRequestId is non-null: GitHub uses the MERGE method when mergeMethod is left out.
input EnablePullRequestAutoMergeInput {
  authorEmail: String
  clientMutationId: String
  commitBody: String
  commitHeadline: String
  expectedHeadOid: GitObjectID
  mergeMethod: PullRequestMergeMethod
  pullRequestId: ID!
}

# https://docs.github.com/en/graphql/reference/objects#enablepullrequestautomergepayload
type EnablePullRequestAutoMergePayload {
  actor: Actor
  clientMutationId: String
  pullRequest: PullRequest
}

# https://docs.github.com/en/graphql/reference/enums#pullrequestmergemethod
enum PullRequestMergeMethod { MERGE REBASE SQUASH }

# https://docs.github.com/en/graphql/reference/enums#pullrequeststate
enum PullRequestState { CLOSED MERGED OPEN }

# https://docs.github.com/en/graphql/reference/scalars
scalar GitObjectID
scalar DateTime
scalar URI

# https://docs.github.com/en/graphql/reference/objects#pullrequest (the fields we read)
type PullRequest implements Node {
  autoMergeRequest: AutoMergeRequest
  headRefOid: GitObjectID!
  id: ID!
  number: Int!
  state: PullRequestState!
  url: URI!
}

# https://docs.github.com/en/graphql/reference/objects#automergerequest
type AutoMergeRequest {
  authorEmail: String
  commitBody: String
  commitHeadline: String
  enabledAt: DateTime
  enabledBy: Actor
  mergeMethod: PullRequestMergeMethod!
  pullRequest: PullRequest!
}

# https://docs.github.com/en/graphql/reference/interfaces#actor
interface Actor {
  avatarUrl(size: Int): URI!
  login: String!
  resourcePath: URI!
  url: URI!
}

# https://docs.github.com/en/graphql/reference/interfaces#node
interface Node { id: ID! }

# https://docs.github.com/en/graphql/reference/objects#user (the fields we read)
type User implements Actor & Node {
  avatarUrl(size: Int): URI!
  id: ID!
  login: String!
  resourcePath: URI!
  url: URI!
}

# https://docs.github.com/en/graphql/reference/queries#node and
# https://docs.github.com/en/graphql/reference/queries#viewer (the account the token acts as)
type Query {
  node(id: ID!): Node
  viewer: User!
}
"""

BODY_KEYS = {"query", "variables", "operationName"}
GIT_OBJECT_ID = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")  # SHA-1, or SHA-256 repositories


def _git_object_id(value: Any) -> str:
    if not isinstance(value, str) or not GIT_OBJECT_ID.fullmatch(value):
        raise GraphQLError(f"GitObjectID must be a hex object id, got {value!r}")
    return value


def _git_object_id_literal(node: Any, _variables: Any = None) -> str:
    if not isinstance(node, StringValueNode):
        raise GraphQLError("GitObjectID must be a string")
    return _git_object_id(node.value)


@functools.lru_cache(maxsize=1)
def github_schema() -> GraphQLSchema:
    schema = build_schema(SCHEMA_SDL)
    oid = schema.type_map["GitObjectID"]
    # graphql-core 3.3 reads coerce_input_*; the older names are kept for 3.2.
    oid.coerce_input_value = oid.parse_value = _git_object_id  # type: ignore[attr-defined]
    oid.coerce_input_literal = oid.parse_literal = _git_object_id_literal  # type: ignore[attr-defined]
    return schema


def graphql_problems(body: Any, mutation: str | None = None) -> list[str]:
    """What is wrong with a `POST /graphql` JSON body; [] when GitHub's schema accepts it.

    With `mutation`, the operation must also call that mutation.
    """
    if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
        return ["graphql: the body must be a JSON object with a string `query`"]
    problems = [
        f"graphql: {key}: not a field of a GraphQL request" for key in body.keys() - BODY_KEYS
    ]
    variables = body.get("variables") or {}
    if not isinstance(variables, Mapping):
        return [*problems, "graphql: variables: must be a JSON object"]
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return [*problems, f"graphql: query does not parse: {exc.message}"]
    schema = github_schema()
    problems += [f"graphql: {error.message}" for error in validate(schema, document)]
    if problems:
        return problems
    operation = get_operation_ast(document, body.get("operationName"))
    if operation is None:
        return ["graphql: no single operation to run (set operationName)"]
    called = [s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    if mutation is not None and (
        operation.operation is not OperationType.MUTATION or mutation not in called
    ):
        problems.append(f"graphql: the operation does not call the mutation {mutation}")
    declared = {d.variable.name.value for d in operation.variable_definitions or ()}
    problems += [
        f"graphql: variables.{name}: not declared by the operation"
        for name in sorted(variables.keys() - declared)
    ]
    coerced = get_variable_values(schema, operation.variable_definitions or (), dict(variables))
    if isinstance(coerced, list):
        problems += [f"graphql: {error.message}" for error in coerced]
    return problems
