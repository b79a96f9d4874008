"""The fix of a run that cannot push, as an artifact a trusted job can apply: `fix.patch` and
`manifest.json` in one folder.

The folder is written by a run of the pull request's code (a fork's, or Dependabot's with a
read-only token), so whoever reads it reads hostile data: every read is bounded, no symlink is
followed, the folder must hold exactly the two files, every manifest field is checked for type
and shape, and the manifest must agree with the patch it comes with (size, digest, the files
and their line counts). `patch_refusals` then judges the patch itself by heal's own rules, and
`applied_refusals` judges what `git apply` really made of it.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autoheal.errors import AutohealError, InputError
from autoheal.git.patch import FilePatch, PatchError, parse_patch
from autoheal.modes.heal import patch_rules
from autoheal.safe_load import LoadError, loads_json
from autoheal.settings import SHA_RE, is_repository

if TYPE_CHECKING:
    from autoheal.git.apply import TreeChange

FOLDER_NAME = "autoheal-fix"
PATCH_FILE = "fix.patch"
MANIFEST_FILE = "manifest.json"
FORMAT = 1
#: A manifest lists a few fields and one entry per file: far below this.
MAX_MANIFEST_BYTES = 256 * 1024
MAX_PULL_REQUEST = 2**31 - 1

_DIGEST_RE = re.compile(r"^[0-9a-f]{64}$")
_FIELDS = (
    "format",
    "repository",
    "pull_request",
    "base_sha",
    "head_sha",
    "head_repository",
    "head_ref",
    "files",
    "patch_bytes",
    "patch_sha256",
)
_FILE_FIELDS = ("path", "added", "deleted")
_FIX = (
    "Use the artifact heal wrote for this pull request's head, unchanged; if the pull "
    "request's checks ran again since, use the newest run's."
)


@dataclass(frozen=True)
class Artifact:
    """A checked artifact: the manifest's fields, the patch and what it touches."""

    folder: Path
    repository: str
    pull_request: int
    base_sha: str
    head_sha: str
    head_repository: str
    head_ref: str
    patch_text: str
    patch_bytes: int
    patch_sha256: str
    patches: tuple[FilePatch, ...]


def write_artifact(
    folder: Path,
    patch_text: str,
    *,
    repository: str,
    pull_request: int,
    base_sha: str,
    head_sha: str,
    head_repository: str,
    head_ref: str,
) -> Path:
    """Write `fix.patch` and `manifest.json` into `folder` (created if needed); returns it.
    The manifest is checked as `read_artifact` will check it, so a bad field fails here."""
    data = patch_text.encode("utf-8")
    try:
        patches = parse_patch(patch_text)
    except PatchError as exc:
        raise AutohealError(
            f"The fix cannot be written as an artifact: the patch is not one git reads "
            f"the same way ({exc.what}).",
            fix="Report this with the job log: heal's own patch should always be readable.",
        ) from None
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "repository": repository,
        "pull_request": pull_request,
        "base_sha": base_sha,
        "head_sha": head_sha,
        "head_repository": head_repository,
        "head_ref": head_ref,
        "files": [{"path": p.path, "added": p.added, "deleted": p.deleted} for p in patches],
        "patch_bytes": len(data),
        "patch_sha256": hashlib.sha256(data).hexdigest(),
    }
    try:
        _check_manifest(manifest, folder)
    except InputError as exc:
        raise InputError(
            exc.message,
            fix="These values come from the event and GitHub's API: check the run's event.",
        ) from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    others = sorted(set(os.listdir(folder)) - {PATCH_FILE, MANIFEST_FILE})
    if others:
        raise AutohealError(
            f"Artifact folder {folder} already holds other files ({', '.join(others[:5])}).",
            fix="Write the artifact into an empty folder of its own.",
        )
    (folder / PATCH_FILE).write_bytes(data)
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def read_artifact(folder: Path, *, max_patch_bytes: int) -> Artifact:
    """The artifact in `folder`, every field checked against its shape and the patch.
    Raises InputError naming what is wrong."""
    folder = Path(folder)
    _check_entries(folder)
    raw_manifest = _read_file(folder, MANIFEST_FILE, MAX_MANIFEST_BYTES)
    raw_patch = _read_file(folder, PATCH_FILE, max_patch_bytes)
    try:
        manifest = loads_json(raw_manifest.decode("utf-8"))
    except UnicodeDecodeError:
        raise _bad(folder, f"{MANIFEST_FILE} is not UTF-8 text") from None
    except LoadError as exc:
        raise _bad(folder, f"{MANIFEST_FILE} cannot be read: {exc.why}") from None
    _check_manifest(manifest, folder)
    if manifest["patch_bytes"] != len(raw_patch):
        raise _bad(
            folder,
            f"{PATCH_FILE} has {len(raw_patch)} bytes, but the manifest says "
            f"{manifest['patch_bytes']}",
        )
    if hashlib.sha256(raw_patch).hexdigest() != manifest["patch_sha256"]:
        raise _bad(folder, f"{PATCH_FILE} does not match the manifest's sha256 digest")
    try:
        text = raw_patch.decode("utf-8")
        patches = parse_patch(text)
    except UnicodeDecodeError:
        raise _bad(folder, f"{PATCH_FILE} is not UTF-8 text") from None
    except PatchError as exc:
        what = f"{PATCH_FILE} is not a patch heal can read as data: {exc.what}"
        raise _bad(folder, what) from None
    _check_files(folder, manifest["files"], patches)
    return Artifact(
        folder=folder,
        repository=manifest["repository"],
        pull_request=manifest["pull_request"],
        base_sha=manifest["base_sha"],
        head_sha=manifest["head_sha"],
        head_repository=manifest["head_repository"],
        head_ref=manifest["head_ref"],
        patch_text=text,
        patch_bytes=manifest["patch_bytes"],
        patch_sha256=manifest["patch_sha256"],
        patches=tuple(patches),
    )


