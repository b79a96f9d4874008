"""What validate says: the job summary, the PR comment and the commit status it records.

Pure functions over an `Evaluation`, so the mode stays about doing and this file about saying.
The commit status description doubles as the record of a dispatch's decision: a duplicate
delivery reads it back (`parse_decision`), so its format is a contract kept in one place here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autoheal import scoring
from autoheal.checks import CheckResult, Plan
from autoheal.markdown import code_span, link, table_cell
from autoheal.modes.common import plan_markdown, results_table
from autoheal.scoring import Effectiveness, explain, fails_phrase

if TYPE_CHECKING:
    from autoheal.modes.validate.target import Target

#: Longer dispatch ids are recorded as a hash: GitHub cuts status descriptions at 140 chars,
#: and a cut id would no longer match, letting a duplicate through.
MAX_ID_IN_STATUS = 64
ROLLBACK = "rollback required"
NO_ROLLBACK = "no rollback"
_OUTCOME_WORDS = {
    "pass": "✅ pass",
    "fail": "❌ fail",
    "flaky": "⚠️ flaky (passed on a retry)",
    "absent": "➖ absent",
}
_PLAIN_ID = re.compile(rf"[A-Za-z0-9._/-]{{1,{MAX_ID_IN_STATUS}}}")
_DECISION_RE = re.compile(
    r"^dispatch (?P<id>.+): score (?P<score>\d{1,3}) \((?P<word>[A-Z ]+)\), (?P<decision>.+)$"
)


@dataclass(frozen=True)
class Evaluation:
    """Everything validate found about one commit."""

    sha: str
    results: list[CheckResult]
    flaky: tuple[str, ...]
    outcomes: dict[str, str]
    effectiveness: Effectiveness
    threshold: int
    critical: tuple[str, ...]
    plan: Plan
    retries: int = 1
    pr: int | None = None  # a pull request's commit: never rolled back
    withheld: bool = False  # no rollback: an earlier decision could not be read (fail closed)

    @property
    def word(self) -> str:
        return self.effectiveness.word

    @property
    def rollback(self) -> bool:
        """The decision: a critical failure, on a commit that is not a pull request's (its
        branch is its author's to fix), unless withheld."""
        return self.effectiveness.rollback_required and self.pr is None and not self.withheld


@dataclass(frozen=True)
class Decision:
    """A decision read back from a commit status (for duplicate deliveries)."""

    dispatch_id: str
    score: int
    word: str
    rollback: bool
    text: str


def status_key(dispatch_id: str) -> str:
    """How a dispatch id appears in the commit status: itself when short and plain (ours are:
    `owner/repo/run/attempt/sha`), else a hash. The sender of a dispatch writes its id: one
    with spaces, colons or markup could pass for another dispatch's record when read back, and
    the description is shown as it is."""
    if _PLAIN_ID.fullmatch(dispatch_id):
        return dispatch_id
    return "sha256:" + hashlib.sha256(dispatch_id.encode()).hexdigest()[:16]


def status_description(dispatch_id: str | None, ev: Evaluation) -> str:
    """`dispatch ID: score N (WORD), rollback required` — parsed back by `parse_decision`."""
    decision = ROLLBACK if ev.rollback else NO_ROLLBACK
    body = f"score {ev.effectiveness.score} ({ev.word}), {decision}"
    return f"dispatch {status_key(dispatch_id)}: {body}" if dispatch_id else body


def failing_critical(ev: Evaluation) -> list[str]:
    """The critical categories that fail reproducibly (they make the commit CRITICAL)."""
    return list(ev.effectiveness.critical_failures)


def status_state(ev: Evaluation) -> str:
    # CRITICAL covers every commit whose critical checks fail: no success for it (a required
    # status must not let it merge).
    bad = ev.rollback or ev.word == "CRITICAL" or failing_critical(ev)
    return "failure" if bad else "success"


def parse_decision(description: str, dispatch_id: str) -> Decision | None:
    """The decision recorded for `dispatch_id`, or None when the text is about another one."""
    key = status_key(dispatch_id)
    if not description.startswith(f"dispatch {key}: "):
        return None
    match = _DECISION_RE.match(description)
    if match is None or match["id"] != key:
        # Ours, but cut short or hand-edited: still a decision for this dispatch; say so.
        return Decision(dispatch_id, -1, "", False, description)
    return Decision(
        dispatch_id=dispatch_id,
        score=int(match["score"]),
        word=match["word"],
        rollback=match["decision"] == ROLLBACK,
        text=description,
    )


def action_line(ev: Evaluation) -> str:
    """The action taken or recommended, in one sentence."""
    critical = ", ".join(ev.critical) or "none"
    failing = failing_critical(ev)
    if failing:
        why = fails_phrase(failing, ev.retries)
        if ev.rollback:
            return (
                f"**Rollback required**: {why}; a failing critical category ({critical}) makes "
                "a commit CRITICAL whatever its score. `rollback-required` is `true`; the "
                "rollback step acts on it."
            )
        return (
            f"**No automatic rollback**: {why}, which makes the commit CRITICAL, but it belongs "
            f"to a pull request ({code_span(f'#{ev.pr}')}) and a pull request is never rolled "
            "back: fix it on its branch."
        )
    if ev.word == "CRITICAL":
        return (
            "**No automatic rollback**: the score is below the threshold, but no critical "
            f"category ({critical}) fails, and lint or security failures alone never revert "
            "anything. A person should look at the failing checks."
        )
    if ev.word == "MONITORING":
        return "**No rollback**: the fix holds, with checks still failing; keep an eye on it."
    return "**No action needed**: the fix holds."


