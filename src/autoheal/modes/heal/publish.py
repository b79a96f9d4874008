"""Getting a heal commit out: its message, the patch file, the push and the pull-request
fallback for protected branches."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autoheal.checks import CheckResult
from autoheal.errors import AutohealError
from autoheal.git import Git, PushRejected
from autoheal.github import github_client
from autoheal.markdown import code_block, code_span, link, title_text
from autoheal.markers import HEAL_TRAILER
from autoheal.publish import branch_rules, commit_via
from autoheal.publish.commit_via import Destination
from autoheal.publish.own_branch import push_own_branch
from autoheal.report import Report
from autoheal.settings import Settings

if TYPE_CHECKING:
    from autoheal.github.client import GitHub

FALLBACK_PREFIX = "autoheal/"
PATCH_NAME = "autoheal-heal.patch"


@dataclass(frozen=True)
class Published:
    sha: str
    where: str  # Markdown: what went where
    pr_url: str = ""
    on_branch: bool = True  # False: the branch refused it; it went to `autoheal/<branch>`


def subject(categories: Sequence[str]) -> str:
    return f"autoheal: apply {' and '.join(categories) or 'mechanical'} fixes"


def commit_message(
    fixes: Sequence[CheckResult], fixed_categories: Sequence[str], run_url: str
) -> str:
    """Subject, the categories and commands, and the trailer that stops heal healing itself."""
    categories = list(fixed_categories) or sorted({f.check.category for f in fixes})
    lines = [subject(categories), ""]
    if fixed_categories:
        lines.append(f"Fixed categories: {', '.join(fixed_categories)}")
    lines.append("Fix commands run:")
    # GitHub reads mentions and closing keywords (`Fixes #12`) in commit messages too.
    lines += [
        title_text(f"- {f.check.category} ({f.check.name}): {f.check.fix_display}") for f in fixes
    ]
    lines += ["", f"{HEAL_TRAILER}: {run_url or 'local'}"]
    return "\n".join(lines) + "\n"


def write_patch(env: Mapping[str, str], text: str) -> Path:
    """The patch under RUNNER_TEMP, where a later step can upload it."""
    folder = Path(env.get("RUNNER_TEMP") or tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PATCH_NAME
    path.write_text(text, encoding="utf-8")
    return path


def commit_patch(git: Git, base: str, *, binary: bool = True) -> str:
    """Our commit as a mailbox patch: `git am` applies it with its message and author.
    Without `binary`, binary files are named but their bytes left out (a refused 30 MB
    artefact must not become a 40 MB patch, in memory and in the summary)."""
    contents = "--binary" if binary else "--no-binary"
    return git.run("format-patch", "--stdout", contents, f"{base}..HEAD", "--").stdout


def push_fix(to: Destination, base: str, on_rebased: Callable[[str], None]) -> Published:
    """Push HEAD (our commits on top of `base`) to `branch`; when `heal-via` is
    `pull-request`, the branch's rules ask for a pull request, or the remote refuses
    (protection), to `autoheal/<branch>` with a pull request into `branch`."""
    git, settings, ctx, report, branch = to.git, to.settings, to.ctx, to.report, to.branch
    # ---- heal-via: the same pull request as for a protected branch, chosen up front
    if settings.heal_via == "pull-request":
        report.info(
            f"heal-via is pull-request: pushing the fix to {code_span(FALLBACK_PREFIX + branch)} "
            f"and opening a pull request into {code_span(branch)}."
        )
        unread = branch_rules.Decision(branch_rules.PUSH, read=False)  # rules not asked
        return _signed_fallback(to, base, unread, chosen=True)
    # ---- branch rules: decided before the first push (signed commits: see commit_via)
    rules = branch_rules.decide(settings, ctx, report, git, branch)
    decision = commit_via.under_rules(rules, settings)
    if decision.how == branch_rules.PULL_REQUEST:
        return _signed_fallback(to, base, decision)
    # ---- end of branch rules
    try:
        # ---- commit-via: git's push, or GitHub's Git database API (publish.commit_via)
        pushed = commit_via.push(to, base=base, on_rebased=on_rebased, decision=decision)
        result = pushed.result
    except PushRejected as exc:
        report.warning(
            f"The remote refused the push to {code_span(branch)} ({exc.message}); pushing to "
            f"{code_span(FALLBACK_PREFIX + branch)} and opening a pull request instead.",
            title="Branch protected",
        )
        return _fallback(to, decision)
    rebased = f" after rebasing onto new commits ({result.attempts} attempts)"
    where = f"Pushed `{result.pushed_sha[:12]}` to {code_span(branch)}"
    where += rebased if result.rebased else ""
    return Published(
        result.pushed_sha, f"{_with_rules(where + '.', decision)} {pushed.note}".strip()
    )


def _signed_fallback(
    to: Destination, base: str, decision: branch_rules.Decision, *, chosen: bool = False
) -> Published:
    """The pull request, chosen before any push; with `commit-via: api` its commits are
    GitHub's signed copies of ours (publish.commit_via)."""
    signed = commit_via.sign(to, base, decision)
    published = _fallback(to, decision, chosen=chosen)
    return replace(published, where=f"{published.where} {signed}".strip())


