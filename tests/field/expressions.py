"""GitHub Actions expressions, evaluated the way the runner does, for the field tests.

The field tests run the example workflows' steps (`examples/*.yml`) in order, so a step's
`if:` and its `with:` values must mean what they mean on GitHub: loose equality, strings
compared without case, `&&`/`||` giving one of their operands, `!cancelled()` and friends from
the job's state. Only what workflows use is here: literals, contexts with `.` and `[...]`,
`! < <= > >= == != && ||`, and the status and string functions.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')"
    r"|(?P<op>&&|\|\||==|!=|<=|>=|[!<>()\[\].,])|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)
_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class JobState:
    """What the status functions read: did an earlier step of the job fail."""

    failed: bool = False
    cancelled: bool = False


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r} in {text!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def truthy(value: Any) -> bool:
    if value is None or value is False or value == "":
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0 and not math.isnan(value)
    return True


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else 0.0
        except ValueError:
            return math.nan
    return math.nan


def loose_equal(a: Any, b: Any) -> bool:
    """GitHub's `==`: strings without case; other mixed types compared as numbers."""
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return a is b
    if a is None and b is None:
        return True
    if type(a) is type(b) and not isinstance(a, str):
        return bool(a == b)
    return _number(a) == _number(b)


def to_string(value: Any) -> str:
    """How a value is written into a `with:` value or a `${{ }}` template."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _member(value: Any, key: Any) -> Any:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if isinstance(k, str) and isinstance(key, str) and k.casefold() == key.casefold():
                return v
        return None
    if isinstance(value, list) and isinstance(key, (int, float)) and not isinstance(key, bool):
        index = int(key)
        return value[index] if 0 <= index < len(value) else None
    return None


class _Parser:
    def __init__(self, text: str, contexts: Mapping[str, Any], state: JobState) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.pos = 0
        self.contexts = contexts
        self.state = state

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()} in {self.text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.compare()
            value = right if truthy(value) else value
        return value

    def compare(self) -> Any:
        value = self.unary()
        ops: dict[str, Callable[[Any, Any], bool]] = {
            "==": loose_equal,
            "!=": lambda a, b: not loose_equal(a, b),
            "<": lambda a, b: _number(a) < _number(b),
            "<=": lambda a, b: _number(a) <= _number(b),
            ">": lambda a, b: _number(a) > _number(b),
            ">=": lambda a, b: _number(a) >= _number(b),
        }
        while (token := self.peek()) is not None and token[0] == "op" and token[1] in ops:
            self.take()
            value = ops[token[1]](value, self.unary())
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while (token := self.peek()) is not None and token[1] in (".", "["):
            self.take()
            if token[1] == ".":
                value = _member(value, self.take()[1])
            else:
                key = self.or_()
                self.take("]")
                value = _member(value, key)
        return value

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if text == "(":
            value = self.or_()
            self.take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r} in {self.text!r}")
        if self.peek() == ("op", "("):
            return self.call(text)
        literals = {"true": True, "false": False, "null": None}
        if text in literals:
            return literals[text]
        if text not in self.contexts:
            raise ExpressionError(f"unknown context {text!r} in {self.text!r}")
        return self.contexts[text]

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        while self.peek() != ("op", ")"):
            args.append(self.or_())
            if self.peek() == ("op", ","):
                self.take()
        self.take(")")
        state = self.state
        functions: dict[str, Callable[..., Any]] = {
            "success": lambda: not state.failed and not state.cancelled,
            "failure": lambda: state.failed,
            "cancelled": lambda: state.cancelled,
            "always": lambda: True,
            "format": lambda fmt, *rest: re.sub(
                r"\{(\d+)\}", lambda m: to_string(rest[int(m.group(1))]), to_string(fmt)
            ),
            "contains": _contains,
            "startswith": lambda a, b: to_string(a).casefold().startswith(to_string(b).casefold()),
            "endswith": lambda a, b: to_string(a).casefold().endswith(to_string(b).casefold()),
            "fromjson": lambda text: json.loads(to_string(text)),
            "tojson": lambda value: json.dumps(value, indent=2),
            "join": lambda items, sep=",": to_string(sep).join(to_string(i) for i in items),
        }
        function = functions.get(name.casefold())
        if function is None:
            raise ExpressionError(f"unknown function {name}() in {self.text!r}")
        return function(*args)


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(loose_equal(item, needle) for item in haystack)
    return to_string(needle).casefold() in to_string(haystack).casefold()


def evaluate(text: str, contexts: Mapping[str, Any], state: JobState | None = None) -> Any:
    """The value of one expression (without its `${{ }}`)."""
    return _Parser(text, contexts, state or JobState()).parse()


def condition(value: Any, contexts: Mapping[str, Any], state: JobState) -> bool:
    """An `if:`: absent means `success()`; with or without `${{ }}` around it."""
    if value is None:
        return not state.failed and not state.cancelled
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    whole = _TEMPLATE.fullmatch(text)
    if whole:
        text = whole.group(1)
    uses_status = re.search(r"\b(success|failure|cancelled|always)\s*\(", text, re.I)
    if not uses_status:  # GitHub adds `success() &&` to a condition without a status check
        text = f"success() && ({text})"
    return truthy(evaluate(text, contexts, state))


def render(value: Any, contexts: Mapping[str, Any], state: JobState | None = None) -> str:
    """A `with:` value: every `${{ }}` replaced by its value as text."""
    text = to_string(value)
    return _TEMPLATE.sub(lambda m: to_string(evaluate(m.group(1), contexts, state)), text)
