"""Making the revert commits: in a scratch work tree of the branch's tip under RUNNER_TEMP,
each target reverted (newest first) and verified exact, all or nothing. A dry run rehearses them
there and throws them away; after a rebase onto a moved branch they are verified again."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from autoheal import markers
from autoheal.errors import AutohealError
from autoheal.git import Git, RevertConflict
from autoheal.modes.rollback.base import RollbackBase, Target
from autoheal.modes.rollback.summary import SKIPPED, Stop


class RevertsMixin(RollbackBase):
    @contextmanager
    def worktree(self, sha: str) -> Iterator[Git]:
        """A scratch detached work tree of `sha` under RUNNER_TEMP, removed afterwards: where
        the reverts are made and pushed from. No check runs there (see `at_commit`)."""
        holder = Path(tempfile.mkdtemp(prefix=f"autoheal-{sha[:12]}-", dir=self.temp_root))
        path = holder / "tree"
        tree = self.git.worktree_add(path, sha)
        try:
            yield tree
        finally:
            self.git.worktree_remove(path)
            shutil.rmtree(holder, ignore_errors=True)

    def rehearse(self, tip: str, targets: list[Target]) -> None:
        """Dry run: make and verify the reverts in a scratch work tree, then throw it away, so
        the plan, its diff stat and any conflict are exactly what a real run would meet."""

        def would_conflict(t: Target, exc: RevertConflict) -> NoReturn:
            raise Stop(
                SKIPPED,
                f"Dry run: reverting {t.sha[:12]} would conflict with later changes in "
                f"{', '.join(exc.paths)}; a real run would stop there, report it and push "
                "nothing. Nothing was changed.",
                fix="Revert it by hand (resolve the conflict), or fix forward.",
                code=0,
            )

        with self.worktree(tip) as tree:
            self.make_reverts(tree, tip, targets, would_conflict)

    def make_reverts(
        self,
        tree: Git,
        tip: str,
        targets: list[Target],
        on_conflict: Callable[[Target, RevertConflict], NoReturn],
    ) -> list[str]:
        """Revert every target on top of `tip` in `tree`, verifying each: all or nothing."""
        reverts: list[str] = []
        oldest = targets[-1].sha  # its revert is the one the daily cap counts
        for t in targets:
            trailer = f"{markers.REVERT_TRAILER}: {t.sha}"
            if t.sha != oldest:
                trailer += f"\n{markers.REVERTED_WITH_TRAILER}: {oldest}"
            try:
                sha = tree.revert(
                    t.sha,
                    mainline=t.mainline,
                    trailer=trailer,
                    author_name=self.settings.author_name,
                    author_email=self.settings.author_email,
                )
                tree.verify_revert(sha, t.sha, t.mainline)
            except RevertConflict as exc:
                self.undo(tree, tip)
                on_conflict(t, exc)
            except AutohealError:
                self.undo(tree, tip)
                raise
            reverts.append(sha)
            self.report.info(f"reverted {t.sha[:12]} as {sha[:12]} (verified)")
        self.summary.diffstat = tree.run("diff", "--stat", "--no-color", tip, "HEAD").stdout
        return reverts

    def undo(self, tree: Git, tip: str) -> None:
        """All or nothing: drop the reverts already made (only ours; the tree was clean)."""
        if tree.head_sha() != tip:
            tree.run("reset", "--hard", "--quiet", tip)

    def reverify(self, tree: Git, head: str, targets: list[Target]) -> None:
        """After a rebase onto a moved branch the revert commits are new: check them again."""
        shas = tree.run(
            "rev-list", "--first-parent", f"--max-count={len(targets)}", "--end-of-options",
            head, "--",
        ).stdout.split()  # fmt: skip
        for revert_sha, t in zip(reversed(shas), targets, strict=True):
            if tree.trailers(revert_sha).get(markers.REVERT_TRAILER) != t.sha:
                raise AutohealError(f"After rebasing, {revert_sha} is not the revert of {t.sha}.")
            tree.verify_revert(revert_sha, t.sha, t.mainline)
