"""What validate evaluates: the sha and heal's claim about it (confidence, category outcomes),
from the explicit inputs, then the dispatch payload, then a merge group's head or HEAD; and
where each piece came from, for the summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autoheal import payload
from autoheal.context import Context
from autoheal.git import Git
from autoheal.markdown import code_span
from autoheal.report import Report
from autoheal.settings import Settings


@dataclass(frozen=True)
class Target:
    """What to evaluate, and where each piece came from (for the summary)."""

    sha: str
    where: str  # "from the dispatch payload", "from the `sha` input", ...
    confidence: int | None  # heal's claim, when carried
    confidence_from: str  # where heal's claim was read, e.g. "from the dispatch payload"
    repository: str
    dispatch_id: str | None = None
    pr: int | None = None
    heal_checks: dict[str, str] = field(default_factory=dict)


def resolve_target(settings: Settings, ctx: Context, git: Git, report: Report) -> Target:
    """The sha, heal's confidence and outcomes: explicit inputs, then the dispatch payload,
    then HEAD (and none)."""
    heal = payload.parse(ctx.client_payload)  # InputError (exit 2) naming a bad field
    sha_given = "sha" in settings.explicit and bool(settings.sha)
    if sha_given:
        sha, where = settings.sha, "from the `sha` input"
    elif heal is not None:
        sha, where = (
            heal.sha,
            f"from the dispatch payload, dispatch {code_span(heal.dispatch_id)}",
        )
    elif ctx.merge_group is not None:  # a merge queue: the merge it tests, not its base
        base = ctx.merge_group.base_ref.removeprefix("refs/heads/")
        sha, where = (
            ctx.merge_group.head_sha,
            f"the merge group's head, queued into {code_span(base)}",
        )
    else:
        sha, where = git.head_sha(), "HEAD of the working directory: no sha was given"
        note = (
            " In a repository_dispatch run that is the default branch tip, not a healed commit."
            if ctx.event_name == "repository_dispatch"
            else ""
        )
        report.notice(f"No sha in the dispatch payload or the `sha` input: evaluating HEAD.{note}")
    if "confidence" in settings.explicit and settings.confidence is not None:
        conf, conf_from = settings.confidence, "from the `confidence` input"
    elif heal is not None and heal.confidence is not None:
        conf, conf_from = heal.confidence, "from the dispatch payload"
    else:
        conf, conf_from = None, ""
    heal_checks = dict(heal.checks) if heal else {}
    if "category-outcomes" in settings.explicit:  # as `confidence`: the input wins
        heal_checks = payload.heal_outcomes(settings.category_outcomes)
    return Target(
        sha=sha,
        where=where,
        confidence=conf,
        confidence_from=conf_from,
        repository=(heal.repository if heal and heal.repository else ctx.repository),
        dispatch_id=heal.dispatch_id if heal else None,
        pr=(heal.pr if heal and heal.pr else ctx.pr_number),
        heal_checks=heal_checks,
    )
