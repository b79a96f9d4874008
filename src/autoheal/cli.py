"""Entry point: one path for Actions inputs (env) and local command-line flags."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from autoheal import settings
from autoheal.errors import AutohealError
from autoheal.markdown import markdown_text
from autoheal.report import Report

# Deliberately lazy: `context` (dataclasses), `importlib` and `traceback` are imported where
# they are used, so that a run failing input validation starts as fast as the interpreter.


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run one mode. Returns the exit code: 0 ok, 1 failed, 2 bad input."""
    env = os.environ if env is None else env
    argv = sys.argv[1:] if argv is None else argv
    report = Report(env)
    # Mask the token before anything else can print it.
    report.mask_token(env.get("INPUT_TOKEN", ""))
    report.mask_token(env.get("GITHUB_TOKEN", ""))
    code = 1
    try:
        opts = settings.load(argv, env)
        report.mask_token(opts.token)
        report.verbose = report.verbose or opts.verbose
        import importlib

        from autoheal import context

        ctx = context.load(env)
        report.output("mode", opts.mode)
        report.debug(f"mode={opts.mode} event={ctx.event_name or '-'} repo={ctx.repository or '-'}")
        # ---- the pause switch: every mode, after input validation, before any work
        from autoheal import pause

        paused = pause.check(opts, ctx, report)
        if paused is not None:
            code = pause.skip(opts.mode, paused, report)
        else:
            mode = importlib.import_module(f"autoheal.modes.{opts.mode}")
            code = int(mode.run(opts, ctx, report))
    except AutohealError as exc:
        code = exc.exit_code
        _report_failure(report, exc)
    except Exception as exc:
        code = 1
        import traceback

        report.debug(traceback.format_exc())
        _report_failure(
            report,
            AutohealError(
                f"Internal error: {type(exc).__name__}: {exc}.",
                fix="Please open an issue with this log (run with RUNNER_DEBUG=1 for details).",
            ),
        )
    finally:
        try:
            report.flush()
        except OSError as exc:
            report.error(
                f"Cannot write the step outputs or summary ({exc}). Check that "
                "GITHUB_OUTPUT and GITHUB_STEP_SUMMARY point at writable files."
            )
            code = code or 1
    return code


def _report_failure(report: Report, exc: AutohealError) -> None:
    report.error(str(exc))
    report.output("status", report.outputs.get("status") or "FAILED")
    # The message quotes names from the project and the event, and answers from the API.
    fix = f"\n\n**What to do:** {markdown_text(exc.fix)}" if exc.fix else ""
    # Not printed by a local run: the error line above already says it all, once.
    report.section(f"### CI Autoheal failed\n\n{markdown_text(exc.message)}{fix}", console=False)


def main_exit() -> None:
    sys.exit(main())
