"""validate's verdict as the check run `autoheal/validate`, with annotations at file and line.

A check run is what reviewers see in a pull request's Checks tab: the conclusion, the summary
and the tools' findings on the lines of the diff. The commit status `autoheal/validate` is
still posted beside it: it is the machine-readable record of the decision that a second
delivery of the same dispatch reads back (and what a branch rule requiring that status
checks), while the check run is the surface for people.

Only a GitHub App can create check runs: GITHUB_TOKEN (an installation token, `ghs_...`)
with `checks: write`, or another App's installation token. A personal access token, an OAuth
token or an App's user token never can, so for those shapes the check run is not tried at all;
any other token is tried, and a 403 or 404 answer means it cannot: the commit status stands
alone then, and a notice says why.

One check run per commit: an earlier `autoheal/validate` check run on the sha that this token
may write (only the App that created a check run can change it) is updated, not duplicated.
GitHub only appends annotations to a check run, so an update sends only those it lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autoheal.checks.annotations import Annotation, collect
from autoheal.markdown import truncate_summary
from autoheal.markers import STATUS_CONTEXT
from autoheal.report import Report

if TYPE_CHECKING:
    from autoheal.checks import CheckResult
    from autoheal.git import Git
    from autoheal.github.client import GitHub

NAME = STATUS_CONTEXT  # the check run and the commit status share their name
#: The App behind GITHUB_TOKEN: its check runs are looked at first when updating.
ACTIONS_APP = "github-actions"
#: Earlier check runs tried for an update at most (each other App's costs one refused PATCH).
MAX_CANDIDATES = 3
SUMMARY_MAX = 65_535  # GitHub's limit for `output.summary`
SUMMARY_NOTE = "\n\n_(summary truncated: a check run holds at most 65535 characters)_\n"
#: Token prefixes that GitHub documents for tokens acting as a user: never a check run.
USER_TOKENS = (
    ("github_pat_", "a fine-grained personal access token"),
    ("ghp_", "a classic personal access token"),
    ("gho_", "an OAuth app token"),
    ("ghu_", "a GitHub App user token"),
)
#: Commit status state -> check run conclusion; anything else is `neutral`.
CONCLUSIONS = {"success": "success", "failure": "failure"}


@dataclass(frozen=True)
class Verdict:
    """What the check run says."""

    conclusion: str
    title: str
    summary: str  # Markdown, at most SUMMARY_MAX
    annotations: tuple[Annotation, ...]
    found: int  # annotations found before the cap
    details_url: str = ""


@dataclass(frozen=True)
class Posted:
    check_run_id: int
    url: str
    updated: bool  # an earlier check run was updated rather than a new one created
    sent: int  # annotations sent by this run
    kept: int  # annotations the check run already had (an update sends only new ones)


def conclusion(state: str) -> str:
    return CONCLUSIONS.get(state, "neutral")


def user_token(token: str) -> str:
    """What kind of user token `token` is (it cannot create check runs), or ""."""
    return next((kind for prefix, kind in USER_TOKENS if token.startswith(prefix)), "")


def build(
    *,
    state: str,
    title: str,
    summary: str,
    results: Sequence[CheckResult],
    git: Git,
    sha: str,
    details_url: str,
    report: Report,
) -> Verdict:
    """The verdict, its annotations read from the failing checks' output."""
    annotations: list[Annotation] = []
    found = 0
    files = _files(git, sha, report)
    if files is not None:
        annotations, found = collect(results, root=files[0], tracked=files[1])
    if found > len(annotations):
        summary += (
            f"\n\n_{len(annotations)} of {found} annotations are shown: the first findings of "
            "every failing check. The log has them all._"
        )
    return Verdict(
        conclusion=conclusion(state),
        title=title,
        summary=report.redact(truncate_summary(summary, SUMMARY_MAX, SUMMARY_NOTE)),
        annotations=tuple(_redacted(a, report) for a in annotations),
        found=found,
        details_url=details_url,
    )


def _files(git: Git, sha: str, report: Report) -> tuple[Path, frozenset[str]] | None:
    """The repository root and the files of the commit: annotations point only there."""
    from autoheal.git import GitError

    try:
        root = git.run("rev-parse", "--show-toplevel").stdout.strip()
        listing = git.run(
            "ls-tree", "-r", "-z", "--name-only", "--full-tree", "--end-of-options", sha
        ).stdout
    except GitError as exc:
        report.warning(
            f"Cannot list the files of {sha}, so the check run has no annotations: {exc}"
        )
        return None
    return Path(root), frozenset(name for name in listing.split("\0") if name)


def _redacted(annotation: Annotation, report: Report) -> Annotation:
    return Annotation(
        path=annotation.path,
        line=annotation.line,
        column=annotation.column,
        level=annotation.level,
        message=report.redact(annotation.message),
        title=report.redact(annotation.title),
    )


# --------------------------------------------------------------------------- posting


