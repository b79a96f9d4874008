"""Heal's fix posted as ONE pull request review of suggested changes, replacing ours of before.

The review's comments are the suggestions (`suggest.py`); its body says what they are and
holds, as a patch, what could not be suggested. A re-run never stacks reviews: a submitted
review cannot be deleted, so our earlier one loses its suggestion comments and its body says
it was superseded, with a link to the new one. Ours means our hidden marker AND our account
(`gh.wrote`): anyone can paste the marker into a review of theirs, which stays untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from autoheal.github.answers import truncate
from autoheal.markdown import code_span, link, markdown_text
from autoheal.markers import REVIEW_MARKER, SUPERSEDED_MARKER
from autoheal.modes.heal.suggest import MAX_COMMENTS, Suggestions, as_patch, fenced, suggest
from autoheal.settings import SHA_RE

if TYPE_CHECKING:
    from autoheal.github.client import GitHub

MAX_BODY_CHARS = 60_000  # GitHub keeps a review's body to 65,536 characters
MAX_REASONS = 20  # files named in the body; the patch names them all
MAX_SHOWN_CHARS = 300  # of a path or GitHub's reason in the body
REFUSED_WHY = "GitHub refused the suggestions"


@dataclass(frozen=True)
class Posted:
    """What was done, for the summary and the step's outputs."""

    review_url: str = ""  # the new review, "" when none was posted
    suggestions: int = 0  # its suggestion comments
    left: int = 0  # changes in its patch
    leftover: str = ""  # that patch ("" when every change is a suggestion)
    reasons: tuple[tuple[str, str], ...] = ()  # (path, why) of each file in the patch
    superseded: tuple[str, ...] = ()  # URLs of our earlier reviews, now without suggestions
    deleted: int = 0  # suggestion comments deleted from them
    skipped: str = ""  # why no review was posted
    refused: str = ""  # GitHub's reason for refusing the suggestions: all went to the patch
    unretired: tuple[str, ...] = ()  # earlier reviews of ours left as they were, and why


def post_suggestions(
    gh: GitHub,
    repo: str,
    number: int,
    head_sha: str,
    fix_diff: str,
    *,
    run_url: str = "",
    max_comments: int = MAX_COMMENTS,
) -> Posted:
    """Post `fix_diff` (heal's fix on `head_sha`, as `git diff` prints it) as suggestions on
    pull request `number`, and retire our earlier reviews of suggestions.

    Nothing is posted when the pull request's head is no longer `head_sha` (the lines would
    be another commit's); when there is nothing to suggest, our earlier reviews are retired
    all the same, since their suggestions are stale. PatchError for an unreadable diff."""
    if not SHA_RE.match(head_sha):
        raise ValueError(f"head_sha must be a full commit sha, got {head_sha!r}")
    head = _head_sha(gh.get_pull(repo, number))
    if head != head_sha:
        return Posted(skipped=f"the pull request's head is now {head or 'unknown'}, not {head_sha}")
    plan = suggest(fix_diff, gh.list_pull_files(repo, number), max_comments)
    ours = [r for r in gh.list_reviews(repo, number) if _marked(r) and gh.wrote(r)]
    if plan.empty:
        note = f"Superseded: nothing is left to suggest on {code_span(head_sha[:12])}."
        return _retire_all(gh, repo, number, ours, note, Posted(skipped="nothing to suggest"))
    review, plan, refused = _post(gh, repo, number, head_sha, fix_diff, plan, run_url)
    url = str(review.get("html_url") or "")
    note = f"Superseded by {link('a newer review', url)}: its suggestions were removed."
    posted = Posted(
        review_url=url,
        suggestions=len(plan.comments),
        left=plan.left,
        leftover=plan.leftover,
        reasons=plan.reasons,
        refused=refused,
    )
    earlier = [r for r in ours if r.get("id") != review.get("id")]
    return _retire_all(gh, repo, number, earlier, note, posted)


def _post(
    gh: GitHub,
    repo: str,
    number: int,
    head_sha: str,
    fix_diff: str,
    plan: Suggestions,
    run_url: str,
) -> tuple[dict[str, Any], Suggestions, str]:
    """The review posted, the plan it holds, and GitHub's reason when it took the fix only
    as a patch: a comment it refuses (422: a line it does not place in the diff, e.g. after
    a push since the files were read) fails the whole review, so it is posted again with
    every change in the patch rather than not at all."""
    from autoheal.github.errors import ValidationFailed

    comments = [comment.as_json() for comment in plan.comments]
    body = review_body(plan, head_sha, run_url)
    try:
        review = gh.create_review(repo, number, commit_id=head_sha, body=body, comments=comments)
        return review, plan, ""
    except ValidationFailed as err:
        if not comments:
            raise
        refused = err.message
    plan = as_patch(fix_diff, REFUSED_WHY)
    body = review_body(plan, head_sha, run_url, refused=refused)
    review = gh.create_review(repo, number, commit_id=head_sha, body=body)
    return review, plan, refused