def _with_rules(where: str, decision: branch_rules.Decision) -> str:
    return f"{where} {decision.why}".strip()


def _fallback(
    to: Destination,
    decision: branch_rules.Decision,
    *,
    chosen: bool = False,  # by `heal-via: pull-request`, not forced by the rules or a refusal
) -> Published:
    git, settings, ctx, report, branch = to.git, to.settings, to.ctx, to.report, to.branch
    pushed = push_own_branch(git, FALLBACK_PREFIX + branch, git.head_sha(), trailer=HEAL_TRAILER)
    fallback, sha = pushed.branch, pushed.sha
    if pushed.note():
        report.warning(pushed.note(), title="Pull request branch in use")
    ruled = decision.how == branch_rules.PULL_REQUEST
    why = "`heal-via` is `pull-request`" if chosen else f"{code_span(branch)} is protected"
    where = f"{why}: pushed `{sha[:12]}` to {code_span(fallback)}"
    if ruled:
        where = f"{decision.why} Pushed `{sha[:12]}` to {code_span(fallback)}"
    elif decision.why:  # the push was tried: the rules could not be read, or were bypassed
        where = f"{decision.why} {where}"
    client = github_client(settings, ctx)
    if client is None:
        report.warning(
            f"No token: cannot open the pull request from {code_span(fallback)} into "
            f"{code_span(branch)}.",
            title="Pull request not opened",
        )
        return Published(sha, where + "; no token to open a pull request.", on_branch=False)
    title = title_text(f"{git.subject(sha)} on {branch}")
    if chosen:
        reason = "and this repository takes its fixes as pull requests (`heal-via: pull-request`)"
    elif ruled:
        reason = "but its rules ask for a pull request"
    else:
        reason = "but the branch refused a direct push"
    body = (
        f"CI Autoheal fixed {code_span(branch)}, {reason}. The commit:\n\n"
        f"{code_block(git.message(sha))}\n\nMerge this pull request to apply the fix."
    )
    owner = ctx.repository.split("/", 1)[0]
    from autoheal.github.errors import GitHubError

    try:
        with client:
            pull = client.upsert_pull(ctx.repository, owner, fallback, branch, title, body)
            merging = _auto_merge(settings, report, client, ctx.repository, pull, decision)
    except GitHubError as exc:
        # The fix is on the remote already: say where, or the user never finds it.
        raise AutohealError(
            f"{why}: the fix was pushed to {code_span(fallback)} ({sha[:12]}), but the pull "
            f"request into {code_span(branch)} could not be opened: {exc.message}",
            fix=f"Open a pull request from {code_span(fallback)} into {code_span(branch)} by "
            f"hand. {exc.fix}".strip(),
        ) from exc
    url = str(pull.get("html_url") or "")
    opened = link(url, url) if url else "a pull request"
    where += f" and opened {opened} into {code_span(branch)}."
    return Published(sha, f"{where} {merging}".rstrip(), url, on_branch=False)


def _auto_merge(
    settings: Settings,
    report: Report,
    client: GitHub,
    repo: str,
    pull: dict[str, Any],
    decision: branch_rules.Decision,
) -> str:
    """The summary's sentence on auto-merge, or "" when `auto-merge` is off."""
    if not settings.auto_merge:
        return ""
    from autoheal.publish import auto_merge

    return auto_merge.enable(client, report, repo, pull, decision.merge_methods)
