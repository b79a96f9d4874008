"""What a rollback says: the "Rollback Safety Status" section (`Summary`, with a row per
guardrail verdict, `Guard`) and `Stop`, which ends a run early with a status (SKIPPED or FAILED),
a message and an exit code that the section explains."""

from __future__ import annotations

from dataclasses import dataclass, field

from autoheal.checks import CheckResult
from autoheal.markdown import code_block, table_cell
from autoheal.modes.common import results_table

SKIPPED = "SKIPPED"
FAILED = "FAILED"


class Stop(Exception):
    """End the run early with a status and an exit code; the summary says why."""

    def __init__(self, status: str, message: str, *, fix: str = "", code: int = 1) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fix = fix
        self.code = code


@dataclass(frozen=True)
class Guard:
    name: str
    value: str
    verdict: str  # "pass", "refuse" or "skip" (already done: nothing to do)


@dataclass
class Summary:
    """Everything the "Rollback Safety Status" section shows; rendered once at the end."""

    status: str = ""
    facts: list[str] = field(default_factory=list)
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (commit, subject, result)
    check_runs: int = 0
    guards: list[Guard] = field(default_factory=list)
    failing: list[CheckResult] = field(default_factory=list)
    diffstat: str = ""
    next_steps: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        parts = [f"## Rollback Safety Status: {self.status or FAILED}"]
        parts += ["\n".join(f"- {fact}" for fact in self.facts)] if self.facts else []
        if self.failing:
            parts.append(
                "### Failing checks at the end of the push\n\n" + results_table(self.failing)
            )
        if self.steps:
            rows = ["| Step | Commit | Subject | Checks |", "|---|---|---|---|"]
            for i, (sha, subject, result) in enumerate(self.steps, 1):
                rows.append(f"| {i} | `{sha[:12]}` | {table_cell(subject)} | {result} |")
            parts.append(f"### Bisect ({self.check_runs} check runs)\n\n" + "\n".join(rows))
        if self.guards:
            rows = ["| Guard | Value | Verdict |", "|---|---|---|"]
            words = {"pass": "✅ pass", "refuse": "❌ refused", "skip": "⏭️ skipped"}
            for g in self.guards:
                rows.append(
                    f"| {table_cell(g.name)} | {table_cell(g.value)} | {words[g.verdict]} |"
                )
            parts.append("### Guardrails\n\n" + "\n".join(rows))
        if self.diffstat:
            parts.append("### Revert diff stat\n\n" + code_block(self.diffstat))
        if self.next_steps:
            parts.append(
                "### What to do next\n\n"
                + "\n".join(f"{n}. {s}" for n, s in enumerate(self.next_steps, 1))
            )
        return "\n\n".join(parts)
