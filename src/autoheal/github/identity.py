"""Which account the token acts as, so we edit only what we wrote ourselves.

Anyone who can comment can paste our hidden marker into a comment or an issue; matching the
marker alone would then have us overwrite their text with our verdict (or keep mentioning
whoever they named). So a comment, issue, pull request or commit status is ours only when
its author is the token's own account:

- a personal access token (classic or fine-grained) reads it from `GET /user` (its `login`);
- an installation token (`GITHUB_TOKEN`, a GitHub App's token) is refused there (403
  "Resource not accessible by integration"), and `GET /app` needs the App's private key. The
  GraphQL `viewer` answers for every kind of token: for an installation it is the App's bot
  (`github-actions[bot]` for `GITHUB_TOKEN`), the account its comments are posted as.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autoheal.github.api import Api

VIEWER_QUERY = "query { viewer { login } }"
BOT_SUFFIX = "[bot]"


def graphql_url(api_url: str) -> str:
    """GitHub's GraphQL endpoint beside its REST API: `https://api.github.com/graphql`, or
    `https://HOST/api/graphql` for GitHub Enterprise Server (`https://HOST/api/v3`)."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def read_login(client: Api) -> str:
    """The token's own login (see the module's notes). GitHubError when it cannot be told."""
    from autoheal.github.errors import GitHubError, NotFound, PermissionDenied

    try:
        login = author({"user": client.get_json("/user")})
        if login.strip():
            return login.strip()
    except (PermissionDenied, NotFound):
        pass  # an installation token: ask GraphQL who it is
    data = client.request_json(
        "POST", graphql_url(client.api_url), json={"query": VIEWER_QUERY}, idempotent=True
    )
    viewer = _viewer(data)
    if not viewer:
        raise GitHubError(
            "Cannot tell which account the token acts as (GET /user and GraphQL `viewer` "
            "named none), so no comment, issue or pull request of ours can be told from "
            "someone else's: nothing was edited or posted.",
            fix="Use a token that can read its own account: GITHUB_TOKEN, a GitHub App "
            "token or a personal access token. Check GITHUB_API_URL for GitHub Enterprise "
            "Server (https://HOST/api/v3, GraphQL at https://HOST/api/graphql).",
            method="POST",
            path="/graphql",
        )
    # An installation posts as its bot: `NAME[bot]`, an account no person can hold.
    return viewer if viewer.endswith(BOT_SUFFIX) else viewer + BOT_SUFFIX


def _viewer(data: Any) -> str:
    if not isinstance(data, dict) or data.get("errors"):
        return ""
    viewer = (data.get("data") or {}).get("viewer") if isinstance(data.get("data"), dict) else None
    login = viewer.get("login") if isinstance(viewer, dict) else None
    return login.strip() if isinstance(login, str) else ""


def author(item: Any, key: str = "user") -> str:
    """The login of whoever wrote `item` (a comment, issue, pull request: `user`; a commit
    status: `creator`), or "" when GitHub names none (a deleted account)."""
    who = item.get(key) if isinstance(item, dict) else None
    login = who.get("login") if isinstance(who, dict) else None
    return login if isinstance(login, str) else ""


def same_account(a: str, b: str) -> bool:
    """GitHub logins compare without case."""
    return bool(a) and a.lower() == b.lower()
