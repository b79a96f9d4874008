"""Fix on request: a comment `/autoheal fix` on a pull request runs heal for it.

An `issue_comment` run holds a token that can write to this repository, whoever wrote the
comment and whoever wrote the pull request, so the work is split in two stages (input
`fix-request`), each a step of the job (examples/autoheal-command.yml):

- `accept`, on the default branch's checkout, runs no code of the pull request. It reads the
  command (`requester`), reacts 👀, asks GitHub whether the commenter has write access
  (others get a polite no: 👎, our answer, nothing run), and reads the pull request as GitHub
  reports it now. A pull request of this repository: output `request: fix` with its head
  (`head-sha`, `head-ref`), which the next steps check out and install the tools for. A
  fork's: its code never runs here, so heal looks for the `autoheal-fix` artifact that the
  newest `pull_request` CI run of that head left (output `request: suggest` and
  `artifact-run-id`, for the step that applies it as suggestions), or answers that there is
  none yet (`request: none`).
- `fix`, after the checkout of `head-sha`, checks all of it again (write access, an open pull
  request of this repository, and HEAD is the head GitHub reports now: else nothing is run or
  pushed), then heals as for that branch's own pull request and pushes the fix onto it,
  answering 👍 or 👎 and the result in the same comment.
- a fork's `suggest`: the job downloads the artifact of `artifact-run-id` and runs heal with
  `apply-patch` under this same event; the commenter and the pull request are checked again,
  `apply.run_requested` binds the artifact to the head GitHub reports now and posts it as
  suggestions, and the answer follows as for `fix`.

Comments that are not a request (another first line, an issue, a bot, our own account) are
left alone: no reaction, no answer, no API call but the one telling who we are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from autoheal.context import Context, PullRequest
from autoheal.errors import AutohealError, InputError
from autoheal.github import github_client
from autoheal.markdown import code_span, link
from autoheal.modes.common import repository
from autoheal.modes.heal.artifact import FOLDER_NAME
from autoheal.modes.heal.outcome import HEALED, HEALTHY, PARTIAL, SUGGESTED, Outcome
from autoheal.modes.heal.requester import EYES, NO, YES, Asked, not_a_request, skip
from autoheal.report import Report, shown_login
from autoheal.settings import SHA_RE, Settings

#: heal's own flow for a branch: (exit code, outcome).
Heal = Callable[[Settings, Context, Report], tuple[int, Outcome]]

ACCEPTED = "ACCEPTED"
#: CI runs of one head looked at for an artifact, newest first (one page).
MAX_RUNS = 20
#: The outcomes that answer a request with 👍: a fix pushed, or nothing to fix.
ANSWERED = (HEALED, PARTIAL, HEALTHY)


@dataclass(frozen=True)
class Pull:
    """The pull request as GitHub reports it now."""

    number: int
    state: str
    head_sha: str
    head_ref: str
    head_repo: str  # "" when the fork was deleted
    base_ref: str
    same_repository: bool


def on_comment(settings: Settings, ctx: Context, report: Report, heal: Heal) -> int:
    """heal for an `issue_comment` event: the stage `fix-request` names."""
    for name in ("head-sha", "head-ref", "artifact-run-id"):
        report.output(name, "")
    report.output("request", "none")  # also when an error stops us: the next steps skip
    why = not_a_request(ctx)
    if why:
        return skip(report, f"**Not a fix request:** {why} Nothing was done.")
    assert ctx.issue_comment is not None
    client = github_client(settings, ctx)
    if client is None:
        raise InputError(
            "Input `token` is empty: a `/autoheal fix` request is answered through the API.",
            fix="Pass `token: ${{ github.token }}` with the permissions of "
            "examples/autoheal-command.yml.",
        )
    with client:
        asked = Asked(settings, ctx, report, client, ctx.issue_comment)
        if asked.by_us():
            return skip(report, f"**Not a fix request:** the comment is our own ({asked.who}).")
        report.info(
            f"{shown_login(asked.comment.author)} asks for a fix of pull request #{asked.number} "
            f"(stage {settings.fix_request})."
        )
        if settings.apply_patch:  # a fork's: the fix its CI run left, as suggestions
            return _apply(asked)
        if settings.fix_request == "fix":
            return _fix(asked, heal)
        return _accept(asked)


# ---- accept: who asked, and what is to be fixed -----------------------------------------------


def _accept(asked: Asked) -> int:
    asked.react(EYES)
    pull = _open_pull(asked)
    if isinstance(pull, int):  # refused or declined: answered, nothing to do
        return pull
    sha = code_span(pull.head_sha[:12])
    if pull.same_repository:
        asked.report.output("head-sha", pull.head_sha)
        asked.report.output("head-ref", pull.head_ref)
        return _accepted(
            asked, "fix", f"On it: healing {code_span(pull.head_ref)} at {sha} in this run."
        )
    run = _artifact_run(asked, pull)
    if run is None:
        return asked.decline(
            f"This pull request comes from a fork, whose code CI Autoheal never runs here; it "
            f"applies the fix a CI run made instead. No CI run of {sha} has left a fix yet: "
            "push or re-run CI, then ask again."
        )
    run_id, run_url = run
    asked.report.output("head-sha", pull.head_sha)
    asked.report.output("artifact-run-id", run_id)
    return _accepted(
        asked,
        "suggest",
        f"This pull request comes from a fork, whose code CI Autoheal never runs here: posting "
        f"the fix that {link(f'CI run {run_id}', run_url)} made for {sha} as suggested changes.",
    )


def _accepted(asked: Asked, request: str, text: str) -> int:
    asked.report.output("request", request)
    asked.report.output("status", ACCEPTED)
    asked.answer(text)
    asked.report.section(f"## CI Autoheal · heal: {ACCEPTED}\n\n{text}")
    asked.report.info(f"heal: {ACCEPTED}. request={request}")
    return 0


def _open_pull(asked: Asked) -> Pull | int:
    """The pull request, open, for a commenter who may write; else the exit code of our
    answer (a refusal to someone without write access, or a closed pull request)."""
    if not asked.may_write():
        return asked.refuse()
    pull = read_pull(asked)
    if pull.state != "open":
        return asked.decline(_closed(pull))
    return pull


def _closed(pull: Pull) -> str:
    return f"Pull request #{pull.number} is {code_span(pull.state)}: there is nothing to fix."


def read_pull(asked: Asked) -> Pull:
    """The pull request of the comment, from GitHub now (not from the event: it moves)."""
    data = asked.gh.get_pull(asked.ctx.repository, asked.number)
    head = _object(data.get("head"))
    sha = str(head.get("sha") or "")
    if not SHA_RE.match(sha):
        raise AutohealError(
            f"GitHub's answer for pull request #{asked.number} names no head commit "
            f"({sha[:60]!r}): nothing was done.",
            fix="Check that GITHUB_API_URL points at the API, then ask again.",
        )
    head_repo = str(_object(head.get("repo")).get("full_name") or "")
    return Pull(
        number=asked.number,
        state=str(data.get("state") or ""),
        head_sha=sha,
        head_ref=str(head.get("ref") or ""),
        head_repo=head_repo,
        base_ref=str(_object(data.get("base")).get("ref") or ""),
        # A deleted head repository is a fork's: never push there, never run its code.
        same_repository=bool(head_repo) and head_repo.lower() == asked.ctx.repository.lower(),
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _artifact_run(asked: Asked, pull: Pull) -> tuple[int, str] | None:
    """(id, web address) of the newest `pull_request` run of the head that left an unexpired
    `autoheal-fix` artifact, or None. GitHub's filters are checked again on each run."""
    gh, repo = asked.gh, asked.ctx.repository
    for run in gh.list_runs(repo, event="pull_request", head_sha=pull.head_sha, per_page=MAX_RUNS):
        run_id = run.get("id")
        if not isinstance(run_id, int) or isinstance(run_id, bool) or run_id <= 0:
            continue
        if run.get("head_sha") != pull.head_sha or run.get("event") != "pull_request":
            continue
        from_repo = str(_object(run.get("head_repository")).get("full_name") or "")
        if pull.head_repo and from_repo and from_repo.lower() != pull.head_repo.lower():
            continue
        artifacts = gh.run_artifacts(repo, run_id, name=FOLDER_NAME)
        if any(a.get("name") == FOLDER_NAME and a.get("expired") is False for a in artifacts):
            url = f"{asked.ctx.server_url}/{repo}/actions/runs/{run_id}"
            return run_id, url
    return None


