"""What to revert: the branch's tip, the push's commits (first parent, before..after) and
the targets among them: the whole push (`strategy: range`) or the culprit found by bisecting
(`culprit`, or `auto` when there are critical checks to bisect with), with the heal commits that
changed the same files (companions).

Bisect checks each commit out in the job's own checkout, where the workflow installed the
project's tools and packages (autoheal.git.checkout), and puts it back on its branch after each
step; the scratch work tree (`reverts`) only makes and pushes commits, and runs no check.
The binary search itself is `bisect.first_bad`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TypeVar

from autoheal import markers
from autoheal.checks import Check, CheckResult, run_checks
from autoheal.errors import AutohealError
from autoheal.git import CommitMissing
from autoheal.git.checkout import detached_at
from autoheal.markdown import code_span
from autoheal.modes.common import echo_failures, plan_checks
from autoheal.modes.rollback.base import Target
from autoheal.modes.rollback.bisect import first_bad
from autoheal.modes.rollback.guardrails import GuardrailsMixin
from autoheal.modes.rollback.source import Source
from autoheal.modes.rollback.summary import SKIPPED, Guard, Stop

T = TypeVar("T")


class CulpritMixin(GuardrailsMixin):
    """Built on the guardrails: the companions it finds are guarded like any target."""

    def branch_tip(self, branch: str) -> str:
        """Locally: the checked-out branch's HEAD. In Actions: the remote tip, freshly fetched
        (the checkout may be detached at an older commit)."""
        if self.settings.local:
            current = self.git.current_branch()
            if current != branch:
                raise Stop(
                    SKIPPED,
                    f"The working directory is on {code_span(current or 'a detached HEAD')}, not "
                    f"on {code_span(branch)}, the branch to roll back.",
                    fix=f"Run {code_span(f'git switch {branch}')} first (local runs revert the "
                    "current branch).",
                )
            return self.git.head_sha()
        # --refmap= keeps remote-tracking refs untouched: a dry run changes no ref at all.
        self.git.run(
            "fetch", "--no-tags", "--quiet", "--refmap=", "--", "origin", f"refs/heads/{branch}"
        )
        tip = self.git.rev_parse("FETCH_HEAD")
        if tip is None:
            raise AutohealError(f"Could not read the tip of {code_span(branch)} from the remote.")
        return tip

    def push_commits(self, source: Source, tip: str) -> list[str]:
        try:
            commits = self.git.first_parent_range(source.before, source.after)
        except CommitMissing as exc:
            given = (source.after, source.before)
            gone = [sha for sha in given if sha and not self.git.commit_exists(sha)]
            missing = (gone or [source.after])[0][:12]
            self.summary.guards.append(Guard("commit exists", missing, "refuse"))
            raise Stop(
                SKIPPED,
                f"Nothing can be reverted: {exc.message}.",
                fix="Check `before`/`after` (or the event); if the branch was force-pushed, "
                "validate and roll back its new tip instead.",
            ) from exc
        self.summary.guards.append(Guard("commit exists", source.after[:12], "pass"))
        if source.before and not self.git.is_ancestor(source.before, source.after):
            self.report.warning(
                f"The push was forced: {source.before[:12]} is not an ancestor of "
                f"{source.after[:12]}. Only the commits of {source.after[:12]} that "
                f"{source.before[:12]} lacks are candidates."
            )
            self.summary.facts.append("Forced push: candidates are the commits `before` lacks")
        if not commits:
            raise Stop(
                SKIPPED,
                f"The push {source.before}..{source.after} brought no commits: nothing to revert.",
                fix="Check the `before` and `after` inputs (or the event).",
            )
        if not self.git.is_ancestor(source.after, tip):
            self.summary.guards.append(Guard("on the branch", source.after[:12], "refuse"))
            raise Stop(
                SKIPPED,
                f"{source.after} is not on {code_span(source.branch)} (not an ancestor of its tip "
                f"{tip[:12]}): it was force-pushed away or belongs to another branch.",
                fix="Roll back on the branch that holds the commit, or pass the right `after`.",
            )
        return commits

    def choose_targets(self, commits: list[str], source: Source) -> list[Target]:
        """Newest first. `culprit` bisects; `range` takes the whole push; `auto` bisects when
        there are checks to bisect with, even for one commit: the commit before it must pass,
        so an older breakage is never blamed on the push."""
        strategy = self.settings.strategy
        if strategy == "range":
            self.summary.facts.append(f"Strategy: range ({strategy})")
            return self.whole_push(commits)
        culprit = self.bisect(commits, source.after, required=strategy == "culprit")
        if culprit is None:  # auto without checks for the critical categories
            self.summary.facts.append("Strategy: range (auto: no critical checks to bisect with)")
            return self.whole_push(commits)
        self.summary.facts.append(f"Strategy: culprit ({strategy})")
        self.report.output("culprit-sha", culprit)
        return [self.target(culprit)]

    def whole_push(self, commits: list[str]) -> list[Target]:
        """The push's own commits, newest first. Its heal commits come along only as
        companions; a push of nothing but heal commits is kept whole, for the guardrails to
        refuse."""
        own = [sha for sha in commits if markers.HEAL_TRAILER not in self.git.trailers(sha)]
        return [self.target(sha) for sha in reversed(own or commits)]

    def with_companions(self, targets: list[Target], tip: str) -> list[Target]:
        """The targets and their companions (guarded like any target), newest first, so that
        every revert applies to the tree its commit made and can be verified as exact."""
        line = self.git.run(
            "rev-list", "--first-parent", "--end-of-options", f"{targets[-1].sha}..{tip}", "--"
        ).stdout.split()  # newest first, down to just after the earliest target
        found = self.target_guards(self.companions(targets, line), tip)
        rank = {sha: i for i, sha in enumerate(line)}
        return sorted(found + targets, key=lambda t: rank.get(t.sha, len(line)))

    def companions(self, targets: list[Target], line: list[str]) -> list[Target]:
        """Heal commits on `line` that change a path a target changes: made on top of the
        culprit to fix it (e.g. reformatting its lines), they must be undone with it, or its
        revert conflicts. Heal commits that touch other paths fixed something else: they stay."""
        paths = set().union(*(self.paths_of(t.sha) for t in targets))
        chosen = {t.sha for t in targets}
        found = []
        for sha in line:
            if sha in chosen:
                continue
            trailers = self.git.trailers(sha)
            if markers.HEAL_TRAILER not in trailers:
                continue
            if markers.is_revert(trailers, self.git.message(sha)):
                continue
            if self.paths_of(sha) & paths:
                found.append(replace(self.target(sha), companion=True))
        return found

    def paths_of(self, sha: str) -> set[str]:
        """The paths `sha` changes against its first parent (a merge: what it brought in)."""
        base = self.git.parents(sha)[:1]
        out = self.git.run(
            "diff-tree", "-r", "-z", "--name-only", "--no-commit-id", "--no-renames", "--root",
            *base, sha, "--",
        ).stdout  # fmt: skip
        return {path for path in out.split("\0") if path}

    def target(self, sha: str) -> Target:
        self.git.ensure_commit(sha, with_parents=True)  # shallow clones: parents must be real
        mainline = 1 if self.git.is_merge(sha) else None
        return Target(sha, self.git.subject(sha), mainline)

    # ------------------------------------------------------------------ bisect

    def bisect(self, commits: list[str], after: str, *, required: bool) -> str | None:
        critical = self.settings.critical_categories
        failing = self.at_commit(after, lambda: self.failing_at_after(critical))
        if failing is None:
            if required:
                raise Stop(
                    SKIPPED,
                    f"No checks in the critical categories ({', '.join(critical)}): nothing to "
                    "bisect with.",
                    fix="Set `test-command`/`build-command`, or use `strategy: range`.",
                )
            return None
        if not failing:
            raise Stop(
                SKIPPED,
                f"The critical checks pass at {after[:12]}: the breakage does not reproduce, "
                "so nothing is proven bad and nothing was reverted.",
                fix="Look for flakiness or environment differences; re-run validate, or use "
                "`strategy: range` to revert the whole push anyway.",
            )
        self.summary.failing = failing
        echo_failures(self.report, failing)
        self.record_step(after, "❌ fail (end of the push)")
        bad = [r.check for r in failing]
        parents = self.git.parents(commits[0])
        if not parents:
            raise Stop(SKIPPED, f"{commits[0]} is a root commit: there is nothing to revert to.")
        self.git.ensure_commit(commits[0], with_parents=True)
        baseline = parents[0]
        # `before` first: if it is already bad the breakage predates the push.
        result = first_bad([baseline, *commits], lambda sha: self.is_bad(sha, bad))
        if result.index == 0:
            raise Stop(
                SKIPPED,
                f"The branch was already broken at {baseline[:12]}, before this push: the "
                "failing checks fail there too, so the culprit is older and nothing was "
                "reverted.",
                fix="Find the older culprit (e.g. `git bisect`), then re-run with its range.",
            )
        return result.sha

    def failing_at_after(self, critical: Sequence[str]) -> list[CheckResult] | None:
        checks = [c for c in plan_checks(self.settings).checks if c.category in critical]
        if not checks:
            return None
        self.summary.check_runs += 1
        results = run_checks(checks, self.settings.max_parallel or None)
        return [r for r in results if not r.passed]

    def is_bad(self, sha: str, checks: list[Check]) -> bool:
        def run() -> bool:
            return not all(r.passed for r in run_checks(checks, self.settings.max_parallel or None))

        self.summary.check_runs += 1
        bad = self.at_commit(sha, run)
        self.record_step(sha, "❌ fail" if bad else "✅ pass")
        return bad

    def record_step(self, sha: str, result: str) -> None:
        self.report.info(f"bisect: {sha[:12]} {result}")
        self.summary.steps.append((sha, self.git.subject(sha), result))

    def at_commit(self, sha: str, work: Callable[[], T]) -> T:
        """`work()` with `sha` checked out in the job's checkout, where its tools and packages
        are installed: the checks see what heal and validate see. The checkout goes back to
        its branch afterwards, however `work` ends."""
        with detached_at(self.git, sha, doing="roll back") as start:
            self.report.debug(f"checked out {sha} in the checkout; back to {start} afterwards")
            return work()


def companion_note(targets: list[Target]) -> str:
    """Why heal commits are in the revert, or "" when none are."""
    heals = ", ".join(f"`{t.sha[:12]}`" for t in targets if t.companion)
    if not heals:
        return ""
    return (
        f"Heal commit(s) {heals} reverted with the culprit: made on top of it, they changed the "
        "same files (typically reformatting its lines), so they are undone first and the "
        "culprit's revert stays exact. The branch returns to its state before the culprit."
    )
