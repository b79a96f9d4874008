"""Who asked heal for a fix, and how heal answers them.

A request is a new comment on a pull request whose first non-blank line is exactly
`/autoheal fix`. Anyone can write one, so the comment is data: what it asks for is read from
that one line, its author is judged by GitHub (not by the event's `author_association`, which
says nothing about write access), and every name from it is quoted as code where we show it.

The answer is two reactions on the comment (👀 when heal starts, then 👍 or 👎) and our one
comment on the pull request: found again by its marker and our own account, updated in place,
never a second one. Both are feedback: a token that cannot post them gets a warning, and the
decision (run or not, push or not) stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from autoheal.context import Context, IssueComment
from autoheal.errors import InputError
from autoheal.markdown import code_span, link
from autoheal.markers import REQUEST_MARKER
from autoheal.report import Report, shown_login
from autoheal.settings import Settings

if TYPE_CHECKING:
    from autoheal.github.client import GitHub

COMMAND = "/autoheal fix"
EYES, YES, NO = "eyes", "+1", "-1"
SKIPPED = "SKIPPED"
#: Characters of a login shown in a log line: GitHub's own limit is 39.


def first_line(body: str) -> str:
    """The comment's first non-blank line, without the blanks around it."""
    return next((line.strip() for line in body.splitlines() if line.strip()), "")


def is_bot(comment: IssueComment) -> bool:
    """An App or bot account: GitHub says `Bot`, and only bots' logins end in `[bot]`."""
    return comment.author_type == "Bot" or comment.author.lower().endswith("[bot]")


def not_a_request(ctx: Context) -> str | None:
    """Why this event is no fix request (Markdown), or None. Decided from the event alone."""
    comment = ctx.issue_comment
    if comment is None:
        raise InputError(
            "heal runs on `issue_comment` events only for a `/autoheal fix` comment, and "
            "this event holds no `comment` and `issue`.",
            fix="Use the payload GitHub sent for the `issue_comment` event.",
        )
    if comment.action != "created":
        return f"the comment was {code_span(comment.action or 'changed')}, not created."
    if not comment.on_pull_request:
        return f"the comment is on issue #{comment.issue_number}, not on a pull request."
    if first_line(comment.body) != COMMAND:
        return f"the comment's first line is not {code_span(COMMAND)}."
    if is_bot(comment):
        return f"the comment is by the bot {code_span(comment.author)}; bots cannot ask."
    if comment.comment_id <= 0 or comment.issue_number <= 0 or not comment.author:
        raise InputError(
            "The `issue_comment` event names no comment id, pull request number or author.",
            fix="Use the payload GitHub sent for the `issue_comment` event.",
        )
    return None


def skip(report: Report, why: str, *, title: str = "") -> int:
    """Nothing to do (SKIPPED, exit 0): one summary paragraph and one log line."""
    report.output("status", SKIPPED)
    report.section(f"## CI Autoheal · heal: {SKIPPED}\n\n{why}")
    if title:
        report.notice(why, title=title)
    else:
        report.info(f"heal: {SKIPPED}. {why}")
    return 0


@dataclass
class Asked:
    """One request being answered: the comment, and the client to answer with."""

    settings: Settings
    ctx: Context
    report: Report
    gh: GitHub
    comment: IssueComment

    @property
    def number(self) -> int:
        return self.comment.issue_number

    @property
    def who(self) -> str:
        return code_span(self.comment.author)

    def by_us(self) -> bool:
        """The comment is our own account's (a personal access token's user)."""
        from autoheal.github.identity import same_account

        return same_account(self.comment.author, self.gh.identity())

    def may_write(self) -> bool:
        """The commenter has write, maintain or admin access (GitHub's answer, now)."""
        return self.gh.may_write(self.ctx.repository, self.comment.author)

    def react(self, content: str) -> None:
        from autoheal.github.errors import GitHubError

        try:
            self.gh.react_to_comment(self.ctx.repository, self.comment.comment_id, content)
        except GitHubError as exc:
            self.report.warning(
                f"Cannot react to the request: {exc.message} {exc.fix}".strip(),
                title="Cannot answer the request",
            )

    def answer(self, text: str) -> str:
        """Our one comment on the pull request says `text` (Markdown); its URL, or ""."""
        from autoheal.github.errors import GitHubError

        run = f" · {link('the run', self.ctx.run_url)}" if self.ctx.run_url else ""
        body = f"**CI Autoheal** · {code_span(COMMAND)} asked by {self.who}{run}\n\n{text}"
        try:
            url = self.gh.upsert_comment(self.ctx.repository, self.number, REQUEST_MARKER, body)
        except GitHubError as exc:
            self.report.warning(
                f"Cannot answer the request on pull request #{self.number}: {exc.message} "
                f"{exc.fix}".strip(),
                title="Cannot answer the request",
            )
            return ""
        self.report.info(f"Answered the request on pull request #{self.number}: {url}")
        return url

    def decline(self, text: str) -> int:
        """👎 and `text` as the answer; nothing is run (SKIPPED, exit 0)."""
        self.react(NO)
        self.answer(text)
        return skip(self.report, text, title="Fix request declined")

    def refuse(self) -> int:
        """The commenter may not ask: a polite no, and nothing run."""
        self.report.info(
            f"{shown_login(self.comment.author)} has no write access to {self.ctx.repository}: "
            "nothing is run."
        )
        return self.decline(
            f"Thank you for asking, {self.who}. Only people with write access to this "
            f"repository can ask CI Autoheal to fix a pull request, so nothing was run. A "
            f"maintainer can comment {code_span(COMMAND)} on it."
        )
