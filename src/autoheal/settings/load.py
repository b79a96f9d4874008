"""From INPUT_* variables and command-line flags to `Settings`: collect what was given on
purpose, read the mode and the working directory first, resolve a local run's revisions
(`HEAD~2`, a branch) to shas, merge the config file under the explicit values, convert every
value and check the check definitions before any work starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from autoheal.errors import InputError
from autoheal.settings.config_file import _read_config
from autoheal.settings.flags import _unknown_argument, build_parser
from autoheal.settings.inputs import BY_NAME, INPUTS, Input
from autoheal.settings.model import COMMAND_INPUTS, Settings
from autoheal.settings.values import SHA_RE, BadValue, _bad, _convert

#: Inputs naming a commit: locally also as a revision git resolves (`HEAD~2`, a branch).
REVISION_INPUTS = ("sha", "before", "after")

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


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
