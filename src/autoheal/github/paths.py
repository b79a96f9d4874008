"""How the client writes API paths: a repository is checked to be `owner/name` before it goes
into a URL (`check_repo`), any other value is encoded as one path segment (`_segment`), and a
path is joined to the API URL without losing the URL's own path (`join_url`: GitHub Enterprise
Server's `/api/v3`).
"""

from __future__ import annotations

from urllib.parse import quote

from autoheal.errors import InputError
from autoheal.settings import is_repository


def join_url(base: str, path: str) -> str:
    """Join without losing a base path: `https://ghe.example/api/v3` + `/repos/x`."""
    return base.rstrip("/") + "/" + path.lstrip("/")


def check_repo(repo: str) -> None:
    """Refuse a repository that is not `owner/name` or could escape the URL path."""
    if not is_repository(repo):
        raise InputError(
            f"Repository {repo!r} is not of the form owner/name.",
            fix="Pass the repository as owner/name, e.g. octo-org/octo-repo.",
        )


def _repo_path(repo: str) -> str:
    check_repo(repo)
    return f"/repos/{repo}"


def _segment(value: str) -> str:
    return quote(value, safe="")
