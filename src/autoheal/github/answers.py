"""How the client reads GitHub's answers and words its fixes; pure functions, no I/O.

`client_error` turns a 4xx that must not be retried into its typed error, with the
`permissions:` block or token setting that would let the call through (`permission_fix`, read
from the X-Accepted-GitHub-Permissions header); `github_message` is GitHub's own explanation;
`rate_limit_wait` the wait a rate limit asks for; `_as_dict` and `_as_list_of_dicts` check that
an answer has the JSON shape expected; `truncate` fits a text to one of GitHub's length limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from autoheal.github.errors import (
    GitHubError,
    NotFound,
    PermissionDenied,
    Unauthorized,
    ValidationFailed,
)

if TYPE_CHECKING:
    # Annotations only: `autoheal.github.api` is where requests is first imported (see there).
    import requests

# Added to a rate-limit reset time: our clock and GitHub's differ a little.
RESET_MARGIN = 1.0
# GitHub's advice for a secondary rate limit (429) that names no wait: at least a minute.
SECONDARY_LIMIT_WAIT = 60.0

# Fine-grained PAT names for the permission keys GitHub sends in X-Accepted-GitHub-Permissions.
_FINE_GRAINED_NAMES = {
    "actions": "Actions",
    "checks": "Checks",
    "contents": "Contents",
    "issues": "Issues",
    "metadata": "Metadata",
    "pull_requests": "Pull requests",
    "statuses": "Commit statuses",
    "workflows": "Workflows",
}
_FINE_GRAINED_LEVELS = {"read": "Read-only", "write": "Read and write", "admin": "Admin"}


def parse_accepted_permissions(header: str) -> list[dict[str, str]]:
    """`contents=write,issues=read; pull_requests=write` -> one dict per accepted set."""
    alternatives: list[dict[str, str]] = []
    for alternative in header.split(";"):
        perms: dict[str, str] = {}
        for item in alternative.split(","):
            name, sep, level = item.strip().partition("=")
            if sep and name.strip():
                perms[name.strip()] = level.strip()
        if perms:
            alternatives.append(perms)
    return alternatives


def github_message(resp: requests.Response) -> str:
    """GitHub's own explanation: the JSON `message`, else the start of the body."""
    data = _body_json(resp)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    text = resp.text.strip()
    return text[:300] if text else (resp.reason or "")


