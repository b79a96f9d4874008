"""The environment the action's children get: the token never goes with it.

Checks, fixes and git are given this environment. They are the project's code (a pull
request's, possibly), and git runs the project's hooks and filters, so none of them may find
the token there by accident: in a test that prints `env`, in a tool's telemetry or crash report.
This is not a barrier against hostile code, which can read its parent process's environment;
that is why fork code is never run in a privileged workflow at all.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from urllib.parse import quote, quote_plus

#: Variables that hold the token (or the job's GITHUB_TOKEN), by name.
SCRUBBED_ENV: tuple[str, ...] = ("INPUT_TOKEN", "AUTOHEAL_TOKEN", "GITHUB_TOKEN", "GH_TOKEN")
#: Values shorter than this are not searched for in other variables (too many false hits);
#: real tokens are 40 characters or more.
MIN_SECRET = 8


def environ_without_tokens(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """`environ` (default: ours) without the token variables, nor any other variable that
    holds one of their values in any form (e.g. a job-level `MY_PAT` passed on as
    `token: ${{ env.MY_PAT }}`, or a basic auth header made from it).
    """
    environ = os.environ if environ is None else environ
    values = {environ.get(name, "").strip() for name in SCRUBBED_ENV}
    secrets = [form for value in values if len(value) >= MIN_SECRET for form in secret_forms(value)]
    return {
        key: value
        for key, value in environ.items()
        if key not in SCRUBBED_ENV and not any(secret in value for secret in secrets)
    }


def secret_forms(token: str) -> list[str]:
    """Every form the token can take in text: raw, URL-encoded (both spellings of the
    escapes), JSON-escaped, and base64 of the `x-access-token:TOKEN` pair git sends as its
    basic auth header. A server or a tool may echo any of them; each is redacted like the token.
    Longest first, so a form that contains another is hidden whole."""
    token = token.strip()
    if not token:
        return []
    forms = {token, quote(token, safe=""), quote_plus(token), json.dumps(token)[1:-1]}
    forms |= {_lower_escapes(form) for form in forms}
    forms.add(basic_auth(token))
    return sorted(forms, key=len, reverse=True)


def basic_auth(token: str) -> str:
    """The base64 credentials of git's `Authorization: basic ...` header for this token."""
    return base64.b64encode(f"x-access-token:{token}".encode()).decode()


def _lower_escapes(text: str) -> str:
    """`%2F` -> `%2f`: percent-escapes are case-insensitive, and servers write either."""
    parts = text.split("%")
    return parts[0] + "".join("%" + p[:2].lower() + p[2:] for p in parts[1:])
