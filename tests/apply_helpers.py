"""A pull request's read-only run and the trusted job that applies its fix, driven through
`main()` with GitHub's real payloads, real git (a bare remote) and the fake GitHub.

    pr = open_pull_request(tmp_path, fork=True)          # refs/pull/7/head on the remote
    made = pr.ci_run(monkeypatch, capsys)                 # heal in the pull request's run
    artifact = pr.download(made)                          # what download-artifact gives
    trusted = pr.trusted_job(fake_api_url, artifact)      # heal with `apply-patch`
    r = trusted.run(capsys)

The trusted job checks out the default branch only, with check commands that would leave a
marker file if anything ran them; the pull request carries a config whose checks would too.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from autoheal.modes.heal.artifact import read_artifact, write_artifact
from tests.actions import TOKEN, ActionsEnv, Run
from tests.fake_github import FakeGitHub
from tests.fake_reviews import FakeReviews
from tests.gitfixtures import Repos, git, make_repo
from tests.heal_helpers import REPO, pr_event, tools_path, workflow_run_event
from tests.patch_helpers import Edit, diff_of
from tests.suggest_helpers import Pull, commit_files

FORK = "someone/octo-repo"
PULLS = f"/repos/{REPO}/pulls"
NUMBER = 7
#: The pull request's module before and after `ruff format`: three changes, one over 3 lines.
PULL_APP = "x = 1\ny=2\n\n\ndef f(a,\n      b):\n    return a+b\n"
FIXED_APP = "x = 1\ny = 2\n\n\ndef f(a, b):\n    return a + b\n"
#: The pull request's own config: its check leaves a marker wherever it runs.
PULL_CONFIG = (
    "checks:\n  lint:\n    command: touch pull-code-ran; ruff format --check .\n"
    "    fix: ruff format .\n"
)


@dataclass
class PullRequest:
    tmp: Path
    repos: Repos
    base: str
    head: str
    head_ref: str
    head_repo: str
    fork: bool
    run_event_changes: dict[str, Any] = field(default_factory=dict)  # for the trusted job

    @property
    def pull(self) -> Pull:
        """The pull request for `suggest_helpers` (its files, the proof of suggestions)."""
        return Pull(self.repos, self.base, self.head)

    def expected_fix(self) -> Pull:
        """The pull request with `fixed` set: its head with the formatted module."""
        pull = self.pull
        git(self.repos.work, "checkout", "-q", "--detach", self.head)
        pull.fixed = commit_files(self.repos.work, {"app.py": FIXED_APP}, "the fix")
        git(self.repos.work, "checkout", "-q", "main")
        return pull

    def event(self, **changes: Any) -> dict[str, Any]:
        """GitHub's pull_request payload for this pull request."""
        payload = pr_event(self.head_ref, self.head, head_repo=self.head_repo)
        payload["pull_request"]["base"]["sha"] = self.base
        payload["pull_request"].update(changes)
        return payload

    def ci_run(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], **env: str
    ) -> tuple[ActionsEnv, Run]:
        """heal in the pull request's `pull_request` run: its head checked out (actions/checkout
        with `ref: github.event.pull_request.head.sha`), its tools, a read-only token."""
        folder = self.tmp / "pr-run"
        folder.mkdir(exist_ok=True)
        ci = self.repos.clone("pr-ci", depth=1, identity=False)
        git(ci, "fetch", "-q", "--depth=1", "origin", self.head)
        git(ci, "checkout", "-q", "--detach", self.head)
        actions = ActionsEnv(folder, workspace=ci)
        path = tools_path()
        actions.env["PATH"] = path
        monkeypatch.setenv("PATH", path)
        actions.set_event(self.event(), "pull_request")
        actions.env.update(
            {
                "GITHUB_SHA": "f" * 40,  # the merge commit GitHub made: not what is checked out
                "GITHUB_REF": f"refs/pull/{NUMBER}/merge",
                "GITHUB_ACTOR": "dependabot[bot]" if not self.fork else "someone",
                **env,
            }
        )
        actions.inputs(mode="heal", token=TOKEN, detect="false")  # its own config's checks
        return actions, actions.run(capsys)

    def download(self, made: str) -> Path:
        """What actions/download-artifact leaves: the folder's files, in a folder of its own."""
        target = self.tmp / "download" / "autoheal-fix"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(made, target)
        return target

    def trusted_job(self, api_url: str, artifact: Path, **inputs: str) -> ActionsEnv:
        """heal with `apply-patch` in the `workflow_run` that follows the pull request's run:
        the default branch checked out (depth 1), checks that would leave a marker. Each
        call is a new runner: a re-run starts from nothing."""
        folder = self.tmp / "apply-run"
        for old in (folder, self.tmp / "trusted"):
            if old.exists():
                shutil.rmtree(old)
        folder.mkdir()
        trusted = self.repos.clone("trusted", depth=1, identity=False)
        actions = ActionsEnv(folder, workspace=trusted)
        actions.set_event(self.run_event(**self.run_event_changes), "workflow_run")
        actions.env["GITHUB_API_URL"] = api_url
        marker = self.tmp / "trusted-check-ran"
        actions.inputs(
            mode="heal",
            token=TOKEN,
            apply_patch=str(artifact),
            lint_command=f"touch {marker}; ruff format --check .",
            fix_command=f"touch {marker}; ruff format .",
            **inputs,
        )
        return actions

    def run_event(self, **changes: Any) -> dict[str, Any]:
        """GitHub's workflow_run payload (completed) for the pull request's CI run. A fork's
        run lists no pull request, as GitHub sends it."""
        payload = workflow_run_event(head_branch=self.head_ref, head_repo=self.head_repo)
        run = payload["workflow_run"]
        run.update(event="pull_request", head_sha=self.head)
        if not self.fork:
            run["pull_requests"] = [
                {
                    "id": 1,
                    "number": NUMBER,
                    "url": f"https://api.github.com/repos/{REPO}/pulls/{NUMBER}",
                    "head": {"ref": self.head_ref, "sha": self.head, "repo": {}},
                    "base": {"ref": "main", "sha": self.base, "repo": {}},
                }
            ]
        run.update(changes)
        return payload

    def trusted_ran_code(self) -> list[str]:
        """What the trusted job ran or checked out: the markers of its own checks and of the
        pull request's, and any file of the pull request in its work tree."""
        trusted = self.repos.clones["trusted"]
        markers = (
            self.tmp / "trusted-check-ran",
            trusted / "pull-code-ran",
            trusted / ".github" / "autoheal.yml",
        )
        found = [str(p) for p in markers if p.exists()]
        status = git(trusted, "status", "--porcelain", "--untracked-files=all")
        head = git(trusted, "rev-parse", "HEAD").strip()
        return found + status.splitlines() + ([] if head == self.base else [f"HEAD {head}"])

    def remote_refs(self) -> str:
        return git(self.repos.remote, "for-each-ref", "--format=%(refname) %(objectname)")


