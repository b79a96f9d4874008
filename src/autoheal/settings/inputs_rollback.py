"""The inputs of rollback: the decision, the strategy, the bad push's range, how the revert
is delivered, and its limits (age, rollbacks per day), failing the step and the issue.
"""

from __future__ import annotations

from autoheal.settings.input_spec import ROLLBACK, Input

ROLLBACK_INPUTS: tuple[Input, ...] = (
    # rollback
    Input(
        "rollback-required",
        "bool",
        "false",
        "Validate's decision: roll back. Nothing is reverted unless this is true.",
        modes=ROLLBACK,
        in_config=False,
    ),
    Input(
        "strategy",
        "enum",
        "auto",
        "What to revert: culprit (bisect the push), range (the whole push) or auto.",
        modes=ROLLBACK,
        choices=("auto", "culprit", "range"),
    ),
    Input(
        "before",
        "str",
        "",
        "First commit before the bad push (default: from the event).",
        modes=ROLLBACK,
        in_config=False,
    ),
    Input(
        "after",
        "str",
        "",
        "Last commit of the bad push (default: from the event).",
        modes=ROLLBACK,
        in_config=False,
    ),
    Input(
        "rollback-via",
        "enum",
        "push",
        "push the revert, or open a pull-request with it.",
        modes=ROLLBACK,
        choices=("push", "pull-request"),
    ),
    Input(
        "max-age-hours",
        "int",
        "72",
        "Never revert a culprit older than this.",
        modes=ROLLBACK,
        low=1,
        high=8760,
    ),
    Input(
        "max-rollbacks-per-day",
        "int",
        "3",
        "Automatic rollbacks allowed per branch per day.",
        modes=ROLLBACK,
        low=0,
        high=100,
    ),
    Input(
        "fail-after-rollback",
        "bool",
        "true",
        "Fail the step after a rollback, so a person looks (stop the line).",
        modes=ROLLBACK,
    ),
    Input(
        "open-issue", "bool", "true", "Open or update an issue about the rollback.", modes=ROLLBACK
    ),
)
