"""Which formatters and linters a project configures or declares, read from its own files.

Detection turns a formatter or linter into a check (and its fix into a fixer) only when the
project says it uses that tool: an installed tool alone is no such statement (every example
workflow installs ruff, whatever the project formats with). See the table in
docs/configuration.md.

Every read is bounded and never raises: a file that cannot be read or parsed configures
nothing, and why is kept in `problems` for the summary's skipped list.

TOML: `tomllib` on Python 3.11+. Python 3.10 has none and `tomli` is not a dependency, so there
a scan of table headers (`[tool.ruff]`, `[[tool.mypy.overrides]]`) and of bare and dotted keys
stands in. It answers the only questions asked here (is a table there, has it a key) and can be
fooled only by a multi-line string holding a line that looks like a header; it never fails.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: Bytes read of any configuration file; a larger one configures nothing.
MAX_CONFIG_BYTES = 1024 * 1024
#: pre-commit hooks looked at: YAML aliases can repeat one huge list many times.
MAX_HOOKS = 10_000
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"


@dataclass(frozen=True)
class Place:
    """One place a tool's configuration can live: a `[tool.TABLE]` table of pyproject.toml, a
    `[TABLE]` section of an INI file, or (no table) a file whose presence is enough."""

    file: str
    table: str = ""

    def describe(self) -> str:
        if not self.table:
            return self.file
        if self.file == "pyproject.toml":
            return f"[tool.{self.table}] in {self.file}"
        return f"[{self.table}] in {self.file}"


def _ini(section: str, *files: str) -> tuple[Place, ...]:
    return tuple(Place(name, section) for name in files)


#: Where each Python tool is configured, in the order the tool itself looks.
PYTHON_RULES: dict[str, tuple[Place, ...]] = {
    "ruff": (Place("pyproject.toml", "ruff"), Place("ruff.toml"), Place(".ruff.toml")),
    "black": (Place("pyproject.toml", "black"),),
    "isort": (
        Place("pyproject.toml", "isort"),
        Place(".isort.cfg"),
        *_ini("isort", "setup.cfg", "tox.ini"),
        *_ini("tool:isort", "setup.cfg", "tox.ini"),
    ),
    "flake8": (Place(".flake8"), *_ini("flake8", "setup.cfg", "tox.ini")),
    "mypy": (
        *_ini("mypy", "mypy.ini", ".mypy.ini"),
        Place("pyproject.toml", "mypy"),
        *_ini("mypy", "setup.cfg"),
    ),
}


def places(tool: str) -> str:
    """Where `tool` can be configured, for a skip reason: "a, b or c"."""
    names = [place.describe() for place in PYTHON_RULES[tool]]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


ESLINT_FILES = (
    *(f"eslint.config.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts", "cts")),
    ".eslintrc",
    *(f".eslintrc.{ext}" for ext in ("js", "cjs", "json", "yml", "yaml")),
)
#: Globs of prettier's configuration files (`.prettierrc`, `.prettierrc.json`, ...).
PRETTIER_GLOBS = (".prettierrc", ".prettierrc.*", "prettier.config.*")
#: package.json keys that configure a Node tool.
NODE_KEYS = {"eslint": "eslintConfig", "prettier": "prettier"}


class ProjectConfig:
    """The configuration files at `root`, each read at most once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        #: file name -> why its settings were not read
        self.problems: dict[str, str] = {}
        self._toml: dict[str, Mapping[str, Any]] = {}
        self._ini: dict[str, configparser.RawConfigParser | None] = {}

    # ------------------------------------------------------------------ reading

    def text(self, name: str) -> str | None:
        """A file's text, or None when it is missing or unreadable (noted in `problems`)."""
        path = self.root / name
        if not path.is_file():
            return None
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            self.problems[name] = f"could not be read ({exc.strerror or exc})"
            return None
        if len(data) > MAX_CONFIG_BYTES:
            self.problems[name] = f"is larger than {MAX_CONFIG_BYTES // 1024} KiB: not read"
            return None
        return data.decode("utf-8", errors="replace")

    def toml(self, name: str) -> Mapping[str, Any]:
        """A TOML file's tables, or {} when it is missing or broken."""
        if name not in self._toml:
            text = self.text(name)
            table: Mapping[str, Any] = {}
            if text is not None:
                try:
                    table = parse_toml(text)
                except ValueError as exc:  # tomllib.TOMLDecodeError
                    self.problems[name] = f"is not valid TOML ({exc}): its settings were not read"
            self._toml[name] = table
        return self._toml[name]

    def ini(self, name: str) -> configparser.RawConfigParser | None:
        """An INI file (setup.cfg, tox.ini, ...), or None when it is missing or broken."""
        if name not in self._ini:
            text = self.text(name)
            parser: configparser.RawConfigParser | None = None
            if text is not None:
                # Raw and not strict, as flake8 and isort read these files.
                parser = configparser.RawConfigParser(strict=False)
                try:
                    parser.read_string(text, source=name)
                except configparser.Error as exc:
                    first = str(exc).splitlines()[0]
                    self.problems[name] = f"is not a valid INI file ({first}): not read"
                    parser = None
            self._ini[name] = parser
        return self._ini[name]

    # ------------------------------------------------------------------ questions

    def pyproject_tool(self, name: str) -> Mapping[str, Any] | None:
        """The `[tool.NAME]` table of pyproject.toml, or None."""
        tools = self.toml("pyproject.toml").get("tool")
        found = tools.get(name) if isinstance(tools, Mapping) else None
        return found if isinstance(found, Mapping) else None

    def python_tool(self, tool: str) -> str | None:
        """Where the project configures a Python tool of `PYTHON_RULES` (for the summary), or
        None when it does not."""
        place = self._python_place(tool)
        return place.describe() if place else None

    def _python_place(self, tool: str) -> Place | None:
        for place in PYTHON_RULES[tool]:
            if self._table(place) is not None:
                return place
        return None

    def _table(self, place: Place) -> Mapping[str, Any] | None:
        """The settings at `place` ({} for a file that counts by being there), or None."""
        if not place.table:
            return {} if (self.root / place.file).is_file() else None
        if place.file == "pyproject.toml":
            return self.pyproject_tool(place.table)
        parser = self.ini(place.file)
        if parser is None or not parser.has_section(place.table):
            return None
        return dict(parser.items(place.table))

    def mypy_lists_files(self) -> bool:
        """Whether mypy's configuration names the files to check (then `mypy` needs no `.`)."""
        place = self._python_place("mypy")
        return place is not None and "files" in (self._table(place) or {})

    def ruff_formats(self) -> str | None:
        """Where the project says it formats with ruff, or None.

        `[tool.ruff]` alone says the project lints with ruff; many such projects format with
        black or not at all, and `ruff format` would rewrite every file. A `format` table, or a
        `ruff-format` hook in the pre-commit configuration, says the formatter is in use too.
        """
        # `in`, not a type test: the TOML scan of Python 3.10 knows keys, not values.
        if "format" in (self.pyproject_tool("ruff") or {}):
            return "[tool.ruff.format] in pyproject.toml"
        for name in ("ruff.toml", ".ruff.toml"):
            if "format" in self.toml(name):
                return f"[format] in {name}"
        hooks = self.pre_commit_hooks()
        if hooks is not None and "ruff-format" in hooks.ids:
            return f"the ruff-format hook in {PRE_COMMIT_CONFIG}"
        return None

    def node_tool(self, tool: str, package: Mapping[str, Any]) -> str | None:
        """Where the project configures eslint or prettier, or None."""
        if tool == "eslint":
            for name in ESLINT_FILES:
                if (self.root / name).is_file():
                    return name
        else:
            for pattern in PRETTIER_GLOBS:
                for path in sorted(self.root.glob(pattern)):
                    if path.is_file():
                        return path.name
        key = NODE_KEYS[tool]
        return f"the `{key}` key of package.json" if key in package else None

    def pre_commit_hooks(self) -> Hooks | None:
        """The hooks of `.pre-commit-config.yaml`, or None when there is no usable one."""
        text = self.text(PRE_COMMIT_CONFIG)
        if text is None:
            return None
        try:
            config = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.problems[PRE_COMMIT_CONFIG] = f"is not valid YAML ({first}): not used"
            return None
        repos = config.get("repos") if isinstance(config, dict) else None
        if not isinstance(repos, list):
            self.problems[PRE_COMMIT_CONFIG] = "has no `repos:` list: not used"
            return None
        return Hooks.of(repos)


