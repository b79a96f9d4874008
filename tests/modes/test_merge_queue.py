"""Merge queues: GitHub tests a merge on a temporary `gh-readonly-queue/...` branch (event
`merge_group`). validate evaluates the merge group's head commit and reports on it; heal never
pushes to a queue's branch (a patch is fine); rollback never reverts there. Through main(), with
real git (a bare remote) and a fake GitHub on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from autoheal import context
from autoheal.errors import InputError
from autoheal.markers import STATUS_CONTEXT
from tests.actions import TOKEN, ActionsEnv, Run, load_event
from tests.fake_github import FakeGitHub
from tests.gitfixtures import Repos, git, make_repo
from tests.heal_helpers import FORMATTED, REPO, UNFORMATTED, setup_heal
from tests.test_context import ctx_for
from tests.test_examples import load, ours
from tests.validate_helpers import break_checks, heal_payload, sample_repo, set_dispatch, use_checks

QUEUE = "gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64"


def merge_group(head_sha: str, head_ref: str = f"refs/heads/{QUEUE}") -> dict[str, Any]:
    """GitHub's merge_group (checks_requested) payload for `head_sha` on `head_ref`."""
    payload = load_event("merge_group.checks_requested.json")
    payload["merge_group"].update(head_sha=head_sha, head_ref=head_ref)
    payload["merge_group"]["head_commit"]["id"] = head_sha
    payload["repository"].update(full_name=REPO, default_branch="main")
    return payload


def in_queue(actions: ActionsEnv, head_sha: str) -> None:
    """The run's environment as GitHub sets it for a merge_group event."""
    actions.set_event(merge_group(head_sha), "merge_group")
    actions.env.update(GITHUB_REF=f"refs/heads/{QUEUE}", GITHUB_SHA=head_sha)


def remote_branches(repos: Repos) -> dict[str, str]:
    out = git(repos.remote, "for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads")
    return dict(line.split() for line in out.splitlines())


def errors(r: Run) -> list[str]:
    return [line for line in r.out.splitlines() if line.startswith("::error")]


# --------------------------------------------------------------------------- the event


def test_the_context_reads_the_merge_group(tmp_path: Path) -> None:
    ctx = ctx_for(
        tmp_path,
        load_event("merge_group.checks_requested.json"),
        GITHUB_EVENT_NAME="merge_group",
    )
    assert ctx.merge_group is not None
    assert ctx.merge_group.head_sha == "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d"
    assert ctx.merge_group.head_ref == f"refs/heads/{QUEUE}"
    assert ctx.merge_group.base_ref == "refs/heads/main"
    assert ctx.merge_group.base_sha == "380387fbc80638b734a49e1be1c4dfec1c01b33c"
    assert ctx.branch == QUEUE
    assert ctx.pull_request is None and ctx.pr_number is None


@pytest.mark.parametrize("head_sha", ["HEAD~1", "2ffea6db", "", "--upload-pack=x" + "0" * 26])
def test_a_merge_group_sha_that_is_not_a_sha_is_refused(tmp_path: Path, head_sha: str) -> None:
    with pytest.raises(InputError, match=r"merge_group\.head_sha"):
        ctx_for(tmp_path, merge_group(head_sha))


@pytest.mark.parametrize(
    ("branch", "queue"),
    [
        (QUEUE, True),
        (f"refs/heads/{QUEUE}", True),
        ("gh-readonly-queue/release/1.x/pr-1-" + "a" * 40, True),
        ("main", False),
        ("feature/gh-readonly-queue/x", False),
        ("", False),
        (None, False),
    ],
)
def test_queue_branches_are_recognised(branch: str | None, queue: bool) -> None:
    assert context.is_queue_branch(branch) is queue


# --------------------------------------------------------------------------- validate


def test_validate_evaluates_the_merge_group_head_and_posts_its_status_there(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], httpserver: HTTPServer
) -> None:
    repos = sample_repo(actions.tmp)
    base = repos.sha()
    clone = repos.clone("ci", depth=1)  # HEAD: the base, which passes
    git(repos.work, "switch", "-q", "-c", QUEUE)
    head = break_checks(repos, "build", "test")  # the merge being tested fails
    repos.push(QUEUE)
    github = FakeGitHub(httpserver)
    github.route("POST", f"/repos/{REPO}/statuses/[0-9a-f]{{40}}", status=201, body={"id": 1})
    use_checks(actions, clone, token=TOKEN)
    actions.env["GITHUB_API_URL"] = github.api_url
    in_queue(actions, head)

    r = actions.run(capsys)

    assert r.code == 0, r.out + r.err
    assert r.outputs["sha"] == head != base
    assert r.outputs["status"] == "CRITICAL"
    assert f"Evaluated commit `{head}` (the merge group's head, queued into `main`)" in r.summary
    [status] = github.requests("POST", f"/repos/{REPO}/statuses/.*")
    assert status.path == f"/repos/{REPO}/statuses/{head}"
    assert status.body["context"] == STATUS_CONTEXT
    assert status.body["state"] == "failure"
    assert "No sha in the dispatch payload" not in r.out
    assert git(clone, "rev-parse", "HEAD").strip() == base  # the checkout is put back


