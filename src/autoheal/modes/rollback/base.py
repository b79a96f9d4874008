"""What every step of a rollback shares: `RollbackBase` holds the run's settings, context,
report, summary, repository and clock (each step is a mixin built on it, joined in `flow`), and
`Target` is one commit to revert."""

from __future__ import annotations

import time
from dataclasses import dataclass

from autoheal.context import Context
from autoheal.modes.common import repository
from autoheal.modes.rollback.summary import Summary
from autoheal.report import Report
from autoheal.settings import Settings


@dataclass(frozen=True)
class Target:
    sha: str
    subject: str
    mainline: int | None  # 1 for a merge commit: revert what it brought, as one unit
    companion: bool = False  # a heal commit reverted with the culprit whose files it changed


class RollbackBase:
    def __init__(self, settings: Settings, ctx: Context, report: Report, summary: Summary):
        self.settings = settings
        self.ctx = ctx
        self.report = report
        self.summary = summary
        self.git = repository(settings, ctx)
        self.temp_root = report.env.get("RUNNER_TEMP") or None
        self.now = time.time()
