"""RevertsMixin: `revert` makes one commit that undoes another (merges with a mainline; on
conflict aborted, tree left as it was) and `verify_revert` proves a commit exactly undoes
another before anything is pushed."""

from __future__ import annotations

from pathlib import Path

from autoheal.git.base import _check_rev, _split_z, _trim
from autoheal.git.errors import GitError, RevertConflict
from autoheal.git.reads import ReadsMixin


class RevertsMixin(ReadsMixin):
    """Reverts, and the check that a revert is exact."""

    def _git_path_exists(self, name: str) -> bool:
        p = Path(self._out("rev-parse", "--git-path", name).strip())
        return (p if p.is_absolute() else self.path / p).exists()

    def revert(
        self,
        sha: str,
        *,
        mainline: int | None = None,
        trailer: str | None = None,
        author_name: str | None = None,
        author_email: str | None = None,
    ) -> str:
        """Revert `sha` on top of HEAD as one new commit; returns its sha.

        The message is git's standard one plus `trailer` (e.g. "Autoheal-Revert-Of: <sha>").
        A merge needs `mainline` (1 = the branch it was merged into). On conflict the revert
        is aborted and RevertConflict lists the paths; the tree is left as it was.
        """
        _check_rev(sha, "sha")
        if not self.is_clean():
            raise GitError(
                f"cannot revert {sha}: the work tree has uncommitted changes",
                fix="Commit or discard the changes before reverting.",
            )
        self.ensure_commit(sha, with_parents=True)
        parents = self.parents(sha)
        if len(parents) > 1 and mainline is None:
            raise GitError(
                f"{sha} is a merge commit: say which parent is the mainline",
                fix="Pass mainline=1 to undo what the merge brought into the branch.",
            )
        if mainline is not None and not 1 <= mainline <= len(parents):
            raise GitError(
                f"mainline {mainline} is invalid for {sha}, which has {len(parents)} parent(s)",
                fix="Use mainline only for merge commits, and 1 for the branch merged into.",
            )
        if len(parents) == 1:
            mainline = None  # git refuses -m for a non-merge
        ident = self._identity_env(author_name, author_email)
        args = ["revert", "--no-edit", "--no-gpg-sign"]
        if mainline is not None:
            args += ["-m", str(mainline)]
        args.append(sha)
        before = self.head_sha()
        proc = self.run(*args, check=False, env=ident)
        if proc.returncode != 0:
            paths = self._conflicted_paths()
            if self._git_path_exists("REVERT_HEAD") or self._git_path_exists("sequencer"):
                self.run("revert", "--abort", check=False)
            if self.head_sha() != before or not self.is_clean():
                self.run("reset", "--hard", "--quiet", before)  # tree was clean before we began
            if paths:
                raise RevertConflict(
                    f"reverting {sha} conflicts with later changes in: {', '.join(paths)}",
                    paths=paths,
                    fix="Revert it by hand, or revert the later commits that touched these paths"
                    " first.",
                    stderr=self.redact(_trim(proc.stderr + proc.stdout)),
                )
            raise self._error(
                tuple(args), proc, message=f"reverting {sha} failed (was it already reverted?)"
            )
        subject = self.subject(sha)
        body = f'Revert "{subject}"\n\nThis reverts commit {sha}'
        if mainline is not None:
            body += f", reversing\nchanges made to {parents[mainline - 1]}"
        body += ".\n"
        if trailer:
            body += f"\n{trailer.strip()}\n"
        self.run(
            "commit",
            "--amend",
            "--quiet",
            "--no-verify",
            "--no-gpg-sign",
            "--cleanup=whitespace",
            "-F",
            "-",
            input=body,
            env=ident,
        )
        return self.head_sha()

    def _normalized_patch(self, a: str, b: str) -> str:
        """Diff a→b reduced to what it changes: no line numbers, context or blob ids, so a
        revert of an older commit (lines shifted by later commits) still compares equal."""
        out = self._out(
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--binary",
            "--full-index",
            "-U0",
            "--diff-algorithm=myers",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--end-of-options",
            a,
            b,
            "--",
        )
        keep = [ln for ln in out.splitlines() if not ln.startswith(("@@", "index "))]
        return "\n".join(keep)

    def verify_revert(
        self, revert_sha: str, original_sha: str, mainline: int | None = None
    ) -> None:
        """Raise GitError unless `revert_sha` exactly undoes `original_sha` (against its
        `mainline` parent, default 1): same paths, inverse changes, nothing else."""
        self.ensure_commit(original_sha, with_parents=True)
        self.ensure_commit(revert_sha, with_parents=True)
        orig_parents = self.parents(original_sha)
        index = (mainline or 1) - 1
        if not orig_parents or index >= len(orig_parents):
            raise GitError(f"{original_sha} has no parent {index + 1} to compare with")
        rev_parents = self.parents(revert_sha)
        if len(rev_parents) != 1:
            raise GitError(f"{revert_sha} is not a plain commit, so it is not a revert")
        forward = self._normalized_patch(orig_parents[index], original_sha)
        undone = self._normalized_patch(revert_sha, rev_parents[0])
        if forward != undone:
            a = set(self._diff_names(orig_parents[index], original_sha))
            b = set(self._diff_names(rev_parents[0], revert_sha))
            if a != b:
                detail = f"paths only in the revert: {sorted(b - a)}; only in the original: "
                detail += str(sorted(a - b))
            else:
                detail = "the same paths change, but not inversely (a later commit changed "
                detail += "the same lines)"
            raise GitError(
                f"{revert_sha} does not exactly undo {original_sha}: {detail}. Nothing was pushed.",
                fix="Revert it by hand, resolving the overlap with the later commits, or fix "
                "forward.",
            )

    def _diff_names(self, a: str, b: str) -> list[str]:
        return _split_z(self._out("diff", "--name-only", "-z", "--no-renames", a, b, "--"))