# ---- fix: heal the head that was accepted, and push onto the pull request's branch -----------


def _fix(asked: Asked, heal: Heal) -> int:
    settings, ctx, report = asked.settings, asked.ctx, asked.report
    pull = _open_pull(asked)
    if isinstance(pull, int):  # refused or declined: answered, nothing to do
        return pull
    if not pull.same_repository:
        raise AutohealError(
            f"Refusing to heal pull request #{pull.number}: it comes from the fork "
            f"{pull.head_repo or '(deleted repository)'}, and `fix-request: fix` would run its "
            "code with this run's token, which can write here. Nothing was run.",
            fix="Run the fix stage only when the accept step's `request` output is `fix`; for "
            "a fork it is `suggest` (see examples/autoheal-command.yml).",
        )
    head = repository(settings, ctx).head_sha()
    if head != pull.head_sha:
        asked.react(NO)
        asked.answer(
            f"{code_span(pull.head_ref)} is now at {code_span(pull.head_sha[:12])}, not at the "
            f"{code_span(head[:12])} this job checked out: nothing was run or pushed. Ask again "
            "to fix the new head."
        )
        raise AutohealError(
            f"Refusing to heal pull request #{pull.number}: HEAD ({head[:12]}) is not its head "
            f"as GitHub reports it now ({pull.head_sha[:12]}). Nothing was run or pushed.",
            fix="Check out the accept step's `head-sha` output before `fix-request: fix`; when "
            "the pull request moved on since, ask again.",
        )
    on_branch = PullRequest(
        number=pull.number,
        head_ref=pull.head_ref,
        head_sha=pull.head_sha,
        head_repo=pull.head_repo,
        base_ref=pull.base_ref,
        is_fork=False,
    )
    try:
        code, outcome = heal(settings, replace(ctx, pull_request=on_branch), report)
    except Exception:
        asked.react(NO)
        asked.answer(f"Healing {code_span(pull.head_ref)} failed: the run says why.")
        raise
    asked.react(YES if outcome.status in ANSWERED else NO)
    where = f"\n\n{outcome.where}" if outcome.where else ""
    asked.answer(f"**{outcome.status}** · {outcome.headline}{where}")
    return code


