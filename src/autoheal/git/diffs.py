"""DiffsMixin: what changed between a commit (default HEAD) and the work tree, untracked files
included, read through a throwaway index so the real one is never touched: changed_paths,
diff (patch or --stat) and diff_files with one FileChange (lines, binary, sizes) per file; and
diff_commits, the patch between two commits. A patch is always written the same way, whatever
the user's git config says (`diff.noprefix`, `diff.mnemonicPrefix`, colours, an external diff
or a textconv driver): with git's `a/` and `b/` prefixes, binary files in full, so that
`git apply` and `autoheal.git.patch` read it as it was meant."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from autoheal.git.base import _SHA_RE, _check_rev, _is_zero, _split_z
from autoheal.git.reads import ReadsMixin

#: How every patch is written (see the module's notes).
PATCH_OPTIONS = (
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--binary",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


@dataclass(frozen=True)
class FileChange:
    """One file of a work-tree diff (`Git.diff_files`)."""

    path: str
    lines: int  # added + removed; 0 for a binary file
    binary: bool
    old_size: int  # bytes; 0 when the file is new
    new_size: int  # bytes; 0 when the file is deleted


class DiffsMixin(ReadsMixin):
    """Work-tree diffs against a commit, untracked files included."""

    # ------------------------------------------------------------------ work tree diffs

    @contextmanager
    def _scratch_index(self) -> Iterator[dict[str, str]]:
        """A throwaway index holding HEAD's tree plus every work-tree change (`add -A`), so
        diffs include untracked files without touching the real index.

        It is built from the tree, not copied from the real index: copied stat data would let
        git trust a same-size edit made in the same second as the last commit (racy git) and
        miss a fixer's change. Without stat data every file is hashed.
        """
        with tempfile.TemporaryDirectory(prefix="autoheal-index-") as tmp:
            env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            if self.rev_parse("HEAD"):
                self.run("read-tree", "HEAD", env=env)
            self.run("add", "-A", env=env)
            yield env

    def _base(self, base: str | None) -> str:
        return _check_rev(base, "base") if base else "HEAD"

    def changed_paths(self, base: str | None = None) -> list[str]:
        """Paths that differ between `base` (default HEAD) and the work tree, untracked
        included, .gitignored excluded. Sorted."""
        with self._scratch_index() as env:
            out = self._out_env(
                env, "diff", "--cached", "--name-only", "-z", "--no-renames", self._base(base)
            )
        return sorted(set(_split_z(out)))

    def _out_env(self, env: Mapping[str, str], *args: str) -> str:
        if args and args[-1] != "--" and not args[-1].startswith("-"):
            args = (*args, "--")
        return self.run(*args, env=env).stdout

    def diff(self, base: str | None = None, *, stat: bool = False) -> str:
        """Patch (or --stat) from `base` (default HEAD) to the work tree, untracked included."""
        opts = ("--no-color", "--stat") if stat else PATCH_OPTIONS
        with self._scratch_index() as env:
            return self._out_env(env, "diff", "--cached", *opts, self._base(base))

    def diff_commits(self, old: str, new: str) -> str:
        """The patch from commit `old` to commit `new` (full shas)."""
        for sha in (old, new):
            if not _SHA_RE.match(sha):
                raise ValueError(f"diff_commits takes full commit shas, got {sha[:60]!r}")
        return self.run("diff", *PATCH_OPTIONS, old, new, "--").stdout

    def diff_files(self, base: str | None = None) -> list[FileChange]:
        """Every file that differs between `base` (default HEAD) and the work tree, untracked
        included: its added + removed lines, whether git sees it as binary (then it has no
        lines), and its size before and after. Sizes come from the object database
        (`cat-file --batch-check`): no file's content is read into memory."""
        with self._scratch_index() as env:
            base_rev = self._base(base)
            numstat = self._out_env(
                env, "diff", "--cached", "--numstat", "-z", "--no-renames", base_rev
            )
            raw = self._out_env(
                env, "diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev", base_rev
            )
        lines: dict[str, tuple[int, bool]] = {}
        for entry in _split_z(numstat):
            added, removed, path = entry.split("\t", 2)
            binary = added == "-"
            lines[path] = (0 if binary else int(added) + int(removed), binary)
        blobs: dict[str, tuple[str, str]] = {}
        fields = _split_z(raw)
        for head, path in zip(fields[0::2], fields[1::2], strict=False):
            _, _, old, new, _ = head.lstrip(":").split(" ", 4)
            blobs[path] = (old, new)
        sizes = self._blob_sizes({sha for pair in blobs.values() for sha in pair})
        return [
            FileChange(
                path=path,
                lines=count,
                binary=binary,
                old_size=sizes.get(blobs.get(path, ("", ""))[0], 0),
                new_size=sizes.get(blobs.get(path, ("", ""))[1], 0),
            )
            for path, (count, binary) in sorted(lines.items())
        ]

    def _blob_sizes(self, shas: set[str]) -> dict[str, int]:
        wanted = sorted(sha for sha in shas if _SHA_RE.match(sha) and not _is_zero(sha))
        if not wanted:
            return {}
        out = self.run(
            "cat-file", "--batch-check=%(objectname) %(objectsize)", input="\n".join(wanted) + "\n"
        ).stdout
        sizes: dict[str, int] = {}
        for line in out.splitlines():
            sha, _, size = line.partition(" ")
            if size.isdigit():
                sizes[sha] = int(size)
        return sizes