def post(client: GitHub, repo: str, sha: str, verdict: Verdict) -> Posted:
    """Update our check run on `sha`, or create it; annotations in batches of 50.

    Raises PermissionDenied or NotFound when the token cannot write check runs, and any
    other GitHubError as it comes.
    """
    from autoheal.github.errors import GitHubError, NotFound, PermissionDenied

    runs = client.list_check_runs(repo, sha, NAME)
    for run in _candidates(runs):
        run_id = int(run["id"])
        try:  # first without annotations: a PATCH that may be repeated safely
            data = client.update_check_run(repo, run_id, _body(verdict, ()))
        except (PermissionDenied, NotFound):
            continue  # another App's check run: only the App that made it may change it
        have = {_key(a) for a in client.list_check_run_annotations(repo, run_id)}
        new = [a for a in verdict.annotations if _key(a.as_api()) not in have]
        for batch in _batches(new):
            client.update_check_run(repo, run_id, _output(verdict, batch))
        kept = len(verdict.annotations) - len(new)
        return Posted(run_id, _url(data), updated=True, sent=len(new), kept=kept)
    batches = _batches(list(verdict.annotations)) or [()]
    data = client.create_check_run(
        repo, {"name": NAME, "head_sha": sha, **_body(verdict, batches[0])}
    )
    created = data.get("id")
    if not isinstance(created, int):
        raise GitHubError(
            "GitHub created the check run but answered without its id, so the rest of its "
            "annotations cannot be added.",
            fix="Check that GITHUB_API_URL points at the API, then re-run the job.",
        )
    for batch in batches[1:]:
        client.update_check_run(repo, created, _output(verdict, batch))
    return Posted(created, _url(data), updated=False, sent=len(verdict.annotations), kept=0)


def _candidates(runs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Earlier check runs we may own: GITHUB_TOKEN's App first, then others, newest first.

    A check run names its App, but which App our token is would take one more request
    (GraphQL `viewer`, autoheal.github.identity); a check run of another App refuses the update
    instead, and the next one is tried.
    """
    ours = [r for r in runs if r.get("name") == NAME and isinstance(r.get("id"), int)]
    ours.sort(key=lambda r: int(r["id"]), reverse=True)
    ours.sort(key=lambda r: _app_slug(r) != ACTIONS_APP)  # stable: newest first within
    return ours[:MAX_CANDIDATES]


def _app_slug(run: Mapping[str, Any]) -> str:
    app = run.get("app")
    return str(app.get("slug") or "") if isinstance(app, dict) else ""


def _body(verdict: Verdict, batch: Sequence[Annotation]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "completed",
        "conclusion": verdict.conclusion,
        **_output(verdict, batch),
    }
    if verdict.details_url:
        body["details_url"] = verdict.details_url
    return body


def _output(verdict: Verdict, batch: Sequence[Annotation]) -> dict[str, Any]:
    """`output`, which GitHub wants whole (title and summary) with every batch."""
    output: dict[str, Any] = {"title": verdict.title, "summary": verdict.summary}
    if batch:
        output["annotations"] = [a.as_api() for a in batch]
    return {"output": output}


def _batches(annotations: Sequence[Annotation]) -> list[Sequence[Annotation]]:
    from autoheal.github.client import GitHub

    size = GitHub.ANNOTATIONS_PER_REQUEST
    return [annotations[i : i + size] for i in range(0, len(annotations), size)]


def _key(data: Mapping[str, Any]) -> tuple[str, int, str, str]:
    return (
        str(data.get("path")),
        int(data.get("start_line") or 0),
        str(data.get("annotation_level")),
        str(data.get("message")),
    )


def _url(data: Mapping[str, Any]) -> str:
    url = str(data.get("html_url") or "")
    return url if url.startswith("https://") and " " not in url else ""


# --------------------------------------------------------------------------- reporting


def publish(
    client: GitHub, *, token: str, repo: str, sha: str, verdict: Verdict, report: Report
) -> str:
    """Post the verdict when the token can; the line saying what happened, for the summary.

    A token that cannot create check runs is no failure (the commit status carries the
    verdict); other API errors are raised for the caller's `fail-on-error` handling.
    """
    from autoheal.github.errors import NotFound, PermissionDenied

    kind = user_token(token)
    if kind:
        report.info(
            f"Check run {NAME}: not created: the token is {kind}, and only a GitHub App "
            "(GITHUB_TOKEN included) can create check runs. The commit status carries the verdict."
        )
        return (
            f"Check run `{NAME}`: none (the token is {kind}; only a GitHub App token such as "
            "GITHUB_TOKEN can create one). The commit status carries the verdict."
        )
    try:
        posted = post(client, repo, sha, verdict)
    except (PermissionDenied, NotFound) as exc:
        report.notice(
            f"Cannot create the check run {NAME} ({exc.status} from GitHub): only a GitHub App "
            "token with `checks: write` can, such as GITHUB_TOKEN with `permissions: checks: "
            "write`. The commit status carries the verdict; the annotations are not posted.",
            title="No check run",
        )
        return f"Check run `{NAME}`: not created (the token lacks `checks: write`)."
    done = "updated" if posted.updated else "created"
    report.info(
        f"Check run {NAME} {done} (id {posted.check_run_id}): {verdict.conclusion}, "
        f"{posted.sent} new annotation(s), {posted.kept} already there."
    )
    where = f": {posted.url}" if posted.url else ""
    return (
        f"Check run `{NAME}` {done} (`{verdict.conclusion}`, "
        f"{len(verdict.annotations)} annotation(s)){where}"
    )
