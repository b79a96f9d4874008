"""What happened and where: the event payload and GITHUB_* variables as one typed object."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoheal.errors import InputError
from autoheal.safe_load import LoadError, loads_json

ZERO_SHA = "0" * 40
#: GitHub caps webhook payloads at 25 MB; an event file larger than this is not GitHub's.
EVENT_MAX_BYTES = 32 * 1024 * 1024

#: A merge queue's branches: GitHub creates, tests and deletes them; nothing else may push there.
QUEUE_PREFIX = "gh-readonly-queue/"
_SHA = re.compile(r"^[0-9a-f]{40}$")


def is_queue_branch(branch: str | None) -> bool:
    """A merge queue's temporary branch (`gh-readonly-queue/<base>/pr-...`), as a name or ref."""
    return bool(branch) and str(branch).removeprefix("refs/heads/").startswith(QUEUE_PREFIX)


@dataclass(frozen=True)
class PullRequest:
    number: int
    head_ref: str
    head_sha: str
    head_repo: str
    base_ref: str
    is_fork: bool
    base_sha: str = ""


@dataclass(frozen=True)
class WorkflowRun:
    id: int
    attempt: int
    conclusion: str
    event: str
    head_sha: str
    head_branch: str
    head_repo: str
    is_fork: bool
    html_url: str
    pull_numbers: tuple[int, ...] = ()
    workflow_id: int = 0
    run_number: int = 0


@dataclass(frozen=True)
class MergeGroup:
    """A `merge_group` event: the queue tests `head_sha` on `head_ref` before merging."""

    head_sha: str
    head_ref: str  # refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>
    base_ref: str  # refs/heads/<base>
    base_sha: str


@dataclass(frozen=True)
class IssueComment:
    """An `issue_comment` event: a comment on an issue, or on a pull request (GitHub lists pull
    requests as issues; `on_pull_request` says the issue has a `pull_request` key)."""

    action: str  # created, edited, deleted
    comment_id: int
    body: str
    author: str  # the commenter's login
    author_type: str  # User, Bot, Organization
    issue_number: int
    on_pull_request: bool


@dataclass(frozen=True)
class Context:
    repository: str = ""
    event_name: str = ""
    sha: str = ""
    ref: str = ""
    default_branch: str = ""
    server_url: str = "https://github.com"
    api_url: str = "https://api.github.com"
    run_id: str = ""
    run_attempt: str = ""
    actor: str = ""
    pull_request: PullRequest | None = None
    push_before: str | None = None
    push_after: str | None = None
    push_forced: bool = False
    workflow_run: WorkflowRun | None = None
    merge_group: MergeGroup | None = None
    issue_comment: IssueComment | None = None
    client_payload: dict[str, Any] = field(default_factory=dict)
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def branch(self) -> str | None:
        """The branch this event is about: the PR head, the run's branch, or the pushed ref."""
        if self.pull_request:
            return self.pull_request.head_ref
        if self.workflow_run:
            return self.workflow_run.head_branch
        if self.merge_group:
            return self.merge_group.head_ref.removeprefix("refs/heads/")
        if self.ref.startswith("refs/heads/"):
            return self.ref[len("refs/heads/") :]
        return None

    @property
    def fork(self) -> str | None:
        """The fork that the event's pull request or run comes from ("" when that repository
        was deleted), or None when it is this repository's own. Full names are compared
        without case, as GitHub does; a fork has another owner, which its author cannot fake."""
        if self.pull_request is not None and self.pull_request.is_fork:
            return self.pull_request.head_repo
        if self.workflow_run is not None and self.workflow_run.is_fork:
            return self.workflow_run.head_repo
        return None

    @property
    def run_url(self) -> str:
        if not (self.repository and self.run_id):
            return ""
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def pr_number(self) -> int | None:
        if self.pull_request:
            return self.pull_request.number
        if self.workflow_run and self.workflow_run.pull_numbers:
            return self.workflow_run.pull_numbers[0]
        return None


