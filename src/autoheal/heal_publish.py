"""Getting a heal commit out: its message, the patch file, the push and the pull-request
fallback for protected branches."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from autoheal.checks import CheckResult
from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.git import Git, PushRejected
from autoheal.markers import HEAL_TRAILER
from autoheal.modes.common import github_client
from autoheal.report import Report
from autoheal.settings import Settings

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
    lines += [f"- {f.check.category} ({f.check.name}): {f.check.fix_display}" for f in fixes]
    lines += ["", f"{HEAL_TRAILER}: {run_url or 'local'}"]
    return "\n".join(lines) + "\n"


def write_patch(env: Mapping[str, str], text: str) -> Path:
    """The patch under RUNNER_TEMP, where a later step can upload it."""
    folder = Path(env.get("RUNNER_TEMP") or tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / PATCH_NAME
    path.write_text(text, encoding="utf-8")
    return path


def commit_patch(git: Git, base: str) -> str:
    """Our commit as a mailbox patch: `git am` applies it with its message and author."""
    return git.run("format-patch", "--stdout", "--binary", f"{base}..HEAD", "--").stdout


def push_fix(
    git: Git,
    settings: Settings,
    ctx: Context,
    report: Report,
    branch: str,
    base: str,
    on_rebased: Callable[[str], None],
) -> Published:
    """Push HEAD (our commits on top of `base`) to `branch`; when the remote refuses
    (protection), or `heal-via` is `pull-request`, to `autoheal/<branch>` with a pull request
    into `branch`."""
    # ---- heal-via: the same pull request as for a protected branch, chosen up front
    if settings.heal_via == "pull-request":
        report.info(
            f"heal-via is pull-request: pushing the fix to `{FALLBACK_PREFIX}{branch}` and "
            f"opening a pull request into `{branch}`."
        )
        return _fallback(git, settings, ctx, report, branch, chosen=True)
    # ----
    try:
        result = git.push_fast_forward(
            branch, base=base, retries=settings.push_retries, on_rebased=on_rebased
        )
    except PushRejected as exc:
        report.warning(
            f"The remote refused the push to `{branch}` ({exc.message}); pushing to "
            f"`{FALLBACK_PREFIX}{branch}` and opening a pull request instead.",
            title="Branch protected",
        )
        return _fallback(git, settings, ctx, report, branch)
    rebased = f" after rebasing onto new commits ({result.attempts} attempts)"
    where = f"Pushed `{result.pushed_sha[:12]}` to `{branch}`" + (rebased if result.rebased else "")
    return Published(result.pushed_sha, where + ".")


def _fallback(
    git: Git,
    settings: Settings,
    ctx: Context,
    report: Report,
    branch: str,
    *,
    chosen: bool = False,  # by `heal-via: pull-request`, not forced by a refused push
) -> Published:
    fallback = FALLBACK_PREFIX + branch
    sha = git.push_branch("HEAD", fallback, force_with_lease=True)
    why = "`heal-via` is `pull-request`" if chosen else f"`{branch}` is protected"
    where = f"{why}: pushed `{sha[:12]}` to `{fallback}`"
    client = github_client(settings, ctx)
    if client is None:
        report.warning(
            f"No token: cannot open the pull request from `{fallback}` into `{branch}`.",
            title="Pull request not opened",
        )
        return Published(sha, where + "; no token to open a pull request.", on_branch=False)
    title = f"{git.subject(sha)} on {branch}"
    reason = (
        "and this repository takes its fixes as pull requests (`heal-via: pull-request`)"
        if chosen
        else "but the branch refused a direct push"
    )
    body = (
        f"CI Autoheal fixed `{branch}`, {reason}.\n\n"
        f"{git.message(sha)}\n\nMerge this pull request to apply the fix."
    )
    owner = ctx.repository.split("/", 1)[0]
    from autoheal.github import GitHubError

    try:
        with client:
            pull = client.upsert_pull(ctx.repository, owner, fallback, branch, title, body)
    except GitHubError as exc:
        # The fix is on the remote already: say where, or the user never finds it.
        raise AutohealError(
            f"{why}: the fix was pushed to `{fallback}` ({sha[:12]}), but the pull request "
            f"into `{branch}` could not be opened: {exc.message}",
            fix=f"Open a pull request from `{fallback}` into `{branch}` by hand. {exc.fix}".strip(),
        ) from exc
    url = str(pull.get("html_url") or "")
    where += f" and opened {url or 'a pull request'} into `{branch}`."
    return Published(sha, where, url, on_branch=False)
