"""Telling people: the text of the rollback issue and of the revert pull request
(`describe`), who wrote each reverted commit (a mention only for a login GitHub knows), the issue
itself, and the report of a revert that conflicts (a comment on the pull request, else an
issue)."""

from __future__ import annotations

import re
from typing import NoReturn

from autoheal import markers
from autoheal.git import RevertConflict
from autoheal.github import github_client
from autoheal.markdown import code_span, link, title_text
from autoheal.modes.common import results_table
from autoheal.modes.rollback.base import RollbackBase, Target
from autoheal.modes.rollback.culprit import companion_note
from autoheal.modes.rollback.source import Source
from autoheal.modes.rollback.summary import FAILED, Stop

#: A GitHub login, as the API answers it: anything else is not mentioned.
LOGIN_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?")


class IssueMixin(RollbackBase):
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
