"""rollback mode: revert what a failing push broke, only adding commits, never losing work.

The flow: decide (validate said so, not a dry run) → find the push's commits → guardrails (a
clean checkout first) → pick the targets (bisect for the culprit, or the whole range) → revert
on top of the remote tip in a scratch work tree → verify each revert → push fast-forward (or
open a revert pull request) → stop the line (fail the step, open or update an issue).

Bisect checks each commit out in the job's own checkout, where the workflow installed the
project's tools and packages (autoheal.git.checkout), and puts it back on its branch after each
step; the scratch work tree only makes and pushes commits, and runs no check.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, TypeVar

from autoheal import markers
from autoheal.checks import Check, CheckResult, run_checks
from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.git import CommitMissing, Git, PushRejected, RebaseConflict, RevertConflict
from autoheal.git.checkout import detached_at
from autoheal.github import github_client
from autoheal.markdown import code_span, link, markdown_text, title_text
from autoheal.modes.common import echo_failures, plan_checks, refuse_fork_code, results_table
from autoheal.modes.rollback.base import RollbackBase, Target
from autoheal.modes.rollback.bisect import first_bad
from autoheal.modes.rollback.guardrails import GuardrailsMixin
from autoheal.modes.rollback.source import Source, resolve_source
from autoheal.modes.rollback.summary import FAILED, SKIPPED, Guard, Stop, Summary
from autoheal.publish import branch_rules, commit_via
from autoheal.publish.ci_dispatch import exit_code, start_ci
from autoheal.publish.own_branch import push_own_branch
from autoheal.report import Report
from autoheal.scoring import ROLLBACK_EXECUTED
from autoheal.settings import Settings

#: A GitHub login, as the API answers it: anything else is not mentioned.
LOGIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")
T = TypeVar("T")


def run(settings: Settings, ctx: Context, report: Report) -> int:
    report.output("rolled-back", False)
    refuse_fork_code(
        ctx,
        "roll back",
        fix="Roll back from the workflow that validate runs in (repository_dispatch), on "
        "this repository's own branch.",
    )
    summary = Summary()
    try:
        return Rollback(settings, ctx, report, summary).run()
    except Stop as stop:
        summary.status = stop.status
        report.output("status", stop.status)
        if stop.fix:
            summary.next_steps.insert(0, markdown_text(stop.fix))
        text = f"{stop.message} {stop.fix}".strip()
        if stop.code:
            report.error(text, title="Rollback")
        else:
            report.notice(text, title="Rollback")
        # A stop's message can quote an error of git or the API besides the names it quotes.
        summary.facts.insert(0, f"**{stop.status}:** {markdown_text(stop.message)}")
        return stop.code
    except AutohealError:
        summary.status = FAILED
        report.output("status", FAILED)
        raise
    finally:
        report.section(summary.markdown())


class Rollback(GuardrailsMixin, RollbackBase):
    def run(self) -> int:
        if not self.settings.rollback_required:
            raise Stop(
                SKIPPED,
                "Rollback not required: validate did not ask for it (`rollback-required` is "
                "not true).",
                code=0,
            )
        self.refuse_queue(self.ctx.branch)  # before reading what to revert: the event says
        source = resolve_source(self.settings, self.ctx, self.git)
        self.refuse_queue(source.branch)
        tip = self.branch_tip(source.branch)
        facts = self.summary.facts
        facts.append(f"Branch: {code_span(source.branch)} at `{tip[:12]}`")
        commits = self.push_commits(source, tip)
        facts.append(
            f"Push ({source.origin}): "
            + code_span(f"{(source.before or 'new branch')[:12]}..{source.after[:12]}")
            + f", {len(commits)} commit(s) on the first-parent line"
        )
        self.global_guards(source.branch, tip)
        targets = self.target_guards(self.choose_targets(commits, source), tip)
        if not targets:
            raise Stop(SKIPPED, "Already reverted: nothing left to revert.", code=0)
        targets = self.with_companions(targets, tip)
        planned = ", ".join(t.sha for t in targets)
        facts.append("Revert (newest first): " + ", ".join(f"`{t.sha[:12]}`" for t in targets))
        if note := companion_note(targets):
            facts.append(note)
        self.report.output("reverted-shas", planned)
        if self.settings.dry_run:
            self.rehearse(tip, targets)
            how = "locally" if self.settings.local else f"via {self.settings.rollback_via}"
            raise Stop(
                SKIPPED,
                f"Dry run: would revert {planned} on {code_span(source.branch)} {how}; nothing was "
                "changed.",
                code=0,
            )
        return self.execute(source, tip, targets)

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

    def execute(self, source: Source, tip: str, targets: list[Target]) -> int:
        if self.settings.local:
            return self.revert_all(self.git, source, tip, targets)
        with self.worktree(tip) as tree:
            return self.revert_all(tree, source, tip, targets)

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

    def revert_all(self, tree: Git, source: Source, tip: str, targets: list[Target]) -> int:
        reverts = self.make_reverts(
            tree, tip, targets, lambda t, exc: self.conflict(source, t, exc)
        )
        if self.settings.local:
            return self.finish(source, targets, reverts[-1], pr_url="", pushed=False)
        if self.settings.rollback_via == "pull-request":
            # ---- commit-via: GitHub's signed copies of the reverts (publish.commit_via)
            self.add_fact(
                commit_via.sign(tree, self.settings, self.ctx, self.report, source.branch, tip)
            )
            return self.via_pull_request(tree, source, targets, "`rollback-via: pull-request`")
        # ---- branch rules: decided before the first push
        rules = branch_rules.decide(self.settings, self.ctx, self.report, tree, source.branch)
        decision = commit_via.under_rules(rules, self.settings)  # signed commits: commit_via
        if decision.why:
            self.summary.facts.append(f"Rules of `{source.branch}`: {decision.why}")
        if decision.how == branch_rules.PULL_REQUEST:
            why = "the branch's rules ask for a pull request"
            signed = commit_via.sign(
                tree, self.settings, self.ctx, self.report, source.branch, tip, decision
            )
            self.add_fact(signed)
            return self.via_pull_request(tree, source, targets, why, decision.merge_methods)
        # ---- end of branch rules
        try:
            # ---- commit-via: git's push, or GitHub's Git database API (publish.commit_via)
            pushed = commit_via.push(
                tree,
                self.settings,
                self.ctx,
                self.report,
                source.branch,
                base=tip,
                on_rebased=lambda head: self.reverify(tree, head, targets),
                decision=decision,
            )
            result = pushed.result
            self.add_fact(pushed.note)
        except PushRejected as exc:
            self.report.warning(f"{exc.message} Falling back to a revert pull request.")
            return self.via_pull_request(tree, source, targets, "the branch refused the push")
        except RebaseConflict as exc:
            raise AutohealError(
                f"{code_span(source.branch)} moved while reverting and the new commits conflict "
                f"with the revert ({exc.message}). Nothing was pushed.",
                fix="Re-run the rollback on the new tip, or revert by hand.",
            ) from exc
        if result.rebased:
            self.summary.facts.append(
                f"The branch moved meanwhile: the revert was rebased and re-verified "
                f"({result.attempts} push attempts)"
            )
        # `ci-workflow`: the branch's CI runs on the pushed revert; a failure keeps the push.
        ci = start_ci(self.settings, self.ctx, self.report, source.branch, result.pushed_sha)
        if ci is not None:
            self.summary.facts.append(f"CI: {ci.note}")
        code = self.finish(source, targets, result.pushed_sha, pr_url="", pushed=True)
        return code or exit_code(self.settings, ci)

    def add_fact(self, fact: str) -> None:
        if fact:
            self.summary.facts.append(fact)

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

    def via_pull_request(
        self,
        tree: Git,
        source: Source,
        targets: list[Target],
        why: str,
        merge_methods: frozenset[str] | None = None,
    ) -> int:
        name = f"autoheal/revert-{next(t for t in targets if not t.companion).sha[:12]}"
        pushed = push_own_branch(tree, name, tree.head_sha(), trailer=markers.REVERT_TRAILER)
        name = pushed.branch
        self.summary.facts.append(f"Revert pushed to {code_span(name)} ({why})")
        if pushed.note():
            self.report.warning(pushed.note(), title="Pull request branch in use")
            self.summary.facts.append(pushed.note())
        gh = github_client(self.settings, self.ctx)
        if gh is None or not self.ctx.repository:
            raise Stop(
                FAILED,
                f"The revert is on branch {code_span(name)}, but without a token no pull request "
                "could be opened.",
                fix=f"Open a pull request from {code_span(name)} into {code_span(source.branch)} "
                "and merge it.",
            )
        owner = self.ctx.repository.split("/")[0]
        title = f"Revert {', '.join(t.sha[:12] for t in targets)} (CI Autoheal rollback)"
        body = self.describe(source, targets, revert="this pull request")
        with gh:
            pull = gh.upsert_pull(self.ctx.repository, owner, name, source.branch, title, body)
            if self.settings.auto_merge:  # ---- branch rules: auto-merge
                from autoheal.publish import auto_merge

                merging = auto_merge.enable(
                    gh, self.report, self.ctx.repository, pull, merge_methods
                )
                self.summary.facts.append(merging)
        url = str(pull.get("html_url", ""))
        return self.finish(source, targets, tree.head_sha(), pr_url=url, pushed=False)

    def finish(
        self, source: Source, targets: list[Target], revert_sha: str, *, pr_url: str, pushed: bool
    ) -> int:
        report, summary = self.report, self.summary
        shas = ", ".join(t.sha for t in targets)
        summary.status = ROLLBACK_EXECUTED
        report.output("status", ROLLBACK_EXECUTED)
        report.output("rolled-back", True)
        report.output("reverted-shas", shas)
        report.output("revert-sha", revert_sha)
        report.output("pr-url", pr_url)
        if pr_url:
            where = f"in the pull request {link(pr_url, pr_url)} (merge it to finish)"
        elif pushed:
            where = f"pushed to {code_span(source.branch)} as {revert_sha[:12]}"
        else:
            where = (
                f"committed locally on {code_span(source.branch)} as {revert_sha[:12]}, not pushed"
            )
        summary.facts.insert(0, f"**Rolled back** {shas}: {where}")
        summary.next_steps += [
            "Read the failing checks and the culprit's diff; fix it on a branch.",
            "Re-land the change with the fix (revert the revert, then fix).",
        ]
        issue = self.open_issue(source, targets, revert=where)
        if issue:
            report.output("issue-url", issue)
            summary.facts.append(f"Issue: {link(issue, issue)}")
        if not self.settings.fail_after_rollback:
            report.notice(f"Rolled back {shas}: {where}.", title="Rollback")
            return 0
        report.error(
            f"Rolled back {shas} on {code_span(source.branch)}: {where}. A person must look at "
            "this (fail-after-rollback stops the line).",
            title="Rollback executed",
        )
        return 1

    def describe(self, source: Source, targets: list[Target], *, revert: str) -> str:
        lines = [
            f"CI Autoheal rolled back {code_span(source.branch)}: the push did not pass validation."
        ]
        for t in targets:
            who = "heal commit" if t.companion else f"by {self.author_mention(t.sha)}"
            lines.append(f"- `{t.sha}` {code_span(t.subject)} ({who})")
        if note := companion_note(targets):
            lines.append(f"\n{note}")
        lines.append(f"\nThe revert: {revert}.")
        if self.summary.failing:
            lines.append("\n**Failing checks:**\n\n" + results_table(self.summary.failing))
        else:  # nothing was run here (strategy range): validate's summary has the checks
            lines.append("\n**Failing checks:** not re-run here; see validate's summary.")
            if source.checks:
                outcomes = ", ".join(f"{k}: {v}" for k, v in source.checks.items())
                lines.append(f"Outcomes heal reported after its fix: {outcomes}")
        if self.ctx.run_url:
            lines.append(f"\nRun: {link(self.ctx.run_url, self.ctx.run_url)}")
        lines.append(
            "\n**What to do:** fix the change on a branch, then re-land it (revert the revert). "
            "Close this issue when the branch is healthy again."
        )
        return "\n".join(lines)

    def author_mention(self, sha: str) -> str:
        """@login when the API knows the author (a mention on purpose), else the git author
        name as code: a name is the committer's to choose, and must ping no one."""
        gh = github_client(self.settings, self.ctx)
        if gh is not None and self.ctx.repository:
            from autoheal.github.errors import GitHubError

            try:
                with gh:
                    data = gh.get_json(f"/repos/{self.ctx.repository}/commits/{sha}")
                login = (data.get("author") or {}).get("login") if isinstance(data, dict) else ""
                if isinstance(login, str) and LOGIN_RE.fullmatch(login):
                    return f"@{login}"
            except GitHubError as exc:
                self.report.debug(f"author lookup failed: {exc}")
        return code_span(self.git.author(sha)[0])

    def open_issue(self, source: Source, targets: list[Target], *, revert: str) -> str:
        if not self.settings.open_issue:
            return ""
        gh = github_client(self.settings, self.ctx)
        if gh is None or not self.ctx.repository:
            self.report.warning("No token (or repository): skipping the rollback issue.")
            return ""
        from autoheal.github.errors import GitHubError

        title = title_text(f"CI Autoheal rolled back {source.branch}")
        body = self.describe(source, targets, revert=revert)
        try:
            with gh:
                issue = gh.upsert_issue(
                    self.ctx.repository, markers.issue_marker(source.branch), title, body
                )
        except GitHubError as exc:
            self.report.warning(f"Could not open the rollback issue: {exc}")
            return ""
        return str(issue.get("html_url", ""))

    def conflict(self, source: Source, target: Target, exc: RevertConflict) -> NoReturn:
        """Tell people what could not be reverted and why; then stop with FAILED."""
        paths = ", ".join(code_span(p) for p in exc.paths)
        self.summary.facts.append(f"Conflict reverting `{target.sha[:12]}` in: {paths}")
        text = (
            f"CI Autoheal could not revert `{target.sha}` ({code_span(target.subject)}, by "
            f"{self.author_mention(target.sha)}) on {code_span(source.branch)}: later commits "
            f"changed the same lines in {paths}. Nothing was pushed.\n\n"
            "**What to do:** revert it by hand (resolving the conflict), or fix forward."
        )
        gh = github_client(self.settings, self.ctx)
        url = ""
        if gh is not None and self.ctx.repository:
            from autoheal.github.errors import GitHubError

            try:
                with gh:
                    if source.pr:
                        marker = markers.issue_marker(source.branch)
                        url = gh.upsert_comment(self.ctx.repository, source.pr, marker, text)
                    elif self.settings.open_issue:
                        marker = markers.issue_marker(source.branch)
                        title = title_text(f"CI Autoheal could not roll back {source.branch}")
                        issue = gh.upsert_issue(self.ctx.repository, marker, title, text)
                        url = str(issue.get("html_url", ""))
            except GitHubError as err:
                self.report.warning(f"Could not report the conflict on GitHub: {err}")
        else:
            self.report.warning("No token (or repository): the conflict is reported here only.")
        if url:
            self.report.output("issue-url", url)
            self.summary.facts.append(f"Reported: {link(url, url)}")
        raise Stop(
            FAILED,
            f"Reverting {target.sha[:12]} conflicts with later changes in {paths}; nothing was "
            "reverted or pushed.",
            fix="Revert it by hand (resolve the conflict), or fix forward.",
        )


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