@dataclass(frozen=True)
class Hooks:
    """What a pre-commit configuration runs: hook ids, and the words of local hooks' entries."""

    ids: frozenset[str]
    entry_words: frozenset[str]

    @classmethod
    def of(cls, repos: list[Any]) -> Hooks:
        ids: set[str] = set()
        words: set[str] = set()
        seen = 0
        for repo in repos:
            hooks = repo.get("hooks") if isinstance(repo, dict) else None
            for hook in hooks if isinstance(hooks, list) else []:
                seen += 1
                if seen > MAX_HOOKS:
                    return cls(frozenset(ids), frozenset(words))
                if not isinstance(hook, dict):
                    continue
                if isinstance(hook.get("id"), str):
                    ids.add(hook["id"])
                if isinstance(hook.get("entry"), str):
                    # `.venv/bin/black`, `npx eslint --fix`: the program's own name counts.
                    words.update(word.rsplit("/", 1)[-1] for word in hook["entry"].split())
        return cls(frozenset(ids), frozenset(words))

    def runs(self, tool: str) -> bool:
        """Whether a hook runs `tool` (ids like `ruff-format` and `black-jupyter` included)."""
        return tool in self.entry_words or any(
            hook_id == tool or hook_id.startswith(f"{tool}-") for hook_id in self.ids
        )


# --------------------------------------------------------------------------- TOML


def parse_toml(text: str) -> Mapping[str, Any]:
    """TOML's tables: tomllib where Python has it (raises ValueError on bad TOML), else the
    header scan described in the module docstring."""
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(text)
    return scan_toml(text)


_NAME = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""  # one part of a dotted key
_HEADER = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(rf"^\s*({_NAME}(?:\s*\.\s*{_NAME})*)\s*=")
_PART = re.compile(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+)""")


def scan_toml(text: str) -> dict[str, Any]:
    """Tables and keys of a TOML text, without values (every key maps to True). Never fails."""
    root: dict[str, Any] = {}
    table = root
    for line in text.splitlines():
        if header := _HEADER.match(line):
            table = _descend(root, _dotted(header.group(1)))
        elif key := _KEY.match(line):
            *parents, last = _dotted(key.group(1))
            _descend(table, parents).setdefault(last, True)
    return root


def _dotted(name: str) -> list[str]:
    """`tool."ruff" . lint` -> ["tool", "ruff", "lint"]."""
    parts = [next(g for g in match.groups() if g is not None) for match in _PART.finditer(name)]
    return parts or [name]


def _descend(table: dict[str, Any], path: list[str]) -> dict[str, Any]:
    for part in path:
        child = table.get(part)
        if not isinstance(child, dict):
            child = {}
            table[part] = child
        table = child
    return table