# ---- apply: a fork's fix, made by its CI run, posted as suggestions --------------------------


def _apply(asked: Asked) -> int:
    """`apply-patch` on request (the accept stage said `suggest`): the commenter and the pull
    request are checked again, then `modes.heal.apply` binds the artifact to the head GitHub
    reports now and posts it. Nothing of the pull request runs."""
    pull = _open_pull(asked)
    if isinstance(pull, int):  # refused or declined: answered, nothing to do
        return pull
    from autoheal.modes.heal.apply import PullBinding, run_requested

    binding = PullBinding(
        number=pull.number,
        head_sha=pull.head_sha,
        head_repository=pull.head_repo,
        head_ref=pull.head_ref,
        same_repository=pull.same_repository,
    )
    report = asked.report
    try:
        code = run_requested(asked.settings, asked.ctx, report, binding)
    except Exception:
        asked.react(NO)
        asked.answer("Applying the fix of the CI run failed: the run says why.")
        raise
    status = str(report.outputs.get("status", ""))
    asked.react(YES if status in (SUGGESTED, HEALED) else NO)
    review = str(report.outputs.get("review-url") or "")
    sha = code_span(pull.head_sha[:12])
    if status == SUGGESTED and review:
        text = f"The fix CI made for {sha} is posted as {link('suggested changes', review)}."
    elif status == HEALED:
        text = f"The fix CI made for {sha} is pushed to {code_span(pull.head_ref)}."
    else:
        text = f"Nothing was posted for {sha}: the run's summary says why."
    asked.answer(f"**{status}** · {text}")
    return code
