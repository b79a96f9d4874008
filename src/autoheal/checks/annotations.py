"""File and line annotations for validate's check run, from the failing checks' output.

`collect` takes the findings `autoheal.checks.tool_output` reads in each failing check's output and
keeps those that point at a file of the commit, relative to the repository root, once each
and capped, as check run annotations.

Tool output is hostile data: a path or a message can hold `::command::`, `##[command]`,
Markdown or HTML. Here it only becomes fields of a JSON object; nothing in this module prints.
Paths are only ever compared with the commit's tracked files, never opened: an absolute path
outside the repository, or one that climbs out of it with `..`, matches none and is dropped.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autoheal.checks.tool_output import Finding, parse

if TYPE_CHECKING:
    from autoheal.checks.model import CheckResult

#: At most this many annotations on one check run (4 requests of 50): the first problems of
#: every failing check, not page after page of one noisy linter.
MAX_ANNOTATIONS = 200
#: Characters of a message and a title kept (GitHub takes 64 KB and 255 characters).
MESSAGE_MAX = 1000
TITLE_MAX = 255
LEVELS = ("failure", "warning", "notice")


@dataclass(frozen=True)
class Annotation:
    """A finding placed in the repository: a check run annotation."""

    path: str  # relative to the repository root
    line: int
    column: int | None
    level: str
    message: str
    title: str

    def as_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "start_line": self.line,
            "end_line": self.line,
            "annotation_level": self.level,
            "message": self.message,
            "title": self.title,
        }
        if self.column is not None:
            data["start_column"] = data["end_column"] = self.column
        return data


# --------------------------------------------------------------------------- placing


def repo_path(printed: str, *, cwd: str, root: str, tracked: frozenset[str]) -> str | None:
    """The tracked file `printed` names, relative to the repository root, or None.

    A relative path is read from the check's directory, then from the root (cargo and pytest
    print paths from the workspace or rootdir). An absolute path must be under the root.
    """
    if not printed or "\x00" in printed:
        return None
    if posixpath.isabs(printed):
        candidates = [posixpath.relpath(printed, root)] if _under(printed, root) else []
    else:
        here = posixpath.relpath(cwd, root) if _under(cwd, root) else "."
        candidates = [posixpath.join(here, printed), printed]
    for candidate in candidates:
        path = posixpath.normpath(candidate)
        if path in tracked:  # git lists no absolute path and none with `..`
            return path
    return None


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def place(
    findings: Sequence[Finding],
    *,
    name: str,
    cwd: str,
    roots: Sequence[str],
    tracked: frozenset[str],
) -> list[Annotation]:
    """The findings of one check that point at a tracked file, once each."""
    placed: dict[tuple[str, int, str, str], Annotation] = {}
    for finding in findings:
        for location in finding.locations:
            path = next(
                (
                    found
                    for root in roots
                    if (found := repo_path(location.path, cwd=cwd, root=root, tracked=tracked))
                ),
                None,
            )
            if path is None:
                continue
            message = _cut(finding.message or finding.code or "failed", MESSAGE_MAX)
            title = _cut(f"{name}: {finding.code}" if finding.code else name, TITLE_MAX)
            key = (path, location.line, finding.level, message)
            placed.setdefault(
                key, Annotation(path, location.line, location.column, finding.level, message, title)
            )
            break
    return list(placed.values())


def collect(
    results: Sequence[CheckResult],
    *,
    root: Path,
    tracked: frozenset[str],
    limit: int = MAX_ANNOTATIONS,
) -> tuple[list[Annotation], int]:
    """Annotations from the failing checks' output, and how many were found in all.

    Over the limit, every check gets its turn (round robin, failures before warnings), so a
    failing test still shows beside a thousand lint findings.
    """
    roots = list(dict.fromkeys([str(root), str(root.resolve())]))
    per_check: list[list[Annotation]] = []
    for result in results:
        if result.passed:
            continue
        found = place(
            parse(result.output),
            name=result.check.name,
            cwd=str(Path(result.check.cwd).resolve()),
            roots=roots,
            tracked=tracked,
        )
        per_check.append(sorted(found, key=lambda a: LEVELS.index(a.level)))
    seen: set[tuple[str, int, str, str]] = set()
    unique = [
        [a for a in found if _first((a.path, a.line, a.level, a.message), seen)]
        for found in per_check
    ]
    total = sum(len(found) for found in unique)
    chosen: list[Annotation] = []
    for turn in range(max((len(found) for found in unique), default=0)):
        chosen += [found[turn] for found in unique if turn < len(found)]
    return chosen[:limit], total


def _first(key: tuple[str, int, str, str], seen: set[tuple[str, int, str, str]]) -> bool:
    if key in seen:
        return False
    seen.add(key)
    return True


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
