"""heal mode (not available yet)."""

from __future__ import annotations

from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.report import Report
from autoheal.settings import Settings


def run(settings: Settings, ctx: Context, report: Report) -> int:
    raise AutohealError(
        "Mode `heal` is not available yet in this version of CI Autoheal.",
        fix="Pin a release that lists it in CHANGELOG.md, or choose another mode.",
    )
