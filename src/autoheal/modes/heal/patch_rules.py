"""What heal refuses to apply from a patch artifact, judged twice.

`refusals` reads the patch as data, with heal's own rules for its fixes (limits.py): no
workflow file, binary files only when allowed, at most `max-diff-lines` counted the same way;
and what only a hostile patch does: a path outside the tree, a symbolic link or a submodule.
A rename or copy is judged by both of its names.

`tree_refusals` then reads what `git apply` really made of it (the changed paths of the new
commit, their modes and blobs): exactly the patch's files, no link or submodule even where the
patch did not say so (a hunk on an existing link), and the contents the patch was made against
(its `index` lines), so a patch made for another commit is refused even when its hunks would
apply at an offset.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from autoheal.git import FileChange
from autoheal.git.patch import FilePatch
from autoheal.markdown import code_span
from autoheal.modes.heal.limits import (
    BINARIES_SHOWN,
    BYTES_PER_LINE,
    WORKFLOWS_DIR,
    _size,
    lines_counted,
)

if TYPE_CHECKING:
    from autoheal.git.apply import TreeChange

SPECIAL_MODES = {"120000": "a symbolic link", "160000": "a submodule"}
SHOWN = 5


def path_problem(path: str) -> str:
    """Why `path` is not a plain path among the repository's tracked files, or ""."""
    if not path:
        return "is empty"
    if path.startswith("/"):
        return "is absolute"
    if re.search(r"[\x00-\x1f\x7f]", path):
        return "holds a control character"
    parts = path.split("/")
    if "" in parts or "." in parts:
        return "has an empty or `.` component"
    if ".." in parts:
        return "climbs out with `..`"
    if any(p.lower() == ".git" for p in parts):
        return "is inside `.git`"
    return ""


def refusals(patches: Sequence[FilePatch], *, max_diff_lines: int, allow_binary: bool) -> list[str]:
    """Why the patch must not be applied ([] when nothing stands in the way)."""
    found: list[str] = []
    paths = sorted({path for p in patches for path in p.paths})
    workflows = [path for path in paths if _is_workflow(path)]
    if workflows:
        found.append(
            f"The patch changes workflow files ({_listed(workflows)}, renames and copies "
            "counted by both names): a GITHUB_TOKEN can never push those (it lacks the "
            "`workflows` permission), and a pull request's run must not change what the "
            "privileged workflows run. Apply the patch by hand after reading it."
        )
    outside = [f"{code_span(path)} {why}" for path in paths if (why := path_problem(path))]
    if outside:
        found.append(
            f"The patch writes outside the repository's files: {_listed(outside, code=False)}."
            " Fixers only change files of the checkout, so this patch was not made by heal."
        )
    special = sorted(
        {
            f"{code_span(p.path)} ({SPECIAL_MODES[m]})"
            for p in patches
            for m in p.modes
            if m in SPECIAL_MODES
        }
    )
    if special:
        found.append(
            "The patch makes or changes a symbolic link or submodule: "
            f"{_listed(special, code=False)}. Fixers do not write those, and a link can "
            "point anywhere: apply it by hand."
        )
    found += _binary_refusals(patches, allow_binary)
    lines = sum(lines_counted(_as_change(p)) for p in patches)
    if lines > max_diff_lines:
        found.append(
            f"The patch changes {lines} lines, more than `max-diff-lines` ({max_diff_lines})"
            f" (every {BYTES_PER_LINE} bytes of a binary file or a long line count as one): "
            "too much to apply without a review. Apply the patch by hand or raise the limit."
        )
    return found


def _binary_refusals(patches: Sequence[FilePatch], allow_binary: bool) -> list[str]:
    found: list[str] = []
    without = [p.path for p in patches if p.binary and not p.binary_data]
    if without:
        found.append(
            f"The patch names binary files without their content ({_listed(without)}: "
            "`Binary files ... differ`), so it cannot be applied as it is: heal writes binary "
            "changes in full."
        )
    binaries = [p for p in patches if p.binary and p.binary_data]
    if binaries and not allow_binary:
        shown = ", ".join(
            f"{code_span(p.path)} ({_size(max(p.old_size, p.new_size))})"
            for p in binaries[:BINARIES_SHOWN]
        )
        more = (
            f" and {len(binaries) - BINARIES_SHOWN} more" if len(binaries) > BINARIES_SHOWN else ""
        )
        found.append(
            f"The patch changes {len(binaries)} binary file(s): {shown}{more}. Fixers that "
            "write binaries mostly write build artefacts or caches, so heal does not apply "
            "them. .gitignore them, or set `allow-binary-changes: true` to let them count in "
            "`max-diff-lines` by size."
        )
    return found


def tree_refusals(patches: Sequence[FilePatch], changes: Sequence[TreeChange]) -> list[str]:
    """Why the commit made from the patch (`changes`: its paths that differ from the
    head) must not be used ([] when it is what the patch says)."""
    found: list[str] = []
    by_path = {c.path: c for c in changes}
    expected: set[str] = set()
    for p in patches:
        expected |= {p.new_path} if p.copy and p.new_path else set(p.paths)
    if set(by_path) != expected:
        odd = sorted(set(by_path) ^ expected)
        found.append(
            f"Applied, the patch changes other files than it names ({_listed(odd)}): git read "
            "it differently from heal, so it is not applied."
        )
    special = sorted(
        c.path
        for c in changes
        if c.old_mode in SPECIAL_MODES or c.new_mode in SPECIAL_MODES or _is_workflow(c.path)
    )
    if special:
        found.append(
            f"Applied, the patch changes a symbolic link, submodule or workflow file "
            f"({_listed(special)}): heal does not apply those. Apply the patch by hand."
        )
    stale = [p.path for p in patches if not _same_contents(p, by_path)]
    if stale:
        found.append(
            f"The patch was made against other contents of {_listed(stale)} than the commit "
            "it was applied to (its `index` lines say so): it was made for another commit. "
            "Make it again from the pull request's current head."
        )
    return found


def _same_contents(patch: FilePatch, by_path: dict[str, TreeChange]) -> bool:
    """The patch's `index` line names the blobs the commit has before and after. A change of
    contents without an `index` line cannot be checked, so it does not pass."""
    content = patch.added or patch.deleted or patch.binary
    if not (patch.old_blob and patch.new_blob):
        return not content
    old = by_path.get(patch.old_path or "") if not patch.copy else None
    new = by_path.get(patch.new_path or "")
    if old is not None and not old.old_blob.startswith(patch.old_blob):
        return False
    return new is None or new.new_blob.startswith(patch.new_blob)


def _as_change(patch: FilePatch) -> FileChange:
    """The patch's share of `max-diff-lines`, as limits.py counts a work-tree change. For a
    text file only the change in size matters there: the added and removed bytes give it."""
    if patch.binary:
        return FileChange(patch.path, 0, True, patch.old_size, patch.new_size)
    return FileChange(
        patch.path, patch.added + patch.deleted, False, patch.deleted_bytes, patch.added_bytes
    )


def _is_workflow(path: str) -> bool:
    low = path.lower() + "/"
    return low.startswith(WORKFLOWS_DIR)


def _listed(items: Sequence[str], *, code: bool = True) -> str:
    shown = [code_span(i) if code else i for i in items[:SHOWN]]
    more = f" and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return ", ".join(shown) + more
