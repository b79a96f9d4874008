"""The catalogue of the action's inputs: one place for names, kinds, defaults and help.

`action.yml`, the command-line flags, the config file keys and the tables of
docs/reference.md all follow this list; tests keep them in step.
"""

from __future__ import annotations

MODES = ("heal", "redispatch", "validate", "rollback")
CATEGORIES = ("lint", "security", "build", "test")


class Input:
    """One input. A plain class, not a dataclass: `dataclasses` imports `inspect` (~10 ms),
    and this module is on the path of every run, including one that fails validation."""

    __slots__ = ("choices", "default", "help", "high", "in_config", "kind", "low", "modes",
                 "name", "secret")  # fmt: skip

    def __init__(
        self,
        name: str,
        kind: str,  # "str", "bool", "int", "enum", "sha", "json", "list", "categories"
        default: str,
        help: str,
        modes: tuple[str, ...] = MODES,
        choices: tuple[str, ...] = (),
        low: int = 0,
        high: int = 0,
        in_config: bool = True,  # may be set in .github/autoheal.yml
        secret: bool = False,
    ) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.help = help
        self.modes = modes
        self.choices = choices
        self.low = low
        self.high = high
        self.in_config = in_config
        self.secret = secret

    def __repr__(self) -> str:
        return f"Input({self.name!r}, {self.kind!r}, default={self.default!r})"

    @property
    def env(self) -> str:
        """The variable `action.yml` maps this input to (composite actions get no INPUT_*)."""
        return "INPUT_" + self.name.upper().replace("-", "_")

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")


HEAL = ("heal",)
REDISPATCH = ("redispatch",)
VALIDATE = ("validate",)
ROLLBACK = ("rollback",)
CHECKING = ("heal", "validate", "rollback")
#: How heal hands over a fix on a branch it may push to. A new way is a new word here and a
#: branch in `heal_publish.push_fix`.
HEAL_VIA = ("push", "pull-request")
#: The `pause-label` value that turns the pause lookup off.
NO_LABEL = "none"

