"""The inputs of validate: retries of a failing check, the threshold, the critical categories
and posting the outcome as a status.
"""

from __future__ import annotations

from autoheal.settings.input_spec import VALIDATE, Input

VALIDATE_INPUTS: tuple[Input, ...] = (
    # validate
    Input(
        "retries",
        "int",
        "1",
        "Reruns of a failing check; failing then passing is flaky.",
        modes=VALIDATE,
        low=0,
        high=5,
    ),
    Input(
        "threshold",
        "int",
        "30",
        "Effectiveness below this is CRITICAL. A critical failure caps the score below it.",
        modes=VALIDATE,
        low=0,
        high=100,
    ),
    Input(
        "critical-categories",
        "categories",
        "build,test",
        "Categories whose failure (again on retry) is CRITICAL and requires a rollback.",
        modes=("validate", "rollback"),
    ),
    Input(
        "post-status",
        "bool",
        "true",
        "Post the outcome as a commit status, and as a check run when the token can.",
        modes=VALIDATE,
    ),
)
