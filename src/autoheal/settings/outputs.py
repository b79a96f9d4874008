"""The catalogue of the action's outputs, by name with their help, in the order action.yml and
docs/reference.md list them: the status word, then heal's, redispatch's, validate's and
rollback's.
"""

from __future__ import annotations

OUTPUTS: dict[str, str] = {
    "status": (
        "Status word. heal: HEALTHY, HEALED, PARTIAL, PATCH, SUGGESTED, NOT FIXED, SKIPPED, "
        "ACCEPTED (a `/autoheal fix` request taken, see `request`); redispatch: DISPATCHED, "
        "SKIPPED; validate: HEALTHY, MONITORING, CRITICAL, SKIPPED (a duplicate delivery); "
        "rollback: ROLLBACK EXECUTED, SKIPPED; any mode: SKIPPED when paused, FAILED."
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
    "patch-artifact": (
        "Folder of the `autoheal-fix` artifact (fix.patch, manifest.json) of a pull request's "
        "read-only run (a fork's, Dependabot's): upload it for the trusted `apply-patch` job."
    ),
    "review-url": "The review of suggested changes heal posted (heal-via suggest, apply-patch).",
    "validate-sha": (
        "Commit to send to validate (redispatch `sha`), empty for none: the heal commit; or, "
        "on a push to the default branch whose checks still fail, the failing commit."
    ),
    "ci-run-id": "The CI run started on the pushed commit (with `ci-workflow`).",
    "ci-run-url": "Web address of that CI run.",
    "request": (
        "A `/autoheal fix` comment's accept stage: fix (heal the same-repository pull request "
        "at `head-sha`), suggest (a fork: apply the fix artifact of run `artifact-run-id`), or "
        "none (not a request, refused, or nothing to apply)."
    ),
    "head-sha": "The pull request's head when the request was accepted: the commit to check out.",
    "head-ref": "The pull request's branch, for a request to fix.",
    "artifact-run-id": "The CI run whose `autoheal-fix` artifact holds the fork's fix.",
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
