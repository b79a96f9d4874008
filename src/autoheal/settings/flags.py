"""The command line: the argparse parser built from the catalogue of inputs (with a mode,
`--help` lists only that mode's flags), the list of known flags, "did you mean" suggestions,
and the error for an unknown flag or a stray argument. argparse is imported only when there is
a command line to parse.
"""

from __future__ import annotations

from collections.abc import Sequence

from autoheal.errors import InputError
from autoheal.report import LOCAL_TAIL_LINES
from autoheal.settings.inputs import INPUTS, MODES, Input

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from typing import Any, NoReturn


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