INPUTS: tuple[Input, ...] = (
    # Common to every mode.
    Input(
        "mode",
        "enum",
        "",
        "Step of the loop to run: heal, redispatch, validate or rollback.",
        choices=MODES,
        in_config=False,
    ),
    Input(
        "token",
        "str",
        "",
        "Token for the GitHub API and for pushing. Defaults to the job's "
        "GITHUB_TOKEN; redispatch to another repository needs a PAT or GitHub App token "
        "(see docs/token-setup.md).",
        in_config=False,
        secret=True,
    ),
    Input(
        "dry-run",
        "bool",
        "false",
        "Run everything but change nothing remote: no push, no "
        "API writes. Reports what would be done.",
    ),
    Input("working-directory", "str", ".", "Path of the repository to work on.", in_config=False),
    Input(
        "config",
        "str",
        ".github/autoheal.yml",
        "Config file, relative to working-directory. "
        "Optional; inputs given explicitly win over it.",
        in_config=False,
    ),
    Input(
        "fail-on-error",
        "bool",
        "false",
        "Fail the step when an optional part cannot be done "
        "(e.g. redispatch without a token) instead of warning.",
    ),
    Input(
        "enabled",
        "bool",
        "true",
        "false stops every mode before it does anything: it reports SKIPPED and changes "
        "nothing. Set it in .github/autoheal.yml to pause CI Autoheal from the repository.",
    ),
    Input(
        "pause-label",
        "str",
        "autoheal:pause",
        "While an open issue carries this label, applied by a user with write access, every "
        "mode reports SKIPPED and changes nothing (needs `issues: read`); `none` turns the "
        "lookup off.",
    ),
    # The checks engine (heal, validate, rollback).
    Input(
        "lint-command",
        "str",
        "",
        "Lint check command (replaces detection for lint).",
        modes=CHECKING,
    ),
    Input(
        "fix-command",
        "str",
        "",
        "Fix command for the lint category (e.g. a formatter).",
        modes=CHECKING,
    ),
    Input("security-command", "str", "", "Security audit command.", modes=CHECKING),
    Input(
        "security-fix-command", "str", "", "Fix command for the security category.", modes=CHECKING
    ),
    Input("build-command", "str", "", "Build command.", modes=CHECKING),
    Input("test-command", "str", "", "Test command.", modes=CHECKING),
    Input(
        "detect",
        "bool",
        "true",
        "Detect checks from the project (Python, Node, Go, Rust) "
        "for categories no input or config defines.",
        modes=CHECKING,
    ),
    Input(
        "max-parallel",
        "int",
        "0",
        "Checks run at the same time; 0 means one per CPU core. Raise it for checks that "
        "mostly wait (network audits, sleeps in tests).",
        modes=CHECKING,
        low=0,
        high=64,
    ),
    Input(
        "check-timeout",
        "int",
        "600",
        "Timeout of each check and fix, in seconds.",
        modes=CHECKING,
        low=1,
        high=21600,
    ),
    # heal
    Input(
        "commit-author",
        "str",
        "autoheal[bot] <autoheal-bot@users.noreply.github.com>",
        "Author of heal and revert commits, as `Name <email>` (not with commit-via api: "
        "GitHub's commits are the token's).",
        modes=("heal", "rollback"),
    ),
    Input(
        "max-diff-lines",
        "int",
        "1000",
        "Refuse to commit a fix that changes more lines. Every 100 bytes count as a line at "
        "least: a binary file by its size, a long line by its length.",
        modes=HEAL,
        low=1,
        high=1_000_000,
    ),
    Input(
        "allow-binary-changes",
        "bool",
        "false",
        "Let a fix add, change or delete binary files (counted in `max-diff-lines` by size). "
        "Off: such a fix is refused, as fixers that write binaries mostly write artefacts.",
        modes=HEAL,
    ),
    Input(
        "max-heal-attempts",
        "int",
        "3",
        "Heal attempts allowed for the same branch before heal stops trying (counted from "
        "heal commits since the branch left its base).",
        modes=HEAL,
        low=1,
        high=20,
    ),
    Input(
        "push-retries",
        "int",
        "3",
        "Times to rebase and push again when the branch moved meanwhile.",
        modes=("heal", "rollback"),
        low=1,
        high=10,
    ),
    Input(
        "ci-workflow",
        "str",
        "",
        "The project's CI workflow (file name such as `ci.yml`, or its id), started on the "
        "branch after heal or rollback pushes to it: a push with GITHUB_TOKEN starts no run, so "
        "a pull request's required checks would never report. Needs `actions: write` and "
        "`workflow_dispatch:` in that workflow's `on:`.",
        modes=("heal", "rollback"),
    ),
    Input(
        "auto-merge",
        "bool",
        "false",
        "Enable auto-merge on the pull requests heal and rollback open (heal's fallback, "
        "rollback's revert), when the repository allows auto-merge.",
        modes=("heal", "rollback"),
    ),
    Input(
        "commit-via",
        "enum",
        "auto",
        "How heal and rollback make the commits they push: git (commit as commit-author and "
        "push), api (through GitHub's Git database API: GitHub signs them, Verified, and the "
        "author is the token's identity) or auto (api when the branch's rules require signed "
        "commits). See docs/heal.md.",
        modes=("heal", "rollback"),
        choices=("auto", "git", "api"),
    ),
    Input(
        "rerun-failed",
        "bool",
        "true",
        "Rerun the failed jobs of the triggering run when its failure does not reproduce "
        "(flakiness).",
        modes=HEAL,
    ),
    Input(
        "max-run-attempts",
        "int",
        "3",
        "Do not rerun a run that already had this many attempts (GitHub allows 50).",
        modes=HEAL,
        low=1,
        high=50,
    ),
    Input(
        "run-id",
        "str",
        "",
        "Workflow run to rerun (default: the workflow_run that triggered this one).",
        modes=HEAL,
        in_config=False,
    ),
    Input(
        "heal-via",
        "enum",
        "push",
        "push the fix to the branch, or open a pull-request with it from autoheal/<branch> "
        "(for branches that take no bot pushes).",
        modes=HEAL,
        choices=HEAL_VIA,
    ),
    # redispatch
    Input(
        "event-type",
        "str",
        "post-remediation-check",
        "repository_dispatch event type (1-100 characters).",
        modes=REDISPATCH,
    ),
    Input(
        "client-payload",
        "json",
        "{}",
        "Extra JSON object merged beside the `autoheal` key "
        "of the dispatch payload (at most 9 keys).",
        modes=REDISPATCH,
    ),
    Input(
        "category-outcomes",
        "json",
        "{}",
        "Heal's `category-outcomes` output (JSON). redispatch carries it to validate in the "
        "payload; given to validate, it replaces the payload's (compared with what validate "
        "finds).",
        modes=("redispatch", "validate"),
        in_config=False,
    ),
    Input(
        "repository",
        "list",
        "",
        "Repository or repositories (`owner/name`, comma or "
        "newline separated) to dispatch to. Default: the current one.",
        modes=REDISPATCH,
    ),
    Input(
        "label",
        "str",
        "autoheal:revalidating",
        "Label added to the pull request; `none` for no label.",
        modes=REDISPATCH,
    ),
    Input(
        "comment",
        "bool",
        "true",
        "Post (or update) one comment on the pull request.",
        modes=("redispatch", "validate"),
    ),
    Input(
        "wait-for-run",
        "bool",
        "false",
        "Wait for the validation run the dispatch started and output its URL and conclusion.",
        modes=REDISPATCH,
    ),
    Input(
        "wait-timeout",
        "int",
        "300",
        "Seconds to wait for the validation run.",
        modes=REDISPATCH,
        low=1,
        high=3600,
    ),
    Input(
        "confidence",
        "str",
        "",
        "Heal's confidence (0-100) to carry to validate. Default: from the payload.",
        modes=("redispatch", "validate"),
        in_config=False,
    ),
    Input(
        "sha",
        "str",
        "",
        "Commit to validate or dispatch for (40 hex). Default: from the "
        "payload, else the current commit.",
        modes=("redispatch", "validate", "rollback"),
        in_config=False,
    ),
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

BY_NAME = {i.name: i for i in INPUTS}

OUTPUTS: dict[str, str] = {
    "status": (
        "Status word. heal: HEALTHY, HEALED, PARTIAL, PATCH, NOT FIXED, SKIPPED; redispatch: "
        "DISPATCHED, SKIPPED; validate: HEALTHY, MONITORING, CRITICAL, SKIPPED (a duplicate "
        "delivery); rollback: ROLLBACK EXECUTED, SKIPPED; any mode: SKIPPED when paused, FAILED."
    ),
    # heal
    "healed": "true when heal committed a fix.",
    "commit-sha": "The heal commit (pushed unless dry-run).",
    "confidence-before": "Confidence (0-100) before fixing.",
    "confidence-after": "Confidence (0-100) after fixing.",
    "category-outcomes": "JSON: each category's outcome after heal (pass, fail, absent).",
    "fixed-categories": "Categories the fix made pass, comma separated.",
    "rerun-requested": "true when failed jobs were rerun.",
    "pr-url": (
        "Pull request opened or updated (heal: a protected branch or heal-via pull-request; "
        "rollback via pull request)."
    ),
    "patch-path": "Patch file of a fix that was not pushed (fork, dry-run, refused).",
    "validate-sha": (
        "Commit to send to validate (redispatch `sha`), empty for none: the heal commit; or, "
        "on a push to the default branch whose checks still fail, the failing commit."
    ),
    "ci-run-id": "The CI run started on the pushed commit (with `ci-workflow`).",
    "ci-run-url": "Web address of that CI run.",
    # redispatch
    "dispatched": "true when GitHub accepted the dispatch.",
    "http-status": "HTTP status of the dispatch request.",
    "dispatch-id": "Identifier of this heal attempt carried in the payload.",
    "attempts": "HTTP attempts made for the dispatch.",
    "duration-ms": "Time spent dispatching, in milliseconds.",
    "validation-run-url": "URL of the validation run (with wait-for-run).",
    "validation-conclusion": "Conclusion of that run (success, failure, ...) when it finished.",
    # validate
    "effectiveness-score": (
        "Effectiveness score (0-100); below the threshold when a critical category fails."
    ),
    "confidence": "Confidence used in the score: the lower of heal's and validate's own.",
    "rollback-required": (
        "true when a critical category fails again on retry (never for a pull request)."
    ),
    "breakdown": "JSON: per category outcome and points.",
    "flaky-checks": "Checks that failed then passed, comma separated.",
    "sha": "The commit that was evaluated.",
    # rollback
    "rolled-back": "true when a revert was pushed (or a revert PR opened).",
    "reverted-shas": "Commits reverted (with dry-run: that would be), comma separated.",
    "revert-sha": "The newest revert commit.",
    "culprit-sha": "The first bad commit found.",
    "issue-url": "Issue opened or updated about the rollback.",
}
