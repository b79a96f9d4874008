"""The repository_dispatch payload that carries a heal attempt to validate.

`client_payload = {"autoheal": {...}, ...user keys}`: everything of ours under one key, so
users keep the other nine of GitHub's ten top-level keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

from autoheal.checks import CATEGORIES
from autoheal.errors import InputError
from autoheal.scoring import OUTCOMES
from autoheal.settings import SHA_RE, is_repository

VERSION = 1
KEY = "autoheal"
#: `OWNER/NAME/RUN/ATTEMPT/SHA12` is under 150 characters; it is quoted in statuses and titles.
DISPATCH_ID_MAX = 256


@dataclass(frozen=True)
class HealPayload:
    dispatch_id: str
    sha: str
    ref: str = ""
    repository: str = ""
    source_run_id: str = ""
    source_run_attempt: str = ""
    pr: int | None = None
    confidence: int | None = None
    checks: dict[str, str] = field(default_factory=dict)  # category -> pass/fail/absent
    before: str | None = None  # the failing push's `before`: where rollback's range starts
    version: int = VERSION

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def dispatch_id(repository: str, run_id: str, attempt: str, sha: str) -> str:
    """One heal attempt: the same run, attempt and sha always give the same id."""
    return f"{repository}/{run_id or 'local'}/{attempt or '1'}/{sha[:12]}"


def build(ours: HealPayload, user: dict[str, Any]) -> dict[str, Any]:
    """Our key beside the user's keys; a user key named like ours is refused, not overwritten."""
    if KEY in user:
        raise InputError(
            f"Input `client-payload` uses the key `{KEY}`, which is reserved.",
            fix="Rename that key; CI Autoheal puts its own data under it.",
        )
    return {KEY: ours.to_json(), **user}


def heal_outcomes(value: dict[str, Any]) -> dict[str, str]:
    """The `category-outcomes` input (heal's output of that name), checked: redispatch carries
    it in the payload, and validate reads it in the payload's place."""
    for category, outcome in value.items():
        if category not in CATEGORIES or outcome not in OUTCOMES:
            raise InputError(
                f"Input `category-outcomes` has {category!r}: {outcome!r}.",
                fix="Pass heal's output unchanged: "
                "`category-outcomes: ${{ steps.heal.outputs.category-outcomes }}` (locally, "
                'JSON such as \'{"lint": "pass", "test": "fail"}\').',
            )
    return {str(k): str(v) for k, v in value.items()}


def parse(client_payload: dict[str, Any]) -> HealPayload | None:
    """Read and validate our key. None when it is absent; InputError naming a bad field."""
    data = client_payload.get(KEY)
    if data is None:
        return None
    if not isinstance(data, dict):
        _bad("", "an object")
    version = data.get("version")
    if version != VERSION:
        _bad("version", f"{VERSION} (this action reads payload version {VERSION})", version)
    sha = data.get("sha")
    if not isinstance(sha, str) or not SHA_RE.match(sha):
        _bad("sha", "a full 40-character lowercase commit SHA", sha)
    dispatch = data.get("dispatch_id")
    if (
        not isinstance(dispatch, str)
        or not dispatch.strip()
        or len(dispatch) > DISPATCH_ID_MAX
        or not dispatch.isprintable()
    ):
        _bad("dispatch_id", f"one line of at most {DISPATCH_ID_MAX} characters", dispatch)
    confidence = data.get("confidence")
    if confidence is not None and (
        isinstance(confidence, bool)
        or not isinstance(confidence, int)
        or not 0 <= confidence <= 100
    ):
        _bad("confidence", "a whole number from 0 to 100, or absent", confidence)
    run_ids = {}
    for name in ("source_run_id", "source_run_attempt"):
        value = data.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, (str, int)) or len(str(value)) > 40
        ):
            _bad(name, "a run id or attempt (digits), or absent", value)
        run_ids[name] = str(value or "")
    pr = data.get("pr")
    if pr is not None and (isinstance(pr, bool) or not isinstance(pr, int) or pr < 1):
        _bad("pr", "a pull request number, or null", pr)
    before = data.get("before")
    if before is not None and (not isinstance(before, str) or not SHA_RE.match(before)):
        _bad("before", "a full 40-character lowercase commit SHA, or null", before)
    ref = data.get("ref") or ""
    if not isinstance(ref, str):
        _bad("ref", "a git ref such as refs/heads/main, or absent", ref)
    repository = data.get("repository") or ""
    if not isinstance(repository, str) or (repository and not is_repository(repository)):
        _bad("repository", "owner/name, or absent", repository)
    checks = data.get("checks") or {}
    if not isinstance(checks, dict):
        _bad("checks", "an object of category to outcome", checks)
    for category, outcome in checks.items():
        if category not in CATEGORIES:
            _bad("checks", f"keyed by the categories {', '.join(CATEGORIES)}", category)
        if outcome not in OUTCOMES:
            _bad(f"checks.{category}", f"one of {', '.join(OUTCOMES)}", outcome)
    return HealPayload(
        dispatch_id=dispatch,
        sha=sha,
        ref=ref,
        repository=repository,
        source_run_id=run_ids["source_run_id"],
        source_run_attempt=run_ids["source_run_attempt"],
        pr=pr,
        confidence=confidence,
        checks=dict(checks),
        before=before,
    )


def _bad(name: str, expected: str, got: object = None) -> NoReturn:
    where = f"client_payload.{KEY}" + (f".{name}" if name else "")
    shown = repr(got)[:60]
    raise InputError(
        f"Dispatch payload field `{where}` is {shown}; it must be {expected}.",
        fix="Send the payload with `mode: redispatch` of the same action version, "
        "or fix the sender.",
    )
