"""Pieces every mode uses the same way: the check plan, the API client, result tables."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from autoheal.checks import CheckResult, Plan, build_checks
from autoheal.errors import AutohealError, InputError
from autoheal.markdown import code_cell, table_cell
from autoheal.report import Report

if TYPE_CHECKING:  # the client imports requests: only modes that call the API pay for it
    from autoheal.context import Context
    from autoheal.git import Git
    from autoheal.settings import Settings


#: Events whose token can write even when the code they are about is a fork's.
PRIVILEGED_EVENTS = ("pull_request_target", "workflow_run", "issue_comment")


def refuse_fork_code(ctx: Context, mode: str, *, fix: str) -> None:
    """Never run a fork's code (its checks, fixers, hooks) in a run holding a privileged
    token: it could read the token from this process, whatever its own environment says."""
    fork = ctx.fork
    if fork is None or ctx.event_name not in PRIVILEGED_EVENTS:
        return
    raise AutohealError(
        f"Refusing to {mode}: this `{ctx.event_name}` run has a token that can write to "
        f"{ctx.repository or 'this repository'}, and the code it is about comes from the fork "
        f"{fork or '(deleted repository)'}. Running that code's checks here would hand it the "
        "token. Nothing was run.",
        fix=fix,
    )


def plan_checks(settings: Settings, root: Path | None = None) -> Plan:
    """The checks for a tree: inputs, then the config file, then detection."""
    plan = build_checks(
        root or settings.working_directory,
        inputs=settings.check_inputs,
        config=settings.checks_config,
        detect=settings.detect,
        timeout=settings.check_timeout,
        config_source=settings.working_directory / settings.config,
    )
    plan.parallel = settings.max_parallel or None
    return plan


def repository(settings: Settings, ctx: Context) -> Git:
    """The working directory's repository; fetches and pushes authenticate with the token
    (through the environment, never argv), only with the https remote of this repository on
    the server the run belongs to."""
    from urllib.parse import urlsplit

    from autoheal.git import Git

    host = urlsplit(ctx.server_url).netloc or "github.com"
    git = Git(
        settings.working_directory,
        token=settings.token or None,
        host=host,
        repository=ctx.repository,
    )
    if not git.is_work_tree():  # before anything runs there: a bad input, not a git failure
        raise InputError(
            f"Input `working-directory` is {str(settings.working_directory)!r}, which is not a "
            "git repository.",
            fix="Check the repository out first (`actions/checkout`), or set "
            "`working-directory` to the folder it was checked out to.",
        )
    return git


def plan_markdown(plan: Plan) -> str:
    """What was detected and what was skipped, and why: users should never have to guess."""
    lines = []
    if plan.detected:
        lines.append("**Detected:** " + "; ".join(map(table_cell, plan.detected)))
    if plan.skipped:
        lines.append("<details><summary>Skipped</summary>\n")
        lines += [f"- {table_cell(what)}: {table_cell(why)}" for what, why in plan.skipped]
        lines.append("\n</details>")
    if not plan.checks:
        lines.append(
            "**No checks found.** Set `lint-command`, `test-command`, ... or a "
            "`checks:` table in `.github/autoheal.yml`."
        )
    return "\n".join(lines)


def result_word(result: CheckResult, flaky: bool = False) -> str:
    if flaky:
        return "⚠️ flaky"
    if result.passed:
        return "✅ pass"
    if result.timed_out:
        return f"⏱️ timed out after {result.check.timeout:g}s"
    if result.error:
        return f"❌ {result.error}"
    return f"❌ fail (exit {result.exit_code})"


def results_table(results: Sequence[CheckResult], flaky: frozenset[str] = frozenset()) -> str:
    rows = ["| Category | Check | Result | Duration | Command |", "|---|---|---|---|---|"]
    for r in results:
        rows.append(
            f"| {r.check.category} | {table_cell(r.check.name)} "
            f"| {table_cell(result_word(r, r.check.name in flaky))} | {r.duration:.1f}s "
            f"| {code_cell(r.check.display)} |"
        )
    return "\n".join(rows)


def echo_failures(report: Report, results: Sequence[CheckResult]) -> None:
    """Put failing checks' output in the log, wrapped so it cannot issue workflow commands."""
    for r in results:
        if not r.passed:
            report.tool_output(f"{r.check.category}: {r.check.name} output", r.output)