# --------------------------------------------------------------------------- heal


@pytest.mark.parametrize("event", ["merge_group", "push"])
def test_heal_never_pushes_to_a_queue_branch_and_gives_the_patch(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    httpserver: HTTPServer,
    event: str,
) -> None:
    s = setup_heal(tmp_path, monkeypatch, branch=QUEUE, ci_workflow="ci.yml")
    github = FakeGitHub(httpserver)
    s.actions.env["GITHUB_API_URL"] = github.api_url
    if event == "merge_group":
        in_queue(s.actions, s.head())
    before = remote_branches(s.repos)
    start = s.head()

    r = s.actions.run(capsys)

    assert r.code == 1, r.out + r.err  # as heal's other refusals: the step fails
    assert r.outputs["status"] == "NOT FIXED"
    assert r.outputs["healed"] == "false" and r.outputs["commit-sha"] == ""
    [error] = errors(r)
    assert f"Not pushed: {QUEUE} is a merge queue's branch" in error  # the log: plain text
    assert "Fix the pull request's own branch" in error
    assert f"`{QUEUE}` is a merge queue's branch" in r.summary
    assert remote_branches(s.repos) == before  # nothing pushed anywhere
    assert s.repos.remote_file(QUEUE, "app.py") == UNFORMATTED
    assert github.log == []  # no pull request, no CI dispatch
    patch = Path(r.outputs["patch-path"]).read_text()
    assert f"\n-{UNFORMATTED}+{FORMATTED}" in patch  # the fix, for the pull request's branch
    assert (s.head(), s.status()) == (start, "")  # the checkout as it was


# --------------------------------------------------------------------------- rollback


def rollback_inputs(actions: ActionsEnv, clone: Path, **extra: str) -> None:
    actions.env["INPUT_WORKING_DIRECTORY"] = str(clone)
    actions.inputs(
        mode="rollback",
        rollback_required="true",
        test_command="python3 check.py test",
        detect="false",
        open_issue="false",
        token=TOKEN,
        **extra,
    )


def test_rollback_refuses_in_a_merge_group(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str], httpserver: HTTPServer
) -> None:
    repos = make_repo(actions.tmp)
    git(repos.work, "switch", "-q", "-c", QUEUE)
    head = repos.commit("app.txt", "bug\n", "the merge")
    repos.push(QUEUE)
    before = remote_branches(repos)
    github = FakeGitHub(httpserver)
    rollback_inputs(actions, repos.clone("ci", branch=QUEUE))
    actions.env["GITHUB_API_URL"] = github.api_url
    in_queue(actions, head)

    r = actions.run(capsys)

    assert r.code == 1, r.out + r.err
    assert r.outputs["status"] == "SKIPPED"
    assert r.outputs["rolled-back"] == "false"
    [error] = errors(r)
    assert "Refusing to roll back in a merge queue" in error
    assert "Nothing was reverted" in error and "fix the pull request's branch" in error
    assert remote_branches(repos) == before
    assert github.log == []
    assert "Refusing to roll back in a merge queue" in r.summary


def test_rollback_refuses_a_queue_branch_named_by_the_payload(
    actions: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    repos = sample_repo(actions.tmp)
    git(repos.work, "switch", "-q", "-c", QUEUE)
    bad = break_checks(repos, "test")
    repos.push(QUEUE)
    before = remote_branches(repos)
    rollback_inputs(actions, repos.clone("ci"))
    set_dispatch(actions, heal_payload(bad, ref=f"refs/heads/{QUEUE}"))

    r = actions.run(capsys)

    assert r.code == 1, r.out + r.err
    [error] = errors(r)
    assert f"`{QUEUE}` is a merge queue's branch" in error
    assert remote_branches(repos) == before


# --------------------------------------------------------------------------- the example


def test_the_ci_example_runs_in_the_merge_queue_and_validates_the_group() -> None:
    path = Path(__file__).parents[2] / "examples" / "ci.yml"
    doc = load(path)
    assert {"pull_request", "merge_group"} <= set(doc[True])
    job = doc["jobs"]["merge-queue"]
    assert job["if"] == "github.event_name == 'merge_group'"
    assert job["permissions"] == {"contents": "read", "statuses": "write", "checks": "write"}
    (validate,) = ours(path, "validate")
    assert validate in job["steps"]
    assert "merge_group" not in doc["jobs"]["autoheal"]["if"]  # heal never runs in the queue
