"""The pause switch, checked by `cli.main` before any mode runs, so that every mode obeys it.

Two ways to pause CI Autoheal without editing a workflow:

- `enabled: false` in `.github/autoheal.yml` (or the input): no API needed, locally too.
- An open issue labelled `pause-label` (default `autoheal:pause`) by a user with write,
  maintain or admin access. Anyone who opens an issue from a template that applies labels, or
  anyone with triage access, can put a label on an issue: so the issue's events say who applied
  it, and that user's permission decides. A label applied by anyone else is ignored, with a
  warning naming them. Only issues count: a pull request carrying the label does not pause (a
  merge would end the pause silently, and labelling pull requests is routine).

Paused, a mode reports SKIPPED, changes nothing and exits 0.

When the lookup cannot be made (no token, a token without `issues: read`, GitHub down), the
run goes on with a warning: fail-open. Failing closed would turn a missing permission or an
API outage into a silent stop of every heal and, worse, of every rollback, which is itself the
safety net for a bad push. Teams that want the pause to win over availability set
`fail-on-error: true`: then an unreadable lookup fails the step before anything is done.
Locally the lookup is made only when GITHUB_TOKEN and GITHUB_REPOSITORY are set; otherwise only
`enabled: false` applies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.markdown import code_span
from autoheal.report import Report, shown_login
from autoheal.settings import Settings
from autoheal.settings.inputs import NO_LABEL

TYPE_CHECKING = False  # as typing.TYPE_CHECKING: the client (requests) loads only when needed
if TYPE_CHECKING:
    from autoheal.github.client import GitHub

#: Labelled issues looked at (newest first): each costs a few requests.
MAX_ISSUES = 10
#: Pages of an issue's events read (newest first) to find who applied the label.
MAX_EVENT_PAGES = 3
#: Seconds the whole lookup may take before the run goes on without it.
DEADLINE = 60.0
TITLE_MAX = 120
SKIPPED = "SKIPPED"

# Module level so that tests can replace them (retries wait, the deadline reads the clock).
sleep = time.sleep
clock = time.monotonic


@dataclass(frozen=True)
class Pause:
    why: str  # Markdown, for the summary
    log: str  # one plain line, for the log


class _Unreadable(Exception):
    """The lookup could not be made or finished; the message says why."""


def check(settings: Settings, ctx: Context, report: Report) -> Pause | None:
    """Why this run is paused, or None when it may go on."""
    if not settings.enabled:
        where = (
            "the input `enabled` is false"
            if "enabled" in settings.explicit
            else f"`enabled: false` in {code_span(settings.config)}"
        )
        return Pause(
            f"**Paused:** {where}. CI Autoheal changed nothing. Set it to true (or remove "
            "it) to resume.",
            f"Paused: {where.replace('`', '')}. Nothing was done.",
        )
    label = settings.pause_label
    if label.lower() == NO_LABEL:
        return None
    if not settings.token.strip() or not ctx.repository:
        if settings.local:
            report.debug("Local run without GITHUB_TOKEN and GITHUB_REPOSITORY: no pause lookup.")
        else:
            _unreadable(settings, report, "the `token` input is empty")
        return None
    try:
        return _find(settings, ctx, report, label)
    except _Unreadable as exc:
        _unreadable(settings, report, str(exc))
        return None


def skip(mode: str, pause: Pause, report: Report) -> int:
    """Report a paused run: SKIPPED, nothing done, exit 0."""
    report.output("status", SKIPPED)
    report.section(f"## CI Autoheal · {mode}: {SKIPPED}\n\n{pause.why}")
    report.notice(pause.log, title="CI Autoheal paused")
    return 0


def _unreadable(settings: Settings, report: Report, why: str) -> None:
    fix = (
        "Give the job `issues: read` (with a PAT: Issues read on this repository), or set "
        "`pause-label: none` to turn the pause issue off."
    )
    if settings.fail_on_error:
        raise AutohealError(
            f"Cannot tell whether CI Autoheal is paused: {why}. Nothing was done "
            "(`fail-on-error` is true).",
            fix=fix,
        )
    report.warning(
        f"Cannot tell whether CI Autoheal is paused: {why}. Running as if not paused. {fix}",
        title="Pause lookup failed",
    )


def _find(settings: Settings, ctx: Context, report: Report, label: str) -> Pause | None:
    from autoheal.github.client import GitHub
    from autoheal.github.errors import GitHubError

    started = clock()

    def in_time() -> None:
        if clock() - started > DEADLINE:
            raise _Unreadable(f"the lookup took longer than {DEADLINE:g} seconds")

    repo = ctx.repository
    writers: dict[str, bool] = {}
    try:
        with GitHub(
            settings.token, api_url=ctx.api_url, max_retries=2, max_wait=10.0, sleep=sleep
        ) as client:
            issues = client.labelled_issues(repo, label, MAX_ISSUES)
            for issue in issues:
                in_time()
                number = int(issue.get("number") or 0)
                if number <= 0:
                    continue
                if "pull_request" in issue:  # only issues pause: see the module's docstring
                    report.notice(
                        f"Pull request #{number} carries the label `{label}`: ignored, only an "
                        "open issue with it pauses CI Autoheal.",
                        title="Pause label ignored",
                    )
                    continue
                login = _who_labelled(client, repo, number, label)
                where = f"Issue #{number} carries the label `{label}`"
                if login is None:
                    report.warning(
                        f"{where}, but its events do not say who applied it: ignored.",
                        title="Pause label ignored",
                    )
                    continue
                if login not in writers:
                    in_time()
                    writers[login] = client.may_write(repo, login)
                if writers[login]:
                    return _paused(ctx, issue, number, label, login)
                report.warning(
                    f"{where}, applied by {shown_login(login)}, who has no write access: ignored. "
                    "Only users with write, maintain or admin access can pause CI Autoheal.",
                    title="Pause label ignored",
                )
    except GitHubError as exc:
        raise _Unreadable(exc.message.rstrip(".")) from exc
    except (TypeError, ValueError) as exc:  # an answer of the wrong shape
        raise _Unreadable(f"GitHub's answer has an unexpected shape ({exc})") from exc
    return None


def _who_labelled(client: GitHub, repo: str, number: int, label: str) -> str | None:
    """The login of whoever applied `label` last (the latest `labeled` event), or None."""
    wanted = label.lower()  # GitHub's label names ignore case
    for event in client.issue_events_newest_first(repo, number, MAX_EVENT_PAGES):
        named = event.get("label")
        if event.get("event") != "labeled" or not isinstance(named, dict):
            continue
        if str(named.get("name") or "").lower() != wanted:
            continue
        actor = event.get("actor")
        login = actor.get("login") if isinstance(actor, dict) else None
        return login if isinstance(login, str) and login else None
    return None


def _paused(ctx: Context, issue: dict[str, object], number: int, label: str, login: str) -> Pause:
    # Our own link, not the answer's html_url: the summary links only to this repository.
    url = f"{ctx.server_url}/{ctx.repository}/issues/{number}"
    title = str(issue.get("title") or "")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    why = (
        f"**Paused** by the open issue [#{number} {code_span(title)}]({url}), labelled "
        f"{code_span(label)} by {code_span(login)}, who has write access. CI Autoheal changed "
        "nothing. Close the issue or remove the label to resume."
    )
    by = shown_login(login)
    log = f"Paused by issue #{number} ({url}), labelled {label} by {by}: nothing was done."
    return Pause(why, log)
