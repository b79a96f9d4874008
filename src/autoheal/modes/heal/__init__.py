"""heal mode: run the checks, apply the mechanical fixes, commit them and push them to the branch
that failed; when the failure does not reproduce, rerun the failed jobs (flakiness).

Status words (output `status`) and exit codes:

- HEALTHY (0): every check passes; nothing changed. A rerun may have been requested.
- HEALED (0): a fix was committed and pushed (or a pull request opened for a protected branch
  or with `heal-via: pull-request`, or, locally, committed) and every check passes.
- PARTIAL (1): a fix was pushed, but some checks still fail.
- PATCH (0, or 1 when checks still fail with it): a fix exists but was not pushed by design
  (fork or Dependabot pull request: then also `patch-artifact`; dry-run); see `patch-path`.
- SUGGESTED (0, or 1 when checks still fail with it): the fix was posted as suggested changes
  on the pull request (`heal-via: suggest`, or `apply-patch` for a fork); see `review-url`.
- NOT FIXED (1): checks fail and nothing was pushed: no fix command, the fixers changed
  nothing or fixed nothing, or the fix was refused (workflow files, too large, a regression,
  a merge queue's branch: then a patch).
- SKIPPED (0): a loop guard stopped heal, or there are no checks; on `issue_comment`, a
  comment that is no `/autoheal fix` request, or a request refused or with nothing to apply.
- ACCEPTED (0): the accept stage of a `/autoheal fix` request took it (output `request`).
- FAILED (1, 2 for bad inputs): an error; the message says what to change.

Modules, in the order the flow uses them:

- `request`, `requester`: a `/autoheal fix` comment (`issue_comment`), first: who asked and
  may they, the pull request's head now, and the answer; its fix stage calls `flow`.
- `flow`: `run`, the loop itself: the checks, the fixers, the commit, the recheck, and where
  the fix goes (pushed, committed locally, or kept as a patch); the tree put back on errors.
- `guards`: the refusals (a dirty tree, a HEAD GitHub does not vouch for), the branch to push
  to, and the loop guards that stop heal with SKIPPED.
- `rerun`: the answer to flakiness: rerun the failed jobs when every check passes here.
- `limits`: what is never pushed whatever the checks say: workflow files, binaries, fixes too
  large to push without a review.
- `publish`: the commit message, the patch file, the push and the pull-request fallback.
- `next_step`: the commit validate should check next, and how to chain it.
- `outcome`: the status words, the `Outcome`, and the outputs and job summary made from it.
- `offer`: a fix offered instead of pushed: the review of suggestions (`suggest`, `review`)
  or, from a read-only run, the `autoheal-fix` artifact (`artifact`).
- `apply`: `apply-patch`, the trusted job: the artifact bound to its pull request, judged
  (`patch_rules`), committed without a checkout, pushed or suggested. No check runs there.
"""

from autoheal.modes.heal.flow import run as run
