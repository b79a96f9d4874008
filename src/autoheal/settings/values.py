"""Conversion and validation of each value: the text of an input, a flag or a config key
becomes its typed value (booleans, whole numbers in range, choices, JSON objects, repository
names, categories, shas, run ids, `Name <email>`, labels, the token's characters), or a
`BadValue` error that names the input and says what to write instead.
"""

from __future__ import annotations

import re

from autoheal.errors import InputError
from autoheal.settings.flags import did_you_mean
from autoheal.settings.inputs import BY_NAME, CATEGORIES, Input
from autoheal.snippets import SECRET

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any, NoReturn

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
# Owner names may hold "_" (Enterprise Managed Users: `octocat_acme`).
REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
AUTHOR_RE = re.compile(r"^(?P<name>[^<>\r\n]+?)\s*<(?P<email>[^<>\s]+)>$")
RUN_ID_RE = re.compile(r"^[1-9][0-9]{0,18}$")  # ASCII digits: isdigit() also takes "²"
INT_RE = re.compile(r"^[+-]?[0-9]+$")  # int() alone also takes "1_000" and non-ASCII digits
SHOWN_MAX = 200  # characters of a bad value quoted in its error
# A workflow as GitHub's API names it: its file name under .github/workflows, or its id.
CI_WORKFLOW_RE = re.compile(r"[A-Za-z0-9._-]+\.ya?ml|[1-9][0-9]{0,18}")  # whole value
TRUE = {"true", "yes", "on", "1"}
FALSE = {"false", "no", "off", "0"}
LABEL_MAX = 50  # GitHub's limit on a label's name


class BadValue(InputError):
    """A value that does not fit its input; `load` rewords it when it came from the file."""

    def __init__(self, spec: Input, value: str, expected: str, hint: str = "") -> None:
        # A value thousands of characters long is shown by its start: enough to find it.
        shown = value if len(value) <= SHOWN_MAX else value[:SHOWN_MAX] + "…"
        message = f"Input `{spec.name}` is {shown!r}, which is not valid.{hint}"
        super().__init__(message, fix=f"Write {expected} instead.")
        self.value = shown
        self.hint = hint


def _expected(spec: Input) -> str:
    """What a valid value of `spec` looks like, for the fix of an error message."""
    if spec.kind == "bool":
        return "true or false"
    if spec.kind == "int":
        return f"a whole number from {spec.low} to {spec.high}"
    if spec.kind == "enum":
        return " or ".join(spec.choices)
    if spec.kind == "json":
        return 'a JSON object (in braces), e.g. \'{"env": "prod"}\''
    if spec.kind == "list":
        return "owner/name, e.g. octo-org/octo-repo"
    if spec.kind == "categories":
        return "a comma list of " + ", ".join(CATEGORIES)
    return "a string"


def _convert(spec: Input, text: str) -> Any:
    value = text.strip()
    kind = spec.kind
    if kind == "bool":
        low = value.lower()
        if low in TRUE or low in FALSE:
            return low in TRUE
        _bad(spec, value, _expected(spec))
    if kind == "int":
        return _int(spec, value)
    if kind == "enum":
        low = value.lower()
        if spec.name == "mode" and not low:
            return ""
        if low not in spec.choices:
            _bad(spec, value, _expected(spec), did_you_mean(low, spec.choices))
        return low
    if kind == "json":
        return _json_object(spec, value)
    if kind == "list":
        items = [p.strip() for p in re.split(r"[,\n]", value) if p.strip()]
        for item in items:
            if not is_repository(item):
                _bad(spec, item, _expected(spec))
        return items
    if kind == "categories":
        cats = [p.strip().lower() for p in value.split(",") if p.strip()]
        for cat in cats:
            if cat not in CATEGORIES:
                _bad(spec, cat, _expected(spec))
        return cats
    return _text(spec, value)


