"""`repository_dispatch`: sending it (`DispatchEndpoints.dispatch`), and GitHub's documented
limits on its event type and payload, checked before anything is sent (`check_dispatch`) so
the error says what to change. A dispatch is not idempotent: it is never repeated.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Mapping
from typing import Any

from autoheal.errors import InputError
from autoheal.github.api import Api
from autoheal.github.paths import _repo_path

DISPATCH_EVENT_TYPE_MAX = 100
DISPATCH_PAYLOAD_KEYS_MAX = 10
DISPATCH_PAYLOAD_BYTES_MAX = 65_536


class DispatchEndpoints(Api):
    """Starting workflows with `repository_dispatch`."""

    def dispatch(self, repo: str, event_type: str, client_payload: Mapping[str, Any]) -> int:
        """Send `repository_dispatch`. Not idempotent: a repeat would start a second run."""
        check_dispatch(event_type, client_payload)
        body = {"event_type": event_type, "client_payload": dict(client_payload)}
        resp = self.request("POST", f"{_repo_path(repo)}/dispatches", json=body)
        return resp.status_code


def check_dispatch(event_type: str, client_payload: Mapping[str, Any]) -> None:
    """GitHub's documented limits, checked before sending so the error says what to change."""
    if not 1 <= len(event_type) <= DISPATCH_EVENT_TYPE_MAX:
        raise InputError(
            f"Dispatch event type must be 1 to {DISPATCH_EVENT_TYPE_MAX} characters, "
            f"got {len(event_type)}.",
            fix="Shorten the event type.",
        )
    if len(client_payload) > DISPATCH_PAYLOAD_KEYS_MAX:
        raise InputError(
            f"Dispatch client_payload has {len(client_payload)} top-level keys; GitHub allows "
            f"{DISPATCH_PAYLOAD_KEYS_MAX}.",
            fix="Move extra values under one key.",
        )
    size = len(jsonlib.dumps(dict(client_payload)).encode())
    if size >= DISPATCH_PAYLOAD_BYTES_MAX:
        raise InputError(
            f"Dispatch client_payload is {size} bytes; GitHub allows under 64 KB.",
            fix="Send less data in the payload (e.g. a summary instead of full logs).",
        )
