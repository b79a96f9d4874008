"""A pull request's reviews and review comments, kept and answered by a FakeGitHub.

    reviews = FakeReviews(fake, REPO, number=7, head=head_sha, files=pull.files())
    reviews.head, reviews.state = new_sha, "closed"   # the pull request as GitHub says now
    reviews.add(ACTIONS_BOT, body, comments=[...])    # a review already there
    ...
    reviews.reviews, reviews.comments                 # what is there after

Answers carry the fields our code reads, in the shapes of GitHub's description (which the
fake checks); a review comment GitHub could not place (`refuse`) fails the whole review with
GitHub's 422, as GitHub does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fake_github import FakeGitHub, Recorded

UNPROCESSABLE = {
    "message": "Unprocessable Entity",
    "errors": ["Line could not be resolved"],
    "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
}
FORBIDDEN = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest/pulls/comments#delete-a-review-comment-for-a-pull-request",
}


class FakeReviews:
    def __init__(
        self,
        fake: FakeGitHub,
        repo: str,
        *,
        number: int,
        head: str,
        files: list[dict[str, Any]],
        head_ref: str = "feature",
        head_repo: str = "",
    ) -> None:
        self.repo, self.number, self.head, self.files = repo, number, head, files
        self.head_ref = head_ref
        self.head_repo = head_repo or repo  # the fork's full name, else this repository
        self.state = "open"
        self.reviews: list[dict[str, Any]] = []
        self.comments: list[dict[str, Any]] = []
        self.refuse: Callable[[dict[str, Any]], bool] = lambda _comment: False
        self.deletes_refused = False  # as for a token without `pull-requests: write`
        self._ids = iter(range(1000, 10**6))
        pulls = f"/repos/{repo}/pulls"
        here = f"{pulls}/{number}"
        fake.route("GET", here, answer=lambda _r: (200, self.pull()))
        fake.route("GET", f"{here}/files", answer=lambda _r: (200, self.files))
        fake.route("GET", f"{here}/reviews", answer=lambda _r: (200, self.reviews))
        fake.route("POST", f"{here}/reviews", answer=self._create)
        fake.route("PUT", rf"{here}/reviews/\d+", answer=self._update)
        fake.route("GET", rf"{here}/reviews/\d+/comments", answer=self._list_comments)
        fake.route("DELETE", rf"{pulls}/comments/\d+", answer=self._delete)

    def pull(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "state": self.state,
            "head": {"sha": self.head, "ref": self.head_ref, "repo": {"full_name": self.head_repo}},
            "base": {"ref": "main", "repo": {"full_name": self.repo}},
        }

    def add(
        self, user: dict[str, Any], body: str, comments: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """A submitted review by `user`, with its comments (`path`, `line`, `body`)."""
        review_id = next(self._ids)
        review = {
            "id": review_id,
            "user": user,
            "body": body,
            "state": "COMMENTED",
            "commit_id": self.head,
            "html_url": self._url(f"#pullrequestreview-{review_id}"),
        }
        self.reviews.append(review)
        for comment in comments or []:
            comment_id = next(self._ids)
            self.comments.append(
                {
                    **comment,
                    "id": comment_id,
                    "user": user,
                    "pull_request_review_id": review_id,
                    "html_url": self._url(f"#discussion_r{comment_id}"),
                }
            )
        return review

    def comments_of(self, review: dict[str, Any]) -> list[dict[str, Any]]:
        return [c for c in self.comments if c["pull_request_review_id"] == review["id"]]

    def _url(self, anchor: str) -> str:
        return f"https://github.com/{self.repo}/pull/{self.number}{anchor}"

    def _create(self, request: Recorded) -> tuple[int, Any]:
        from tests.fakes import ACTIONS_BOT

        comments = request.body.get("comments", [])
        if any(self.refuse(comment) for comment in comments):
            return 422, UNPROCESSABLE
        return 200, self.add(ACTIONS_BOT, request.body["body"], comments)

    def _update(self, request: Recorded) -> tuple[int, Any]:
        review_id = int(request.path.rsplit("/", 1)[1])
        [review] = [r for r in self.reviews if r["id"] == review_id]
        review["body"] = request.body["body"]
        return 200, review

    def _list_comments(self, request: Recorded) -> tuple[int, Any]:
        review_id = int(request.path.split("/")[-2])
        return 200, [c for c in self.comments if c["pull_request_review_id"] == review_id]

    def _delete(self, request: Recorded) -> tuple[int, Any]:
        if self.deletes_refused:
            return 403, FORBIDDEN
        comment_id = int(request.path.rsplit("/", 1)[1])
        found = [c for c in self.comments if c["id"] == comment_id]
        if not found:
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com"}
        self.comments.remove(found[0])
        return 204, None
