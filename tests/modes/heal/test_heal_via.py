"""`heal-via: pull-request`: the fix goes to `autoheal/<branch>` with a pull request, never to
the branch, through `main()` with real git and the fake GitHub on 127.0.0.1."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.actions import TOKEN, assert_input_error
from tests.fake_github import FakeGitHub, Recorded
from tests.fakes import ACTIONS_BOT
from tests.gitfixtures import git
from tests.heal_helpers import FORMATTED, REPO, UNFORMATTED, Setup, setup_heal

PULLS = f"/repos/{REPO}/pulls"
PR_URL = f"https://github.com/{REPO}/pull/8"


class Pulls:
    """The repository's open pull requests, as the fake answers them."""

    def __init__(self, fake: FakeGitHub) -> None:
        self.open: list[dict[str, Any]] = []
        fake.route("GET", PULLS, answer=self.list)
        fake.route("POST", PULLS, answer=self.create)
        fake.route("PATCH", rf"{PULLS}/\d+", answer=self.update)

    def list(self, request: Recorded) -> tuple[int, Any]:
        owner_branch = request.query.get("head", "")
        found = [p for p in self.open if f"octo-org:{p['head']['ref']}" == owner_branch]
        return 200, found

    def create(self, request: Recorded) -> tuple[int, Any]:
        body = request.body
        pull = {
            "number": 8,
            "html_url": PR_URL,
            "user": ACTIONS_BOT,  # opened by the token's own account: ours to update
            "title": body["title"],
            "body": body["body"],
            "head": {"ref": body["head"].split(":", 1)[1]},
            "base": {"ref": body["base"]},
        }
        self.open.append(pull)
        return 201, pull

    def update(self, request: Recorded) -> tuple[int, Any]:
        self.open[0].update(request.body)
        return 200, self.open[0]


@dataclass
class Scene:
    s: Setup
    fake: FakeGitHub
    pulls: Pulls


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> Scene:
    """heal with `heal-via: pull-request` on a badly formatted main, the fake GitHub's pulls."""
    s = setup_heal(tmp_path, monkeypatch, heal_via="pull-request")
    fake = FakeGitHub(httpserver)
    s.actions.env["GITHUB_API_URL"] = fake.api_url
    fake.as_github_actions()
    return Scene(s, fake, Pulls(fake))


def test_the_fix_goes_to_a_pull_request_and_the_branch_is_untouched(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    s, fake, pulls = scene.s, scene.fake, scene.pulls
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert r.outputs["pr-url"] == PR_URL
    # The branch keeps its commit; the fix is on autoheal/main, one commit on top of it.
    assert s.repos.remote_sha("main") == tip
    assert s.repos.remote_file("main", "app.py") == UNFORMATTED
    fix = r.outputs["commit-sha"]
    assert s.repos.remote_sha("autoheal/main") == fix
    assert s.repos.remote_file("autoheal/main", "app.py") == FORMATTED
    assert git(s.repos.remote, "rev-parse", f"{fix}^").strip() == tip
    [create] = fake.requests("POST", PULLS)
    assert create.body["head"] == "octo-org:autoheal/main"
    assert create.body["base"] == "main"
    assert create.body["title"] == "autoheal: apply lint fixes on main"
    assert create.body["body"].startswith(
        "CI Autoheal fixed `main`, and this repository takes its fixes as pull requests "
        "(`heal-via: pull-request`)."
    )
    assert create.headers["Authorization"] == f"Bearer {TOKEN}"
    # The summary says where the fix went and why.
    assert (
        f"`heal-via` is `pull-request`: pushed `{fix[:12]}` to `autoheal/main` and opened "
        f"[{PR_URL}]({PR_URL}) into `main`." in r.summary
    )
    assert "protected" not in r.summary
    assert [c for c in r.out.splitlines() if c.startswith("::warning")] == []
    assert pulls.open[0]["head"]["ref"] == "autoheal/main"


def test_a_rerun_updates_the_pull_request(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    """The branch still fails (nobody merged yet): the next heal moves autoheal/main to its
    new fix and edits the same pull request instead of opening a second one."""
    s, fake, pulls = scene.s, scene.fake, scene.pulls
    first = s.actions.run(capsys)
    assert first.code == 0, first.out + first.err
    # A colleague pushes to main meanwhile; the next failing run heals the new tip.
    s.repos.commit("README.md", "# demo\n", "Describe the project")
    s.repos.push()
    tip = s.repos.remote_sha("main")
    # The next job: a fresh checkout, fresh runner files.
    ci = s.repos.clone("ci-next", identity=False)
    s.actions.env["INPUT_WORKING_DIRECTORY"] = str(ci)
    s.actions.output.write_text("")
    s.actions.summary.write_text("")
    second = s.actions.run(capsys)
    assert second.code == 0, second.out + second.err
    assert second.outputs["pr-url"] == PR_URL
    fix = second.outputs["commit-sha"]
    assert fix != first.outputs["commit-sha"]
    assert s.repos.remote_sha("autoheal/main") == fix
    assert git(s.repos.remote, "rev-parse", f"{fix}^").strip() == tip
    assert s.repos.remote_sha("main") == tip
    assert len(fake.requests("POST", PULLS)) == 1
    [update] = fake.requests("PATCH", rf"{PULLS}/8")
    assert update.body["title"] == "autoheal: apply lint fixes on main"
    assert "`heal-via: pull-request`" in update.body["body"]
    assert len(pulls.open) == 1


def test_without_a_token_the_fix_is_on_its_branch(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    s, fake = scene.s, scene.fake
    # The push uses the clone's file:// remote, which needs no token.
    del s.actions.env["INPUT_TOKEN"]
    r = s.actions.run(capsys)
    assert r.outputs["status"] == "HEALED", r.out + r.err
    assert s.repos.remote_file("autoheal/main", "app.py") == FORMATTED
    assert s.repos.remote_file("main", "app.py") == UNFORMATTED
    assert "no token to open a pull request" in r.summary
    assert fake.log == []


def test_push_stays_the_default(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    s, fake = scene.s, scene.fake
    del s.actions.env["INPUT_HEAL_VIA"]
    r = s.actions.run(capsys)
    assert r.outputs["status"] == "HEALED", r.out + r.err
    assert s.repos.remote_file("main", "app.py") == FORMATTED
    assert s.repos.remote_sha("autoheal/main") is None
    assert fake.log == []


@pytest.mark.parametrize("value", ["suggestion", "pr", "pull_request"])
def test_other_ways_are_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, heal_via=value)
    tip = s.repos.remote_sha("main")
    r = s.actions.run(capsys)
    message = assert_input_error(r, "heal-via")
    assert "push or suggest or pull-request" in message
    assert s.repos.remote_sha("main") == tip and s.repos.remote_sha("autoheal/main") is None


def test_locally_heal_via_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A local run commits on the current branch and never pushes, whatever `heal-via` says."""
    s = setup_heal(tmp_path, monkeypatch)
    tip = s.repos.remote_sha("main")
    from autoheal.cli import main

    argv = ["heal", "--repo", str(s.ci), "--heal-via", "pull-request", "--detect", "false"]
    argv += ["--lint-command", "ruff format --check .", "--fix-command", "ruff format ."]
    env = {"PATH": s.actions.env["PATH"]}
    git(s.ci, "config", "user.name", "Dev")
    git(s.ci, "config", "user.email", "dev@example.com")
    code = main(argv, env)
    out = capsys.readouterr().out
    assert code == 0, out
    assert (s.ci / "app.py").read_text() == FORMATTED
    assert s.repos.remote_sha("main") == tip and s.repos.remote_sha("autoheal/main") is None
