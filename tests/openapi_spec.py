"""GitHub's own OpenAPI description of api.github.com, pinned, fetched once and cached.

The description comes from the npm package `@octokit/openapi` (GitHub's published description
plus Octokit's `x-octokit` notes). One version is pinned with the registry's sha512 integrity;
the tarball is downloaded from the npm registry with the standard library, checked, and only
`generated/api.github.com.json` is kept under `tests/.cache/` (git-ignored), checked again by
its own sha256 on every load. The package also holds GHES and GHEC descriptions and
dereferenced variants: we call api.github.com, and the plain file (13 MB, parsed in well under a
second) is much cheaper than the dereferenced one (73 MB, several seconds); `$ref`s are
resolved by the validator instead.

To move to a newer version: `npm view @octokit/openapi@VER dist.integrity dist.tarball`, put
both below, delete `SPEC_SHA256`'s value, run the tests once and copy the sha256 the error names.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

SPEC_PACKAGE = "@octokit/openapi"
SPEC_VERSION = "23.0.2"
SPEC_TARBALL = "https://registry.npmjs.org/@octokit/openapi/-/openapi-23.0.2.tgz"
SPEC_INTEGRITY = (
    "sha512-"
    "pV8M7L9GY23AybNvTmo2nyjmpmnt6+2sRE/tqr0ZLQcPS4lnw7u5eZGNmwRNkBC3D7gZXbFx5AHzLUVRBXGDhg=="
)
SPEC_MEMBER = "package/generated/api.github.com.json"
SPEC_SHA256 = "829b4bebb19a53133289f7b0bc819f4f1118115821db2ca9f25e9ee995a7da2a"

CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "openapi"
CONNECT_TIMEOUT = 10.0  # seconds per socket operation: an unreachable registry skips quickly
MAX_TARBALL_BYTES = 64 * 1024 * 1024  # the pinned tarball is ~28 MB


class SpecUnavailable(Exception):
    """The description is not cached and the npm registry cannot be reached."""


def cached_path() -> Path:
    return CACHE_DIR / f"api.github.com-{SPEC_VERSION}.json"


def spec_document() -> dict[str, Any]:
    """The parsed description; raises SpecUnavailable when it can be neither read nor fetched."""
    loaded = _load()
    if isinstance(loaded, SpecUnavailable):
        raise loaded
    return loaded


def unavailable_reason() -> str | None:
    """Why the description cannot be had (fetching it once if needed), or None."""
    loaded = _load()
    return str(loaded) if isinstance(loaded, SpecUnavailable) else None


def failure_so_far() -> str | None:
    """unavailable_reason() if something already tried to load the description, else None."""
    return unavailable_reason() if _load.cache_info().currsize else None


@functools.lru_cache(maxsize=1)
def _load() -> dict[str, Any] | SpecUnavailable:
    """Returned, not raised, so that an offline session probes the registry once, not per test."""
    path = cached_path()
    if not path.is_file() or _sha256(path.read_bytes()) != SPEC_SHA256:
        try:
            tarball = _download()
        except SpecUnavailable as exc:
            return exc
        _write_atomically(path, _member(tarball))
    document: dict[str, Any] = json.loads(path.read_bytes())
    return document


def _download() -> bytes:
    request = urllib.request.Request(SPEC_TARBALL, headers={"Accept": "application/octet-stream"})
    try:
        with urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT) as response:  # noqa: S310
            data: bytes = response.read(MAX_TARBALL_BYTES + 1)
    except (OSError, urllib.error.URLError, ValueError) as exc:
        raise SpecUnavailable(
            f"GitHub's OpenAPI description ({SPEC_PACKAGE}@{SPEC_VERSION}) is not cached in "
            f"{CACHE_DIR} and the npm registry cannot be reached: {exc}"
        ) from exc
    if len(data) > MAX_TARBALL_BYTES:
        raise RuntimeError(f"{SPEC_TARBALL} is larger than {MAX_TARBALL_BYTES} bytes")
    got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != SPEC_INTEGRITY:  # a wrong file must fail loudly, never skip
        raise RuntimeError(f"{SPEC_TARBALL} has integrity {got}, pinned {SPEC_INTEGRITY}")
    return data


def _member(tarball: bytes) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        extracted = archive.extractfile(SPEC_MEMBER)
        if extracted is None:
            raise RuntimeError(f"{SPEC_MEMBER} is not a file in {SPEC_TARBALL}")
        data = extracted.read()
    if _sha256(data) != SPEC_SHA256:
        raise RuntimeError(f"{SPEC_MEMBER} has sha256 {_sha256(data)}, pinned {SPEC_SHA256}")
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers (another pytest run) see the old file or the whole new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
