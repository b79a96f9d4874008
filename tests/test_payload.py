"""The dispatch payload contract between redispatch and validate."""

from __future__ import annotations

from typing import Any

import pytest

from autoheal import payload
from autoheal.errors import InputError

SHA = "a" * 40


def ours(**changes: Any) -> dict[str, Any]:
    data = {
        "version": 1,
        "dispatch_id": "o/r/1/1/aaaa",
        "sha": SHA,
        "confidence": 80,
        "pr": 3,
        "checks": {"lint": "pass"},
    }
    data.update(changes)
    return {"autoheal": data}


def test_round_trip() -> None:
    sent = payload.HealPayload(
        dispatch_id="x", sha=SHA, pr=4, confidence=55, checks={"test": "fail"}
    )
    body = payload.build(sent, {"env": "prod"})
    assert list(body) == ["autoheal", "env"]
    assert payload.parse(body) == sent


def test_absent_key_is_none() -> None:
    assert payload.parse({"sha": SHA}) is None


def test_user_key_cannot_overwrite_ours() -> None:
    with pytest.raises(InputError, match="reserved"):
        payload.build(payload.HealPayload(dispatch_id="x", sha=SHA), {"autoheal": 1})


def test_dispatch_id_is_stable_per_attempt() -> None:
    one = payload.dispatch_id("o/r", "99", "1", SHA)
    assert one == payload.dispatch_id("o/r", "99", "1", SHA)
    assert one != payload.dispatch_id("o/r", "99", "2", SHA)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ours(version=2), ".version"),
        (ours(version=None), ".version"),
        (ours(sha="abc"), ".sha"),
        (ours(sha=SHA.upper()), ".sha"),
        (ours(sha=None), ".sha"),
        (ours(dispatch_id=""), ".dispatch_id"),
        (ours(confidence=101), ".confidence"),
        (ours(confidence=-1), ".confidence"),
        (ours(confidence="80"), ".confidence"),
        (ours(confidence=True), ".confidence"),
        (ours(before="HEAD~1"), ".before"),
        (ours(pr=0), ".pr"),
        (ours(checks=[1]), ".checks"),
        (ours(checks={"lint": "passed"}), ".checks.lint"),
        (ours(checks={"lint": 1}), ".checks.lint"),
        (ours(checks={"style": "pass"}), ".checks`"),
        (ours(ref=["refs/heads/main"]), ".ref"),
        (ours(repository="octo-org"), ".repository"),
        (ours(repository="../../orgs/x"), ".repository"),
        (ours(repository=7), ".repository"),
        ({"autoheal": "yes"}, "`"),
    ],
    ids=[
        "future-version",
        "no-version",
        "short-sha",
        "uppercase-sha",
        "missing-sha",
        "empty-dispatch-id",
        "confidence-high",
        "confidence-negative",
        "confidence-text",
        "confidence-bool",
        "before-not-sha",
        "pr-zero",
        "checks-list",
        "checks-unknown-outcome",
        "checks-outcome-not-text",
        "checks-unknown-category",
        "ref-not-text",
        "repository-no-owner",
        "repository-path-escape",
        "repository-number",
        "not-an-object",
    ],
)
def test_bad_fields_are_named(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        payload.parse(data)
    assert f"client_payload.autoheal{field}" in str(err.value)


def test_missing_optional_fields_and_extra_fields_are_fine() -> None:
    parsed = payload.parse(
        {"autoheal": {"version": 1, "dispatch_id": "d", "sha": SHA, "future_field": True}}
    )
    assert parsed is not None
    assert (parsed.confidence, parsed.pr, parsed.checks) == (None, None, {})
