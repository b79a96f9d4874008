"""Which push to roll back: `resolve_source` reads its range (before..after) and its branch
from the inputs, else the push event, else the dispatch payload, else the `sha` input."""

from __future__ import annotations

from dataclasses import dataclass, field

from autoheal.context import Context
from autoheal.errors import InputError
from autoheal.git import Git
from autoheal.payload import parse as parse_payload
from autoheal.settings import Settings


@dataclass(frozen=True)
class Source:
    """The failing push: its commits are before..after (first parent) on `branch`."""

    before: str | None
    after: str
    branch: str
    origin: str  # where the range came from, for the summary
    pr: int | None = None
    checks: dict[str, str] = field(default_factory=dict)  # heal's outcomes, if carried


def resolve_source(settings: Settings, ctx: Context, git: Git) -> Source:
    """before..after from inputs, else the push event, else the dispatch payload, else `sha`."""
    payload = parse_payload(ctx.client_payload)
    if settings.before and not settings.after:
        raise InputError(
            "Input `before` is set but `after` is not.",
            fix="Set `after` to the last commit of the bad push too.",
        )
    before: str | None
    if settings.after:
        before, after, origin = settings.before or None, settings.after, "inputs"
    elif ctx.push_after:
        before, after, origin = ctx.push_before, ctx.push_after, "push event"
    elif payload is not None:
        before, after, origin = payload.before, payload.sha, "dispatch payload"
    elif settings.sha:
        before, after, origin = None, settings.sha, "input sha"
    else:
        raise InputError(
            "Nothing says what to roll back: no `after`/`sha` input, no push event and no "
            "dispatch payload.",
            fix="Run rollback from validate's workflow (it carries the payload), or set "
            "`before` and `after` (or `sha`).",
        )
    if before is not None and set(before) == {"0"}:
        before = None  # a new branch: only `after` itself
    branch = _branch(payload.ref if payload else "", ctx, git, settings.local)
    return Source(
        before=before,
        after=after,
        branch=branch,
        origin=origin,
        pr=payload.pr if payload else ctx.pr_number,
        checks=dict(payload.checks) if payload else {},
    )


def _branch(ref: str, ctx: Context, git: Git, local: bool) -> str:
    if ref:
        if ref.startswith("refs/") and not ref.startswith("refs/heads/"):
            raise InputError(
                f"The dispatch payload's ref {ref!r} is not a branch.",
                fix="Only branches can be rolled back; send `refs/heads/NAME`.",
            )
        return ref.removeprefix("refs/heads/")
    branch = ctx.branch or ctx.default_branch or (git.current_branch() if local else None)
    if not branch:
        raise InputError(
            "Cannot tell which branch to roll back.",
            fix="Run on a branch (push or dispatch event), or check out the branch locally.",
        )
    return branch
