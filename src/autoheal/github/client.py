"""The GitHub REST client callers use: `GitHub`, the core (`autoheal.github.api`: session, calls,
retries, pagination, GraphQL, who the token is) with one endpoint mixin per area: `dispatches`
(repository_dispatch), `repos` (the repository), `issues` (labels, comments, issues, issue
events, collaborators), `statuses` (commit statuses, check runs), `runs` (workflow runs,
workflow_dispatch), `pulls` (pull requests), `reviews` (a pull request's files, reviews
and review comments), `git_database` (blobs, trees, commits, refs) and `rules` (branch rules,
rulesets, protection). Names other modules import from here are re-exported from their homes.
The rules every call keeps (timeouts, retries, rate limits, redaction) are in
`autoheal.github.api`'s notes.
"""

from __future__ import annotations

from autoheal.github.api import Api
from autoheal.github.dispatches import DispatchEndpoints
from autoheal.github.dispatches import check_dispatch as check_dispatch
from autoheal.github.git_database import GitDatabaseEndpoints
from autoheal.github.issues import IssueEndpoints
from autoheal.github.paths import check_repo as check_repo
from autoheal.github.pulls import PullEndpoints
from autoheal.github.repos import RepoEndpoints
from autoheal.github.reviews import ReviewEndpoints
from autoheal.github.rules import RuleEndpoints
from autoheal.github.runs import RunEndpoints
from autoheal.github.statuses import STATUS_DESCRIPTION_MAX as STATUS_DESCRIPTION_MAX
from autoheal.github.statuses import StatusEndpoints


class GitHub(
    DispatchEndpoints,
    RepoEndpoints,
    IssueEndpoints,
    StatusEndpoints,
    RunEndpoints,
    PullEndpoints,
    ReviewEndpoints,
    GitDatabaseEndpoints,
    RuleEndpoints,
    Api,
):
    """A small GitHub REST client. One instance per run; not thread-safe (shares a Session)."""
