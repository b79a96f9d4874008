"""The pause switch, through `main()`: an open issue labelled `autoheal:pause` by a user with
write access, or `enabled: false`, stops every mode before it does anything.

Real git underneath (a bare remote, a CI clone), the fake GitHub on 127.0.0.1 (every request
checked against GitHub's OpenAPI description), real check subprocesses that leave a mark when
they run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
from pytest_httpserver import HTTPServer

from autoheal import pause
from tests.actions import TOKEN, ActionsEnv, Run, assert_input_error, runner_commands
from tests.fake_github import FakeGitHub, Recorded
from tests.gitfixtures import Repos, git, make_repo
from tests.heal_helpers import tools_path

REPO = "octo-org/octo-repo"
API = f"/repos/{REPO}"
ISSUE_URL = f"https://github.com/{REPO}/issues/12"
MODES = ("heal", "redispatch", "validate", "rollback")
# Hostile on purpose: code spans, HTML, a mention and workflow commands in an issue's title.
TITLE = "Freeze `now` <details> @everyone ##[error]x ::error::y"
SHOWN_TITLE = "``Freeze `now` <details> @everyone ##[error]x ::error::y``"  # a code span


def user(login: str) -> dict[str, Any]:
    return {"login": login, "id": 1, "type": "User"}


def issue(number: int = 12, *, pull: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {
        "number": number,
        "title": TITLE,
        "state": "open",
        "html_url": f"https://github.com/{REPO}/issues/{number}",
        "labels": [{"name": "autoheal:pause"}],
    }
    if pull:
        found["pull_request"] = {"url": f"https://api.github.com{API}/pulls/{number}"}
    return found


def labeled(login: str, label: str = "autoheal:pause", event: str = "labeled") -> dict[str, Any]:
    return {
        "id": 1,
        "event": event,
        "actor": user(login),
        "label": {"name": label, "color": "d73a4a"},
        "created_at": "2026-01-02T03:04:05Z",
    }


def permission(name: str, role: str) -> dict[str, Any]:
    return {"permission": name, "role_name": role, "user": user("x")}


# ------------------------------------------------------------------------------ the scenario

APP = "x=1\n"
BROKEN = "x=1\nraise SystemExit(3)\n"


@dataclass
class Scene:
    repos: Repos
    ci: Path
    actions: ActionsEnv
    fake: FakeGitHub
    marker: Path  # written by every check and fix that runs
    before: str
    after: str

    def refs(self) -> str:
        return git(self.repos.remote, "for-each-ref", "--format=%(refname) %(objectname)")

    def run(self, capsys: pytest.CaptureFixture[str], argv: list[str] | None = None) -> Run:
        return self.actions.run(capsys, argv)


def scene(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    httpserver: HTTPServer,
    mode: str,
    *,
    files: dict[str, str] | None = None,
) -> Scene:
    """A push that breaks the build (`after`) on top of a good commit (`before`), and a CI
    clone at it, set up so that each mode, unpaused, would act: heal fixes the format and
    pushes, redispatch dispatches, validate checks and posts a status, rollback bisects."""
    repos = make_repo(tmp_path, files={"app.py": APP, **(files or {})})
    before = repos.sha()
    after = repos.commit("app.py", BROKEN, "Break the app")
    repos.push()
    ci = repos.clone("ci", identity=False)
    marker = tmp_path / "ran"
    actions = ActionsEnv(tmp_path, workspace=ci)
    monkeypatch.setenv("PATH", tools_path())
    actions.env["PATH"] = tools_path()
    fake = FakeGitHub(httpserver)
    actions.env["GITHUB_API_URL"] = fake.api_url
    actions.env["GITHUB_SHA"] = after
    del actions.env["INPUT_PAUSE_LABEL"]  # the default label, looked up
    event = json.loads((Path(__file__).parent / "fixtures/events/push.branch.json").read_text())
    event.update(ref="refs/heads/main", before=before, after=after)
    event["repository"].update(full_name=REPO, default_branch="main")
    actions.set_event(event, "push")
    actions.inputs(
        mode=mode,
        token=TOKEN,
        detect="false",
        lint_command=f"echo lint >> {marker} && ruff format --check .",
        fix_command=f"echo fix >> {marker} && ruff format .",
        test_command=f"echo test >> {marker} && python3 app.py",
    )
    if mode == "validate":
        actions.inputs(sha=after)
    if mode == "rollback":
        actions.inputs(rollback_required="true", before=before, after=after, open_issue="false")
    return Scene(repos, ci, actions, fake, marker, before, after)


class NewScene(Protocol):
    def __call__(self, mode: str, *, files: dict[str, str] | None = None) -> Scene: ...


@pytest.fixture
def new_scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> NewScene:
    def make(mode: str, *, files: dict[str, str] | None = None) -> Scene:
        return scene(tmp_path, monkeypatch, httpserver, mode, files=files)

    return make


def route_pause(fake: FakeGitHub, events: list[dict[str, Any]], perms: dict[str, Any]) -> None:
    """Issue #12 labelled as `events` say; `perms` maps a login to its permission answer."""
    fake.route("GET", f"{API}/issues", body=[issue()])
    fake.route("GET", f"{API}/issues/12/events", body=events)
    for login, answer in perms.items():
        fake.route("GET", f"{API}/collaborators/{login}/permission", body=answer)


