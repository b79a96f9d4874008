"""Sending the dispatch to each target and explaining what came back: one `Outcome` per
repository, with GitHub's answer turned into a message and a fix (permissions, a missing
repository, a bad token, the payload, rate limits, a request that may have been sent), and the
step's outputs and statuses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from autoheal.context import Context
from autoheal.github.client import GitHub
from autoheal.github.errors import (
    GitHubError,
    MaybeSent,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from autoheal.report import Report
from autoheal.snippets import SECRET

DOCS = "docs/token-setup.md"
PERMISSIONS_BLOCK = "permissions:\n  contents: write"


DISPATCHED = "DISPATCHED"
SKIPPED = "SKIPPED"
FAILED = "FAILED"


@dataclass
class Outcome:
    """What happened to the dispatch for one target repository."""

    repo: str
    status: int | None = None  # HTTP status; None when no answer arrived
    attempts: int = 0
    message: str = ""
    fix: str = ""
    block: str = ""  # a YAML snippet for the fix (the `permissions:` block)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300 and not self.message


def _fail_on_error(report: Report, what: str) -> None:
    """The step's one error when `fail-on-error` turns a warning into a failure."""
    report.error(
        f"redispatch fails because `fail-on-error` is true: {what}. Set `fail-on-error: "
        "false` to keep such problems warnings."
    )


def _dispatch(
    client: GitHub, repo: str, body: dict[str, Any], dispatch_id: str, ctx: Context
) -> Outcome:
    retries_before = client.stats.retries
    outcome = Outcome(repo)
    try:
        outcome.status = client.dispatch(repo, body["event_type"], body["client_payload"])
    except GitHubError as err:
        outcome.status = err.status
        _explain(outcome, err, dispatch_id, ctx)
    # A refused connection sent no bytes but was still an attempt: count tries, not bytes.
    outcome.attempts = client.stats.retries - retries_before + 1
    return outcome


def _explain(outcome: Outcome, err: GitHubError, dispatch_id: str, ctx: Context) -> None:
    """Fill in the message and the fix for one failed dispatch."""
    repo = outcome.repo
    other_repo = repo.lower() != ctx.repository.lower()
    cross = (
        f" GITHUB_TOKEN only reaches {ctx.repository or 'the repository running the workflow'}:"
        f" for {repo} use a PAT or GitHub App token with access to it (see {DOCS})."
        if other_repo
        else ""
    )
    outcome.message = err.message
    outcome.fix = err.fix
    if isinstance(err, MaybeSent):
        cause = (
            f"GitHub answered {err.status}"
            if err.status
            else f"{err.reason or 'no answer'}, after the request was sent"
        )
        outcome.message = (
            f"The dispatch to {repo} may have reached GitHub ({cause}); it was not "
            "repeated to avoid starting two validation runs."
        )
        outcome.fix = (
            f"Check the Actions tab of {repo} for a run named with dispatch id "
            f"`{dispatch_id}`. If there is none, re-run this job; if there is, nothing is "
            "missing."
        )
    elif isinstance(err, PermissionDenied):
        outcome.message = (
            f"GitHub refused the dispatch to {repo} (403 {_said(err)}): the token lacks "
            "`contents: write` there."
        )
        outcome.fix = (
            "Give the job `contents: write` (block below) when dispatching to the same "
            "repository; for a fine-grained PAT grant Contents: Read and write, for a classic "
            "PAT the `repo` scope. A fork pull request's token is read-only whatever "
            "`permissions:` says." + cross
        )
        outcome.block = _permissions_block(err)
    elif isinstance(err, NotFound):
        outcome.message = (
            f"GitHub answered 404 for the dispatch to {repo}: the repository does not exist "
            "or the token cannot see it."
        )
        outcome.fix = (
            "Check the spelling of `repository` (owner/name). A token sees only the "
            "repositories it was given: GITHUB_TOKEN the current one, a fine-grained PAT the "
            "ones listed under Repository access, a GitHub App token those the App is "
            f"installed on (see {DOCS})."
        )
    elif isinstance(err, Unauthorized):
        outcome.message = f"GitHub rejected the token (401) for the dispatch to {repo}."
        outcome.fix = (
            "The token is invalid, expired or revoked. Create a new one, update the secret "
            f"({SECRET}) and re-run (see {DOCS}, Rotating)."
        )
    elif isinstance(err, ValidationFailed):
        outcome.message = f"GitHub refused the dispatch payload for {repo}. {err.message}"
        outcome.fix = (
            "Check `event-type` (1-100 characters) and `client-payload` (a JSON object of at "
            "most 9 keys, beside `autoheal`, under 64 KB), then re-run."
        )
    elif isinstance(err, RateLimited):
        outcome.fix = (
            "Nothing was sent. Re-run after that time, or use a token with its own quota "
            "(a PAT or a GitHub App token instead of the shared GITHUB_TOKEN)."
        )
    elif isinstance(err, NetworkError):
        outcome.fix = "Nothing was sent. " + err.fix
    if not outcome.message:
        outcome.message = f"The dispatch to {repo} failed."


def _said(err: GitHubError) -> str:
    """GitHub's own words from the client's message: `(403 Resource not accessible ...)`."""
    match = re.search(r"\((\d{3}) ([^()]*)\)", err.message)
    return match[2].strip() if match else err.message.rstrip(".")


def _permissions_block(err: PermissionDenied) -> str:
    """GitHub's accepted permissions when it names them, else `contents: write`."""
    perms = dict(err.accepted_permissions)
    perms.pop("metadata", None)
    if not perms:
        return PERMISSIONS_BLOCK
    lines = [f"  {name.replace('_', '-')}: {level}" for name, level in perms.items()]
    return "permissions:\n" + "\n".join(lines)


def _annotation(outcome: Outcome) -> str:
    block = f"\n{outcome.block}" if outcome.block else ""
    return f"{outcome.message} {outcome.fix}{block}"


def _dispatch_outputs(report: Report, outcomes: list[Outcome], duration_ms: int) -> None:
    report.output("dispatched", all(o.ok for o in outcomes))
    # 0 stands for "no HTTP answer" (network failure), like curl's 000.
    report.output("http-status", ",".join(str(o.status or 0) for o in outcomes))
    report.output("attempts", sum(o.attempts for o in outcomes))
    report.output("duration-ms", duration_ms)
    for outcome in outcomes:
        if outcome.ok:
            report.info(f"Dispatched to {outcome.repo}: HTTP {outcome.status}.")
