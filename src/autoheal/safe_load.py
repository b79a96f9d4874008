"""JSON and YAML written by someone else, read within bounds of time and memory.

Inputs, the config file and the event file are data from the workflow, the repository or
whoever sent a dispatch. Python's parsers accept things that fail much later, or never end:

- `NaN` and `Infinity` (not JSON: requests refuses to send them, GitHub would too);
- integers of thousands of digits (`int()` refuses them with a ValueError of its own);
- nesting thousands of levels deep (RecursionError here, or later in whatever walks it);
- YAML aliases, which share one node many times: nine levels of ten aliases each are a
  billion values to whoever walks or serialises them ("billion laughs").

`LoadError.why` says what was refused in words a user can act on; callers name the input,
file or key.
"""

from __future__ import annotations

from typing import Any

#: Nesting deeper than any real config, event or payload: GitHub's events stay under 10.
MAX_DEPTH = 64
#: Digits of an integer: GitHub's ids fit in 19; anything longer is a mistake or an attack.
MAX_INT_DIGITS = 30
#: Values (nodes) of one YAML document.
MAX_YAML_NODES = 100_000


class LoadError(ValueError):
    """The text was refused. `why` says what and, when known, where (line); `syntax` is
    true when the text is not JSON or YAML at all (else it broke one of the bounds)."""

    def __init__(self, why: str, *, syntax: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.syntax = syntax


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


def _refuse_constant(name: str) -> Any:
    raise LoadError(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise LoadError(f"a number of {digits} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def loads_json(text: str) -> Any:
    """`json.loads`, refusing NaN/Infinity, huge integers and deep nesting."""
    import json

    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_int=_bounded_int)
    except LoadError:
        raise
    except json.JSONDecodeError as exc:
        raise LoadError(f"{exc.msg}, line {exc.lineno} column {exc.colno}", syntax=True) from None
    except RecursionError:
        raise LoadError(_too_deep()) from None
    except ValueError as exc:  # e.g. a float of 400 digits: Python's own limits
        raise LoadError(str(exc)[:120]) from None
    check_depth(value)
    return value


def check_depth(value: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse values nested deeper than `limit` (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            raise LoadError(_too_deep())
        stack.extend((child, depth + 1) for child in children)


def _too_deep(line: int | None = None) -> str:
    where = f" (line {line})" if line else ""
    return f"nested more than {MAX_DEPTH} levels{where}"


# --------------------------------------------------------------------------------------------
# YAML
# --------------------------------------------------------------------------------------------


def loads_yaml(text: str) -> Any:
    """`yaml.safe_load` without aliases, with bounded nesting and size. An integer too long
    for a number stays text, so that the key it belongs to is refused by name."""
    import yaml

    try:
        return yaml.load(text, Loader=_loader_class())  # noqa: S506 (a SafeLoader)
    except LoadError:
        raise
    except yaml.YAMLError as exc:
        raise LoadError(str(exc), syntax=True) from None
    except (RecursionError, ValueError) as exc:
        raise LoadError(
            _too_deep() if isinstance(exc, RecursionError) else str(exc)[:120]
        ) from None


_LOADER: Any = None


def _loader_class() -> Any:
    """Built on first use: importing yaml costs start-up time a run may not need."""
    global _LOADER
    if _LOADER is not None:
        return _LOADER
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        def __init__(self, stream: Any) -> None:
            super().__init__(stream)
            self._depth = 0
            self._nodes = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                raise LoadError(
                    f"YAML aliases (`*{event.anchor}`, line {line}) are not allowed: "
                    "write the value out"
                )
            self._nodes += 1
            if self._nodes > MAX_YAML_NODES:
                raise LoadError(f"more than {MAX_YAML_NODES} values (line {line})")
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    raise LoadError(_too_deep(line))
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_yaml_int(self, node: Any) -> Any:
            text = str(node.value).replace("_", "")
            if len(text.lstrip("+-")) > MAX_INT_DIGITS:
                return str(node.value)  # refused by name where it is used
            return super().construct_yaml_int(node)

    BoundedLoader.add_constructor("tag:yaml.org,2002:int", BoundedLoader.construct_yaml_int)
    _LOADER = BoundedLoader
    return _LOADER
