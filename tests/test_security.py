"""The action as an attacker sees it: where the token goes, what a fork can make it run, what
text from a contributor can do in the log, the summary and on GitHub.

Real repositories in tmp dirs, `responses` for the API, `main()` through the Actions contract.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import responses

from autoheal.git import Git, GitError
from tests.actions import TOKEN, ActionsEnv, load_event, runner_commands
from tests.gitfixtures import git
from tests.heal_helpers import REPO, pr_event, setup_heal, workflow_run_event
from tests.validate_helpers import heal_payload, sample_repo, set_dispatch, use_checks

BASIC = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()


def visible(out: str) -> str:
    """Everything printed but the `::add-mask::` lines the runner consumes."""
    return "\n".join(line for line in out.splitlines() if not line.startswith("::add-mask::"))


def as_on_a_runner(actions: ActionsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a runner, main() reads os.environ: the token is in the action's own environment,
    which every child process inherits unless the action removes it."""
    for key, value in actions.env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


@pytest.fixture
def no_api() -> Iterator[responses.RequestsMock]:
    """Any HTTP request fails the test (responses refuses unregistered URLs)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
        sent = [c.request.url for c in mock.calls]
    assert sent == []


# --------------------------------------------------------------------------- token paths


def test_a_heal_that_pushes_keeps_the_token_out_of_argv_children_disk_and_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every subprocess's argv; git's hooks (as a fixer installing husky would set them up);
    a check that prints `env`; .git/config, the outputs and the summary afterwards."""
    hooks, seen = tmp_path / "hooks", tmp_path / "hook-env"
    hooks.mkdir()
    for name in ("post-commit", "post-checkout", "post-rewrite", "reference-transaction"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\nenv >> {seen}\n")
        hook.chmod(0o755)
    s = setup_heal(
        tmp_path, monkeypatch, lint_command="env; ruff format --check .", max_diff_lines="100"
    )
    git(s.ci, "config", "core.hooksPath", str(hooks))
    as_on_a_runner(s.actions, monkeypatch)
    argvs: list[list[str]] = []
    real_init = subprocess.Popen.__init__

    def record(self: subprocess.Popen[Any], args: Any, *rest: Any, **kw: Any) -> None:
        argvs.append([str(a) for a in args] if isinstance(args, list | tuple) else [str(args)])
        real_init(self, args, *rest, **kw)

    with monkeypatch.context() as patch:
        patch.setattr(subprocess.Popen, "__init__", record)
        r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert s.repos.remote_sha("main") == r.outputs["commit-sha"]  # it really pushed
    assert any(a[:3] == ["git", "--no-pager", "push"] for a in argvs)
    assert not [a for a in argvs if any(TOKEN in x or BASIC in x for x in a)]
    hook_env = seen.read_text()
    assert "PATH=" in hook_env and TOKEN not in hook_env and BASIC not in hook_env
    assert "INPUT_TOKEN=" not in hook_env and "GITHUB_TOKEN=" not in hook_env
    assert "PATH=" in r.out  # the check printed its environment, which has no token
    for where, text in (
        ("log", visible(r.out) + r.err),
        ("summary", r.summary),
        ("outputs", json.dumps(r.outputs)),
        (".git/config", (s.ci / ".git" / "config").read_text()),
    ):
        assert TOKEN not in text and BASIC not in text, where
        assert "INPUT_TOKEN=" not in text and "GITHUB_TOKEN=" not in text, where
    assert "extraheader" not in (s.ci / ".git" / "config").read_text()


REMOTE_HOOKS = ("pre-receive", "update", "post-receive", "post-update", "reference-transaction")


@pytest.mark.parametrize("how", ["file-url", "local-path"])
def test_a_local_remote_and_its_hooks_never_see_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    """A file:// or local-path remote runs its own hooks in the pushing process's
    environment: the auth header in GIT_CONFIG_VALUE_* would be theirs to read."""
    seen = tmp_path / "remote-hook-env"
    s = setup_heal(tmp_path, monkeypatch)
    for name in REMOTE_HOOKS:
        hook = s.repos.remote / "hooks" / name
        hook.write_text(f"#!/bin/sh\necho '== {name}' >> {seen}\nenv >> {seen}\ncat > /dev/null\n")
        hook.chmod(0o755)
    if how == "local-path":
        git(s.ci, "remote", "set-url", "origin", str(s.repos.remote))
    as_on_a_runner(s.actions, monkeypatch)

    r = s.actions.run(capsys)

    assert r.code == 0, r.out + r.err
    assert s.repos.remote_sha("main") == r.outputs["commit-sha"]  # it pushed through the hooks
    dumped = seen.read_text()
    assert "== pre-receive" in dumped and "PATH=" in dumped
    for form in (TOKEN, BASIC, quote(TOKEN, safe=""), "AUTHORIZATION", "extraheader"):
        assert form not in dumped, form


def test_a_patch_under_runner_temp_holds_no_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The fixer writes the token into a file: the fix is kept as a patch (dry run), redacted.
    s = setup_heal(
        tmp_path,
        monkeypatch,
        fix_command=f"ruff format . && echo {TOKEN} > leaked.txt",
        dry_run="true",
    )
    r = s.actions.run(capsys)
    assert r.outputs["status"] == "PATCH", r.out
    patch = Path(r.outputs["patch-path"])
    assert patch.parent == s.actions.runner_temp
    assert "leaked.txt" in patch.read_text() and TOKEN not in patch.read_text()
    assert TOKEN not in r.summary and TOKEN not in visible(r.out)


def test_a_remote_url_with_credentials_is_redacted_in_git_errors(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    git(tmp_path, "init", "-q", str(repo))
    git(repo, "remote", "add", "origin", "https://someone:hunter2-password@127.0.0.1:9/o/r.git")
    with pytest.raises(GitError) as info:
        Git(repo, token=TOKEN).fetch("origin")
    text = f"{info.value} {info.value.stderr} {info.value.command}"
    assert "127.0.0.1" in text and "hunter2-password" not in text and TOKEN not in text


# --------------------------------------------------------------------------- forks


@pytest.mark.parametrize(
    ("head_repo", "fork"),
    [
        (REPO, None),
        (REPO.upper(), None),  # GitHub's names are case-insensitive: the same repository
        ("someone-else/octo-repo", "someone-else/octo-repo"),  # same name, another owner
        ("octo-org/octo-repo-fork", "octo-org/octo-repo-fork"),
        (None, ""),  # head repository deleted or missing: a fork, never ours
    ],
    ids=["same", "same-other-case", "other-owner", "other-name", "missing"],
)
@pytest.mark.parametrize("kind", ["pull_request", "workflow_run"])
def test_fork_detection_from_real_payloads(
    tmp_path: Path, kind: str, head_repo: str | None, fork: str | None
) -> None:
    from autoheal import context

    if kind == "pull_request":
        payload = pr_event("feature", "4" * 40, head_repo=head_repo or "x/y")
        if head_repo is None:
            payload["pull_request"]["head"]["repo"] = None
    else:
        payload = workflow_run_event(head_repo=head_repo or "x/y")
        if head_repo is None:
            del payload["workflow_run"]["head_repository"]
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    ctx = context.load({"GITHUB_REPOSITORY": REPO, "GITHUB_EVENT_PATH": str(path)})
    assert ctx.fork == fork


PRIVILEGED_FORK_EVENTS = pytest.mark.parametrize(
    ("event_name", "make_event"),
    [
        ("pull_request_target", lambda: pr_event("feature", "4" * 40, head_repo="evil/fork")),
        ("workflow_run", lambda: workflow_run_event(head_repo="evil/fork")),
    ],
    ids=["pull_request_target", "workflow_run"],
)


@PRIVILEGED_FORK_EVENTS
@pytest.mark.parametrize("mode", ["validate", "rollback"])
def test_validate_and_rollback_run_no_fork_code_with_a_privileged_token(
    actions: ActionsEnv,
    capsys: pytest.CaptureFixture[str],
    no_api: responses.RequestsMock,
    mode: str,
    event_name: str,
    make_event: Callable[[], dict[str, Any]],
) -> None:
    repos = sample_repo(actions.tmp)
    marker = actions.tmp / "check-ran"
    use_checks(actions, repos.work, token=TOKEN)
    actions.inputs(mode=mode, test_command=f"touch {marker}", rollback_required="true")
    actions.inputs(sha=repos.sha())
    actions.env["GITHUB_REPOSITORY"] = REPO
    actions.set_event(make_event(), event_name)
    r = actions.run(capsys)
    assert r.code == 1 and r.outputs["status"] == "FAILED"
    assert not marker.exists()
    assert "evil/fork" in r.summary and "hand it the token" in r.summary
    refusal = "::error::Refusing to " + ("roll back" if mode == "rollback" else mode)
    assert any(c.startswith(refusal) for c in runner_commands(r.out))


@pytest.mark.parametrize(
    ("event_name", "make_event"),
    [
        ("pull_request", lambda: pr_event("feature", "4" * 40, head_repo="evil/fork")),
        ("pull_request_target", lambda: pr_event("feature", "4" * 40, head_repo="evil/fork")),
        ("workflow_run", lambda: workflow_run_event(head_repo="evil/fork")),
        ("workflow_run", lambda: _without_head_repository(workflow_run_event())),
    ],
    ids=["pull_request", "pull_request_target", "workflow_run", "workflow_run-no-head-repo"],
)
def test_redispatch_never_sends_a_fork_commit_to_be_validated(
    actions: ActionsEnv,
    capsys: pytest.CaptureFixture[str],
    no_api: responses.RequestsMock,
    event_name: str,
    make_event: Callable[[], dict[str, Any]],
) -> None:
    """The validation run checks out the commit (GitHub serves a fork's commits from the
    parent repository too) and runs its checks with a token that can write."""
    actions.inputs(mode="redispatch", token=TOKEN)
    actions.set_event(make_event(), event_name)
    r = actions.run(capsys)
    assert r.code == 1 and r.outputs["status"] == "FAILED"
    assert "Refusing to dispatch" in r.summary and "Nothing was sent" in r.summary
    assert TOKEN not in visible(r.out) + r.summary


def _without_head_repository(payload: dict[str, Any]) -> dict[str, Any]:
    del payload["workflow_run"]["head_repository"]
    return payload


def test_issue_comment_with_a_pull_request_checked_out_runs_no_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """issue_comment runs on the default branch with a privileged token, and anyone can
    comment. A workflow that checks out the pull request's head there runs no check or fixer
    for a comment that is not `/autoheal fix` (tests/modes/heal/test_request.py has the rest:
    who may ask, and a HEAD that is not the head GitHub reports)."""
    marker = tmp_path / "check-ran"
    s = setup_heal(tmp_path, monkeypatch, lint_command=f"touch {marker}; false")
    contributed = s.repos.commit("app.py", "x=2\n", "a contribution")  # not on any branch
    git(s.repos.work, "push", "-q", "origin", "HEAD:refs/pull/7/head")
    git(s.ci, "fetch", "-q", "origin", "refs/pull/7/head")
    git(s.ci, "checkout", "-q", "--detach", contributed)
    event = load_event("push.branch.json")
    event = {"action": "created", "issue": {"number": 7, "pull_request": {"url": "x"}},
             "comment": {"body": "/heal"}, "repository": event["repository"]}  # fmt: skip
    s.actions.set_event(event, "issue_comment")
    r = s.actions.run(capsys)
    assert r.code == 0 and r.outputs["status"] == "SKIPPED"
    assert "**Not a fix request:**" in r.summary
    assert not marker.exists()
    assert s.repos.remote_sha("main") != contributed


# --------------------------------------------------------------------------- odd names


def test_a_branch_named_like_an_option_reaches_git_as_a_name_only(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dispatch payload's ref is written by whoever sends the dispatch: as a branch it
    must never become a git option (`--upload-pack` runs a command)."""
    repos = sample_repo(actions.tmp)
    pwned = actions.tmp / "pwned"
    bad = repos.commit("test.ok", "no\n", "break")
    repos.push()
    use_checks(actions, repos.work)
    actions.inputs(mode="rollback", rollback_required="true", open_issue="false")
    ref = f"refs/heads/--upload-pack=touch {pwned};git-upload-pack"
    set_dispatch(actions, heal_payload(bad, ref=ref))
    r = actions.run(capsys)
    assert r.code != 0 and r.outputs["status"] == "FAILED"
    assert not pwned.exists()
    assert repos.remote_sha("main") == bad  # nothing reverted


def test_workflow_run_fork_is_still_refused_by_heal_without_head_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "check-ran"
    s = setup_heal(tmp_path, monkeypatch, lint_command=f"touch {marker}; false")
    s.actions.set_event(_without_head_repository(workflow_run_event()), "workflow_run")
    r = s.actions.run(capsys)
    assert r.code == 1 and "(deleted repository)" in r.summary
    assert not marker.exists()