def confidence_label(eff: Effectiveness, source: str) -> str:
    """Where the confidence in the score came from; `source` says where heal's claim was read."""
    if eff.claimed is None:
        return "validate's own: heal's was not given"
    if eff.claimed <= eff.measured:
        return f"heal's {eff.claimed} {source}, not above validate's own {eff.measured}"
    return f"validate's own {eff.measured}, lower than heal's {eff.claimed} {source}"


def breakdown_table(ev: Evaluation, confidence_source: str) -> str:
    """Every part of the score as rows that add up to it, caps included."""
    eff = ev.effectiveness
    label = confidence_label(eff, confidence_source)
    rows = ["| Part | Outcome | Points |", "|---|---|---:|"]
    # The label is validate's own words and numbers (Markdown), never a value from outside.
    rows.append(f"| confidence ({label}) | | {eff.confidence_used} |")
    for name, entry in eff.breakdown.items():
        label = "CI ready (every check passed)" if name == "ci_ready" else name
        word = _OUTCOME_WORDS.get(entry["outcome"], entry["outcome"])
        rows.append(f"| {label} | {word} | +{entry['points']} |")
    if eff.uncapped > eff.formula:
        rows.append(f"| at most 100 | | −{eff.uncapped - eff.formula} |")
    if eff.capped:
        failing = ", ".join(eff.critical_failures)
        rows.append(
            f"| capped below the threshold ({failing} failing) | | −{eff.formula - eff.score} |"
        )
    rows.append(f"| **effectiveness** | | **{eff.score}** |")
    return "\n".join(rows)


def heal_comparison(
    heal_confidence: int | None,
    heal_checks: Mapping[str, str],
    own_confidence: int,
    outcomes: Mapping[str, str],
) -> str:
    """Before/after: what heal reported after its fix against what validate found."""
    if heal_confidence is None and not heal_checks:
        return ""
    shown = "—" if heal_confidence is None else str(heal_confidence)
    rows = [
        "#### Heal reported vs validate found",
        "",
        "| | Heal (after its fix) | Validate (this run) |",
        "|---|---|---|",
        f"| confidence | {shown} | {own_confidence} |",
    ]
    for category, outcome in outcomes.items():
        theirs = heal_checks.get(category, "—")
        rows.append(f"| {category} | {table_cell(theirs)} | {outcome} |")
    return "\n".join(rows)


def flaky_line(flaky: Sequence[str]) -> str:
    if not flaky:
        return "**Flaky checks:** none."
    names = ", ".join(code_span(name) for name in flaky)
    return (
        f"**Flaky checks** (failed, then passed on a retry; counted as passing, never alone a "
        f"reason to roll back): {names}"
    )


def headline(ev: Evaluation) -> str:
    return (
        f"**{ev.word}**: effectiveness **{ev.effectiveness.score}**/100 against a threshold of "
        f"{ev.threshold}."
    )


def score_line(ev: Evaluation) -> str:
    """The score in one sentence: what confidence is, each point, and why it was capped."""
    return explain(ev.effectiveness, ev.retries)


def summary(
    ev: Evaluation,
    *,
    where: str,
    confidence_source: str,
    comparison: str,
    published: Sequence[str],
) -> str:
    """The job summary section: the "Rollback Safety Status" people read first."""
    parts = [
        "### Rollback Safety Status",
        "",
        *_decision(ev),
        f"Evaluated commit {code_span(ev.sha)} ({where}).",
        "",
        breakdown_table(ev, confidence_source),
        "",
        flaky_line(ev.flaky),
    ]
    if comparison:
        parts += ["", comparison]
    parts += ["", "#### Checks", "", results_table(ev.results, frozenset(ev.flaky))]
    plan_text = plan_markdown(ev.plan)
    if plan_text:
        parts += ["", plan_text]
    if published:
        parts += ["", *[f"- {line}" for line in published]]
    return "\n".join(parts)


def summary_markdown(ev: Evaluation, target: Target, published: list[str]) -> str:
    """The "Rollback Safety Status": the job summary, and the check run's summary."""
    own = scoring.confidence(ev.outcomes)
    comparison = heal_comparison(target.confidence, target.heal_checks, own, ev.outcomes)
    return summary(
        ev,
        where=target.where,
        confidence_source=target.confidence_from,
        comparison=comparison,
        published=published,
    )


def comment_body(
    ev: Evaluation, *, dispatch_id: str | None, run_url: str, confidence_source: str
) -> str:
    """The PR comment: short, with the decision first; details live in the job summary."""
    parts = [
        f"### CI Autoheal: validation of `{ev.sha[:12]}`",
        "",
        *_decision(ev),
        breakdown_table(ev, confidence_source),
        "",
        flaky_line(ev.flaky),
    ]
    footer = []
    if run_url:
        footer.append(link("Validation run", run_url))
    if dispatch_id:
        footer.append(f"dispatch {code_span(dispatch_id)}")
    if footer:
        parts += ["", " · ".join(footer)]
    return "\n".join(parts)


def duplicate_summary(decision: Decision, sha: str) -> str:
    return "\n".join(
        [
            "### Rollback Safety Status",
            "",
            f"Duplicate delivery of dispatch {code_span(decision.dispatch_id)}: first "
            f"decision was **{table_cell(decision.text)}** (commit status "
            f"`autoheal/validate` on {code_span(sha)}).",
            "",
            "Nothing was evaluated or posted again, and `rollback-required` is `false` so the "
            "rollback step does not act twice.",
        ]
    )


def _decision(ev: Evaluation) -> list[str]:
    """The decision first, as every surface shows it: headline, score, what to do."""
    return [headline(ev), "", score_line(ev), "", action_line(ev), ""]
