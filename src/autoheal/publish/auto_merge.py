"""Input `auto-merge`: GitHub merges our pull request (heal's fallback, rollback's revert) by
itself once its requirements are met, through the GraphQL mutation
`enablePullRequestAutoMerge` (REST has none).

The repository must allow auto-merge (Settings > General > Allow auto-merge), and the token
needs `contents: write` and `pull-requests: write`. The merge method is one the repository
allows (and the branch's `pull_request` rule, when it lists some), rebase first: it lands our
commits as they are, with the trailers that keep heal and rollback from undoing their own work.
When auto-merge cannot be enabled the pull request stays open for a person, and the summary
says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from autoheal.markdown import code_span
from autoheal.report import Report

if TYPE_CHECKING:
    from autoheal.github.client import GitHub

MUTATION = """
mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod) {
  enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}) {
    pullRequest { autoMergeRequest { enabledAt mergeMethod } }
  }
}
"""
#: Merge methods in the order we prefer them, with the repository field that allows each.
METHODS = (
    ("rebase", "allow_rebase_merge"),
    ("merge", "allow_merge_commit"),
    ("squash", "allow_squash_merge"),
)
NOT_ALLOWED = (
    "Auto-merge not enabled: this repository does not allow auto-merge (Settings > General > "
    "Pull Requests > Allow auto-merge)."
)
PERMISSIONS = "The token needs `contents: write` and `pull-requests: write`."


def enable(
    client: GitHub,
    report: Report,
    repo: str,
    pull: Mapping[str, Any],
    rule_methods: frozenset[str] | None = None,
) -> str:
    """Enable auto-merge on `pull` (a REST pull request object); a Markdown sentence for the
    summary either way. A refusal is a warning, never an error: the pull request is open."""
    from autoheal.github.errors import GitHubError, PermissionDenied

    note = ""
    node_id = pull.get("node_id")
    try:
        if not isinstance(node_id, str) or not node_id:
            note = "Auto-merge not enabled: GitHub's answer about the pull request has no node id."
        else:
            note = _enable(client, repo, node_id, rule_methods)
    except PermissionDenied as exc:
        note = f"Auto-merge not enabled: {code_span(exc.message)}. {PERMISSIONS}"
    except GitHubError as exc:
        note = f"Auto-merge not enabled: {code_span(exc.message)}."
    if not note.startswith("Auto-merge enabled"):
        from autoheal.plaintext import inline

        report.warning(inline(note), title="Auto-merge")
    return note


def _enable(client: GitHub, repo: str, node_id: str, rule_methods: frozenset[str] | None) -> str:
    settings = client.get_repo(repo)
    if settings.get("allow_auto_merge") is False:
        return NOT_ALLOWED
    method = merge_method(settings, rule_methods)
    if method is None:
        return (
            "Auto-merge not enabled: no merge method is allowed both by the repository and by "
            "the branch's pull request rule."
        )
    data = client.graphql(MUTATION, {"pullRequestId": node_id, "mergeMethod": method.upper()})
    mutation = data.get("enablePullRequestAutoMerge")
    if not isinstance(mutation, dict):
        return "Auto-merge not enabled: GitHub's answer did not confirm it."
    return (
        f"Auto-merge enabled ({method}): GitHub merges the pull request once its requirements "
        "are met."
    )


def merge_method(settings: Mapping[str, Any], rule_methods: frozenset[str] | None) -> str | None:
    """The first method in our order that the repository does not disallow and the rule (when
    it lists methods) allows. The repository's `allow_*` fields are absent for tokens that
    may not see them: absent is not a refusal."""
    for method, field in METHODS:
        if settings.get(field) is False:
            continue
        if rule_methods is not None and method not in rule_methods:
            continue
        return method
    return None
