"""The `Settings` object: every input as a typed, read-only field (plus where values came
from), with the commit author split into name and email and the check commands by input name.
"""

from __future__ import annotations

from autoheal.settings.values import _author

TYPE_CHECKING = False  # as typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

COMMAND_INPUTS = (
    "lint-command",
    "fix-command",
    "security-command",
    "security-fix-command",
    "build-command",
    "test-command",
)


class Settings:
    """Every input, typed and validated; made only by `load`, read-only afterwards.

    A plain class rather than a dataclass: `dataclasses` imports `inspect` (~12 ms), paid by
    every run, even one that fails input validation before it could use a field.
    """

    mode: str
    token: str
    dry_run: bool
    working_directory: Path
    config: str
    fail_on_error: bool
    lint_command: str
    fix_command: str
    security_command: str
    security_fix_command: str
    build_command: str
    test_command: str
    detect: bool
    max_parallel: int
    check_timeout: int
    commit_author: str
    max_diff_lines: int
    allow_binary_changes: bool
    max_heal_attempts: int
    push_retries: int
    ci_workflow: str
    auto_merge: bool
    commit_via: str
    rerun_failed: bool
    max_run_attempts: int
    run_id: str
    event_type: str
    client_payload: dict[str, Any]
    category_outcomes: dict[str, Any]
    repository: list[str]
    label: str
    comment: bool
    wait_for_run: bool
    wait_timeout: int
    confidence: int | None
    sha: str
    retries: int
    threshold: int
    critical_categories: list[str]
    post_status: bool
    rollback_required: bool
    strategy: str
    before: str
    after: str
    rollback_via: str
    max_age_hours: int
    max_rollbacks_per_day: int
    fail_after_rollback: bool
    open_issue: bool
    enabled: bool
    pause_label: str
    heal_via: str
    fix_request: str
    apply_patch: str
    # Not inputs: where things came from, and how much a local run prints.
    local: bool
    verbose: bool
    checks_config: dict[str, Any]
    explicit: frozenset[str]

    def __init__(self, **values: Any) -> None:
        fields = set(Settings.__annotations__)
        if set(values) != fields:
            raise TypeError(f"Settings() needs exactly these fields: {sorted(fields)}")
        self.__dict__.update(values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Settings are read-only (tried to set {name})")

    def __repr__(self) -> str:
        shown = {k: ("***" if k == "token" and v else v) for k, v in self.__dict__.items()}
        return f"Settings({shown})"

    @property
    def author_name(self) -> str:
        return _author(self.commit_author)[0]

    @property
    def author_email(self) -> str:
        return _author(self.commit_author)[1]

    @property
    def check_inputs(self) -> dict[str, str]:
        """The command inputs, by input name, for the checks engine."""
        return {n: str(getattr(self, n.replace("-", "_"))) for n in COMMAND_INPUTS}
