"""The GitHub API: the client (`client`, with transport limits in `transport`), its typed errors
(`errors`), and who the token acts as (`identity`).

Names are imported from their modules, not from here: the client pulls in `requests`, which
only modes that call the API should pay for at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autoheal.context import Context
    from autoheal.github.client import GitHub
    from autoheal.settings import Settings


def github_client(settings: Settings, ctx: Context) -> GitHub | None:
    """A client for the API, or None when there is no token (callers say what that skips)."""
    if not settings.token.strip():
        return None
    from autoheal.github.client import GitHub

    return GitHub(settings.token, api_url=ctx.api_url)
