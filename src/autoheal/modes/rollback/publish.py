"""Getting the reverts out: pushed fast-forward onto the branch (commit-via and the branch's
rules decide how; a moved branch means a rebase and a re-verification), or on an own branch with
a revert pull request (`rollback-via: pull-request`, rules that ask for one, a refused push;
auto-merge). Then the branch's CI is started, and `finish` sets the outputs, opens the issue and
stops the line."""

from __future__ import annotations

from autoheal import markers
from autoheal.errors import AutohealError
from autoheal.git import Git, PushRejected, RebaseConflict
from autoheal.github import github_client
from autoheal.markdown import code_span, link
from autoheal.modes.rollback.base import Target
from autoheal.modes.rollback.issue import IssueMixin
from autoheal.modes.rollback.reverts import RevertsMixin
from autoheal.modes.rollback.source import Source
from autoheal.modes.rollback.summary import FAILED, Stop
from autoheal.publish import branch_rules, commit_via
from autoheal.publish.ci_dispatch import exit_code, start_ci
from autoheal.publish.own_branch import push_own_branch
from autoheal.scoring import ROLLBACK_EXECUTED


class PublishMixin(RevertsMixin, IssueMixin):
    def execute(self, source: Source, tip: str, targets: list[Target]) -> int:
        if self.settings.local:
            return self.revert_all(self.git, source, tip, targets)
        with self.worktree(tip) as tree:
            return self.revert_all(tree, source, tip, targets)

    def revert_all(self, tree: Git, source: Source, tip: str, targets: list[Target]) -> int:
        reverts = self.make_reverts(
            tree, tip, targets, lambda t, exc: self.conflict(source, t, exc)
        )
        if self.settings.local:
            return self.finish(source, targets, reverts[-1], pr_url="", pushed=False)
        if self.settings.rollback_via == "pull-request":
            # ---- commit-via: GitHub's signed copies of the reverts (publish.commit_via)
            self.add_fact(commit_via.sign(self.destination(tree, source), tip))
            return self.via_pull_request(tree, source, targets, "`rollback-via: pull-request`")
        # ---- branch rules: decided before the first push
        rules = branch_rules.decide(self.settings, self.ctx, self.report, tree, source.branch)
        decision = commit_via.under_rules(rules, self.settings)  # signed commits: commit_via
        if decision.why:
            self.summary.facts.append(f"Rules of `{source.branch}`: {decision.why}")
        if decision.how == branch_rules.PULL_REQUEST:
            why = "the branch's rules ask for a pull request"
            signed = commit_via.sign(self.destination(tree, source), tip, decision)
            self.add_fact(signed)
            return self.via_pull_request(tree, source, targets, why, decision.merge_methods)
        # ---- end of branch rules
        try:
            # ---- commit-via: git's push, or GitHub's Git database API (publish.commit_via)
            pushed = commit_via.push(
                self.destination(tree, source),
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

    def destination(self, tree: Git, source: Source) -> commit_via.Destination:
        """The push's branch, with the scratch work tree the reverts are made in."""
        return commit_via.Destination(tree, self.settings, self.ctx, self.report, source.branch)

    def add_fact(self, fact: str) -> None:
        if fact:
            self.summary.facts.append(fact)

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
