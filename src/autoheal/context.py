"""What happened and where: the event payload and GITHUB_* variables as one typed object."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autoheal.errors import InputError

ZERO_SHA = "0" * 40
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


@dataclass(frozen=True)
class MergeGroup:
    """A `merge_group` event: the queue tests `head_sha` on `head_ref` before merging."""

    head_sha: str
    head_ref: str  # refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>
    base_ref: str  # refs/heads/<base>
    base_sha: str


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
    except (TypeError, ValueError) as exc:  # e.g. a pull request number that is not a number
        raise InputError(
            f"Event file {path} does not have the shape of a GitHub event ({exc}).",
            fix="Use the payload GitHub sent, or unset GITHUB_EVENT_PATH when running by hand.",
        ) from exc


def _context(env: Mapping[str, str], payload: dict[str, Any]) -> Context:
    repository = env.get("GITHUB_REPOSITORY", "") or _get(payload, "repository", "full_name")
    before = payload.get("before") if "before" in payload and "after" in payload else None
    return Context(
        repository=str(repository or ""),
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        sha=env.get("GITHUB_SHA", ""),
        ref=env.get("GITHUB_REF", "") or str(payload.get("ref") or ""),
        default_branch=str(_get(payload, "repository", "default_branch") or ""),
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
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Event file {path} cannot be read ({exc.strerror}).", fix=fix) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"Event file {path} is not UTF-8 text ({exc.reason}).", fix=fix) from exc
    if not text.strip():
        raise InputError(f"Event file {path} is empty.", fix=fix)
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"Event file {path} is not valid JSON ({exc.msg}, line {exc.lineno}).", fix=fix
        ) from exc
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
    head_repo = str(_get(pr, "head", "repo", "full_name") or "")
    return PullRequest(
        number=int(pr.get("number") or payload.get("number") or 0),
        head_ref=str(_get(pr, "head", "ref") or ""),
        head_sha=str(_get(pr, "head", "sha") or ""),
        head_repo=head_repo,
        base_ref=str(_get(pr, "base", "ref") or ""),
        # A deleted head repository (null) is treated as a fork: never push there.
        is_fork=head_repo.lower() != repository.lower() or not head_repo,
    )


def _workflow_run(payload: dict[str, Any], repository: str) -> WorkflowRun | None:
    run = payload.get("workflow_run")
    if not isinstance(run, dict):
        return None
    head_repo = str(_get(run, "head_repository", "full_name") or "")
    pulls = tuple(
        int(p["number"])
        for p in run.get("pull_requests") or []
        if isinstance(p, dict) and p.get("number")
    )
    return WorkflowRun(
        id=int(run.get("id") or 0),
        attempt=int(run.get("run_attempt") or 1),
        conclusion=str(run.get("conclusion") or ""),
        event=str(run.get("event") or ""),
        head_sha=str(run.get("head_sha") or ""),
        head_branch=str(run.get("head_branch") or ""),
        head_repo=head_repo,
        is_fork=head_repo.lower() != repository.lower() or not head_repo,
        html_url=str(run.get("html_url") or ""),
        pull_numbers=pulls,
    )


def _merge_group(payload: dict[str, Any]) -> MergeGroup | None:
    group = payload.get("merge_group")
    if not isinstance(group, dict):
        return None
    head_sha = str(group.get("head_sha") or "")
    if not _SHA.match(head_sha):  # validate evaluates it: never a name git would resolve
        raise ValueError(f"merge_group.head_sha {head_sha[:50]!r} is not a 40-character sha")
    return MergeGroup(
        head_sha=head_sha,
        head_ref=str(group.get("head_ref") or ""),
        base_ref=str(group.get("base_ref") or ""),
        base_sha=str(group.get("base_sha") or ""),
    )


def _client_payload(payload: dict[str, Any]) -> dict[str, Any]:
    value = payload.get("client_payload")
    return value if isinstance(value, dict) else {}