def load(env: Mapping[str, str]) -> Context:
    """Build the context. A bad event file is an InputError, never a traceback."""
    path = env.get("GITHUB_EVENT_PATH", "")
    payload = _read_event(path)
    try:
        return _context(env, payload)
    except BadField as exc:
        raise InputError(
            f"Event file {path} does not have the shape of a GitHub event: {exc}.",
            fix="Use the payload GitHub sent, or unset GITHUB_EVENT_PATH when running by hand.",
        ) from exc


class BadField(ValueError):
    """A field of the event that is not what GitHub sends there; the message names it."""


def _field(value: Any, where: str, expected: str) -> BadField:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:60] + "…"
    return BadField(f"`{where}` is {_json_word(shown)}, where GitHub sends {expected}")


def _json_word(shown: str) -> str:
    """Python's spelling of a value as the event file spells it (`true`, not `True`)."""
    return {"True": "true", "False": "false", "None": "null"}.get(shown, shown)


def _number(value: Any, where: str, *, default: int = 0) -> int:
    """A positive whole number (an id, a pull request number); absent or null: `default`.
    `true` is no number (bool is an int in Python: it used to read as pull request #1)."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _field(value, where, "a whole number")
    return value


def _text(value: Any, where: str) -> str:
    """A string field; absent or null: ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _field(value, where, "a string")
    return value


def _context(env: Mapping[str, str], payload: dict[str, Any]) -> Context:
    full_name = _text(_get(payload, "repository", "full_name"), "repository.full_name")
    repository = env.get("GITHUB_REPOSITORY", "") or full_name
    before = payload.get("before") if "before" in payload and "after" in payload else None
    if before is not None:
        before = _text(before, "before")
        _text(payload["after"], "after")
    forced = payload.get("forced")
    if forced is not None and not isinstance(forced, bool):
        raise _field(forced, "forced", "true or false")
    return Context(
        repository=str(repository or ""),
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        sha=env.get("GITHUB_SHA", ""),
        ref=env.get("GITHUB_REF", "") or _text(payload.get("ref"), "ref"),
        default_branch=_text(
            _get(payload, "repository", "default_branch"), "repository.default_branch"
        ),
        server_url=env.get("GITHUB_SERVER_URL", "") or "https://github.com",
        api_url=env.get("GITHUB_API_URL", "") or "https://api.github.com",
        run_id=env.get("GITHUB_RUN_ID", ""),
        run_attempt=env.get("GITHUB_RUN_ATTEMPT", ""),
        actor=env.get("GITHUB_ACTOR", ""),
        pull_request=_pull_request(payload, str(repository or "")),
        # An all-zero `before` means the branch was just created: there is no range.
        push_before=None if before in (None, ZERO_SHA) else str(before),
        push_after=str(payload["after"]) if before is not None else None,
        push_forced=bool(payload.get("forced")),
        workflow_run=_workflow_run(payload, str(repository or "")),
        merge_group=_merge_group(payload),
        issue_comment=_issue_comment(payload),
        client_payload=_client_payload(payload),
        payload=payload,
    )


def _read_event(path: str) -> dict[str, Any]:
    if not path:
        return {}
    fix = (
        "GitHub writes this file itself; when running by hand, point GITHUB_EVENT_PATH "
        "at a JSON event payload or unset it."
    )
    try:
        if Path(path).stat().st_size > EVENT_MAX_BYTES:
            raise InputError(
                f"Event file {path} is larger than {EVENT_MAX_BYTES // (1024 * 1024)} MB, "
                "which no GitHub event is.",
                fix=fix,
            )
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Event file {path} cannot be read ({exc.strerror}).", fix=fix) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"Event file {path} is not UTF-8 text ({exc.reason}).", fix=fix) from exc
    if not text.strip():
        raise InputError(f"Event file {path} is empty.", fix=fix)
    try:
        payload = loads_json(text)
    except LoadError as exc:
        what = "is not valid JSON" if exc.syntax else "cannot be used"
        raise InputError(f"Event file {path} {what} ({exc.why}).", fix=fix) from exc
    if not isinstance(payload, dict):
        raise InputError(f"Event file {path} must hold a JSON object.", fix=fix)
    return payload


