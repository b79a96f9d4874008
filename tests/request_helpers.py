"""A `/autoheal fix` request, end to end: GitHub's `issue_comment` payload for pull request #7,
a remote whose `feature` branch is that pull request's head, and GitHub's side of it on the
fake (who may write, the pull request now, our one comment, reactions, CI runs and their
artifacts), answered as GitHub does and recorded for the tests to assert on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.actions import Run, load_event
from tests.fake_github import NOT_FOUND, FakeGitHub, Recorded
from tests.fakes import ACTIONS_BOT
from tests.gitfixtures import Repos, git
from tests.heal_helpers import REPO, Setup, setup_heal

API = f"/repos/{REPO}"
NUMBER = 7
COMMENT_ID = 492700400
BRANCH = "feature"
WRITER = {"login": "octocat", "id": 583231, "type": "User"}
STRANGER = {"login": "mallory", "id": 666, "type": "User"}
ANSWER_URL = f"https://github.com/{REPO}/pull/{NUMBER}#issuecomment-1"


def comment_event(
    body: str = "/autoheal fix",
    *,
    user: dict[str, Any] | None = None,
    on_pull_request: bool = True,
    comment_id: int = COMMENT_ID,
) -> dict[str, Any]:
    """GitHub's `issue_comment` (created) payload: `body` by `user` on #7 of our repository,
    a pull request unless `on_pull_request` is false."""
    payload = load_event("issue_comment.created.json")
    payload["repository"].update(full_name=REPO, default_branch="main")
    issue = payload["issue"]
    issue["number"] = NUMBER
    if on_pull_request:  # what GitHub adds to the issue of a pull request
        issue["pull_request"] = {
            "url": f"https://api.github.com{API}/pulls/{NUMBER}",
            "html_url": f"https://github.com/{REPO}/pull/{NUMBER}",
            "diff_url": f"https://github.com/{REPO}/pull/{NUMBER}.diff",
            "patch_url": f"https://github.com/{REPO}/pull/{NUMBER}.patch",
            "merged_at": None,
        }
    comment = payload["comment"]
    comment.update(id=comment_id, body=body)
    comment["user"].update(user or WRITER)
    return payload


@dataclass
class PullSide:
    """GitHub's side of pull request #7, as the fake answers it."""

    fake: FakeGitHub
    repos: Repos
    head_repo: str = REPO
    state: str = "open"
    permissions: dict[str, str] = field(default_factory=lambda: {"octocat": "write"})
    comments: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    artifacts: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    serve_pull: bool = True  # False where another fake (FakeReviews) answers for the pull

    def __post_init__(self) -> None:
        fake = self.fake
        fake.route("GET", rf"{API}/collaborators/[^/]+/permission", answer=self._permission)
        fake.route("POST", rf"{API}/issues/comments/\d+/reactions", answer=self._react)
        fake.route("GET", rf"{API}/issues/{NUMBER}/comments", answer=lambda _: (200, self.comments))
        fake.route("POST", rf"{API}/issues/{NUMBER}/comments", answer=self._comment)
        fake.route("PATCH", rf"{API}/issues/comments/\d+", answer=self._edit)
        deleted = "" if self.head_repo else "`head.repo` is null for a deleted fork, undocumented"
        if self.serve_pull:
            fake.route("GET", rf"{API}/pulls/{NUMBER}", answer=self._pull, unlike_github=deleted)
        fake.route("GET", rf"{API}/actions/runs", answer=self._runs)
        fake.route("GET", rf"{API}/actions/runs/\d+/artifacts", answer=self._artifacts)

    @property
    def head(self) -> str:
        sha = self.repos.remote_sha(BRANCH)
        assert sha
        return sha

    def reactions(self) -> list[str]:
        return [r.body["content"] for r in self.fake.requests("POST", rf"{API}/issues/.*")
                if r.path.endswith("/reactions")]  # fmt: skip

    def posted(self) -> list[Recorded]:
        return self.fake.requests("POST", rf"{API}/issues/{NUMBER}/comments")

    def answer(self) -> str:
        """The body of our one comment (there must be exactly one)."""
        [comment] = self.comments
        return str(comment["body"])

    def add_run(self, run_id: int, head_sha: str, *, artifact: bool, expired: bool = False) -> None:
        self.runs.append(
            {
                "id": run_id,
                "event": "pull_request",
                "head_sha": head_sha,
                "head_repository": {"full_name": self.head_repo},
                "status": "completed",
            }
        )
        self.artifacts[run_id] = (
            [{"id": run_id * 10, "name": "autoheal-fix", "expired": expired}] if artifact else []
        )

    # ---- answers ----

    def _permission(self, request: Recorded) -> tuple[int, Any]:
        login = request.path.split("/")[-2]
        level = self.permissions.get(login)
        if level is None:
            return 404, NOT_FOUND
        user = {"login": login, "id": 1, "type": "User"}
        return 200, {"permission": level, "role_name": level, "user": user}

    def _react(self, request: Recorded) -> tuple[int, Any]:
        content = request.body["content"]
        return 201, {"id": 1, "content": content, "user": ACTIONS_BOT}

    def _comment(self, request: Recorded) -> tuple[int, Any]:
        number = len(self.comments) + 1
        comment = {
            "id": number,
            "body": request.body["body"],
            "user": ACTIONS_BOT,
            "html_url": f"https://github.com/{REPO}/pull/{NUMBER}#issuecomment-{number}",
        }
        self.comments.append(comment)
        return 201, comment

    def _edit(self, request: Recorded) -> tuple[int, Any]:
        comment_id = int(request.path.rsplit("/", 1)[1])
        [comment] = [c for c in self.comments if c["id"] == comment_id]
        comment["body"] = request.body["body"]
        return 200, comment

    def _pull(self, _request: Recorded) -> tuple[int, Any]:
        head_repo = {"full_name": self.head_repo} if self.head_repo else None
        return 200, {
            "number": NUMBER,
            "state": self.state,
            "head": {"ref": BRANCH, "sha": self.head, "repo": head_repo},
            "base": {"ref": "main", "repo": {"full_name": REPO}},
        }

    def _runs(self, _request: Recorded) -> tuple[int, Any]:
        # Unfiltered, as a server that ignores the filters would answer: heal checks again.
        return 200, {"total_count": len(self.runs), "workflow_runs": self.runs}

    def _artifacts(self, request: Recorded) -> tuple[int, Any]:
        found = self.artifacts.get(int(request.path.split("/")[-2]), [])
        return 200, {"total_count": len(found), "artifacts": found}