def route_mode_writes(fake: FakeGitHub) -> None:
    """What the modes write, answered as GitHub does, so an unpaused run can go through."""
    fake.route("POST", f"{API}/dispatches", status=204)
    fake.route("GET", f"{API}/commits/[0-9a-f]{{40}}/statuses", body=[])
    fake.route(
        "POST",
        f"{API}/statuses/[0-9a-f]{{40}}",
        status=201,
        body={"id": 1, "state": "failure", "context": "autoheal/validate"},
    )


def writes(fake: FakeGitHub) -> list[Recorded]:
    return [r for r in fake.log if r.method != "GET"]


def acted(s: Scene, mode: str, before_refs: str) -> bool:
    """Whether the mode did its work: what each would do when nothing stops it."""
    if mode == "heal":
        return s.refs() != before_refs
    if mode == "redispatch":
        return bool(s.fake.requests("POST", f"{API}/dispatches"))
    if mode == "validate":
        return s.marker.exists() and bool(s.fake.requests("POST", f"{API}/statuses/.*"))
    return s.marker.exists()  # rollback: bisecting runs the checks


# ------------------------------------------------------------------------------ paused by issue


@pytest.mark.parametrize("mode", MODES)
def test_an_issue_labelled_by_a_writer_pauses_every_mode(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    s = new_scene(mode)
    route_pause(
        s.fake,
        [labeled("drive-by"), labeled("maint", "other"), labeled("maint")],
        {"maint": permission("write", "maintain")},
    )
    route_mode_writes(s.fake)
    refs = s.refs()
    head = git(s.ci, "rev-parse", "HEAD")
    r = s.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "SKIPPED"
    assert f"## CI Autoheal · {mode}: SKIPPED" in r.summary
    assert f"[#12 {SHOWN_TITLE}]({ISSUE_URL})" in r.summary
    assert "labelled `autoheal:pause` by `maint`" in r.summary
    # Nothing done: no request but the three reads, no check run, no ref moved, no commit.
    assert [(q.method, q.path) for q in s.fake.log] == [
        ("GET", f"{API}/issues"),
        ("GET", f"{API}/issues/12/events"),
        ("GET", f"{API}/collaborators/maint/permission"),
    ]
    assert s.fake.log[0].query == {"labels": "autoheal:pause", "state": "open", "per_page": "10"}
    assert not s.marker.exists()
    assert s.refs() == refs
    assert git(s.ci, "rev-parse", "HEAD") == head
    assert git(s.ci, "status", "--porcelain") == ""
    assert any(c.startswith("::notice title=CI Autoheal paused::") for c in runner_commands(r.out))
    # The title is in the summary only, quoted; nothing of it reaches the log as a command.
    assert "::error::y" not in r.out and "##[error]" not in r.out
    assert not any(line.startswith("::error") for line in r.out.splitlines())


@pytest.mark.parametrize("mode", MODES)
def test_without_a_pause_each_mode_acts(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    """The scene of the test above does something in every mode when nothing pauses it."""
    s = new_scene(mode)
    s.fake.route("GET", f"{API}/issues", body=[])
    route_mode_writes(s.fake)
    refs = s.refs()
    r = s.run(capsys)
    assert r.outputs["status"] not in ("SKIPPED", ""), r.out + r.err
    assert acted(s, mode, refs), r.out + r.err
    assert "Pause" not in r.out + r.err


def test_a_label_applied_by_a_reader_is_ignored_and_reported(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The latest `labeled` event decides: a maintainer labelled it once, then someone with
    triage access removed the label and applied it again."""
    s = new_scene("heal")
    route_pause(
        s.fake,
        [labeled("maint"), labeled("maint", event="unlabeled"), labeled("triager")],
        {"triager": permission("read", "triage")},
    )
    before = s.repos.remote_sha("main")
    r = s.run(capsys)
    assert r.outputs["status"] == "PARTIAL", r.out + r.err  # healed the format; the test fails
    assert s.repos.remote_sha("main") != before
    assert s.repos.remote_file("main", "app.py") == "x = 1\nraise SystemExit(3)\n"
    warnings = [c for c in runner_commands(r.out) if c.startswith("::warning")]
    assert warnings == [
        "::warning title=Pause label ignored::Issue #12 carries the label `autoheal:pause`, "
        "applied by `triager`, who has no write access: ignored. Only users with write, "
        "maintain or admin access can pause CI Autoheal."
    ]
    assert not s.fake.requests("GET", f"{API}/collaborators/maint/permission")


def test_a_pull_request_with_the_label_does_not_pause(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = new_scene("redispatch")
    s.fake.route("GET", f"{API}/issues", body=[issue(5, pull=True)])
    route_mode_writes(s.fake)
    r = s.run(capsys)
    assert r.outputs["status"] == "DISPATCHED", r.out + r.err
    assert [q.path for q in s.fake.log if q.method == "GET"] == [f"{API}/issues"]
    assert "Pull request #5 carries the label `autoheal:pause`" in r.out


@pytest.mark.parametrize(
    ("answer", "login"),
    [
        pytest.param(404, "ghost", id="not-a-collaborator"),
        pytest.param(permission("none", "none"), "stranger", id="no-access"),
    ],
)
def test_a_label_from_someone_without_access_is_ignored(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
    answer: Any,
    login: str,
) -> None:
    s = new_scene("redispatch")
    route_pause(s.fake, [labeled(login)], {})
    path = f"{API}/collaborators/{login}/permission"
    if answer == 404:
        s.fake.route("GET", path, status=404, body={"message": "Not Found"})
    else:
        s.fake.route("GET", path, body=answer)
    route_mode_writes(s.fake)
    r = s.run(capsys)
    assert r.outputs["status"] == "DISPATCHED", r.out + r.err
    assert f"applied by `{login}`, who has no write access: ignored" in r.out


def test_events_that_do_not_say_who_labelled_are_reported(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A label renamed since it was applied: no `labeled` event carries today's name."""
    s = new_scene("redispatch")
    route_pause(s.fake, [labeled("maint", "freeze")], {})
    route_mode_writes(s.fake)
    r = s.run(capsys)
    assert r.outputs["status"] == "DISPATCHED", r.out + r.err
    assert "its events do not say who applied it: ignored" in r.out
    assert not s.fake.requests("GET", f"{API}/collaborators/.*")


def test_a_label_name_is_matched_without_case(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = new_scene("redispatch")
    s.actions.inputs(pause_label="Freeze: Autoheal")
    route_pause(
        s.fake, [labeled("admin1", "freeze: autoheal")], {"admin1": permission("admin", "admin")}
    )
    r = s.run(capsys)
    assert r.outputs["status"] == "SKIPPED", r.out + r.err
    assert s.fake.log[0].query["labels"] == "Freeze: Autoheal"
    assert not writes(s.fake)


# ------------------------------------------------------------------------------ lookup failures


def test_an_unreadable_lookup_warns_and_goes_on(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Fail-open: a token without `issues: read` must not stop heal, and says what to add."""
    s = new_scene("redispatch")
    s.fake.route(
        "GET",
        f"{API}/issues",
        status=403,
        body={"message": "Resource not accessible by integration"},
    )
    route_mode_writes(s.fake)
    r = s.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "DISPATCHED", r.out + r.err
    [warning] = [c for c in runner_commands(r.out) if c.startswith("::warning")]
    assert warning.startswith("::warning title=Pause lookup failed::Cannot tell whether CI ")
    assert "Resource not accessible by integration" in warning
    assert "Give the job `issues: read`" in warning
    shown = [line for line in r.out.splitlines() if not line.startswith("::add-mask::")]
    assert TOKEN not in "\n".join(shown) + r.err + r.summary


def test_with_fail_on_error_an_unreadable_lookup_stops_the_run(
    new_scene: NewScene,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Fail-closed on request: nothing done, the step fails."""
    s = new_scene("heal")
    s.actions.inputs(fail_on_error="true")
    monkeypatch.setattr(pause, "sleep", lambda _seconds: None)
    s.fake.route("GET", f"{API}/issues", status=502, body={"message": "Bad Gateway"})
    refs = s.refs()
    r = s.run(capsys)
    assert r.code == 1 and r.outputs["status"] == "FAILED", r.out + r.err
    assert "Cannot tell whether CI Autoheal is paused" in r.summary
    assert "Nothing was done (`fail-on-error` is true)" in r.summary
    assert len(s.fake.requests("GET", f"{API}/issues")) == 3  # two retries, then no more
    assert not s.marker.exists() and s.refs() == refs


def test_no_token_in_actions_warns(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = new_scene("validate")
    del s.actions.env["INPUT_TOKEN"]
    s.actions.inputs(post_status="false")
    r = s.run(capsys)
    assert s.marker.exists(), r.out + r.err  # validate ran
    assert "Cannot tell whether CI Autoheal is paused: the `token` input is empty" in r.out
    assert s.fake.log == []


def test_the_lookup_has_a_deadline(
    new_scene: NewScene,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Many labelled issues, each from a reader: the lookup stops at the deadline."""
    s = new_scene("redispatch")
    s.fake.route("GET", f"{API}/issues", body=[issue(n) for n in range(1, 11)])
    s.fake.route("GET", rf"{API}/issues/\d+/events", body=[labeled("reader")])
    s.fake.route("GET", f"{API}/collaborators/reader/permission", body=permission("read", "read"))
    route_mode_writes(s.fake)
    ticks = iter(range(0, 1000, 25))  # every reading of the clock: 25 s later
    monkeypatch.setattr(pause, "clock", lambda: float(next(ticks)))
    r = s.run(capsys)
    assert r.outputs["status"] == "DISPATCHED", r.out + r.err
    assert "the lookup took longer than 60 seconds" in r.out
    assert len(s.fake.requests("GET", rf"{API}/issues/\d+/events")) < 10
    # One permission lookup per login, however many issues it labelled.
    assert len(s.fake.requests("GET", f"{API}/collaborators/reader/permission")) == 1


def test_locally_the_issue_is_looked_up_only_with_a_token_and_repository(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = new_scene("heal")
    route_pause(s.fake, [labeled("maint")], {"maint": permission("admin", "admin")})
    base = {"PATH": tools_path(), "GITHUB_API_URL": s.fake.api_url}
    argv = ["validate", "--repo", str(s.ci), "--dry-run", "--detect", "false"]
    argv += ["--test-command", f"echo test >> {s.marker} && python3 app.py"]
    from autoheal.cli import main

    code = main(argv, base)
    assert not s.fake.log and s.marker.exists()  # no lookup: validate ran
    s.marker.unlink()
    code = main(argv, {**base, "GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": REPO})
    out = capsys.readouterr()
    assert code == 0, out
    assert len(s.fake.log) == 3 and not s.marker.exists()
    assert "SKIPPED" in out.out


# ------------------------------------------------------------------------------ enabled: false


@pytest.mark.parametrize("where", ["actions", "local"])
@pytest.mark.parametrize("mode", MODES)
def test_enabled_false_in_the_config_file_pauses_every_mode(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    where: str,
) -> None:
    s = new_scene(mode, files={".github/autoheal.yml": "enabled: false\n"})
    route_mode_writes(s.fake)
    refs = s.refs()
    if where == "local":
        from autoheal.cli import main

        env = {"PATH": tools_path(), "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": s.fake.api_url}
        code = main([mode, "--repo", str(s.ci)], env)
        out = capsys.readouterr().out
        summary = out
    else:
        r = s.run(capsys)
        code, out, summary = r.code, r.out, r.summary
        assert r.outputs["status"] == "SKIPPED"
    assert code == 0, out
    assert "enabled: false" in summary and ".github/autoheal.yml" in summary
    assert "SKIPPED" in summary
    assert s.fake.log == []  # no API needed
    assert not s.marker.exists()
    assert s.refs() == refs


def test_the_enabled_input_pauses_too(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = new_scene("heal")
    s.actions.inputs(enabled="false")
    r = s.run(capsys)
    assert r.outputs["status"] == "SKIPPED"
    assert "the input `enabled` is false" in r.summary
    assert s.fake.log == [] and not s.marker.exists()


def test_an_explicit_input_wins_over_the_file(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = new_scene(
        "redispatch",
        files={".github/autoheal.yml": "enabled: false\npause-label: none\n"},
    )
    s.actions.inputs(enabled="true")
    route_mode_writes(s.fake)
    r = s.run(capsys)
    assert r.outputs["status"] == "DISPATCHED", r.out + r.err
    assert [q.method for q in s.fake.log] == ["POST"]  # `pause-label: none`: no lookup


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("a,b", "'a,b'", id="comma"),
        pytest.param("x" * 51, "'" + "x" * 51 + "'", id="too-long"),
        pytest.param("pause\u200bme", "'pause\\u200bme'", id="invisible"),
    ],
)
def test_a_bad_pause_label_is_refused_before_anything(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
    value: str,
    shown: str,
) -> None:
    s = new_scene("heal")
    s.actions.inputs(pause_label=value)
    r = s.run(capsys)
    message = assert_input_error(r, "pause-label")
    assert shown in message and "without commas" in message
    assert s.fake.log == [] and not s.marker.exists()


def test_an_empty_pause_label_in_the_file_is_refused(
    new_scene: NewScene,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = new_scene(
        "heal",
        files={".github/autoheal.yml": "pause-label: ''\n"},
    )
    r = s.run(capsys)
    assert r.code == 2 and "`pause-label` is ''" in r.out, r.out
    assert s.fake.log == []
