"""Pull request reviews: a pull request's files, its reviews and their comments (the pull
request itself: `pulls.PullEndpoints.get_pull`).

Each method sends what GitHub's REST description says (`pulls/list-files`,
`pulls/list-reviews`, `pulls/create-review`, `pulls/update-review`,
`pulls/list-comments-for-review`, `pulls/delete-review-comment`). A submitted review cannot be
deleted: its comments can, and its body can be edited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from autoheal.github.answers import _as_dict
from autoheal.github.api import Api
from autoheal.github.errors import NotFound
from autoheal.github.paths import _repo_path

COMMENT = "COMMENT"  # a review that neither approves nor requests changes
MAX_FILE_PAGES = 30  # GitHub lists at most 3,000 files of a pull request, 100 a page


def _pull(repo: str, number: int) -> str:
    return f"{_repo_path(repo)}/pulls/{int(number)}"


class ReviewEndpoints(Api):
    """A pull request's files, and its reviews with their comments."""

    def list_pull_files(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Every file of the pull request, with its `patch` (absent for a binary or large one)."""
        items = self.paginate(f"{_pull(repo, number)}/files", max_pages=MAX_FILE_PAGES)
        return [item for item in items if isinstance(item, dict)]

    def list_reviews(self, repo: str, number: int) -> list[dict[str, Any]]:
        items = self.paginate(f"{_pull(repo, number)}/reviews")
        return [item for item in items if isinstance(item, dict)]

    def list_review_comments(self, repo: str, number: int, review_id: int) -> list[dict[str, Any]]:
        path = f"{_pull(repo, number)}/reviews/{int(review_id)}/comments"
        return [item for item in self.paginate(path) if isinstance(item, dict)]

    def create_review(
        self,
        repo: str,
        number: int,
        *,
        commit_id: str,
        body: str,
        comments: Sequence[Mapping[str, Any]] = (),
        event: str = COMMENT,
    ) -> dict[str, Any]:
        """Post a review at once (not left pending). Not repeated when the answer is unclear:
        a second attempt would post the review twice."""
        payload: dict[str, Any] = {"commit_id": commit_id, "body": body, "event": event}
        if comments:
            payload["comments"] = [dict(comment) for comment in comments]
        return _as_dict(self.request_json("POST", f"{_pull(repo, number)}/reviews", json=payload))

    def update_review(self, repo: str, number: int, review_id: int, body: str) -> dict[str, Any]:
        path = f"{_pull(repo, number)}/reviews/{int(review_id)}"
        return _as_dict(self.request_json("PUT", path, json={"body": body}))

    def delete_review_comment(self, repo: str, comment_id: int) -> bool:
        """Delete one review comment; False when it was already gone (404)."""
        try:
            self.request_json("DELETE", f"{_repo_path(repo)}/pulls/comments/{int(comment_id)}")
        except NotFound:
            return False
        return True
