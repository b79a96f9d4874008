"""Fix on request: a `/autoheal fix` comment on a pull request, through `main()` with GitHub's
`issue_comment` payload, real git underneath (a bare remote whose `feature` branch is the pull
request's head) and the fake GitHub on 127.0.0.1, every request checked against GitHub's
OpenAPI description. The checks leave a mark when they run: a refusal must leave none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.actions import TOKEN, runner_commands
from tests.gitfixtures import git
from tests.request_helpers import (
    API,
    BRANCH,
    NUMBER,
    STRANGER,
    WRITER,
    Scene,
    request_scene,
)

RUN_URL = "https://github.com/octo-org/octo-repo/actions/runs/1234"


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> Scene:
    return request_scene(tmp_path, monkeypatch, httpserver)


@pytest.fixture
def fork(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> Scene:
    return request_scene(tmp_path, monkeypatch, httpserver, head_repo="contributor/octo-repo")


def refs(scene: Scene) -> str:
    return git(scene.s.repos.remote, "for-each-ref", "--format=%(refname) %(objectname)")


# ---- who may ask -------------------------------------------------------------------------------


def test_a_strangers_request_runs_nothing_and_gets_one_polite_answer(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    before = refs(scene)
    scene.gh.permissions["mallory"] = "read"
    scene.comment(user=STRANGER)
    r = scene.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SKIPPED"
    assert r.outputs["request"] == "none"
    assert r.outputs["head-sha"] == r.outputs["head-ref"] == ""
    assert scene.gh.reactions() == ["eyes", "-1"]
    answer = scene.gh.answer()
    assert "Thank you for asking, `mallory`. Only people with write access" in answer
    assert "`/autoheal fix` asked by `mallory`" in answer and RUN_URL in answer
    assert "@mallory" not in answer  # quoted, never a mention
    assert "<!-- autoheal:fix-request -->" in answer
    # Nothing else was asked of GitHub: not even the pull request.
    assert not scene.fake.requests("GET", rf"{API}/pulls/\d+")
    # Even a fix stage the workflow should never have run refuses before any check runs.
    scene.check_out(scene.gh.head)
    fixed = scene.run(capsys, "fix")
    assert fixed.code == 0 and fixed.outputs["status"] == "SKIPPED"
    assert not scene.marker.exists()
    assert refs(scene) == before
    # Asking twice answers in the same comment: one comment, edited.
    assert len(scene.gh.posted()) == 1 and len(scene.gh.comments) == 1
    assert scene.gh.reactions() == ["eyes", "-1", "-1"]


@pytest.mark.parametrize(
    ("level", "wanted", "reactions"),
    [
        ("admin", "fix", ["eyes"]),
        ("maintain", "fix", ["eyes"]),
        ("write", "fix", ["eyes"]),
        ("triage", "none", ["eyes", "-1"]),
        ("read", "none", ["eyes", "-1"]),
        ("none", "none", ["eyes", "-1"]),
    ],
)
def test_write_maintain_and_admin_may_ask_triage_and_read_may_not(
    scene: Scene, capsys: pytest.CaptureFixture[str], level: str, wanted: str, reactions: list[str]
) -> None:
    scene.gh.permissions["octocat"] = level
    r = scene.run(capsys)
    assert r.code == 0 and r.outputs["request"] == wanted, r.out
    assert scene.gh.reactions() == reactions
    refused = "Only people with write access" in scene.gh.answer()
    assert refused == (wanted == "none")


def test_a_commenter_who_is_no_collaborator_is_refused(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub answers 404 for the permission of someone who is not a collaborator."""
    scene.comment(user={"login": "drive-by", "id": 9, "type": "User"})
    r = scene.run(capsys)
    assert r.code == 0, r.out + r.err
    [asked] = scene.fake.requests("GET", rf"{API}/collaborators/drive-by/permission")
    assert asked.headers["Authorization"] == f"Bearer {TOKEN}"
    assert r.outputs["request"] == "none"
    assert scene.gh.reactions() == ["eyes", "-1"]
    assert "Thank you for asking, `drive-by`." in scene.gh.answer()


