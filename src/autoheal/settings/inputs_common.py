"""The inputs every mode reads (mode, token, dry-run, config, pause, ...) and those of the
checks engine (heal, validate, rollback): the check commands, detection, parallelism and
timeouts.
"""

from __future__ import annotations

from autoheal.settings.input_spec import CHECKING, MODES, Input

COMMON_INPUTS: tuple[Input, ...] = (
    # Common to every mode.
    Input(
        "mode",
        "enum",
        "",
        "Step of the loop to run: heal, redispatch, validate or rollback.",
        choices=MODES,
        in_config=False,
    ),
    Input(
        "token",
        "str",
        "",
        "Token for the GitHub API and for pushing. Defaults to the job's "
        "GITHUB_TOKEN; redispatch to another repository needs a PAT or GitHub App token "
        "(see docs/token-setup.md).",
        in_config=False,
        secret=True,
    ),
    Input(
        "dry-run",
        "bool",
        "false",
        "Run everything but change nothing remote: no push, no "
        "API writes. Reports what would be done.",
    ),
    Input("working-directory", "str", ".", "Path of the repository to work on.", in_config=False),
    Input(
        "config",
        "str",
        ".github/autoheal.yml",
        "Config file, relative to working-directory. "
        "Optional; inputs given explicitly win over it.",
        in_config=False,
    ),
    Input(
        "fail-on-error",
        "bool",
        "false",
        "Fail the step when an optional part cannot be done "
        "(e.g. redispatch without a token) instead of warning.",
    ),
    Input(
        "enabled",
        "bool",
        "true",
        "false stops every mode before it does anything: it reports SKIPPED and changes "
        "nothing. Set it in .github/autoheal.yml to pause CI Autoheal from the repository.",
    ),
    Input(
        "pause-label",
        "str",
        "autoheal:pause",
        "While an open issue carries this label, applied by a user with write access, every "
        "mode reports SKIPPED and changes nothing (needs `issues: read`); `none` turns the "
        "lookup off.",
    ),
)

CHECK_INPUTS: tuple[Input, ...] = (
    # The checks engine (heal, validate, rollback).
    Input(
        "lint-command",
        "str",
        "",
        "Lint check command (replaces detection for lint).",
        modes=CHECKING,
    ),
    Input(
        "fix-command",
        "str",
        "",
        "Fix command for the lint category (e.g. a formatter).",
        modes=CHECKING,
    ),
    Input("security-command", "str", "", "Security audit command.", modes=CHECKING),
    Input(
        "security-fix-command", "str", "", "Fix command for the security category.", modes=CHECKING
    ),
    Input("build-command", "str", "", "Build command.", modes=CHECKING),
    Input("test-command", "str", "", "Test command.", modes=CHECKING),
    Input(
        "detect",
        "bool",
        "true",
        "Detect checks from the project (Python, Node, Go, Rust) "
        "for categories no input or config defines.",
        modes=CHECKING,
    ),
    Input(
        "max-parallel",
        "int",
        "0",
        "Checks run at the same time; 0 means one per CPU core. Raise it for checks that "
        "mostly wait (network audits, sleeps in tests).",
        modes=CHECKING,
        low=0,
        high=64,
    ),
    Input(
        "check-timeout",
        "int",
        "600",
        "Timeout of each check and fix, in seconds.",
        modes=CHECKING,
        low=1,
        high=21600,
    ),
)