def _text(spec: Input, value: str) -> Any:
    if spec.name == "token" and any(c.isspace() or not c.isprintable() for c in value):
        # Never echo it. A line break inside would also split it for the runner's masking.
        raise InputError(
            "Input `token` contains a line break, a space or another invisible character: "
            "it is not a token.",
            fix="Store the token alone in the secret (one line, no quotes or spaces) and pass "
            f"it as `token: ${{{{ secrets.{SECRET} }}}}`.",
        )
    if spec.name == "token" and not value.isascii():
        # Never echo it. It goes in an HTTP header, where only ASCII is sent as written.
        raise InputError(
            "Input `token` contains a character that is not ASCII: it is not a token.",
            fix="Copy the token again from where it was created (GitHub's tokens are letters, "
            "digits and `_`), store it alone in the secret and pass it as "
            f"`token: ${{{{ secrets.{SECRET} }}}}`.",
        )
    if spec.name in ("event-type", "label") and not value.isprintable():
        # Names GitHub matches exactly (`types:` filters, labels): a line break is a mistake.
        _bad(spec, value, "one line of printable characters (no line break or tab)")
    if spec.name == "confidence":
        return (
            None
            if value == ""
            else _int(Input("confidence", "int", "", "", low=0, high=100), value)
        )
    if spec.name in ("sha", "before", "after") and value:
        # All zeros is how GitHub says "no commit": a meaningful `before` (a new branch), but
        # never a commit to validate or revert.
        if not SHA_RE.match(value.lower()) or (spec.name != "before" and not value.strip("0")):
            _bad(spec, value, "a full 40-character commit SHA, e.g. ${{ github.sha }}")
        return value.lower()
    if spec.name == "run-id" and value and not RUN_ID_RE.match(value):
        _bad(spec, value, "a workflow run id (digits), e.g. ${{ github.event.workflow_run.id }}")
    if spec.name == "commit-author":
        _author(value)
    if spec.name == "ci-workflow" and value and not CI_WORKFLOW_RE.fullmatch(value):
        hint = " Give the file name alone, without its folder." if "/" in value else ""
        _bad(spec, value, "the CI workflow's file name (e.g. `ci.yml`) or its numeric id", hint)
    if spec.name == "pause-label":
        _label(spec, value)
    if spec.name == "event-type" and not 1 <= len(value) <= 100:
        _bad(spec, value[:20] + "...", "1 to 100 characters (GitHub's limit)")
    if spec.name == "mode":
        return value.lower()
    return value


def _label(spec: Input, value: str) -> None:
    """A label GitHub can hold (at most 50 characters) and the issues list can filter on: its
    `labels` parameter is a comma list, so a comma would split the name in two."""
    if not value or len(value) > LABEL_MAX or "," in value or not value.isprintable():
        _bad(
            spec,
            value[: LABEL_MAX + 10],
            f"a label name of 1 to {LABEL_MAX} characters without commas, e.g. "
            "autoheal:pause (or none to turn the lookup off)",
        )


def _int(spec: Input, value: str) -> int:
    # Digits counted first: int() of thousands of digits raises (or takes time) on its own.
    too_long = len(value.lstrip("+-")) > len(str(spec.high)) + 2
    if too_long or not INT_RE.match(value) or not spec.low <= int(value) <= spec.high:
        _bad(spec, value, _expected(spec))
    return int(value)


def _json_object(spec: Input, value: str) -> dict[str, Any]:
    from autoheal.safe_load import LoadError, loads_json

    try:
        parsed = loads_json(value or "{}")
    except LoadError as exc:
        _bad(spec, value[:40], f'a JSON object, e.g. \'{{"env": "prod"}}\' ({exc.why})')
    if not isinstance(parsed, dict):
        _bad(spec, value[:40], _expected(spec))
    return parsed


def _author(value: str) -> tuple[str, str]:
    match = AUTHOR_RE.match(value.strip())
    if not match:
        _bad(BY_NAME["commit-author"], value, "`Name <email>`, e.g. `bot <bot@example.com>`")
    return match["name"], match["email"]


def is_repository(name: str) -> bool:
    """`owner/name`, and nothing that could escape the API path ("..")."""
    return bool(REPO_RE.match(name)) and ".." not in name


def _bad(spec: Input, value: str, expected: str, hint: str = "") -> NoReturn:
    raise BadValue(spec, value, expected, hint)