# ---- what is not a request ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "Looks good to me",
        "please /autoheal fix",
        "/autoheal fixes",
        "/autoheal",
        "> /autoheal fix\nquoted",
    ],
)
def test_a_comment_that_is_not_the_command_does_nothing_at_all(
    scene: Scene, capsys: pytest.CaptureFixture[str], body: str
) -> None:
    scene.comment(body)
    r = scene.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "SKIPPED"
    assert r.outputs["request"] == "none"
    assert "Not a fix request" in r.summary
    assert scene.fake.log == []  # no reaction, no answer, no question to GitHub


def test_the_command_may_follow_blank_lines_and_be_followed_by_text(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    scene.comment("\n  \r\n  /autoheal fix  \r\nThe formatter again, please.")
    r = scene.run(capsys)
    assert r.outputs["request"] == "fix", r.out


def test_a_comment_on_an_issue_does_nothing(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    scene.comment(on_pull_request=False)
    r = scene.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "SKIPPED"
    assert "not on a pull request" in r.summary
    assert scene.fake.log == []


def test_a_bots_comment_does_nothing(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    scene.comment(user={"login": "renovate[bot]", "id": 2, "type": "Bot"})
    r = scene.run(capsys)
    assert r.code == 0 and r.outputs["request"] == "none"
    assert scene.fake.log == []


def test_our_own_accounts_comment_does_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With a personal access token our account is a user: what it writes is never a request."""
    pat_user = {**WRITER, "two_factor_authentication": True}  # GET /user: a private user
    scene = request_scene(tmp_path, monkeypatch, httpserver, token_user=pat_user)
    r = scene.run(capsys)
    assert r.code == 0 and r.outputs["request"] == "none"
    assert "the comment is our own" in r.summary
    assert [(q.method, q.path) for q in scene.fake.log] == [("GET", "/user")]


# ---- accept: the same repository ---------------------------------------------------------------


def test_a_writers_request_is_accepted_with_the_head_github_reports(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    before = refs(scene)
    r = scene.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "ACCEPTED"
    assert r.outputs["request"] == "fix"
    assert r.outputs["head-sha"] == scene.gh.head
    assert r.outputs["head-ref"] == BRANCH
    assert r.outputs["artifact-run-id"] == ""
    assert scene.gh.reactions() == ["eyes"]  # 👍 or 👎 when the fix stage is done
    assert f"On it: healing `{BRANCH}` at `{scene.gh.head[:12]}`" in scene.gh.answer()
    # Accepting runs no check and changes nothing.
    assert not scene.marker.exists()
    assert refs(scene) == before


def test_a_closed_pull_request_is_answered_and_not_fixed(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    scene.gh.state = "closed"
    r = scene.run(capsys)
    assert r.code == 0 and r.outputs["request"] == "none"
    assert scene.gh.reactions() == ["eyes", "-1"]
    assert f"Pull request #{NUMBER} is `closed`: there is nothing to fix." in scene.gh.answer()


# ---- fix: the same repository ------------------------------------------------------------------


def test_the_fix_stage_pushes_the_fix_onto_the_pull_requests_branch(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    head = scene.gh.head
    accepted = scene.run(capsys)
    assert accepted.outputs["request"] == "fix"
    scene.check_out(accepted.outputs["head-sha"])
    r = scene.run(capsys, "fix")
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    fix = r.outputs["commit-sha"]
    # On the pull request's branch in the remote: one commit on top of the head, formatted.
    repos = scene.s.repos
    assert repos.remote_sha(BRANCH) == fix
    assert git(repos.remote, "rev-parse", f"{fix}^").strip() == head
    assert repos.remote_file(BRANCH, "feature.py") == "y = 2\n"
    assert repos.remote_sha("main") == repos.sha("main")
    assert "Autoheal-Run:" in repos.remote_message(fix)
    assert scene.gh.reactions() == ["eyes", "+1"]
    answer = scene.gh.answer()
    assert "**HEALED** · Fixed lint." in answer
    assert f"Pushed `{fix[:12]}` to `{BRANCH}`" in answer
    assert len(scene.gh.posted()) == 1  # the accept's answer, edited with the result
    # The author pushes more unformatted code and asks again (a new comment): the same
    # comment of ours answers, edited.
    repos.pull(BRANCH)
    pushed = repos.commit("more.py", "z=3\n", "More of the feature")
    repos.push(BRANCH)
    scene.comment(comment_id=492700401)
    again = scene.run(capsys)
    assert again.outputs["head-sha"] == pushed
    scene.check_out(pushed, "pr-again")
    second = scene.run(capsys, "fix")
    assert second.code == 0 and second.outputs["status"] == "HEALED", second.out
    assert git(repos.remote, "rev-parse", f"{BRANCH}^").strip() == pushed
    assert repos.remote_file(BRANCH, "more.py") == "z = 3\n"
    assert f"Pushed `{second.outputs['commit-sha'][:12]}`" in scene.gh.answer()
    assert len(scene.gh.posted()) == 1 and len(scene.gh.comments) == 1
    assert [q.path for q in scene.fake.requests("POST", rf"{API}/issues/comments/\d+/reactions")][
        -2:
    ] == [f"{API}/issues/comments/492700401/reactions"] * 2
    assert scene.gh.reactions() == ["eyes", "+1", "eyes", "+1"]


def test_a_fix_stage_that_heals_nothing_is_answered_with_a_thumbs_down(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    accepted = scene.run(capsys)
    head = accepted.outputs["head-sha"]
    scene.check_out(head)
    scene.s.actions.inputs(fix_command="true")  # a fixer that changes nothing
    r = scene.run(capsys, "fix")
    assert r.outputs["status"] == "NOT FIXED", r.out + r.err
    assert scene.gh.reactions() == ["eyes", "-1"]
    assert "**NOT FIXED**" in scene.gh.answer()
    assert scene.s.repos.remote_sha(BRANCH) == head  # nothing pushed


def test_a_head_that_moved_after_accepting_is_refused_and_nothing_is_pushed(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    accepted = scene.run(capsys)
    repos = scene.s.repos
    moved = repos.commit("other.py", "z = 3\n", "A colleague's commit")
    repos.push(BRANCH)
    scene.check_out(accepted.outputs["head-sha"])
    r = scene.run(capsys, "fix")
    assert r.code == 1
    assert r.outputs["status"] == "FAILED"
    errors = [c for c in runner_commands(r.out) if c.startswith("::error")]
    assert len(errors) == 1 and "is not its head as GitHub reports it now" in errors[0]
    assert not scene.marker.exists()
    assert repos.remote_sha(BRANCH) == moved
    assert scene.gh.reactions() == ["eyes", "-1"]
    assert f"`{BRANCH}` is now at `{moved[:12]}`" in scene.gh.answer()
    assert "nothing was run or pushed" in scene.gh.answer()


def test_an_error_while_healing_is_answered_with_a_thumbs_down(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    """An earlier step left the tree dirty: heal refuses (its own error), and the request is
    still answered."""
    accepted = scene.run(capsys)
    pr = scene.check_out(accepted.outputs["head-sha"])
    (pr / "feature.py").write_text("y = 'edited by a step'\n")
    r = scene.run(capsys, "fix")
    assert r.code == 1 and "Refusing to heal: the working tree" in r.out
    assert not scene.marker.exists()
    assert scene.s.repos.remote_sha(BRANCH) == accepted.outputs["head-sha"]
    assert scene.gh.reactions() == ["eyes", "-1"]
    assert f"Healing `{BRANCH}` failed: the run says why." in scene.gh.answer()


def test_the_fix_stage_refuses_a_fork_before_running_anything(
    fork: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    before = refs(fork)
    fork.check_out(fork.gh.head)
    r = fork.run(capsys, "fix")
    assert r.code == 1 and "Refusing to heal pull request #7: it comes from the fork" in r.out
    assert not fork.marker.exists()
    assert refs(fork) == before


def test_the_pause_issue_stops_a_request(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_pause import labeled, route_pause

    del scene.s.actions.env["INPUT_PAUSE_LABEL"]  # the default label, looked up
    route_pause(scene.fake, [labeled("maint")], {})
    scene.gh.permissions["maint"] = "admin"  # applied the label: may pause
    before = refs(scene)
    r = scene.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "SKIPPED"
    assert "**Paused** by the open issue" in r.summary
    scene.check_out(scene.gh.head)
    fixed = scene.run(capsys, "fix")
    assert fixed.code == 0 and fixed.outputs["status"] == "SKIPPED"
    assert scene.gh.reactions() == [] and scene.gh.comments == []
    assert not scene.marker.exists()
    assert refs(scene) == before


# ---- accept: a fork ----------------------------------------------------------------------------


def test_a_fork_with_a_fix_artifact_is_accepted_as_suggestions(
    fork: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    head = fork.gh.head
    fork.gh.add_run(31, "5" * 40, artifact=True)  # another commit's run: never used
    fork.gh.add_run(30, head, artifact=True, expired=True)  # too old to download
    fork.gh.add_run(29, head, artifact=False)  # its heal found nothing to fix, or failed
    fork.gh.add_run(28, head, artifact=True)
    fork.gh.add_run(27, head, artifact=True)  # older than 28
    r = fork.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "ACCEPTED"
    assert r.outputs["request"] == "suggest"
    assert r.outputs["artifact-run-id"] == "28"
    assert r.outputs["head-sha"] == head
    assert r.outputs["head-ref"] == ""  # a fork's branch is not ours to push to
    [listed] = fork.fake.requests("GET", f"{API}/actions/runs")
    assert listed.query == {"event": "pull_request", "head_sha": head, "per_page": "20"}
    asked = [q.path for q in fork.fake.requests("GET", rf"{API}/actions/runs/\d+/artifacts")]
    assert asked == [f"{API}/actions/runs/{n}/artifacts" for n in (30, 29, 28)]
    artifacts = fork.fake.requests("GET", rf"{API}/actions/runs/28/artifacts")
    assert artifacts[0].query["name"] == "autoheal-fix"
    assert fork.gh.reactions() == ["eyes"]
    assert "CI run 28" in fork.gh.answer() and "suggested changes" in fork.gh.answer()
    assert not fork.marker.exists()


def test_a_fork_without_a_fix_artifact_is_told_there_is_none_yet(
    fork: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    fork.gh.add_run(28, fork.gh.head, artifact=False)
    r = fork.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SKIPPED"
    assert r.outputs["request"] == "none"
    assert r.outputs["artifact-run-id"] == ""
    assert fork.gh.reactions() == ["eyes", "-1"]
    answer = fork.gh.answer()
    assert f"No CI run of `{fork.gh.head[:12]}` has left a fix yet: push or re-run CI, then " in (
        answer
    )
    assert not fork.marker.exists()


def test_a_deleted_fork_is_never_pushed_to(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GitHub answers `head.repo: null` when the fork was deleted: a fork, with no runs."""
    scene = request_scene(tmp_path, monkeypatch, httpserver, head_repo="")
    r = scene.run(capsys)
    assert r.code == 0 and r.outputs["request"] == "none"
    assert "No CI run of" in scene.gh.answer()
    scene.check_out(scene.gh.head)
    fixed = scene.run(capsys, "fix")
    assert fixed.code == 1 and "(deleted repository)" in fixed.out
    assert not scene.marker.exists()


def test_the_writer_is_quoted_and_the_token_never_shown(
    scene: Scene, capsys: pytest.CaptureFixture[str]
) -> None:
    accepted = scene.run(capsys)
    scene.check_out(accepted.outputs["head-sha"])
    r = scene.run(capsys, "fix")
    shown = [line for line in r.out.splitlines() if not line.startswith("::add-mask::")]
    for text in ("\n".join(shown), r.err, r.summary, scene.gh.answer()):
        assert TOKEN not in text
    assert f"`{WRITER['login']}`" in scene.gh.answer()
