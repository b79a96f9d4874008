"""The refusals: nothing is reverted on a merge queue's branch, from a dirty checkout, past
`max-rollbacks-per-day`, or when a target is ours (a revert or a heal commit), opted out
(`Autoheal-No-Rollback: true`), older than `max-age-hours` or not on the branch. Targets already
reverted are dropped. Every verdict is a row of the summary's guardrails table."""

from __future__ import annotations

from autoheal import markers
from autoheal.context import is_queue_branch
from autoheal.markdown import code_span
from autoheal.modes.rollback.base import RollbackBase, Target
from autoheal.modes.rollback.summary import SKIPPED, Guard, Stop

DAY = 24 * 3600


class GuardrailsMixin(RollbackBase):
    def refuse_queue(self, branch: str | None) -> None:
        """Never revert on a merge queue's branch: GitHub made it to test a merge and deletes
        it; a failing group leaves the queue by itself."""
        if not is_queue_branch(branch):
            return
        raise Stop(
            SKIPPED,
            f"Refusing to roll back in a merge queue: {code_span(str(branch))} is a merge "
            "queue's branch, which GitHub makes to test a merge and deletes afterwards; a revert "
            "there would never be merged. Nothing was reverted.",
            fix="A failing merge group leaves the queue by itself: fix the pull request's "
            "branch. Roll back the base branch after a bad merge, from the workflow that "
            "validates it (`repository_dispatch` or `push`), not from `merge_group`.",
        )

    def global_guards(self, branch: str, tip: str) -> None:
        guards = self.summary.guards
        dirty = self.git.status_lines()
        guards.append(
            Guard(
                "clean working tree",
                f"{len(dirty)} change(s)" if dirty else "clean",
                "refuse" if dirty else "pass",
            )
        )
        if dirty:
            raise Stop(
                SKIPPED,
                f"The working tree of {self.settings.working_directory} has uncommitted "
                f"changes ({', '.join(line[3:] for line in dirty[:5])}).",
                fix="Run rollback right after actions/checkout, the steps that install the "
                "project's tools, and validate; commit, stash or .gitignore what earlier steps "
                "wrote.",
            )
        done = self.rollbacks_today(tip)
        cap = self.settings.max_rollbacks_per_day
        guards.append(
            Guard(
                "rollbacks in the last 24 h",
                f"{done} of max {cap}",
                "refuse" if done >= cap else "pass",
            )
        )
        if done >= cap:
            raise Stop(
                SKIPPED,
                f"{code_span(branch)} already had {done} automatic rollback(s) in the last 24 "
                f"hours (max-rollbacks-per-day: {cap}).",
                fix="Something keeps breaking the branch: a person should fix it now. Raise "
                "`max-rollbacks-per-day` only if automatic reverts are really wanted.",
            )

    def rollbacks_today(self, tip: str) -> int:
        """Revert commits of the last 24 h, one per rollback: the other reverts of a rollback
        (its companions, the rest of a range) carry the reverted-with trailer."""
        since = int(self.now) - DAY
        self.deepen_since(tip, since)
        fields = (markers.REVERT_TRAILER, markers.REVERTED_WITH_TRAILER)
        out = self.git.run(
            "log",
            f"--since=@{since} +0000",
            "--format=" + "%x1f".join(f"%(trailers:key={k},valueonly)" for k in fields) + "%x1e",
            "--end-of-options",
            tip,
            "--",
        ).stdout
        entries = [entry.strip().split("\x1f") for entry in out.split("\x1e") if entry.strip()]
        return sum(1 for e in entries if e[0].strip() and not "".join(e[1:]).strip())

    def deepen_since(self, tip: str, since: int) -> None:
        """A shallow clone sees only part of the day: deepen until its oldest commit is older."""
        for depth in (16, 64, 256, 1024):
            if not self.git.is_shallow():
                return
            present = self.git.run("rev-list", "--end-of-options", tip, "--").stdout.split()
            if present and self.git.commit_time(present[-1]) < since:
                return
            self.git.run(
                "fetch", "--no-tags", "--quiet", f"--deepen={depth}", "--refmap=", "--",
                "origin", tip, check=False,
            )  # fmt: skip

    def target_guards(self, targets: list[Target], tip: str) -> list[Target]:
        """Refuse the whole rollback when any target fails a guard; drop targets that were
        already reverted (nothing to do for them)."""
        keep: list[Target] = []
        refusals: list[str] = []
        max_age = self.settings.max_age_hours
        for t in targets:
            short = t.sha[:12]
            trailers = self.git.trailers(t.sha)
            message = self.git.message(t.sha)
            ours = markers.is_ours(trailers) or markers.is_revert(trailers, message)
            age_h = (self.now - self.git.commit_time(t.sha)) / 3600
            on_branch = self.git.is_ancestor(t.sha, tip)
            reverted_by = self.reverted_by(t.sha, tip) if on_branch else None
            opted_out = markers.opted_out(trailers)
            kind = (
                ("heal commit reverted with its culprit", short, True)
                if t.companion  # never a revert: companions() leaves those out
                else ("not a revert or heal commit", short, not ours)
            )
            checks = [
                kind,
                (f"no `{markers.NO_ROLLBACK_TRAILER}: true`", short, not opted_out),
                (f"age ≤ {max_age} h", f"{short}: {age_h:.1f} h", age_h <= max_age),
                ("on the branch", short, on_branch),
            ]  # fmt: skip
            for name, value, ok in checks:
                self.summary.guards.append(Guard(name, value, "pass" if ok else "refuse"))
                if not ok:
                    refusals.append(f"{short} fails “{name}”")
            if reverted_by:
                self.summary.guards.append(
                    Guard("not already reverted", f"{short} by {reverted_by[:12]}", "skip")
                )
            else:
                keep.append(t)
        if refusals:
            raise Stop(
                SKIPPED,
                "Refused by the guardrails: " + "; ".join(refusals) + ". Nothing was reverted.",
                fix="Revert by hand if it must go, or fix forward.",
            )
        return keep

    def reverted_by(self, sha: str, tip: str) -> str | None:
        """A later commit on the branch that reverts `sha` (and is not itself reverted)."""
        for later, message in self.log_messages(sha, tip):
            reverts = f"{markers.REVERT_TRAILER}: {sha}" in message
            reverts = reverts or f"This reverts commit {sha}" in message
            if reverts and self.reverted_by(later, tip) is None:
                return later
        return None

    def log_messages(self, since_sha: str, tip: str) -> list[tuple[str, str]]:
        out = self.git.run(
            "log", "--format=%H%x00%B%x1e", "--end-of-options", f"{since_sha}..{tip}", "--"
        ).stdout
        entries = []
        for entry in out.split("\x1e"):
            sha, _, message = entry.strip().partition("\x00")
            if sha:
                entries.append((sha, message))
        return entries
