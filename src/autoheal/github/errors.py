"""Typed errors of the GitHub client: what went wrong, with the fix in words."""

from __future__ import annotations

from typing import Any

from autoheal.errors import AutohealError


class GitHubError(AutohealError):
    """A GitHub API call failed. `status` is the HTTP status, None when no answer arrived."""

    def __init__(
        self,
        message: str,
        *,
        fix: str = "",
        status: int | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message, fix=fix)
        self.status = status
        self.method = method
        self.path = path


class Unauthorized(GitHubError):
    """401: the token is invalid, expired or revoked."""


class PermissionDenied(GitHubError):
    """403 that is not a rate limit: the token lacks a permission.

    `accepted_permissions` is the first set GitHub accepts (e.g. {"contents": "write"});
    `alternatives` lists every accepted set.
    """

    def __init__(
        self,
        message: str,
        *,
        fix: str = "",
        status: int | None = 403,
        method: str = "",
        path: str = "",
        alternatives: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message, fix=fix, status=status, method=method, path=path)
        self.alternatives: list[dict[str, str]] = alternatives or []
        first = self.alternatives[0] if self.alternatives else {}
        self.accepted_permissions: dict[str, str] = dict(first)


class NotFound(GitHubError):
    """404: the resource does not exist or the token cannot see it."""


class ValidationFailed(GitHubError):
    """422: GitHub understood the request but refused its content."""


class RateLimited(GitHubError):
    """Rate limited, and GitHub's wait did not fit in the time budget."""


class ServerError(GitHubError):
    """5xx that persisted through the retries."""


class NetworkError(GitHubError):
    """No usable answer (connection refused, DNS, timeouts, dropped connections)."""


class Redirected(GitHubError):
    """A redirect that was not followed (a write, another host, plain http, a loop).
    `location` is where it pointed."""

    def __init__(self, message: str, *, location: str = "", **details: Any) -> None:
        super().__init__(message, **details)
        self.location = location


class TooManyPages(GitHubError):
    """A listing longer than the pages we read: what we look for may be beyond them."""


class MaybeSent(GitHubError):
    """A non-idempotent request may have reached GitHub; it was not repeated.

    `reason` says what happened in words, e.g. "read timeout: no answer in time".
    """

    def __init__(self, message: str, *, reason: str = "", **details: Any) -> None:
        super().__init__(message, **details)
        self.reason = reason
