"""redispatch mode: start the validation run that a heal commit cannot start by itself.

A commit pushed with GITHUB_TOKEN starts no workflow run, so nothing checks whether a heal
worked. `repository_dispatch` is one of the events GITHUB_TOKEN may start, so this mode sends
one, carrying the heal attempt in `client_payload.autoheal` (see `autoheal.payload`).

Its modules, in the order the flow uses them:

- `flow`: `run`, the steps in order, and the rules they keep.
- `targets`: what is sent and where: the repositories (each once), the commit, the payload.
- `push_start`: the push's `before` for a heal run under `workflow_run`, from the CI's runs.
- `skips`: the runs that send nothing: a dry run, no token.
- `outcomes`: sending to each target and explaining each HTTP outcome; outputs and statuses.
- `pull_request`: the label and the single comment on the pull request.
- `waiting`: `wait-for-run`, finding the run by dispatch id; the injected time (`clock`,
  `sleep`).
- `summary`: the job summary's tables, failures, warnings and the body sent.
"""

from autoheal.modes.redispatch.flow import run as run