def _body_json(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


def _validation_details(resp: requests.Response) -> list[str]:
    """The `errors` list of a 422, one readable string per entry."""
    data = _body_json(resp)
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return []
    details = []
    for entry in errors:
        if isinstance(entry, dict):
            if entry.get("message"):
                details.append(str(entry["message"]))
            else:
                parts = [f"{k}={entry[k]}" for k in ("resource", "field", "code") if k in entry]
                details.append(" ".join(parts))
        else:
            details.append(str(entry))
    return details


def _workflow_key(name: str) -> str:
    """Header names use underscores, workflow `permissions:` keys use dashes."""
    return name.replace("_", "-")


def permission_fix(alternatives: list[dict[str, str]]) -> str:
    """The exact `permissions:` block and PAT settings that satisfy the first accepted set."""
    if not alternatives:
        return (
            "Give the token the permission this call needs: add a `permissions:` block to the "
            "workflow or job (for example `contents: write` to dispatch or push, "
            "`pull-requests: write`, `issues: write`, `statuses: write`, `actions: write`), "
            "or use a PAT with that access. A fork pull request's token is read-only "
            "whatever `permissions:` says."
        )
    wanted = alternatives[0]
    block_lines = [
        f"  {_workflow_key(name)}: {level}" for name, level in wanted.items() if name != "metadata"
    ]
    block = "permissions:\n" + "\n".join(block_lines)
    fine = ", ".join(
        f"{_FINE_GRAINED_NAMES.get(name, name.replace('_', ' ').capitalize())}: "
        f"{_FINE_GRAINED_LEVELS.get(level, level)}"
        for name, level in wanted.items()
    )
    classic = "`workflow`" if "workflows" in wanted else "`repo`"
    text = (
        f"Add to the workflow (or the job):\n{block}\n"
        f"For a fine-grained PAT grant {fine}; for a classic PAT the {classic} scope."
    )
    others = alternatives[1:]
    if others:
        rendered = " or ".join(
            ", ".join(f"{_workflow_key(n)}: {lvl}" for n, lvl in alt.items()) for alt in others
        )
        text += f" GitHub also accepts: {rendered}."
    if "workflows" in wanted:
        text += " GITHUB_TOKEN never has `workflows`: use a PAT or a GitHub App token."
    text += " A fork pull request's token is read-only whatever `permissions:` says."
    return text


def _float_header(resp: requests.Response, name: str) -> float | None:
    value = resp.headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def rate_limit_wait(resp: requests.Response, now: float) -> float | None:
    """Seconds GitHub asks us to wait, or None when the answer is not a rate limit."""
    if resp.status_code not in (403, 429):
        return None
    retry_after = _float_header(resp, "retry-after")
    if retry_after is not None:
        return max(0.0, retry_after)
    reset = _float_header(resp, "x-ratelimit-reset")
    if resp.headers.get("x-ratelimit-remaining") == "0" and reset is not None:
        # A reset in the past means the window is already over: retry almost at once.
        return max(0.0, reset - now) + RESET_MARGIN
    if resp.status_code == 429:
        return SECONDARY_LIMIT_WAIT
    return None


def client_error(resp: requests.Response, method: str, path: str) -> GitHubError:
    """The typed error for a 4xx that must not be retried."""
    status = resp.status_code
    said = github_message(resp)
    where = f"{method} {path}"
    if status == 401:
        return Unauthorized(
            f"GitHub rejected the token (401 {said}) for {where}.",
            fix="The token is invalid, expired or revoked. Pass a valid one as `token:` "
            "(default `${{ github.token }}`); for a PAT create a new one under Settings > "
            "Developer settings > Personal access tokens and update the repository secret.",
            status=status,
            method=method,
            path=path,
        )
    if status == 403:
        alternatives = parse_accepted_permissions(
            resp.headers.get("X-Accepted-GitHub-Permissions", "")
        )
        fix = permission_fix(alternatives)
        if "not permitted to create or approve pull requests" in said:
            # A repository setting, not a token permission: no permissions: block helps.
            fix = (
                "GITHUB_TOKEN may not open pull requests in this repository. Enable Settings > "
                "Actions > General > Workflow permissions > 'Allow GitHub Actions to create and "
                "approve pull requests', or pass a PAT or GitHub App token as `token`."
            )
        return PermissionDenied(
            f"GitHub refused {where} (403 {said}): the token lacks a permission.",
            fix=fix,
            status=status,
            method=method,
            path=path,
            alternatives=alternatives,
        )
    if status == 404:
        return NotFound(
            f"GitHub answered 404 for {where}: the repository or resource does not exist, "
            "or the token cannot see it.",
            fix="Check the repository name (owner/name). GITHUB_TOKEN only reaches the "
            "repository running the workflow: for another private repository use a "
            "fine-grained PAT or GitHub App token with access to it (classic PAT: `repo`).",
            status=status,
            method=method,
            path=path,
        )
    if status == 422:
        details = _validation_details(resp)
        listed = f": {'; '.join(details)}" if details else ""
        return ValidationFailed(
            f"GitHub rejected the content of {where} (422 {said}){listed}.",
            fix="Correct the fields GitHub lists above and re-run.",
            status=status,
            method=method,
            path=path,
        )
    return GitHubError(
        f"GitHub answered {status} for {where}: {said}",
        fix="See GitHub's message above; the request was not retried.",
        status=status,
        method=method,
        path=path,
    )


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_dict(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise GitHubError(
            "GitHub answered with something that is not a JSON object.",
            fix="Check that GITHUB_API_URL points at the API, not at the web site.",
        )
    return data


def _as_list_of_dicts(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise GitHubError(
            "GitHub answered with something that is not a JSON list.",
            fix="Check that GITHUB_API_URL points at the API, not at the web site.",
        )
    return [item for item in data if isinstance(item, dict)]
