"""rollback mode: revert what a failing push broke, only adding commits, never losing work.

Its modules, in the order the flow uses them:

- `flow`: `run` (statuses, outputs, the summary at the end) and `Rollback`, which joins the step
  mixins below and runs them in order.
- `source`: which push to roll back: before..after and the branch, from the inputs, the push
  event, the dispatch payload or `sha`.
- `guardrails`: the refusals (merge queue, dirty checkout, daily cap; per target: ours, opted
  out, too old, off the branch) and the targets already reverted.
- `culprit`: the branch tip, the push's first-parent commits and the targets among them: the
  whole push, or the culprit found by bisecting in the job's checkout, with its heal companions.
- `bisect`: the pure binary search that bisecting uses (`first_bad`).
- `reverts`: the revert commits, made and verified in a scratch work tree (rehearsed there for
  a dry run) and verified again after a rebase.
- `publish`: getting them out: a fast-forward push (commit-via, branch rules) or a revert pull
  request (own branch, auto-merge); the CI start; the outputs (`finish`).
- `issue`: telling people: the issue and pull request text, the author mention, a conflict's
  report.
- `summary`: the "Rollback Safety Status" section, its guardrail rows and `Stop` (ends a run
  early with a status).
- `base`: what every step shares (`RollbackBase`) and `Target`, one commit to revert.
"""

from autoheal.modes.rollback.flow import run as run
