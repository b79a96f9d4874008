"""validate: re-check the healed commit, score it, and say plainly whether to roll back.

It runs in the workflow a `repository_dispatch` started, where GITHUB_SHA is the default
branch tip and not the healed commit: the sha comes from the payload (or the `sha` input).
That commit is checked out, detached, in the job's own checkout (where the workflow installed
the project's tools and packages), its checks run there, and the checkout goes back to its
branch afterwards: a tree with uncommitted changes is refused first (autoheal.git.checkout).

Exit code 0 whatever the score: the decision is in the outputs and the rollback step acts on
it. Only a failed or refused evaluation (bad payload: 2; missing commit, checkout with
uncommitted changes: 1) exits non-zero.

Modules, in the order the flow uses them:

- `flow`: `run`, the loop itself, from the refusals to the job summary.
- `target`: what to evaluate: the sha and heal's claim, and where each came from.
- `decision`: the decision an earlier delivery of the dispatch recorded (a duplicate requests
  nothing new), and failing closed when that record cannot be read.
- `evaluation`: the checks run on the sha in the job's checkout, with retries, and scored.
- `post`: the commit status, the check run and the pull request comment.
- `check_run`: the check run `autoheal/validate`: its verdict, annotations and posting.
- `report`: what validate says: the job summary, the comment, the commit status's text.
"""

from autoheal.modes.validate.flow import run as run
