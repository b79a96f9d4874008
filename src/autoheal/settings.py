"""Typed, validated settings from Actions inputs (env), command-line flags and the config file.

Precedence: an explicit input or flag, then `.github/autoheal.yml`, then the built-in default.
Everything is validated before any work starts; a bad value is an `InputError` (exit code 2)
whose message names the input and says what to write instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence

from autoheal.errors import InputError
from autoheal.inputs import BY_NAME, CATEGORIES, INPUTS, MODES, Input
from autoheal.report import LOCAL_TAIL_LINES
from autoheal.snippets import SECRET

#: Inputs naming a commit: locally also as a revision git resolves (`HEAD~2`, a branch).
REVISION_INPUTS = ("sha", "before", "after")
COMMAND_INPUTS = (
    "lint-command",
    "fix-command",
    "security-command",
    "security-fix-command",
    "build-command",
    "test-command",
)


class BadValue(InputError):
    """A value that does not fit its input; `load` rewords it when it came from the file."""

    def __init__(self, spec: Input, value: str, expected: str, hint: str = "") -> None:
        # A value thousands of characters long is shown by its start: enough to find it.
        shown = value if len(value) <= SHOWN_MAX else value[:SHOWN_MAX] + "…"
        message = f"Input `{spec.name}` is {shown!r}, which is not valid.{hint}"
        super().__init__(message, fix=f"Write {expected} instead.")
        self.value = shown
        self.hint = hint


TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import Any, NoReturn

# Start-up matters (the action runs in every failing job): argparse, json and yaml are
# imported only where they are needed, and files are checked with os.path, so that a run
# failing input validation imports as little as possible.

SHA_RE = re.compile(r"^[0-9a-f]{40}$")
# Owner names may hold "_" (Enterprise Managed Users: `octocat_acme`).
REPO_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
AUTHOR_RE = re.compile(r"^(?P<name>[^<>\r\n]+?)\s*<(?P<email>[^<>\s]+)>$")
RUN_ID_RE = re.compile(r"^[1-9][0-9]{0,18}$")  # ASCII digits: isdigit() also takes "²"
INT_RE = re.compile(r"^[+-]?[0-9]+$")  # int() alone also takes "1_000" and non-ASCII digits
SHOWN_MAX = 200  # characters of a bad value quoted in its error
CONFIG_MAX_BYTES = 1024 * 1024  # a config file is a few hundred bytes; this is far beyond
# A workflow as GitHub's API names it: its file name under .github/workflows, or its id.
CI_WORKFLOW_RE = re.compile(r"[A-Za-z0-9._-]+\.ya?ml|[1-9][0-9]{0,18}")  # whole value
TRUE = {"true", "yes", "on", "1"}
FALSE = {"false", "no", "off", "0"}
LABEL_MAX = 50  # GitHub's limit on a label's name


class Settings:
    """Every input, typed and validated; made only by `load`, read-only afterwards.

    A plain class rather than a dataclass: `dataclasses` imports `inspect` (~12 ms), paid by
    every run, even one that fails input validation before it could use a field.
    """

    mode: str
    token: str
    dry_run: bool
    working_directory: Path
    config: str
    fail_on_error: bool
    lint_command: str
    fix_command: str
    security_command: str
    security_fix_command: str
    build_command: str
    test_command: str
    detect: bool
    max_parallel: int
    check_timeout: int
    commit_author: str
    max_diff_lines: int
    allow_binary_changes: bool
    max_heal_attempts: int
    push_retries: int
    ci_workflow: str
    auto_merge: bool
    commit_via: str
    rerun_failed: bool
    max_run_attempts: int
    run_id: str
    event_type: str
    client_payload: dict[str, Any]
    category_outcomes: dict[str, Any]
    repository: list[str]
    label: str
    comment: bool
    wait_for_run: bool
    wait_timeout: int
    confidence: int | None
    sha: str
    retries: int
    threshold: int
    critical_categories: list[str]
    post_status: bool
    rollback_required: bool
    strategy: str
    before: str
    after: str
    rollback_via: str
    max_age_hours: int
    max_rollbacks_per_day: int
    fail_after_rollback: bool
    open_issue: bool
    enabled: bool
    pause_label: str
    heal_via: str
    # Not inputs: where things came from, and how much a local run prints.
    local: bool
    verbose: bool
    checks_config: dict[str, Any]
    explicit: frozenset[str]

    def __init__(self, **values: Any) -> None:
        fields = set(Settings.__annotations__)
        if set(values) != fields:
            raise TypeError(f"Settings() needs exactly these fields: {sorted(fields)}")
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Settings are read-only (tried to set {name})")

    def __repr__(self) -> str:
        shown = {k: ("***" if k == "token" and v else v) for k, v in self.__dict__.items()}
        return f"Settings({shown})"

    @property
    def author_name(self) -> str:
        return _author(self.commit_author)[0]

    @property
    def author_email(self) -> str:
        return _author(self.commit_author)[1]

    @property
    def check_inputs(self) -> dict[str, str]:
        """The command inputs, by input name, for the checks engine."""
        return {n: str(getattr(self, n.replace("-", "_"))) for n in COMMAND_INPUTS}


def build_parser(mode: str = "") -> argparse.ArgumentParser:
    """The command line. With a mode, `--help` lists only the flags that mode reads; every
    flag is still accepted, as every input is in a workflow."""
    import argparse

    class _Parser(argparse.ArgumentParser):
        """argparse that reports errors as InputError instead of exiting."""

        def error(self, message: str) -> NoReturn:
            raise InputError(
                f"Command line: {message}.", fix="Run `autoheal --help` for the flags."
            )

    parser = _Parser(
        prog="autoheal",
        usage=f"autoheal {mode or 'MODE'} [--repo PATH] [flags]",
        description=(
            "CI Autoheal: heal, redispatch, validate or roll back a repository's CI. Run "
            "locally, heal and rollback commit on the current branch and never push; "
            "`--dry-run` changes nothing at all. A boolean flag given alone means true."
        ),
        epilog="The token is read from GITHUB_TOKEN or INPUT_TOKEN, never from a flag. "
        "`autoheal MODE --help` lists only the flags of that mode.",
    )
    parser.add_argument("mode", nargs="?", help="heal, redispatch, validate or rollback")
    groups: dict[tuple[str, ...], argparse._ArgumentGroup] = {}
    for spec in INPUTS:
        if spec.name in ("mode", "token"):
            continue
        shown = not mode or mode in spec.modes
        if spec.modes not in groups:
            title = "every mode" if spec.modes == MODES else ", ".join(spec.modes)
            groups[spec.modes] = parser.add_argument_group(f"flags of {title}")
        group = groups[spec.modes]
        if spec.name == "working-directory":
            group.add_argument(
                "--repo",
                dest=spec.name,
                metavar="PATH",
                help="repository to work on (same as --working-directory; default: .)",
            )
        text = spec.help + (f" (default: {spec.default})" if spec.default else "")
        kwargs: dict[str, Any] = {
            "dest": spec.name,
            "help": text.replace("%", "%%") if shown else argparse.SUPPRESS,
        }
        if spec.kind == "bool":
            kwargs.update(nargs="?", const="true", metavar="BOOL")
        else:
            kwargs["metavar"] = _metavar(spec)
        group.add_argument(f"--{spec.name}", **kwargs)
    groups[MODES].add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help=f"show the whole output of failing checks and of fixes (default: its last "
        f"{LOCAL_TAIL_LINES} lines)",
    )
    return parser


def known_flags(mode: str = "") -> list[str]:
    """The flags `autoheal MODE --help` lists (every flag without a mode)."""
    names = [
        spec.name
        for spec in INPUTS
        if spec.name not in ("mode", "token") and (not mode or mode in spec.modes)
    ]
    return [f"--{name}" for name in ["repo", *names, "verbose", "help"]]


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """` Did you mean `X`?` for the closest of `choices`, or "" when none is close."""
    import difflib  # only on the way to an error

    close = difflib.get_close_matches(word, choices, n=1)
    return f" Did you mean `{close[0]}`?" if close else ""


def _metavar(spec: Input) -> str:
    if spec.kind == "enum":
        return "{" + ",".join(spec.choices) + "}"
    if spec.name in ("sha", "before", "after"):
        return "REV"
    if spec.name in ("working-directory", "config"):
        return "PATH"
    if spec.name.endswith("-command"):
        return "CMD"
    return {"int": "N", "json": "JSON", "list": "OWNER/NAME", "categories": "LIST"}.get(
        spec.kind, "TEXT"
    )


def load(argv: Sequence[str], env: Mapping[str, str]) -> Settings:
    """Collect, merge and validate every setting. Raises InputError on the first bad value."""
    local = env.get("GITHUB_ACTIONS") != "true"
    raw, verbose = _explicit_values(argv, env)
    # The mode first: a run without a valid one stops before the config file is read and
    # its checks are parsed (and their shell strings given to `sh -n`).
    if not _convert(BY_NAME["mode"], raw.get("mode", "")):
        where = (
            "Give it first on the command line, e.g. `autoheal heal --repo .`"
            if local
            else "Add `mode: heal` (or redispatch, validate, rollback) under `with:`"
        )
        raise InputError("Input `mode` is required.", fix=f"{where}.")
    # Stripped as every other input is: a trailing newline from a YAML block is never meant.
    workdir = raw.get("working-directory", "").strip() or "."
    if not os.path.isdir(workdir):
        from pathlib import Path  # for the same spelling of the path as everywhere

        _bad(BY_NAME["working-directory"], str(Path(workdir)), "a directory that exists")
    if local:
        for name in REVISION_INPUTS:
            if raw.get(name, "").strip():
                raw[name] = _revision(BY_NAME[name], raw[name].strip(), workdir)
    config_rel = raw.get("config", "").strip() or BY_NAME["config"].default
    file_values, checks_config = _read_config(workdir, config_rel, "config" in raw)
    values: dict[str, Any] = {}
    for spec in INPUTS:
        text = raw.get(spec.name)
        if text is not None:
            values[spec.attr] = _convert(spec, text)
        elif spec.name in file_values:
            values[spec.attr] = _from_file(spec, file_values[spec.name], workdir, config_rel)
        else:
            values[spec.attr] = _convert(spec, spec.default)
    from pathlib import Path  # only once the inputs are valid

    values["working_directory"] = Path(workdir)
    if checks_config or any(values[n.replace("-", "_")] for n in COMMAND_INPUTS):
        _check_definitions(values, checks_config, Path(workdir) / config_rel)
    return Settings(
        **values,
        local=local,
        verbose=verbose,
        checks_config=checks_config,
        explicit=frozenset(raw),
    )


def _revision(spec: Input, value: str, workdir: str) -> str:
    """A local run's revision (`HEAD~2`, a short sha, a branch or a tag) as the full sha of
    its commit, as git resolves it in the working directory.

    Only locally: in Actions these inputs come from events and expressions, and a value that
    is not a full sha there is a mistake to report, not a name to look up (a branch named like
    the sha it should be, or a shallow clone missing `HEAD~2`, would pick another commit).
    """
    if SHA_RE.match(value.lower()):
        return value  # checked as it is, like in Actions (all zeros is a `before`)
    fix = (
        "Write a commit this repository has: a sha (full or short), a branch, a tag or a "
        "revision such as HEAD~2."
    )
    if value.startswith("-") or not value.isprintable():
        # Never handed to git: it would read the first as an option.
        raise InputError(f"Input `{spec.name}` is {value!r}, which is not a revision.", fix=fix)
    from pathlib import Path

    from autoheal.git import Git

    sha = Git(Path(workdir)).rev_parse(value)
    if sha is None:
        raise InputError(
            f"Input `{spec.name}` is {value!r}, which git cannot resolve to a commit in "
            f"{Path(workdir).resolve()}.",
            fix=fix + " Fetch it first if only the remote has it.",
        )
    return sha


def _from_file(spec: Input, text: str, workdir: str, config_rel: str) -> Any:
    """A value from the config file: when it is bad, the error names the file, not an input."""
    try:
        return _convert(spec, text)
    except BadValue as exc:
        from pathlib import Path

        raise InputError(
            f"Config file {Path(workdir) / config_rel}: `{spec.name}` is {exc.value!r}, "
            f"which is not valid.{exc.hint}",
            fix=exc.fix,
        ) from exc


def _check_definitions(values: dict[str, Any], checks_config: dict[str, Any], path: Path) -> None:
    """The checks the inputs and the `checks:` table define, checked now in every mode: a typo
    there must stop the run before anything is fetched, sent, committed or pushed, and not only
    in the mode (or strategy) that happens to run the checks."""
    from autoheal.checks import check_definitions

    inputs = {n: values[n.replace("-", "_")] for n in COMMAND_INPUTS}
    check_definitions(
        values["working_directory"],
        inputs,
        checks_config,
        timeout=values["check_timeout"],
        config_path=path,
    )


def _explicit_values(argv: Sequence[str], env: Mapping[str, str]) -> tuple[dict[str, str], bool]:
    """Inputs given on purpose: non-empty INPUT_* variables, then flags (flags win); and
    whether `--verbose` was given."""
    raw: dict[str, str] = {}
    verbose = False
    for spec in INPUTS:
        value = env.get(spec.env, "")
        if value.strip():
            raw[spec.name] = value
    if not raw.get("token"):
        raw["token"] = env.get("GITHUB_TOKEN", "")
    if argv:  # in Actions there are none: skip building the parser
        if any(arg == "--token" or arg.startswith("--token=") for arg in argv):
            # Refused by name, not as an unknown flag: argparse would quote the value back.
            raise InputError(
                "Command line: `--token` is not a flag (a token in argv shows in the process "
                "list and the shell history).",
                fix="Set GITHUB_TOKEN in the environment instead.",
            )
        # The mode comes first: a wrong one fails before argparse is imported and the
        # parser built (~10 ms, as long as the rest of the start-up).
        mode = "" if argv[0].startswith("-") else _convert(BY_NAME["mode"], argv[0])
        namespace, extra = build_parser(mode).parse_known_args(list(argv))
        if extra:
            _unknown_argument(extra, mode)
        args = vars(namespace)
        verbose = bool(args.pop("verbose"))
        for name, value in args.items():
            if value is not None:
                raw[name] = value
    return {k: v for k, v in raw.items() if v != ""}, verbose


def _unknown_argument(extra: Sequence[str], mode: str) -> NoReturn:
    """Refuse what argparse did not take, with the flag that was probably meant."""
    where = f"autoheal {mode} --help" if mode else "autoheal --help"
    flags = [arg for arg in extra if arg.startswith("-")]
    if not flags:
        raise InputError(
            f"Command line: unexpected argument {extra[0][:60]!r} (the mode comes first, "
            "and every value follows its flag).",
            fix=f"Run `{where}` for the flags.",
        )
    # Only the flag's name: `--tokn=VALUE` must not print the value.
    name = flags[0].split("=", 1)[0]
    hint = did_you_mean(name, known_flags(mode)) or did_you_mean(name, known_flags())
    raise InputError(
        f"Command line: unknown flag `{name[:60]}`.{hint}", fix=f"Run `{where}` for the flags."
    )


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
