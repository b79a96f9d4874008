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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from autoheal import markers
from autoheal.context import Context
from autoheal.errors import AutohealError
from autoheal.git import Git, PushRejected, RebaseConflict, RevertConflict
from autoheal.github import github_client
from autoheal.markdown import code_span, link, markdown_text, title_text
from autoheal.modes.common import refuse_fork_code, results_table
from autoheal.modes.rollback.base import RollbackBase, Target
from autoheal.modes.rollback.culprit import CulpritMixin, companion_note
from autoheal.modes.rollback.guardrails import GuardrailsMixin
from autoheal.modes.rollback.source import Source, resolve_source
from autoheal.modes.rollback.summary import FAILED, SKIPPED, Stop, Summary
from autoheal.publish import branch_rules, commit_via
from autoheal.publish.ci_dispatch import exit_code, start_ci
from autoheal.publish.own_branch import push_own_branch
from autoheal.report import Report
from autoheal.scoring import ROLLBACK_EXECUTED
from autoheal.settings import Settings

#: A GitHub login, as the API answers it: anything else is not mentioned.
LOGIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")


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


class Rollback(CulpritMixin, GuardrailsMixin, RollbackBase):
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