def review_body(plan: Suggestions, head_sha: str, run_url: str, refused: str = "") -> str:
    """The review's Markdown: what the suggestions are, the patch of the rest, our marker.
    Every value not ours (paths, GitHub's answer) is inert; the patch is a code block, or a
    note when it would make the body longer than GitHub keeps."""
    head = [f"**CI Autoheal** has a fix for {code_span(head_sha[:12])}."]
    if plan.comments:
        head.append(
            f"{_count(len(plan.comments), 'suggested change')} below: **Commit suggestion** "
            "applies one, **Add suggestion to batch** several in one commit."
        )
    if refused:
        why = markdown_text(truncate(refused, MAX_SHOWN_CHARS))
        head.append(f"{REFUSED_WHY} ({why}), so the whole fix is in this patch.")
    tail = [f"Made by {link('this run', run_url)}."] if run_url else []
    tail.append(REVIEW_MARKER)
    if not plan.leftover:
        return _join(head + tail)
    body = _join([*head, _patch_part(plan, fenced(plan.leftover, "diff")), *tail])
    if len(body) <= MAX_BODY_CHARS:
        return body
    lines = plan.leftover.count("\n")
    where = f" (see {link('the run', run_url)})" if run_url else ""
    note = f"_The patch ({lines} lines) is too long to show in a review{where}._"
    return _join([*head, _patch_part(plan, note), *tail])


def _patch_part(plan: Suggestions, block: str) -> str:
    intro = (
        f"{_count(plan.left, 'change')} cannot be suggested on the lines of this pull "
        "request's diff. Save the patch as `fix.patch` in a checkout of the branch and run "
        "`git apply fix.patch`:"
    )
    files = [
        f"- {code_span(truncate(path, MAX_SHOWN_CHARS))}: {why}"
        for path, why in plan.reasons[:MAX_REASONS]
    ]
    if len(plan.reasons) > MAX_REASONS:
        files.append(f"- and {_count(len(plan.reasons) - MAX_REASONS, 'more file')}")
    return _join([intro, "\n".join(files), block]).rstrip("\n")


def _join(parts: list[str]) -> str:
    return "\n\n".join(parts) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _head_sha(pull: dict[str, Any]) -> str:
    head = pull.get("head")
    sha = head.get("sha") if isinstance(head, dict) else None
    return sha if isinstance(sha, str) else ""


def _marked(review: Any) -> bool:
    return isinstance(review, dict) and REVIEW_MARKER in str(review.get("body") or "")


def _retire_all(
    gh: GitHub, repo: str, number: int, ours: list[dict[str, Any]], note: str, posted: Posted
) -> Posted:
    """`posted` with our earlier reviews retired. One GitHub refuses to change is named in
    `unretired`, not raised: the new review stands, and the next run tries again (the old one
    keeps its marker until its body is edited)."""
    from autoheal.github.errors import GitHubError

    superseded, unretired, deleted = [], [], 0
    for review in ours:
        url = str(review.get("html_url") or "")
        try:
            deleted += _retire(gh, repo, number, review, note)
        except GitHubError as err:
            unretired.append(f"{url}: {err.message}")
        else:
            superseded.append(url)
    return replace(
        posted, superseded=tuple(superseded), deleted=deleted, unretired=tuple(unretired)
    )


def _retire(gh: GitHub, repo: str, number: int, review: dict[str, Any], note: str) -> int:
    """Delete our suggestion comments of an earlier review of ours, then say in its body that
    it is superseded (no longer with REVIEW_MARKER: the next run leaves it alone). Body last:
    a run stopped half-way leaves the marker, and the next run finishes the job. Returns how
    many comments were deleted."""
    review_id = int(review["id"])
    deleted = 0
    for comment in gh.list_review_comments(repo, number, review_id):
        if gh.wrote(comment) and gh.delete_review_comment(repo, int(comment["id"])):
            deleted += 1
    gh.update_review(repo, number, review_id, f"{note}\n\n{SUPERSEDED_MARKER}\n")
    return deleted
