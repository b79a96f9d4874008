"""Check requests to our fake GitHub (and its canned answers) against GitHub's OpenAPI description.

    problems = request_problems("POST", "/repos/o/r/dispatches", {}, headers, body)
    # ["POST /repos/{owner}/{repo}/dispatches: body.client_payload: has 11 properties, ..."]

A request is matched to an operation by its path template (`{ref}`-like parameters that the
description marks `x-multi-segment` may hold slashes; the most literal template wins, as on
GitHub: `/pulls/comments` before `/pulls/{pull_number}`), then checked: the method exists, path
and query parameters have their types (unknown query parameters are reported: GitHub ignores
them, so a misspelt one would go unnoticed), required ones are there, and the JSON body is
valid against the operation's request body schema. Schemas are OpenAPI 3.0, close to JSON
Schema draft 4; `nullable: true` also allows null; `additionalProperties` is as written.
On top of the schema, a body field that the schema does not list is reported (GitHub ignores
it, like a misspelt query parameter), except below `allOf`/`anyOf`/`oneOf`, where each branch
lists only some of the fields.

`/graphql` is not in the REST description: `tests/graphql_shapes.py` checks those bodies.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import requests
from jsonschema import Draft4Validator, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT4

from tests.graphql_shapes import graphql_problems
from tests.openapi_spec import spec_document

SPEC_URI = "urn:github:openapi:api.github.com"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON = "application/json"
COMPOSITIONS = ("allOf", "anyOf", "oneOf")
SIZE_KEYWORDS = {
    "maxProperties": ("properties", "at most"),
    "minProperties": ("properties", "at least"),
    "maxItems": ("items", "at most"),
    "minItems": ("items", "at least"),
    "maxLength": ("characters", "at most"),
    "minLength": ("characters", "at least"),
}
MESSAGE_MAX = 200


def _nullable(keyword: Callable[..., Iterator[ValidationError]]) -> Callable[..., Any]:
    """OpenAPI 3.0's `nullable: true`: null is valid whatever the other keywords say."""

    def check(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
        if instance is None and schema.get("nullable") is True:
            return
        yield from keyword(validator, value, instance, schema)

    return check


def _no_required(_validator: Any, _value: Any, _instance: Any, _schema: Any) -> Iterator[Any]:
    return iter(())


_KEYWORDS = {name: _nullable(fn) for name, fn in Draft4Validator.VALIDATORS.items()}
# Requests: the whole schema. Canned answers: a test answers with the fields it needs, so
# `required` is not enforced there, but every field it does send must have GitHub's type.
RequestValidator = validators.extend(Draft4Validator, _KEYWORDS)
PartialValidator = validators.extend(Draft4Validator, {**_KEYWORDS, "required": _no_required})


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # e.g. /repos/{owner}/{repo}/dispatches
    pointer: str  # JSON pointer of the operation object in the description
    spec: dict[str, Any]
    parameters: dict[tuple[str, str], tuple[str, dict[str, Any]]]  # (in, name) -> pointer, param

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"


@dataclass(frozen=True)
class _Template:
    template: str
    regex: re.Pattern[str]
    names: tuple[str, ...]
    specificity: tuple[int, int]  # literal characters, then fewer multi-segment parameters


class Description:
    """The parsed description with its path templates compiled once."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.registry: Registry[Any] = Registry().with_resource(
            SPEC_URI, DRAFT4.create_resource(document)
        )
        self.templates = sorted(
            (self._compile(template) for template in document["paths"]),
            key=lambda t: t.specificity,
            reverse=True,
        )

    # ---- the description as data -----------------------------------------------------------

    def at(self, pointer: str) -> Any:
        node: Any = self.document
        for part in pointer.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def resolve(self, pointer: str) -> tuple[str, Any]:
        """Follow local `$ref`s: the pointer and the object finally reached."""
        node = self.at(pointer)
        while isinstance(node, dict) and "$ref" in node:
            pointer = str(node["$ref"]).removeprefix("#")
            node = self.at(pointer)
        return pointer, node

    @functools.cache  # noqa: B019 (one Description per session)
    def operations(self, template: str) -> dict[str, Operation]:
        base = "/paths/" + _escape(template)
        item = self.document["paths"][template]
        found = {}
        for method in HTTP_METHODS:
            if method not in item:
                continue
            pointer = f"{base}/{method}"
            parameters = {}
            # Path-item parameters first; the operation's own override them (OpenAPI 3.0).
            for owner, entries in ((base, item), (pointer, item[method])):
                for index, _ in enumerate(entries.get("parameters", [])):
                    where, param = self.resolve(f"{owner}/parameters/{index}")
                    parameters[(param["in"], param["name"])] = (where, param)
            found[method.upper()] = Operation(
                method.upper(), template, pointer, item[method], parameters
            )
        return found

    def _compile(self, template: str) -> _Template:
        multi = {
            name
            for operation in self.operations(template).values()
            for (where, name), (_, param) in operation.parameters.items()
            if where == "path" and param.get("x-multi-segment")
        }
        pattern, names, literal = "", [], 0
        for piece in re.split(r"(\{[^}]+\})", template):
            if piece.startswith("{"):
                names.append(piece[1:-1])
                pattern += "(.+)" if piece[1:-1] in multi else "([^/]+)"
            else:
                pattern += re.escape(piece)
                literal += len(piece)
        specificity = (literal, -len(multi & set(names)))
        return _Template(template, re.compile(pattern), tuple(names), specificity)

    # ---- finding the operation --------------------------------------------------------------

    def match(self, method: str, path: str) -> tuple[Operation | None, dict[str, str], str]:
        """The operation for `method path` (raw, still percent-encoded), its path parameters
        (decoded), or a problem saying why there is none."""
        method = method.upper()
        candidates = [(t, m) for t in self.templates if (m := t.regex.fullmatch(path))]
        if not candidates:
            return None, {}, f"{method} {path}: no operation of GitHub's REST API has this path"
        for template, found in candidates:
            operation = self.operations(template.template).get(method)
            if operation is not None:
                groups = found.groups()
                values = {n: unquote(v) for n, v in zip(template.names, groups, strict=True)}
                return operation, values, ""
        closest = candidates[0][0].template
        allowed = ", ".join(self.operations(closest))
        return None, {}, f"{method} {path}: {closest} has only {allowed}"

    # ---- schemas ----------------------------------------------------------------------------

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one Description per session)
    def validator(self, pointer: str, partial: bool = False) -> Any:
        cls = PartialValidator if partial else RequestValidator
        ref = {"$ref": SPEC_URI + "#" + quote(pointer, safe="/~")}
        return cls(ref, registry=self.registry, format_checker=cls.FORMAT_CHECKER)

    def schema_problems(
        self, pointer: str, instance: Any, where: str, *, partial: bool = False
    ) -> list[str]:
        errors = self.validator(pointer, partial).iter_errors(instance)
        problems = [_describe(error, where) for error in sorted(errors, key=_error_order)]
        if not partial:
            problems += self.unknown_fields(pointer, instance, where)
        return problems

    def unknown_fields(self, pointer: str, instance: Any, where: str) -> list[str]:
        """Fields the schema does not list, where it lists them all (see the module doc)."""
        pointer, schema = self.resolve(pointer)
        if not isinstance(schema, dict) or any(key in schema for key in COMPOSITIONS):
            return []
        problems = []
        if isinstance(instance, dict) and "properties" in schema:
            known = schema["properties"]
            for key, value in instance.items():
                if key in known:
                    child = f"{pointer}/properties/{_escape(key)}"
                    problems += self.unknown_fields(child, value, f"{where}.{key}")
                elif "additionalProperties" not in schema and "patternProperties" not in schema:
                    problems.append(f"{where}.{key}: not a field GitHub knows here (it is ignored)")
        elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(instance):
                problems += self.unknown_fields(f"{pointer}/items", item, f"{where}[{index}]")
        return problems


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _error_order(error: ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) + "\0" + str(error.message)


def _describe(error: ValidationError, where: str, *, relative: bool = False) -> str:
    parts = error.relative_path if relative else error.absolute_path
    place = where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)
    keyword = str(error.validator)
    if keyword in SIZE_KEYWORDS and hasattr(error.instance, "__len__"):
        unit, bound = SIZE_KEYWORDS[keyword]
        message = f"has {len(error.instance)} {unit}, GitHub allows {bound} {error.validator_value}"
    else:
        message = error.message
        if len(message) > MESSAGE_MAX:
            message = message[: MESSAGE_MAX - 1] + "…"
        if error.context:  # anyOf/oneOf: name what failed in the branch that got furthest
            closest = max(error.context, key=lambda sub: len(sub.relative_path))
            message += f" (closest: {_describe(closest, place, relative=True)})"
    return f"{place}: {message}"


@functools.lru_cache(maxsize=1)
def description() -> Description:
    """The session's one Description; raises SpecUnavailable when the description is missing."""
    return Description(spec_document())


# ---- requests ---------------------------------------------------------------------------------


def request_problems(
    method: str,
    path: str,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
) -> list[str]:
    """Everything about one request that GitHub's description says is wrong; [] when fine.

    `path` is without the API prefix (`/repos/o/r/dispatches`), raw or percent-decoded;
    `body` is the decoded JSON, or None when the request had none.
    """
    spec = description()
    operation, path_values, problem = spec.match(method, path)
    if operation is None:
        return [problem]
    problems = _parameter_problems(spec, operation, path_values, query or {}, headers or {})
    problems += _body_problems(spec, operation, headers or {}, body)
    return [f"{operation.label}: {p}" for p in problems]


def _parameter_problems(
    spec: Description,
    operation: Operation,
    path_values: Mapping[str, str],
    query: Mapping[str, str],
    headers: Mapping[str, str],
) -> list[str]:
    given = {
        "path": dict(path_values),
        "query": dict(query),
        "header": {name.lower(): value for name, value in headers.items()},
    }
    problems = []
    for (where, name), (pointer, param) in operation.parameters.items():
        key = name.lower() if where == "header" else name
        if key not in given.get(where, {}):
            if param.get("required"):
                problems.append(f"{where}.{name}: required")
            continue
        schema_pointer, schema = spec.resolve(pointer + "/schema")
        value = _coerce(spec, schema, given[where][key])
        problems += spec.schema_problems(schema_pointer, value, f"{where}.{name}")
    known = {name for (where, name) in operation.parameters if where == "query"}
    problems += [
        f"query.{name}: not a parameter of this operation" for name in query.keys() - known
    ]
    return problems


def _coerce(spec: Description, schema: Any, text: str) -> Any:
    """A path or query string as the typed value the schema describes (left as it is when it
    does not parse, so that the schema check names it)."""
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind == "integer" and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if kind == "number" and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return float(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    if kind == "array":
        items = schema.get("items", {})
        if "$ref" in items:
            items = spec.resolve(str(items["$ref"]).removeprefix("#"))[1]
        return [_coerce(spec, items, part) for part in text.split(",")]
    return text


def _body_problems(
    spec: Description, operation: Operation, headers: Mapping[str, str], body: Any
) -> list[str]:
    if "requestBody" not in operation.spec:
        return [] if body is None else ["body: this operation takes no body"]
    pointer, request_body = spec.resolve(operation.pointer + "/requestBody")
    if body is None:
        return ["body: required"] if request_body.get("required") else []
    if JSON not in request_body.get("content", {}):
        return [f"body: a JSON body, but this operation takes {', '.join(request_body['content'])}"]
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", JSON)
    problems = []
    if content_type.split(";")[0].strip().lower() != JSON:
        problems.append(f"header.Content-Type: {content_type!r}, GitHub expects {JSON}")
    schema_pointer = f"{pointer}/content/{_escape(JSON)}/schema"
    return problems + spec.schema_problems(schema_pointer, body, "body")


GITHUB_HOSTS = {"api.github.com"}
GHES_PREFIX = "/api/v3"
GRAPHQL = "/graphql"
GHES_GRAPHQL = "/api/graphql"


def github_request_problems(
    method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str], body: Any
) -> list[str]:
    """request_problems(), or graphql_problems() for `POST /graphql`, which is not REST."""
    if path == GRAPHQL and method.upper() == "POST":
        return graphql_problems(body)
    return request_problems(method, path, query, headers, body)


def sent_request_problems(request: requests.PreparedRequest) -> list[str]:
    """github_request_problems() of a request our client handed to `requests`, if it went to
    GitHub's API: api.github.com, or any host's /api/v3 (GHES, and our fakes) or /api/graphql."""
    url = urlsplit(request.url or "")
    if url.hostname in GITHUB_HOSTS:
        path = url.path
    elif url.path.startswith(GHES_PREFIX + "/"):
        path = url.path.removeprefix(GHES_PREFIX)
    elif url.path == GHES_GRAPHQL:
        path = GRAPHQL
    else:
        return []
    raw = request.body
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        return [f"{request.method} {path}: body: not JSON"]
    query = dict(parse_qsl(url.query, keep_blank_values=True))
    return github_request_problems(str(request.method), path, query, dict(request.headers), body)


# ---- canned answers -----------------------------------------------------------------------------


def response_problems(method: str, path: str, status: int, body: Any) -> list[str]:
    """What in a canned answer does not look like GitHub's: a success status the operation
    never answers, or a field whose type or value GitHub's schema does not allow. Fields may
    be left out (tests answer with what they need); statuses GitHub does not list for the
    operation (500s, rate limits) are not checked, since tests make those up on purpose."""
    spec = description()
    operation, _, _ = spec.match(method, path)
    if operation is None:
        return []  # the request check already names it
    responses = operation.spec.get("responses", {})
    if str(status) not in responses:
        if 200 <= status < 300:
            listed = ", ".join(code for code in responses if code.startswith("2"))
            return [f"{operation.label}: answers {listed}, never {status}"]
        return []
    pointer, response = spec.resolve(f"{operation.pointer}/responses/{status}")
    if body is None:
        return []
    if JSON not in response.get("content", {}):
        return [f"{operation.label}: a {status} answer from GitHub has no JSON body"]
    schema_pointer = f"{pointer}/content/{_escape(JSON)}/schema"
    where = f"response {status}"
    problems = spec.schema_problems(schema_pointer, body, where, partial=True)
    return [f"{operation.label}: {p}" for p in problems]
