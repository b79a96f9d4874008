"""How heal and rollback get their commits onto a branch: git's own push, or GitHub's Git
database API (`autoheal.publish.api_commit`), whose commits GitHub signs. Input `commit-via`:

- `git`: commit locally as `commit-author` and push (fast-forward only);
- `api`: the same commits, made again through the API: GitHub signs them ("Verified") when the
  token is a GitHub App's or the Actions `GITHUB_TOKEN`, and their author is that token's
  identity, so `commit-author` does not apply;
- `auto` (default): `api` when the branch's rules (read first, `autoheal.publish.branch_rules`)
  require signed commits, else `git`, switching to `api` if git's push is refused for unsigned
  commits (protection the token could not read: classic protection without admin rights).

Not always `api`: the author becomes the bot, a personal access token's API commits are not
signed, it takes several requests per commit, and every changed file travels as a request
(large binaries base64-encoded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autoheal.errors import InputError
from autoheal.git import Git, PushRejected, PushResult
from autoheal.github import github_client
from autoheal.markdown import code_span
from autoheal.report import Report

if TYPE_CHECKING:
    from autoheal.context import Context
    from autoheal.github.client import GitHub
    from autoheal.publish.branch_rules import Decision
    from autoheal.settings import Settings

GIT = "git"
API = "api"
AUTO = "auto"


@dataclass(frozen=True)
class Destination:
    """The branch our commits go to, with what every step of getting them there needs: the
    repository they are in (the checkout, or rollback's scratch work tree), the inputs, the
    event and the report."""

    git: Git
    settings: Settings
    ctx: Context
    report: Report
    branch: str


@dataclass(frozen=True)
class Pushed:
    result: PushResult
    note: str  # Markdown: how the commits were made, for the summary ("" for plain git)


def under_rules(decision: Decision, settings: Settings) -> Decision:
    """The branch rules' decision as `commit-via` can carry it out: with `git`, whose commits
    GitHub does not sign, a branch that requires signed commits gets a pull request."""
    from autoheal.publish import branch_rules

    return branch_rules.without_api(decision) if settings.commit_via == GIT else decision


def push(
    to: Destination, *, base: str, on_rebased: Callable[[str], None], decision: Decision
) -> Pushed:
    """Push our commits `base..HEAD` to `branch` fast-forward only, the way `commit-via` and
    the branch's rules (`decision`, from autoheal.publish.branch_rules) say. Raises what
    `Git.push_fast_forward` raises (PushRejected when the branch refuses)."""
    git, settings, report, branch = to.git, to.settings, to.report, to.branch
    why = choose(settings, decision)
    if why:
        return _push_api(to, base, on_rebased, why)
    ours = int(git.run("rev-list", "--count", "--end-of-options", f"{base}..HEAD", "--").stdout)
    try:
        result = git.push_fast_forward(
            branch, base=base, retries=settings.push_retries, on_rebased=on_rebased
        )
    except PushRejected as exc:
        # Protection the token could not read (classic, without admin rights) shows here.
        if settings.commit_via != AUTO or "signature" not in f"{exc.message} {exc.stderr}":
            raise
        report.info(f"{code_span(branch)} refused unsigned commits: making them through the API.")
        # A rebase before the refusal moved our commits: they are the last `ours` of HEAD.
        base = git.rev_parse(f"HEAD~{ours}") or base
        why = f"`commit-via: auto`: {code_span(branch)} refused the push of unsigned commits"
        return _push_api(to, base, on_rebased, why)
    return Pushed(result, "")


def sign(to: Destination, base: str, decision: Decision | None = None) -> str:
    """For commits that go to a pull request's branch instead of `branch`: when `commit-via`
    says so (`api`; `auto` when `decision` is the API's), replace our commits `base..HEAD` by
    GitHub's signed copies (no branch moves), so the pull request carries signed commits.
    Returns the summary's note ("" for git's)."""
    git, settings, ctx, report = to.git, to.settings, to.ctx, to.report
    why = choose(settings, decision)
    if not why:
        return ""
    from autoheal.publish import api_commit

    with _client(settings, ctx) as client:
        replayed = api_commit.replay(git, client, ctx.repository, base)
    api_commit.adopt(git, replayed, "origin", required=True)
    return note(replayed.verified, replayed.reason, why, report)


def choose(settings: Settings, decision: Decision | None) -> str:
    """Why the commits are made through the API (for the summary), or "" for git."""
    from autoheal.publish import branch_rules

    if settings.commit_via == API:
        return "`commit-via: api`"
    if settings.commit_via == AUTO and decision is not None and decision.how == branch_rules.API:
        return "`commit-via: auto`, as the branch's rules require signed commits"
    return ""


def _push_api(to: Destination, base: str, on_rebased: Callable[[str], None], why: str) -> Pushed:
    git, settings, ctx, report, branch = to.git, to.settings, to.ctx, to.report, to.branch
    from autoheal.publish import api_commit

    with _client(settings, ctx) as client:
        result = api_commit.push_fast_forward(
            git,
            client,
            ctx.repository,
            branch,
            base=base,
            retries=settings.push_retries,
            on_rebased=on_rebased,
        )
    return Pushed(result, note(result.verified, result.reason, why, report))


@contextmanager
def _client(settings: Settings, ctx: Context) -> Iterator[GitHub]:
    client = github_client(settings, ctx)
    if client is None or not ctx.repository:
        raise InputError(
            "`commit-via: api` makes commits through GitHub's API, which needs a token and "
            "the repository (GITHUB_REPOSITORY).",
            fix="Pass `token:` (the default `${{ github.token }}` will do), or use "
            "`commit-via: git`.",
        )
    with client:
        yield client


def note(verified: bool, reason: str, why: str, report: Report) -> str:
    """The summary's words on a commit made through the API, and a warning when GitHub did
    not sign it."""
    author = "Its author is the token's identity: `commit-author` does not apply."
    if verified:
        return f"Made through GitHub's API ({why}) and signed by GitHub: **Verified**. {author}"
    report.warning(
        f"GitHub did not sign the commit made through its API ({reason}): only a GitHub App "
        "token or the Actions GITHUB_TOKEN gets signed commits, not a personal access token.",
        title="Commit not signed",
    )
    return f"Made through GitHub's API ({why}), but GitHub did not sign it ({reason}). {author}"