def _bad(folder: Path, what: str) -> InputError:
    return InputError(f"Patch artifact {folder}: {what}.", fix=_FIX)


# --------------------------------------------------------------------------------------------
# Bounded reads
# --------------------------------------------------------------------------------------------


def _check_entries(folder: Path) -> None:
    """Exactly the two files: anything else means it is not (only) what heal wrote."""
    try:
        with os.scandir(folder) as entries:
            names: list[str] = []
            for entry in entries:
                names.append(entry.name)
                if len(names) > 2:
                    break
    except FileNotFoundError:
        raise _bad(folder, "the folder does not exist") from None
    except NotADirectoryError:
        raise _bad(folder, "it is not a folder") from None
    extra = sorted(set(names) - {PATCH_FILE, MANIFEST_FILE})
    if extra:
        raise _bad(
            folder,
            f"it holds {extra[0]!r}, which an autoheal artifact never has "
            f"(only {PATCH_FILE} and {MANIFEST_FILE})",
        )
    for name in (MANIFEST_FILE, PATCH_FILE):
        if name not in names:
            raise _bad(folder, f"{name} is missing")


def _read_file(folder: Path, name: str, limit: int) -> bytes:
    """At most `limit` bytes of a regular file, never through a symlink, never blocking on
    a FIFO; a larger file is refused before its content is read."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(folder / name, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _bad(folder, f"{name} is a symbolic link") from None
        raise _bad(folder, f"{name} cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _bad(folder, f"{name} is not a regular file")
        if info.st_size > limit:
            raise _bad(folder, f"{name} has {info.st_size} bytes, more than the {limit} allowed")
        data = handle.read(limit + 1)
    if len(data) > limit:  # it grew while we read it
        raise _bad(folder, f"{name} has more than the {limit} bytes allowed")
    return data


# --------------------------------------------------------------------------------------------
# The manifest's fields
# --------------------------------------------------------------------------------------------


def _check_manifest(manifest: Any, folder: Path) -> None:
    if not isinstance(manifest, dict):
        raise _bad(folder, f"{MANIFEST_FILE} is not a JSON object")
    keys = set(manifest)
    unknown = sorted(keys - set(_FIELDS))
    if unknown:
        raise _bad(folder, f"{MANIFEST_FILE} has the unknown field {unknown[0][:40]!r}")
    for key in _FIELDS:
        if key not in keys:
            raise _bad(folder, f"{MANIFEST_FILE} lacks the field {key!r}")
    if manifest["format"] != FORMAT or type(manifest["format"]) is not int:
        raise _bad(folder, f"{MANIFEST_FILE} is not of format {FORMAT}")
    for key in ("repository", "head_repository"):
        if not (isinstance(manifest[key], str) and is_repository(manifest[key])):
            raise _bad(folder, f"{MANIFEST_FILE}: {key} is not an owner/name repository")
    for key in ("base_sha", "head_sha"):
        if not (isinstance(manifest[key], str) and SHA_RE.match(manifest[key])):
            raise _bad(folder, f"{MANIFEST_FILE}: {key} is not a 40-character hex sha")
    for key in ("pull_request", "patch_bytes"):
        if not _count(manifest[key], 1, MAX_PULL_REQUEST if key == "pull_request" else None):
            raise _bad(folder, f"{MANIFEST_FILE}: {key} is not a positive whole number")
    if not (isinstance(manifest["head_ref"], str) and is_branch(manifest["head_ref"])):
        raise _bad(folder, f"{MANIFEST_FILE}: head_ref is not a branch name")
    if not (
        isinstance(manifest["patch_sha256"], str) and _DIGEST_RE.match(manifest["patch_sha256"])
    ):
        raise _bad(folder, f"{MANIFEST_FILE}: patch_sha256 is not 64 lowercase hex digits")
    files = manifest["files"]
    if not isinstance(files, list) or not files:
        raise _bad(folder, f"{MANIFEST_FILE}: files is not a non-empty list")
    for n, entry in enumerate(files):
        where = f"{MANIFEST_FILE}: files[{n}]"
        if not isinstance(entry, dict) or set(entry) != set(_FILE_FIELDS):
            raise _bad(folder, f"{where} is not an object of exactly path, added, deleted")
        if not isinstance(entry["path"], str) or patch_rules.path_problem(entry["path"]):
            raise _bad(folder, f"{where}.path is not a relative path inside the repository")
        if not (_count(entry["added"], 0) and _count(entry["deleted"], 0)):
            raise _bad(folder, f"{where}: added and deleted must be whole numbers, 0 or more")


def _count(value: Any, least: int, most: int | None = None) -> bool:
    """A JSON whole number (not a bool, not a float) within bounds."""
    return type(value) is int and value >= least and (most is None or value <= most)


def _check_files(folder: Path, files: list[dict[str, Any]], patches: list[FilePatch]) -> None:
    """The manifest's file list says exactly what the patch does, file by file."""
    listed = {f["path"]: (f["added"], f["deleted"]) for f in files}
    actual = {p.path: (p.added, p.deleted) for p in patches}
    if len(listed) != len(files):
        raise _bad(folder, f"{MANIFEST_FILE} lists a file twice")
    for path in sorted(set(listed) | set(actual)):
        if path not in listed:
            raise _bad(folder, f"the patch changes {path!r}, which the manifest does not list")
        if path not in actual:
            raise _bad(folder, f"the manifest lists {path!r}, which the patch does not change")
        if listed[path] != actual[path]:
            raise _bad(
                folder,
                f"the manifest says {path!r} has {listed[path][0]} added and "
                f"{listed[path][1]} deleted lines; the patch has {actual[path][0]} and "
                f"{actual[path][1]}",
            )


# --------------------------------------------------------------------------------------------
# The patch as data
# --------------------------------------------------------------------------------------------


def patch_refusals(artifact: Artifact, *, max_diff_lines: int, allow_binary: bool) -> list[str]:
    """Why the artifact's patch must not be applied, by heal's own rules ([] when none)."""
    return patch_rules.refusals(
        artifact.patches, max_diff_lines=max_diff_lines, allow_binary=allow_binary
    )


def applied_refusals(artifact: Artifact, changes: Sequence[TreeChange]) -> list[str]:
    """Why the commit `git apply` made of the patch must not be used: `changes`
    (`git.apply.tree_changes` of the head and the new commit) must be exactly the patch's
    files, with the contents the patch was made against, and no link or submodule."""
    return patch_rules.tree_refusals(artifact.patches, changes)


_BRANCH_BAD_RE = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//|/\.|\.lock/|^[-/.]|[/.]$")


def is_branch(name: str) -> bool:
    """A branch name git accepts (`git check-ref-format`), checked without running git."""
    return (
        0 < len(name) <= 255
        and name != "@"
        and not name.endswith(".lock")
        and not _BRANCH_BAD_RE.search(name)
    )