@dataclass
class Scene:
    s: Setup
    fake: FakeGitHub
    gh: PullSide
    marker: Path  # written by every check and fixer that runs

    def comment(self, body: str = "/autoheal fix", **kwargs: Any) -> None:
        self.s.actions.set_event(comment_event(body, **kwargs), "issue_comment")

    def run(self, capsys: pytest.CaptureFixture[str], stage: str = "accept") -> Run:
        self.s.actions.inputs(fix_request=stage)
        self.s.actions.output.write_text("")  # each step has its own files
        self.s.actions.summary.write_text("")
        return self.s.actions.run(capsys)

    def check_out(self, sha: str, name: str = "pr") -> Path:
        """What actions/checkout does with `ref: <sha>`: a one-commit fetch, a detached HEAD;
        the job's next steps (and heal) work there."""
        dest = self.s.repos.root / name
        git(self.s.repos.root, "init", "-q", str(dest))
        git(dest, "remote", "add", "origin", self.s.repos.url)
        git(dest, "fetch", "-q", "--depth=1", "origin", sha)
        git(dest, "checkout", "-q", "--detach", sha)
        self.s.actions.env["INPUT_WORKING_DIRECTORY"] = str(dest)
        return dest


def request_scene(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    head_repo: str = REPO,
    token_user: dict[str, Any] | None = None,
) -> Scene:
    """main is clean; pull request #7 from `feature` adds a badly formatted module. The job's
    first checkout is main (as on `issue_comment`), its checks leave a mark when they run.
    The token is GITHUB_TOKEN, or a personal access token of `token_user`."""
    marker = tmp_path / "ran"
    s = setup_heal(
        tmp_path,
        monkeypatch,
        files={"app.py": "x = 1\n"},
        lint_command=f"echo lint >> {marker} && ruff format --check .",
        fix_command=f"echo fix >> {marker} && ruff format .",
    )
    git(s.repos.work, "checkout", "-q", "-b", BRANCH)
    s.repos.commit("feature.py", "y=2\n", "Add the feature")
    s.repos.push(BRANCH)
    fake = FakeGitHub(httpserver)
    if token_user is None:
        fake.as_github_actions()
    else:
        fake.route("GET", "/user", body=token_user)
    s.actions.env["GITHUB_API_URL"] = fake.api_url
    s.actions.env["GITHUB_SHA"] = s.repos.sha("main")
    scene = Scene(s, fake, PullSide(fake, s.repos, head_repo=head_repo), marker)
    scene.comment()
    return scene