def _get(payload: Mapping[str, Any], *keys: str) -> Any:
    node: Any = payload
    for key in keys:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _pull_request(payload: dict[str, Any], repository: str) -> PullRequest | None:
    pr = payload.get("pull_request")
    if not isinstance(pr, dict):
        return None
    head_repo = _text(_get(pr, "head", "repo", "full_name"), "pull_request.head.repo.full_name")
    number = _number(pr.get("number"), "pull_request.number") or _number(
        payload.get("number"), "number"
    )
    return PullRequest(
        number=number,
        head_ref=_text(_get(pr, "head", "ref"), "pull_request.head.ref"),
        head_sha=_text(_get(pr, "head", "sha"), "pull_request.head.sha"),
        head_repo=head_repo,
        base_ref=_text(_get(pr, "base", "ref"), "pull_request.base.ref"),
        base_sha=_text(_get(pr, "base", "sha"), "pull_request.base.sha"),
        # A deleted head repository (null) is treated as a fork: never push there.
        is_fork=head_repo.lower() != repository.lower() or not head_repo,
    )


def _workflow_run(payload: dict[str, Any], repository: str) -> WorkflowRun | None:
    run = payload.get("workflow_run")
    if not isinstance(run, dict):
        return None
    head_repo = _text(
        _get(run, "head_repository", "full_name"), "workflow_run.head_repository.full_name"
    )
    listed = run.get("pull_requests") or []
    if not isinstance(listed, list):
        raise _field(listed, "workflow_run.pull_requests", "a list")
    pulls = tuple(
        number
        for i, p in enumerate(listed)
        if isinstance(p, dict)
        and (number := _number(p.get("number"), f"workflow_run.pull_requests[{i}].number"))
    )
    return WorkflowRun(
        id=_number(run.get("id"), "workflow_run.id"),
        attempt=_number(run.get("run_attempt"), "workflow_run.run_attempt", default=1) or 1,
        conclusion=_text(run.get("conclusion"), "workflow_run.conclusion"),
        event=_text(run.get("event"), "workflow_run.event"),
        head_sha=_text(run.get("head_sha"), "workflow_run.head_sha"),
        head_branch=_text(run.get("head_branch"), "workflow_run.head_branch"),
        head_repo=head_repo,
        is_fork=head_repo.lower() != repository.lower() or not head_repo,
        html_url=_text(run.get("html_url"), "workflow_run.html_url"),
        pull_numbers=pulls,
        workflow_id=int(run.get("workflow_id") or 0),
        run_number=int(run.get("run_number") or 0),
    )


def _merge_group(payload: dict[str, Any]) -> MergeGroup | None:
    group = payload.get("merge_group")
    if not isinstance(group, dict):
        return None
    head_sha = _text(group.get("head_sha"), "merge_group.head_sha")
    if not _SHA.match(head_sha):  # validate evaluates it: never a name git would resolve
        raise _field(head_sha, "merge_group.head_sha", "a 40-character commit sha")
    return MergeGroup(
        head_sha=head_sha,
        head_ref=_text(group.get("head_ref"), "merge_group.head_ref"),
        base_ref=_text(group.get("base_ref"), "merge_group.base_ref"),
        base_sha=_text(group.get("base_sha"), "merge_group.base_sha"),
    )


def _issue_comment(payload: dict[str, Any]) -> IssueComment | None:
    comment, issue = payload.get("comment"), payload.get("issue")
    if not isinstance(comment, dict) or not isinstance(issue, dict):
        return None
    author = comment.get("user")
    if author is not None and not isinstance(author, dict):
        raise _field(author, "comment.user", "an object")
    author = author or {}
    return IssueComment(
        action=_text(payload.get("action"), "action"),
        comment_id=_number(comment.get("id"), "comment.id"),
        body=_text(comment.get("body"), "comment.body"),
        author=_text(author.get("login"), "comment.user.login"),
        author_type=_text(author.get("type"), "comment.user.type"),
        issue_number=_number(issue.get("number"), "issue.number"),
        # GitHub sends `pull_request` (an object of links) only for a pull request's comments.
        on_pull_request=isinstance(issue.get("pull_request"), dict),
    )


def _client_payload(payload: dict[str, Any]) -> dict[str, Any]:
    value = payload.get("client_payload")
    return value if isinstance(value, dict) else {}
