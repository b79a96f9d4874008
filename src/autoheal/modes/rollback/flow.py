"""rollback mode: revert what a failing push broke, only adding commits, never losing work.

The flow: decide (validate said so, not a dry run) → find the push's commits → guardrails (a
clean checkout first) → pick the targets (bisect for the culprit, or the whole range) → revert
on top of the remote tip in a scratch work tree → verify each revert → push fast-forward (or
open a revert pull request) → stop the line (fail the step, open or update an issue).

`Rollback` joins one mixin per step (the modules named in the package's docstring) and runs
them in that order; `run` turns a `Stop` or an error into the status output and always renders
the summary.
"""

from __future__ import annotations

from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.markdown import code_span, markdown_text
from autoheal.modes.common import refuse_fork_code
from autoheal.modes.rollback.base import RollbackBase
from autoheal.modes.rollback.culprit import CulpritMixin, companion_note
from autoheal.modes.rollback.guardrails import GuardrailsMixin
from autoheal.modes.rollback.issue import IssueMixin
from autoheal.modes.rollback.publish import PublishMixin
from autoheal.modes.rollback.reverts import RevertsMixin
from autoheal.modes.rollback.source import resolve_source
from autoheal.modes.rollback.summary import FAILED, SKIPPED, Stop, Summary
from autoheal.report import Report
from autoheal.settings import Settings


def run(settings: Settings, ctx: Context, report: Report) -> int:
    report.output("rolled-back", False)
    refuse_fork_code(
        ctx,
        "roll back",
        fix="Roll back from the workflow that validate runs in (repository_dispatch), on "
        "this repository's own branch.",
    )
    summary = Summary()
    try:
        return Rollback(settings, ctx, report, summary).run()
    except Stop as stop:
        summary.status = stop.status
        report.output("status", stop.status)
        if stop.fix:
            summary.next_steps.insert(0, markdown_text(stop.fix))
        text = f"{stop.message} {stop.fix}".strip()
        if stop.code:
            report.error(text, title="Rollback")
        else:
            report.notice(text, title="Rollback")
        # A stop's message can quote an error of git or the API besides the names it quotes.
        summary.facts.insert(0, f"**{stop.status}:** {markdown_text(stop.message)}")
        return stop.code
    except AutohealError:
        summary.status = FAILED
        report.output("status", FAILED)
        raise
    finally:
        report.section(summary.markdown())


class Rollback(CulpritMixin, GuardrailsMixin, PublishMixin, RevertsMixin, IssueMixin, RollbackBase):
    def run(self) -> int:
        if not self.settings.rollback_required:
            raise Stop(
                SKIPPED,
                "Rollback not required: validate did not ask for it (`rollback-required` is "
                "not true).",
                code=0,
            )
        self.refuse_queue(self.ctx.branch)  # before reading what to revert: the event says
        source = resolve_source(self.settings, self.ctx, self.git)
        self.refuse_queue(source.branch)
        tip = self.branch_tip(source.branch)
        facts = self.summary.facts
        facts.append(f"Branch: {code_span(source.branch)} at `{tip[:12]}`")
        commits = self.push_commits(source, tip)
        facts.append(
            f"Push ({source.origin}): "
            + code_span(f"{(source.before or 'new branch')[:12]}..{source.after[:12]}")
            + f", {len(commits)} commit(s) on the first-parent line"
        )
        self.global_guards(source.branch, tip)
        targets = self.target_guards(self.choose_targets(commits, source), tip)
        if not targets:
            raise Stop(SKIPPED, "Already reverted: nothing left to revert.", code=0)
        targets = self.with_companions(targets, tip)
        planned = ", ".join(t.sha for t in targets)
        facts.append("Revert (newest first): " + ", ".join(f"`{t.sha[:12]}`" for t in targets))
        if note := companion_note(targets):
            facts.append(note)
        self.report.output("reverted-shas", planned)
        if self.settings.dry_run:
            self.rehearse(tip, targets)
            how = "locally" if self.settings.local else f"via {self.settings.rollback_via}"
            raise Stop(
                SKIPPED,
                f"Dry run: would revert {planned} on {code_span(source.branch)} {how}; nothing was "
                "changed.",
                code=0,
            )
        return self.execute(source, tip, targets)
