"""The optional config file (`.github/autoheal.yml` by default): read it within a size limit,
parse it as plain YAML, refuse unknown keys, and turn each value into the text an input would
hold, plus the `checks:` table for the checks engine.
"""

from __future__ import annotations

import os

from autoheal.errors import InputError
from autoheal.settings.inputs import BY_NAME, INPUTS, Input
from autoheal.settings.values import _expected

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

CONFIG_MAX_BYTES = 1024 * 1024  # a config file is a few hundred bytes; this is far beyond


def _read_config(
    workdir: str, config_rel: str, required: bool
) -> tuple[dict[str, str], dict[str, Any]]:
    """Parse the optional config file into input values (as text) and the `checks:` table."""
    where = os.path.join(workdir, config_rel)
    if not os.path.isfile(where):
        if required or os.path.exists(where):  # a folder in its place is never meant
            from pathlib import Path

            what = "is not a file" if os.path.exists(where) else "does not exist"
            raise InputError(
                f"Config file {Path(workdir) / config_rel} {what}.",
                fix="Set `config` to a YAML file relative to `working-directory`, or remove the "
                "`config` input to use the default (.github/autoheal.yml).",
            )
        return {}, {}
    from pathlib import Path

    path = Path(workdir) / config_rel
    if os.path.getsize(path) > CONFIG_MAX_BYTES:
        raise InputError(
            f"Config file {path} is larger than {CONFIG_MAX_BYTES // (1024 * 1024)} MB.",
            fix="Keep only CI Autoheal's settings in it (a few lines).",
        )
    from autoheal.safe_load import LoadError, loads_yaml  # only when there is a file

    try:
        doc = loads_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(
            f"Config file {path} is not valid YAML: {exc}.",
            fix="Save the file as UTF-8 text.",
        ) from exc
    except LoadError as exc:
        if not exc.syntax:
            raise InputError(
                f"Config file {path} cannot be used: {exc.why}.",
                fix="Write each value out plainly (no `&anchor`/`*alias`, no deep nesting).",
            ) from exc
        raise InputError(
            f"Config file {path} is not valid YAML: {exc.why}.",
            fix="Fix the syntax; `python3 -c 'import yaml,sys; "
            "yaml.safe_load(open(sys.argv[1]))' FILE` shows where.",
        ) from exc
    if doc is None:
        return {}, {}
    if not isinstance(doc, dict):
        raise InputError(
            f"Config file {path} must be a mapping of keys to values.",
            fix="Write `key: value` lines, e.g. `threshold: 40`.",
        )
    values: dict[str, str] = {}
    checks: dict[str, Any] = {}
    for key, value in doc.items():
        spec = BY_NAME.get(str(key))
        if key == "checks":
            if not isinstance(value, dict):
                raise InputError(
                    f"Config file {path}: `checks` must be a mapping of categories.",
                    fix="Write e.g. `checks: {lint: {command: 'ruff check .'}}`.",
                )
            checks = value
        elif spec is None or not spec.in_config:
            allowed = ", ".join(["checks"] + [i.name for i in INPUTS if i.in_config])
            raise InputError(
                f"Config file {path}: unknown key `{key}`.", fix=f"Use one of: {allowed}."
            )
        else:
            values[spec.name] = _config_text(spec, value, path)
    return values, checks


def _config_text(spec: Input, value: Any, path: Path) -> str:
    """YAML gives bools, ints and lists; inputs are text. Convert, refusing what cannot fit."""
    if value is None:
        raise InputError(
            f"Config file {path}: `{spec.name}` has no value.",
            fix=f"Write {_expected(spec)} after `{spec.name}:` (`''` for an empty string), "
            "or remove the line.",
        )
    if isinstance(value, bool):
        if spec.kind != "bool":
            raise InputError(
                f"Config file {path}: `{spec.name}` must not be true/false.",
                fix=f"Write {_expected(spec)} instead (quote a word YAML reads as a boolean, "
                "e.g. `'yes'`).",
            )
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, list) and spec.kind in ("list", "categories"):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict) and spec.kind == "json":
        import json

        return json.dumps(value)
    raise InputError(
        f"Config file {path}: `{spec.name}` has the wrong type ({type(value).__name__}).",
        fix=f"Write {_expected(spec)} instead.",
    )
