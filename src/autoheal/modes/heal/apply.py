"""heal with `apply-patch`: the fix of a pull request's read-only run, applied by a trusted job.

A fork's or Dependabot's `pull_request` run has a token that cannot write; there heal leaves
its fix as the `autoheal-fix` artifact (`offer.write_fix_artifact`). A trusted workflow
(`on: workflow_run`, with a token that can write; or the `/autoheal fix` job on
`issue_comment`, `run_requested`) downloads it and runs heal with `apply-patch`. Everything
in the artifact was written by a run of the pull request's code, so everything in it is
the attacker's, and this job holds a token that can push. Therefore:

- nothing of the pull request runs here: no check, no fixer, no hook, no checkout of its code.
  The patch goes through git's object database only (`git.apply.commit_onto`);
- the artifact is read within bounds and checked field by field (`artifact.read_artifact`);
- `bind_pull` ties it to one open pull request of this repository through what GitHub says,
  never through the artifact alone: the event's run and the API's pull request must agree
  with the manifest on the repository, the head repository, branch and commit;
- the patch is judged as data by this repository's own limits (no workflow file, no link or
  submodule, no path outside the tree, binary files and `max-diff-lines` as heal judges its
  own fixes), applied to exactly the recorded head, and judged again by what git made of it;
- then it is pushed to the pull request's branch without force (a branch of this repository),
  or posted as suggestions (a fork's branch, which this token cannot push to, or with
  `heal-via: suggest`). A branch that moved on is left alone: its next CI run makes a new patch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from autoheal.context import Context
from autoheal.errors import AutohealError, InputError
from autoheal.git import BranchMoved, Git
from autoheal.github import github_client
from autoheal.markdown import code_span, markdown_text
from autoheal.markers import HEAL_TRAILER
from autoheal.modes.common import repository
from autoheal.modes.heal.artifact import (
    Artifact,
    applied_refusals,
    patch_refusals,
    read_artifact,
)
from autoheal.modes.heal.limits import BYTES_PER_LINE
from autoheal.modes.heal.offer import posted_where
from autoheal.modes.heal.outcome import HEALED, PATCH, SKIPPED, SUGGESTED, Outcome, finish
from autoheal.modes.heal.review import post_suggestions
from autoheal.publish.ci_dispatch import exit_code, start_ci
from autoheal.report import Report
from autoheal.settings import Settings

if TYPE_CHECKING:
    from autoheal.github.client import GitHub

#: The patch is read into memory: at least this much is always allowed, ...
MIN_PATCH_BYTES = 1024 * 1024
#: ... at most this much, whatever `max-diff-lines` says.
MAX_PATCH_BYTES = 64 * 1024 * 1024
MOVED_ON = "the pull request moved on; its next CI run makes a new patch"
_FIX_BINDING = (
    "Apply only the artifact of the pull request's own run: download it with `run-id: "
    "${{ github.event.workflow_run.id }}` in a job run only for `pull_request` runs "
    "(examples/autoheal-apply.yml), or, on a `/autoheal fix` request, with `run-id: "
    "${{ steps.accept.outputs.artifact-run-id }}` (examples/autoheal-command.yml). Nothing "
    "was pushed or posted."
)


@dataclass(frozen=True)
class PullBinding:
    """The pull request an artifact belongs to, as GitHub describes it now."""

    number: int
    head_sha: str
    head_repository: str
    head_ref: str
    same_repository: bool  # its branch is in this repository: the token can push to it


class Skip(Exception):
    """The artifact is sound but has nothing to do any more (SKIPPED, exit 0)."""


def run(settings: Settings, ctx: Context, report: Report) -> int:
    """Read the artifact of `apply-patch`, bind it to its pull request, apply it."""
    artifact = _read(settings)
    client = github_client(settings, ctx)
    if client is None:
        raise AutohealError(
            "Input `apply-patch` is set, but there is no token to read the pull request with.",
            fix="Pass `token: ${{ github.token }}` with `contents: write` and "
            "`pull-requests: write`.",
        )
    try:
        with client:
            binding = bind_pull(client, ctx, artifact)
    except Skip as skip:
        return finish(report, Outcome(SKIPPED, f"**Skipped:** {skip}."))
    return apply_artifact(settings, ctx, report, artifact, binding)


def run_requested(settings: Settings, ctx: Context, report: Report, pull: PullBinding) -> int:
    """`apply-patch` in an `issue_comment` run: `/autoheal fix` on a fork's pull request.
    `modes.heal.request` checked the commenter's write access and read `pull` from GitHub now
    (the number is the comment's); the artifact must be that pull request's, at that head."""
    artifact = _read(settings)
    _agree("repository", artifact.repository, ctx.repository)
    if artifact.pull_request != pull.number:
        _mismatch(f"it names pull request #{artifact.pull_request}, not #{pull.number}")
    _agree("head repository", artifact.head_repository, pull.head_repository)
    _agree("head branch", artifact.head_ref, pull.head_ref, case=True)
    if artifact.head_sha != pull.head_sha:
        headline = f"**Skipped:** {MOVED_ON} (its head is now {code_span(pull.head_sha[:12])})."
        return finish(report, Outcome(SKIPPED, headline))
    return apply_artifact(settings, ctx, report, artifact, pull)


def _read(settings: Settings) -> Artifact:
    limit = min(MAX_PATCH_BYTES, max(MIN_PATCH_BYTES, settings.max_diff_lines * BYTES_PER_LINE * 4))
    return read_artifact(settings.working_directory / settings.apply_patch, max_patch_bytes=limit)


def bind_pull(gh: GitHub, ctx: Context, artifact: Artifact) -> PullBinding:
    """The open pull request of this repository the artifact was made for, at the head it
    names. InputError (exit 2) when the event, the API and the manifest disagree; Skip when
    the pull request is closed or its head moved on since."""
    run = ctx.workflow_run
    if ctx.event_name != "workflow_run" or run is None:
        raise InputError(
            f"Input `apply-patch` is set in a `{ctx.event_name or 'unknown'}` run: only the "
            "`workflow_run` that follows a pull request's CI run says which artifact is that "
            "pull request's.",
            fix="Run the apply job `on: workflow_run` (examples/autoheal-apply.yml).",
        )
    if run.event != "pull_request":
        raise InputError(
            f"The triggering workflow run is a `{run.event or 'unknown'}` run, not a pull "
            "request's: a patch artifact is applied only to the pull request whose run left "
            "it.",
            fix="Add `if: github.event.workflow_run.event == 'pull_request'` to the apply job.",
        )
    _agree("repository", artifact.repository, ctx.repository)
    _agree("head commit", artifact.head_sha, run.head_sha, case=True)
    _agree("head repository", artifact.head_repository, run.head_repo)
    _agree("head branch", artifact.head_ref, run.head_branch, case=True)
    if run.pull_numbers and artifact.pull_request not in run.pull_numbers:
        _mismatch(
            f"it names pull request #{artifact.pull_request}, but the run was for "
            f"#{', #'.join(map(str, run.pull_numbers))}"
        )
    from autoheal.github.errors import NotFound

    try:
        pull = gh.get_pull(ctx.repository, artifact.pull_request)
    except NotFound:
        _mismatch(f"this repository has no pull request #{artifact.pull_request}")
    head, base = _side(pull, "head"), _side(pull, "base")
    head_repo = _text(_side(head, "repo").get("full_name"))
    base_repo = _text(_side(base, "repo").get("full_name"))
    _agree("repository", artifact.repository, base_repo)  # the pull request's base
    _agree("head repository", artifact.head_repository, head_repo)
    _agree("head branch", artifact.head_ref, _text(head.get("ref")), case=True)
    number = artifact.pull_request
    if pull.get("state") != "open":
        raise Skip(f"pull request #{number} is {code_span(_text(pull.get('state')) or 'not open')}")
    if _text(head.get("sha")) != artifact.head_sha:
        raise Skip(f"{MOVED_ON} (its head is now {code_span(_text(head.get('sha'))[:12])})")
    return PullBinding(
        number=number,
        head_sha=artifact.head_sha,
        head_repository=head_repo,
        head_ref=artifact.head_ref,
        same_repository=head_repo.lower() == ctx.repository.lower(),
    )


def apply_artifact(
    settings: Settings, ctx: Context, report: Report, artifact: Artifact, binding: PullBinding
) -> int:
    """Judge the patch, commit it onto the bound head, then push it to the pull request's
    branch (this repository's) or post it as suggestions. Nothing of the pull request runs."""
    refused = patch_refusals(
        artifact,
        max_diff_lines=settings.max_diff_lines,
        allow_binary=settings.allow_binary_changes,
    )
    if refused:
        _refuse(refused)
    git = repository(settings, ctx)
    from autoheal.git.apply import commit_onto, tree_changes

    new = commit_onto(
        git,
        binding.head_sha,
        artifact.patch_text,
        message=_message(ctx),
        author=(settings.author_name, settings.author_email),
    )
    refused = applied_refusals(artifact, tree_changes(git, binding.head_sha, new))
    if refused:
        _refuse(refused)
    push = binding.same_repository and settings.heal_via != "suggest"
    if settings.dry_run or settings.local:
        would = (
            f"push `{new[:12]}` to {code_span(binding.head_ref)}"
            if push
            else f"post it as suggestions on pull request #{binding.number}"
        )
        why = "dry-run" if settings.dry_run else "a local run"
        headline = (
            f"The patch applies to the pull request's head; heal would {would}. Nothing was "
            f"pushed or posted ({why})."
        )
        return finish(report, Outcome(PATCH, headline))
    if push:
        return _push(settings, ctx, report, git, binding, new)
    return _suggest(settings, ctx, report, artifact, binding)


def _push(
    settings: Settings, ctx: Context, report: Report, git: Git, binding: PullBinding, new: str
) -> int:
    branch = binding.head_ref
    try:
        git.push_branch(new, branch)  # creates or moves forward only: never forced
    except BranchMoved:
        return finish(report, Outcome(SKIPPED, f"**Skipped:** {MOVED_ON}."))
    outcome = Outcome(HEALED, f"Applied the fix of pull request #{binding.number}'s CI run.")
    outcome.commit_sha = outcome.validate_sha = new
    outcome.pushed = outcome.on_branch = True
    outcome.where = (
        f"Pushed `{new[:12]}` (on `{binding.head_sha[:12]}`, the head the run was for) to "
        f"{code_span(branch)}."
    )
    outcome.ci = start_ci(settings, ctx, report, branch, new)
    return finish(report, outcome) or exit_code(settings, outcome.ci)


def _suggest(
    settings: Settings, ctx: Context, report: Report, artifact: Artifact, binding: PullBinding
) -> int:
    client = github_client(settings, ctx)
    assert client is not None  # `run` or `request.on_comment` checked the token
    with client:
        posted = post_suggestions(
            client,
            ctx.repository,
            binding.number,
            binding.head_sha,
            artifact.patch_text,
            run_url=ctx.run_url,
        )
    if not posted.review_url:
        return finish(report, Outcome(SKIPPED, f"**Skipped:** {markdown_text(posted.skipped)}."))
    outcome = Outcome(
        SUGGESTED, f"The fix of pull request #{binding.number}'s CI run is suggested."
    )
    outcome.review_url = posted.review_url
    outcome.where = posted_where(posted, binding.number)
    return finish(report, outcome)


def _message(ctx: Context) -> str:
    run = ctx.workflow_run
    made = run.html_url if run is not None and run.html_url else "the pull request's CI run"
    return (
        "autoheal: apply the fix of the pull request's CI run\n\n"
        f"Made by {made}, whose token could not push it; checked and applied by "
        f"{ctx.run_url or 'a trusted run'}.\n\n"
        f"{HEAL_TRAILER}: {ctx.run_url or 'local'}\n"
    )


def _refuse(refusals: list[str]) -> None:
    shown = "\n".join(f"- {why}" for why in refusals)
    raise InputError(
        f"The patch artifact is refused; nothing was pushed or posted:\n{shown}",
        fix="Read the patch; apply it by hand if it is sound.",
    )


def _agree(what: str, said: str, known: str, *, case: bool = False) -> None:
    """The manifest says `said` where GitHub says `known` (names compare without case, as
    GitHub compares them; shas and branches exactly)."""
    same = said == known if case else said.lower() == known.lower()
    if not (said and known and same):
        _mismatch(f"its {what} is {said!r}, where GitHub says {known!r}")


def _mismatch(what: str) -> NoReturn:
    raise InputError(f"The patch artifact is not this pull request's: {what}.", fix=_FIX_BINDING)


def _side(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