@dataclass
class Scene:
    """A pull request, the artifact its run wrote, and the fake GitHub the trusted job asks."""

    pr: PullRequest
    fake: FakeGitHub
    reviews: FakeReviews
    artifact: Path

    def apply(self, capsys: pytest.CaptureFixture[str], **inputs: str) -> Run:
        return self.pr.trusted_job(self.fake.api_url, self.artifact, **inputs).run(capsys)

    def forge(self, edits: dict[str, Edit] | None = None, **fields: Any) -> None:
        """Replace the artifact with one an attacker wrote whole, sound in shape and digest:
        the patch of `edits` on the pull request's head (default: the real patch), the
        manifest's `fields` changed."""
        real = read_artifact(self.artifact, max_patch_bytes=1 << 20)
        patch = real.patch_text
        if edits is not None:
            work = self.pr.repos.work
            git(work, "checkout", "-q", "--detach", self.pr.head)
            patch = diff_of(work, edits)
            git(work, "checkout", "-q", "main")
        manifest = {
            "repository": real.repository,
            "pull_request": real.pull_request,
            "base_sha": real.base_sha,
            "head_sha": real.head_sha,
            "head_repository": real.head_repository,
            "head_ref": real.head_ref,
            **fields,
        }
        shutil.rmtree(self.artifact)
        write_artifact(self.artifact, patch, **manifest)

    def writes(self) -> list[str]:
        """Every request that could change something on GitHub."""
        return [f"{r.method} {r.path}" for r in self.fake.log if r.method not in ("GET", "POST")]

    def posted(self) -> list[str]:
        return [r.path for r in self.fake.log if r.method == "POST" and r.path != "/graphql"]


def make_scene(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    *,
    fork: bool,
) -> Scene:
    pr = open_pull_request(tmp_path, fork=fork)
    _, made = pr.ci_run(monkeypatch, capsys)
    assert made.outputs["patch-artifact"], made.out + made.err
    fake = FakeGitHub(httpserver)
    fake.as_github_actions()
    reviews = FakeReviews(
        fake,
        REPO,
        number=NUMBER,
        head=pr.head,
        files=pr.pull.files(),
        head_ref=pr.head_ref,
        head_repo=pr.head_repo,
    )
    return Scene(pr, fake, reviews, pr.download(made.outputs["patch-artifact"]))


def open_pull_request(tmp_path: Path, *, fork: bool) -> PullRequest:
    """A repository with a formatted module on main, and a pull request (#7) that adds badly
    formatted lines: from a fork (its head only under refs/pull/7/head here, as GitHub keeps
    it), or from a branch of this repository (Dependabot's)."""
    repos = make_repo(tmp_path, files={"app.py": "x = 1\n"})
    base = repos.sha()
    work = repos.work
    head = commit_files(work, {"app.py": PULL_APP, ".github/autoheal.yml": PULL_CONFIG}, "bump")
    head_ref = "patch-1" if fork else "dependabot/pip/requests-2.32.4"
    git(work, "push", "-q", "origin", f"HEAD:refs/pull/{NUMBER}/head")
    if not fork:
        git(work, "push", "-q", "origin", f"HEAD:refs/heads/{head_ref}")
    git(work, "checkout", "-q", "main")
    git(work, "reset", "-q", "--hard", base)
    return PullRequest(tmp_path, repos, base, head, head_ref, FORK if fork else REPO, fork)
