"""The GitHub API. `client` holds `GitHub`, the class callers use: the core in `api` (session,
calls, pagination, GraphQL, who we are) with its retry loop in `retries` and one exchange's
limits in `transport`, plus one endpoint mixin per area: `dispatches` (repository_dispatch),
`repos` (the repository), `issues` (labels, comments, issues, issue events, collaborators),
`statuses` (commit statuses, check runs), `runs` (workflow runs, workflow_dispatch), `pulls`
(pull requests), `reviews` (a pull request's files, reviews and their comments), `git_database`
(blobs, trees, commits, refs), `rules` (branch rules, rulesets, protection). `answers` reads
GitHub's answers and words fixes, `paths` writes API paths, `errors` holds the typed errors and
`identity` tells which account the token acts as.

Names are imported from their modules, not from here: the client pulls in `requests`, which
only modes that call the API should pay for at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autoheal.context import Context
    from autoheal.github.client import GitHub
    from autoheal.settings import Settings


def github_client(settings: Settings, ctx: Context) -> GitHub | None:
    """A client for the API, or None when there is no token (callers say what that skips)."""
    if not settings.token.strip():
        return None
    from autoheal.github.client import GitHub

    return GitHub(settings.token, api_url=ctx.api_url)
