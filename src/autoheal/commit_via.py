"""How heal and rollback get their commits onto a branch: git's own push, or GitHub's Git
database API (`autoheal.api_commit`), whose commits GitHub signs. Input `commit-via`:

- `git`: commit locally as `commit-author` and push (fast-forward only);
- `api`: the same commits, made again through the API: GitHub signs them ("Verified") when the
  token is a GitHub App's or the Actions `GITHUB_TOKEN`, and their author is that token's
  identity, so `commit-author` does not apply;
- `auto` (default): `api` when the branch's rules require signed commits, else `git`; and when
  the rules cannot be read, `git`, switching to `api` if the push is refused for unsigned
  commits (classic branch protection, which a token without admin rights cannot read).

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
from autoheal.modes.common import github_client
from autoheal.report import Report, code_span

if TYPE_CHECKING:
    from autoheal.context import Context
    from autoheal.github import GitHub
    from autoheal.settings import Settings

GIT = "git"
API = "api"


@dataclass(frozen=True)
class Pushed:
    result: PushResult
    note: str  # Markdown: how the commits were made, for the summary ("" for plain git)


def push(
    git: Git,
    settings: Settings,
    ctx: Context,
    report: Report,
    branch: str,
    *,
    base: str,
    on_rebased: Callable[[str], None],
) -> Pushed:
    """Push our commits `base..HEAD` to `branch` fast-forward only, the way `commit-via` says.
    Raises what `Git.push_fast_forward` raises (PushRejected when the branch refuses)."""
    why = choose(settings, ctx, report, branch)
    if why:
        return _push_api(git, settings, ctx, report, branch, base, on_rebased, why)
    ours = int(git.run("rev-list", "--count", "--end-of-options", f"{base}..HEAD", "--").stdout)
    try:
        result = git.push_fast_forward(
            branch, base=base, retries=settings.push_retries, on_rebased=on_rebased
        )
    except PushRejected as exc:
        if settings.commit_via != "auto" or "signature" not in f"{exc.message} {exc.stderr}":
            raise
        report.info(f"{code_span(branch)} refused unsigned commits: making them through the API.")
        # A rebase before the refusal moved our commits: they are the last `ours` of HEAD.
        base = git.rev_parse(f"HEAD~{ours}") or base
        why = f"`commit-via: auto`: {code_span(branch)} refused the push of unsigned commits"
        return _push_api(git, settings, ctx, report, branch, base, on_rebased, why)
    return Pushed(result, "")


def sign(git: Git, settings: Settings, ctx: Context, report: Report, branch: str, base: str) -> str:
    """For commits pushed to a pull request's branch instead of `branch`: when `commit-via`
    says so, replace our commits `base..HEAD` by GitHub's signed copies (no branch moves).
    Returns the summary's note ("" when git's commits stay)."""
    why = choose(settings, ctx, report, branch)
    if not why:
        return ""
    from autoheal import api_commit

    with _client(settings, ctx) as client:
        replayed = api_commit.replay(git, client, ctx.repository, base)
    api_commit.adopt(git, replayed, "origin", required=True)
    return note(replayed.verified, replayed.reason, why, report)


def choose(settings: Settings, ctx: Context, report: Report, branch: str) -> str:
    """Why the API is used (for the summary), or "" for git."""
    if settings.commit_via == GIT:
        return ""
    if settings.commit_via == API:
        return "`commit-via: api`"
    client = github_client(settings, ctx)
    if client is None or not ctx.repository:
        return ""
    from autoheal.api_commit import signatures_required

    with client:
        required = signatures_required(client, ctx.repository, branch)
    if required is None:
        report.debug(f"The rules of {code_span(branch)} could not be read: pushing with git.")
    if not required:
        return ""
    return f"`commit-via: auto`: the rules of {code_span(branch)} require signed commits"


def _push_api(
    git: Git,
    settings: Settings,
    ctx: Context,
    report: Report,
    branch: str,
    base: str,
    on_rebased: Callable[[str], None],
    why: str,
) -> Pushed:
    from autoheal import api_commit

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
