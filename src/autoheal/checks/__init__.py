"""Checks: what heal, validate and rollback run on a tree, how they are found, and how they run.

- `model`: `Check`, `CheckResult`, `Plan`, `CATEGORIES` and the three shapes of a command
  (argument list, shell string, steps);
- `config`: checks from the command inputs and from the `checks:` table of
  `.github/autoheal.yml`, their validation (`check_definitions`), and `build_checks`, which
  makes the plan (input > config > detected);
- `detect`: `detect_project`, the checks a project's own files and installed tools give, one
  module per ecosystem (`python`, `node`, `go`, `rust`, `pre_commit`), what they share
  (`common`) and what a project configures, read from its files (`project_config`);
- `runner`: running checks and fixes as subprocesses (timeouts that end the process group,
  output capped at head and tail, the environment without tokens, checks in parallel);
- `tree_guard`: puts back the tracked files a check rewrote;
- `tool_output`: the findings (file, line, message) in the output of the tools a check ran;
- `annotations`: validate's check run annotations from those findings.

Nothing runs at import time: no environment reads, no file access, no subprocesses.
"""

from __future__ import annotations

from autoheal.checks.config import CONFIG_KEYS, build_checks, check_definitions, parse_config
from autoheal.checks.detect import detect_project
from autoheal.checks.model import CATEGORIES, Check, CheckResult, Command, Plan
from autoheal.checks.runner import OUTPUT_KEEP, run_check, run_checks, run_fix, run_fixes

__all__ = [
    "CATEGORIES",
    "CONFIG_KEYS",
    "OUTPUT_KEEP",
    "Check",
    "CheckResult",
    "Command",
    "Plan",
    "build_checks",
    "check_definitions",
    "detect_project",
    "parse_config",
    "run_check",
    "run_checks",
    "run_fix",
    "run_fixes",
]
