"""The inputs of heal, with those of publishing it shares with rollback: commit author,
limits on a fix, push retries, the CI workflow to start, auto-merge, commit-via, reruns of
flaky runs, heal-via, apply-patch, and the stage of a fix requested by a comment.
"""

from __future__ import annotations

from autoheal.settings.input_spec import FIX_REQUEST, HEAL, HEAL_VIA, Input

HEAL_INPUTS: tuple[Input, ...] = (
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
        "push the fix to the branch; suggest it on the pull request as one review of "
        "suggested changes (pull requests only; elsewhere a patch); or open a pull-request "
        "with it from autoheal/<branch> (for branches that take no bot pushes).",
        modes=HEAL,
        choices=HEAL_VIA,
    ),
    Input(
        "fix-request",
        "enum",
        "accept",
        "On an `issue_comment` event (a `/autoheal fix` comment on a pull request), the stage "
        "to run: accept checks who asked and what to fix without running the pull request's "
        "code (outputs `request`, `head-sha`, `head-ref`, `artifact-run-id`); fix heals the "
        "checked-out head and pushes the fix to the pull request's branch. See docs/heal.md.",
        modes=HEAL,
        choices=FIX_REQUEST,
        in_config=False,
    ),
    Input(
        "apply-patch",
        "str",
        "",
        "Folder of the `autoheal-fix` artifact a pull request's read-only run left "
        "(`patch-artifact`). heal then runs no check and none of the pull request's code: "
        "it checks the patch as data against its pull request's head, then pushes it to the "
        "branch (this repository's) or posts it as suggestions (a fork's, or with heal-via "
        "suggest). See docs/pull-requests.md.",
        modes=HEAL,
        in_config=False,
    ),
)
