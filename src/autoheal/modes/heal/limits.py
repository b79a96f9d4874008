"""What heal refuses to push whatever the checks say: workflow files, and fixes too large to
push without a review, binary ones first.

Size is counted in lines, as `max-diff-lines` says, but git's line counts miss what matters in
a review: `--numstat` counts a binary file as no line at all (a 30 MB file written by a fixer
passed a 1000-line limit), and a minified file of one 2 MB line as one. So every
`BYTES_PER_LINE` bytes count as a line at least: a binary file by its size (the larger of
before and after), a text file by how much its size changed. Binary changes are refused
outright unless `allow-binary-changes` says otherwise: formatters and linters do not write
binaries; build artefacts and caches do.
"""

from __future__ import annotations

from dataclasses import dataclass

from autoheal.git import FileChange, Git
from autoheal.markdown import code_span
from autoheal.settings import Settings

WORKFLOWS_DIR = ".github/workflows/"
BYTES_PER_LINE = 100
BINARIES_SHOWN = 5


@dataclass(frozen=True)
class Refusal:
    """Why a fix is not pushed; `binary`: binary files are the reason (the patch leaves
    their bytes out)."""

    why: str
    binary: bool = False


def lines_counted(change: FileChange) -> int:
    """A file's share of `max-diff-lines`: its lines, or its bytes / BYTES_PER_LINE."""
    if change.binary:
        return -(-max(change.old_size, change.new_size) // BYTES_PER_LINE)
    by_size = -(-abs(change.new_size - change.old_size) // BYTES_PER_LINE)
    return max(change.lines, by_size)


def refusal(git: Git, settings: Settings, start: str) -> Refusal | None:
    """Why the fix (the work tree against `start`) must not be pushed, or None."""
    workflows = [p for p in git.changed_paths(start) if p.startswith(WORKFLOWS_DIR)]
    if workflows:
        return Refusal(
            f"The fix changes workflow files ({', '.join(map(code_span, workflows))}): a "
            "GITHUB_TOKEN can never "
            "push those (it lacks the `workflows` permission). Apply the patch by hand."
        )
    changes = git.diff_files(start)
    binaries = [c for c in changes if c.binary]
    if binaries and not settings.allow_binary_changes:
        shown = ", ".join(
            f"{code_span(c.path)} ({_size(max(c.old_size, c.new_size))})"
            for c in binaries[:BINARIES_SHOWN]
        )
        more = (
            f" and {len(binaries) - BINARIES_SHOWN} more" if len(binaries) > BINARIES_SHOWN else ""
        )
        return Refusal(
            f"The fix changes {len(binaries)} binary file(s): {shown}{more}. Fixers that write "
            "binaries mostly write build artefacts or caches, so heal does not push them "
            "(the patch below leaves their bytes out). .gitignore them, or set "
            "`allow-binary-changes: true` to let them count in `max-diff-lines` by size.",
            binary=True,
        )
    lines = sum(lines_counted(c) for c in changes)
    if lines > settings.max_diff_lines:
        return Refusal(
            f"The fix changes {lines} lines, more than `max-diff-lines` ({settings.max_diff_lines})"
            f" (every {BYTES_PER_LINE} bytes of a binary file or a long line count as one): "
            "too much to push without a review. Apply the patch by hand or raise the limit.",
            binary=bool(binaries),
        )
    return None


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} bytes"
