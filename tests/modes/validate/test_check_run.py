"""validate's verdict as the check run `autoheal/validate`, through main() against a fake GitHub
on 127.0.0.1: request bodies, batches of 50 annotations, one check run per commit, and the
commit status alone for tokens that cannot create check runs."""

from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from pytest_httpserver import HTTPServer

from autoheal.checks.annotations import Annotation
from autoheal.github.client import GitHub
from autoheal.github.errors import MaybeSent
from autoheal.modes.validate import check_run
from autoheal.report import Report
from tests.actions import TOKEN, ActionsEnv, Run, runner_commands
from tests.fake_github import FakeGitHub, Recorded
from tests.gitfixtures import Repos, make_repo

REPO = "octo-org/octo-repo"
APP_TOKEN = "ghs_TESTAPPTOKEN0123456789abcdefSECRET"  # the shape of GITHUB_TOKEN
RUN_URL = f"https://github.com/{REPO}/actions/runs/1234"
CHECK_RUNS = rf"/repos/{REPO}/check-runs"
DENIED = {"message": "Resource not accessible by integration"}

# `python3 lint.py N`: N findings in flake8's form on src/app.py, then a failing exit.
LINT = """\
import sys
for n in range(1, int(sys.argv[1]) + 1):
    print(f"src/app.py:{n}:1: E501 line too long ({n} > 100)")
sys.exit(1)
"""


class CheckRuns:
    """The check runs of one repository as GitHub keeps them: only the App that created a
    check run may change it, and annotations are only ever appended."""

    def __init__(self, github: FakeGitHub, app: str = "github-actions") -> None:
        self.app = app  # the App our token belongs to
        self.runs: dict[int, dict[str, Any]] = {}
        self.annotations: dict[int, list[dict[str, Any]]] = {}
        self.ids = itertools.count(1001)
        github.route("GET", rf"/repos/{REPO}/commits/[0-9a-f]{{40}}/check-runs", answer=self.list)
        github.route("POST", CHECK_RUNS, answer=self.create)
        github.route("PATCH", rf"{CHECK_RUNS}/\d+", answer=self.update)
        github.route("GET", rf"{CHECK_RUNS}/\d+/annotations", answer=self.list_annotations)

    def add(self, sha: str, *, app: str, name: str = "autoheal/validate", id: int = 0) -> int:
        run_id = id or next(self.ids)
        self.runs[run_id] = {
            "id": run_id,
            "name": name,
            "head_sha": sha,
            "status": "completed",
            "conclusion": "success",
            "app": {"slug": app},
            "html_url": f"https://github.com/{REPO}/runs/{run_id}",
            "output": {"title": "earlier", "summary": "earlier"},
        }
        self.annotations[run_id] = []
        return run_id

    def list(self, request: Recorded) -> tuple[int, Any]:
        sha = request.path.split("/")[-2]
        runs = [
            run
            for run in self.runs.values()
            if run["head_sha"] == sha and run["name"] == request.query.get("check_name")
        ]
        return 200, {"total_count": len(runs), "check_runs": runs}

    def create(self, request: Recorded) -> tuple[int, Any]:
        run_id = self.add(request.body["head_sha"], app=self.app, name=request.body["name"])
        return self._apply(run_id, request.body, status=201)

    def update(self, request: Recorded) -> tuple[int, Any]:
        run_id = int(request.path.rsplit("/", 1)[1])
        if run_id not in self.runs:
            return 404, {"message": "Not Found"}
        if self.runs[run_id]["app"]["slug"] != self.app:
            return 403, {"message": "Invalid app_id: the check run belongs to another App"}
        return self._apply(run_id, request.body, status=200)

    def _apply(self, run_id: int, body: dict[str, Any], *, status: int) -> tuple[int, Any]:
        run = self.runs[run_id]
        output = dict(body.get("output") or {})
        self.annotations[run_id] += output.pop("annotations", [])
        run.update({k: v for k, v in body.items() if k in ("status", "conclusion")})
        run["output"] = output or run["output"]
        return status, run

    def list_annotations(self, request: Recorded) -> tuple[int, Any]:
        return 200, self.annotations[int(request.path.split("/")[-2])]


@pytest.fixture
def github(httpserver: HTTPServer) -> FakeGitHub:
    fake = FakeGitHub(httpserver)
    fake.route("GET", rf"/repos/{REPO}/commits/[0-9a-f]{{40}}/statuses", body=[])
    fake.route(
        "POST",
        rf"/repos/{REPO}/statuses/[0-9a-f]{{40}}",
        answer=lambda r: (201, {"id": 1, **r.body}),
    )
    return fake


def project(tmp_path: Path, **files: str) -> Repos:
    return make_repo(
        tmp_path,
        files={"lint.py": LINT, "src/app.py": "x = 1\n", ".gitignore": "__pycache__/\n", **files},
    )


def validate(
    actions: ActionsEnv,
    github: FakeGitHub,
    repos: Repos,
    *,
    lint: str,
    token: str = APP_TOKEN,
    **inputs: str,
) -> None:
    """validate the tip of main, from the `sha` input (no dispatch id), with one lint check."""
    clone = repos.clone("ci", depth=1)
    actions.env["INPUT_WORKING_DIRECTORY"] = str(clone)
    actions.env["GITHUB_API_URL"] = github.api_url
    actions.inputs(
        mode="validate",
        detect="false",
        lint_command=lint,
        token=token,
        sha=repos.sha(),
        comment="false",
        **inputs,
    )


def check_run_requests(github: FakeGitHub) -> list[Recorded]:
    return [r for r in github.log if "/check-runs" in r.path]


def run_validate(actions: ActionsEnv, capsys: Any) -> Run:
    run = actions.run(capsys)
    assert APP_TOKEN not in run.summary + "".join(run.outputs.values())
    return run


# --------------------------------------------------------------------------- created


def test_findings_of_real_tools_become_annotations_at_file_and_line(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any
) -> None:
    CheckRuns(github)
    repos = project(
        actions.tmp,
        **{
            "src/app.py": "import os\n\n\ndef half(n):\n    return n / 2\n",
            "tests/test_app.py": (
                "from src.app import half\n\n\ndef test_half():\n    assert half(3) == 1\n"
            ),
        },
    )
    validate(
        actions,
        github,
        repos,
        lint=f"{sys.executable} -m ruff check --no-cache --isolated --select F .",
        test_command=f"{sys.executable} -m pytest -q -p no:cacheprovider tests",
    )
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err
    [create] = [r for r in check_run_requests(github) if r.method == "POST"]
    sha = repos.sha()
    assert create.body == {
        "name": "autoheal/validate",
        "head_sha": sha,
        "status": "completed",
        "conclusion": "failure",
        "details_url": RUN_URL,
        "output": {
            "title": create.body["output"]["title"],
            "summary": create.body["output"]["summary"],
            "annotations": [
                {
                    "path": "src/app.py",
                    "start_line": 1,
                    "end_line": 1,
                    "start_column": 8,
                    "end_column": 8,
                    "annotation_level": "failure",
                    "message": "`os` imported but unused",
                    "title": "lint: F401",
                },
                {
                    "path": "tests/test_app.py",
                    "start_line": 5,
                    "end_line": 5,
                    "annotation_level": "failure",
                    "message": "test_half failed: assert 1.5 == 1\n+  where 1.5 = half(3)",
                    "title": "test",
                },
            ],
        },
    }
    output = create.body["output"]
    assert output["title"].endswith("(CRITICAL), rollback required")
    assert output["summary"].startswith("### Rollback Safety Status")
    assert f"Evaluated commit `{sha}`" in output["summary"]
    # The commit status is still the record a duplicate delivery reads back.
    [status] = github.requests("POST", rf"/repos/{REPO}/statuses/{sha}")
    assert status.body["context"] == "autoheal/validate"
    assert status.body["state"] == "failure"
    url = f"https://github.com/{REPO}/runs/1001"
    assert f"Check run `autoheal/validate` created (`failure`, 2 annotation(s)): {url}" in (
        run.summary
    )
    assert not github.unrouted()


@pytest.mark.parametrize(
    ("findings", "batches", "note"),
    [
        (120, [50, 50, 20], ""),
        (500, [50, 50, 50, 50], "_200 of 500 annotations are shown"),
    ],
    ids=["120", "over-the-cap"],
)
def test_annotations_go_fifty_per_request(
    actions: ActionsEnv,
    github: FakeGitHub,
    capsys: Any,
    findings: int,
    batches: list[int],
    note: str,
) -> None:
    runs = CheckRuns(github)
    repos = project(actions.tmp)
    validate(actions, github, repos, lint=f"python3 lint.py {findings}")
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err
    requests_ = check_run_requests(github)
    assert [r.method for r in requests_] == ["GET", "POST"] + ["PATCH"] * (len(batches) - 1)
    first = requests_[1].body
    for patch in requests_[2:]:
        # Every further batch repeats the output's title and summary, and sets nothing else.
        assert patch.path == f"{CHECK_RUNS}/1001"
        assert list(patch.body) == ["output"]
        assert patch.body["output"]["title"] == first["output"]["title"]
        assert patch.body["output"]["summary"] == first["output"]["summary"]
    sent = [len(r.body["output"]["annotations"]) for r in requests_[1:]]
    assert sent == batches
    lines = [a["start_line"] for a in runs.annotations[1001]]
    assert lines == list(range(1, sum(batches) + 1))  # in order, none twice
    shown = re.findall(r"_\d+ of \d+ annotations are shown", first["output"]["summary"])
    assert shown == ([note] if note else [])
    assert requests_[0].query == {
        "check_name": "autoheal/validate",
        "filter": "all",
        "per_page": "100",
    }


def test_a_passing_commit_gets_a_success_without_annotations(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any
) -> None:
    CheckRuns(github)
    repos = project(actions.tmp)
    validate(actions, github, repos, lint="true")
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err
    [create] = github.requests("POST", CHECK_RUNS)
    assert create.body["conclusion"] == "success"
    assert "annotations" not in create.body["output"]
    assert "(HEALTHY)" in create.body["output"]["title"]


# --------------------------------------------------------------------------- one per commit


def test_a_rerun_updates_the_check_run_and_sends_only_new_annotations(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any
) -> None:
    runs = CheckRuns(github)
    repos = project(actions.tmp)
    validate(actions, github, repos, lint="python3 lint.py 60")
    assert run_validate(actions, capsys).code == 0
    assert list(runs.runs) == [1001] and len(runs.annotations[1001]) == 60
    github.log.clear()

    # The same commit again, where the check now finds one problem more.
    actions.inputs(lint_command="python3 lint.py 61")
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err
    assert not github.requests("POST", CHECK_RUNS)
    update, read, add = check_run_requests(github)[1:]
    assert (update.method, update.path) == ("PATCH", f"{CHECK_RUNS}/1001")
    assert update.body["status"] == "completed" and update.body["conclusion"] == "failure"
    assert "annotations" not in update.body["output"]
    assert (read.method, read.path) == ("GET", f"{CHECK_RUNS}/1001/annotations")
    assert [a["start_line"] for a in add.body["output"]["annotations"]] == [61]
    assert list(runs.runs) == [1001]
    assert [a["start_line"] for a in runs.annotations[1001]] == list(range(1, 62))
    assert "Check run `autoheal/validate` updated (`failure`, 61 annotation(s))" in run.summary
    github.log.clear()

    # Once more, unchanged: nothing is appended.
    assert run_validate(actions, capsys).code == 0
    assert [r.method for r in check_run_requests(github)] == ["GET", "PATCH", "GET"]
    assert len(runs.annotations[1001]) == 61


def test_the_check_run_of_another_app_is_left_alone(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any
) -> None:
    runs = CheckRuns(github)
    repos = project(actions.tmp)
    foreign = runs.add(repos.sha(), app="someone-elses-app", id=7)
    validate(actions, github, repos, lint="python3 lint.py 3")
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err
    assert [(r.method, r.path) for r in check_run_requests(github)] == [
        ("GET", f"/repos/{REPO}/commits/{repos.sha()}/check-runs"),
        ("PATCH", f"{CHECK_RUNS}/7"),  # refused: only its App may change it
        ("POST", CHECK_RUNS),
    ]
    assert runs.runs[foreign]["output"] == {"title": "earlier", "summary": "earlier"}
    assert runs.annotations[foreign] == []
    assert len(runs.annotations[1001]) == 3
    assert "::warning" not in run.out


def test_the_actions_check_run_is_tried_first(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any
) -> None:
    runs = CheckRuns(github)
    repos = project(actions.tmp)
    runs.add(repos.sha(), app="github-actions", id=5)
    runs.add(repos.sha(), app="someone-elses-app", id=9)  # newer, but not GITHUB_TOKEN's
    validate(actions, github, repos, lint="python3 lint.py 3")
    assert run_validate(actions, capsys).code == 0
    patched = {r.path for r in github.requests("PATCH", rf"{CHECK_RUNS}/\d+")}
    assert patched == {f"{CHECK_RUNS}/5"}
    assert not github.requests("POST", CHECK_RUNS)
    assert len(runs.annotations[5]) == 3


# --------------------------------------------------------------------------- no check run


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        (TOKEN, "a classic personal access token"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzSECRET", "a fine-grained"),
    ],
    ids=["classic", "fine-grained"],
)
def test_a_personal_access_token_posts_the_status_alone(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any, token: str, kind: str
) -> None:
    repos = project(actions.tmp)
    validate(actions, github, repos, lint="python3 lint.py 3", token=token)
    run = actions.run(capsys)
    assert run.code == 0, run.out + run.err
    assert not check_run_requests(github)  # not even tried: GitHub would refuse it
    assert github.requests("POST", rf"/repos/{REPO}/statuses/{repos.sha()}")
    assert f"Check run `autoheal/validate`: none (the token is {kind}" in run.summary
    assert "::notice" not in run.out and "::warning" not in run.out


def deny(github: FakeGitHub, method: str, path: str, status: int) -> None:
    body = DENIED if status == 403 else {"message": "Not Found"}
    github.route(method, path, status=status, body=body)


@pytest.mark.parametrize(
    "refusal",
    ["cannot read check runs", "cannot create: 403", "cannot create: 404"],
)
def test_a_token_without_checks_write_falls_back_to_the_status(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any, refusal: str
) -> None:
    listing = rf"/repos/{REPO}/commits/[0-9a-f]{{40}}/check-runs"
    if refusal == "cannot read check runs":
        deny(github, "GET", listing, 403)
    else:
        github.route("GET", listing, body={"total_count": 0, "check_runs": []})
        deny(github, "POST", CHECK_RUNS, int(refusal[-3:]))
    repos = project(actions.tmp)
    validate(actions, github, repos, lint="python3 lint.py 3", fail_on_error="true")
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err  # no failure, even with fail-on-error
    status = 404 if refusal.endswith("404") else 403
    notice = (
        f"::notice title=No check run::Cannot create the check run autoheal/validate ({status} "
        "from GitHub): only a GitHub App token with `checks: write` can"
    )
    assert notice in run.out
    assert github.requests("POST", rf"/repos/{REPO}/statuses/{repos.sha()}")
    assert "Check run `autoheal/validate`: not created (the token lacks `checks: write`)" in (
        run.summary
    )
    assert run.outputs["status"] == "CRITICAL"


@pytest.mark.parametrize("fail_on_error", ["false", "true"])
def test_other_failures_warn_or_fail_the_step(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any, fail_on_error: str
) -> None:
    github.route(
        "GET",
        rf"/repos/{REPO}/commits/[0-9a-f]{{40}}/check-runs",
        body={"total_count": 0, "check_runs": []},
    )
    invalid = {"message": "Validation Failed", "errors": [{"message": "bad annotation"}]}
    github.route("POST", CHECK_RUNS, status=422, body=invalid)
    repos = project(actions.tmp)
    validate(actions, github, repos, lint="python3 lint.py 3", fail_on_error=fail_on_error)
    run = run_validate(actions, capsys)
    said = "Cannot post the check run autoheal/validate: GitHub rejected the content of POST"
    if fail_on_error == "true":
        assert run.code == 1
        assert any(line.startswith(f"::error::{said}") for line in run.out.splitlines())
    else:
        assert run.code == 0, run.out + run.err
        assert f"::warning::{said}" in run.out
        assert "Check run: failed (see the warning in the log)." in run.summary
    assert run.outputs["status"] == "CRITICAL"  # the evaluation is reported either way


def test_a_created_check_run_without_an_id_gets_no_more_batches(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any
) -> None:
    github.route(
        "GET",
        rf"/repos/{REPO}/commits/[0-9a-f]{{40}}/check-runs",
        body={"total_count": 0, "check_runs": []},
    )
    github.route("POST", CHECK_RUNS, status=201, body={"name": "autoheal/validate"})
    repos = project(actions.tmp)
    validate(actions, github, repos, lint="python3 lint.py 60")
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err
    assert (
        "::warning::Cannot post the check run autoheal/validate: GitHub created the check run "
        "but answered without its id" in run.out
    )
    assert not github.requests("PATCH", rf"{CHECK_RUNS}/.*")


def test_dry_run_posts_nothing(actions: ActionsEnv, github: FakeGitHub, capsys: Any) -> None:
    repos = project(actions.tmp)
    validate(actions, github, repos, lint="python3 lint.py 75", dry_run="true")
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err
    assert not github.log
    assert (
        "Dry run: would post check run `autoheal/validate` (`failure`) with 75 annotation(s)."
        in run.summary
    )


# --------------------------------------------------------------------------- hostile output

HOSTILE_LINT = """\
import sys
print("a::error::b.py:1:1: E1 ::error::pwned-1")
print("##[warning]c.py:2:1: E2 ##[error]pwned-2")
print("src/app.py:1:1: E3 <img src=x onerror=alert(1)> **bold** [link](https://evil.example) `x`")
print("::error file=src/app.py,line=2::pwned-3 <script>")
sys.exit(1)
"""


def test_hostile_tool_output_stays_data(
    actions: ActionsEnv, github: FakeGitHub, capsys: Any
) -> None:
    runs = CheckRuns(github)
    files = {"lint.py": HOSTILE_LINT, "a::error::b.py": "x\n", "##[warning]c.py": "y\n"}
    repos = project(actions.tmp, **files)
    validate(actions, github, repos, lint="python3 lint.py")
    run = run_validate(actions, capsys)
    assert run.code == 0, run.out + run.err
    assert [(a["path"], a["start_line"], a["message"]) for a in runs.annotations[1001]] == [
        ("a::error::b.py", 1, "::error::pwned-1"),
        ("##[warning]c.py", 2, "##[error]pwned-2"),
        ("src/app.py", 1, "<img src=x onerror=alert(1)> **bold** [link](https://evil.example) `x`"),
        ("src/app.py", 2, "pwned-3 <script>"),
    ]
    # In the log only inside ::stop-commands:: (the failing check's output), never obeyed.
    assert not [c for c in runner_commands(run.out) if "pwned" in c or "##[" in c]
    # No Markdown surface shows a message: not the job summary, not the check run's summary.
    [create] = github.requests("POST", CHECK_RUNS)
    for markdown in (run.summary, create.body["output"]["summary"]):
        assert "onerror" not in markdown and "pwned" not in markdown


# --------------------------------------------------------------------------- pieces


def test_a_long_summary_is_cut_with_a_note(tmp_path: Path) -> None:
    repos = make_repo(tmp_path)
    from autoheal.git import Git

    summary = "### Rollback Safety Status\n\n```\n" + "✅ pass\n" * 20_000
    verdict = check_run.build(
        state="success",
        title="t",
        summary=summary,
        results=[],
        git=Git(repos.work),
        sha=repos.sha(),
        details_url="",
        report=Report({}),
    )
    assert len(verdict.summary) <= check_run.SUMMARY_MAX
    assert len(verdict.summary.encode()) <= check_run.SUMMARY_MAX
    assert verdict.summary.endswith(check_run.SUMMARY_NOTE)
    assert verdict.summary.count("```") == 2  # the open fence is closed, so the note shows


@pytest.mark.parametrize(
    ("state", "conclusion"),
    [("success", "success"), ("failure", "failure"), ("error", "neutral"), ("pending", "neutral")],
)
def test_conclusion_follows_the_status_state(state: str, conclusion: str) -> None:
    assert check_run.conclusion(state) == conclusion


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("ghs_abc", ""),
        ("v1.0123456789abcdef", ""),  # unknown shapes are tried
        ("ghp_abc", "a classic personal access token"),
        ("github_pat_abc", "a fine-grained personal access token"),
        ("gho_abc", "an OAuth app token"),
        ("ghu_abc", "a GitHub App user token"),
    ],
)
def test_user_tokens_are_known_by_their_prefix(token: str, kind: str) -> None:
    assert check_run.user_token(token) == kind


API = "https://api.github.com"
ANNOTATION = Annotation("src/app.py", 1, None, "failure", "m", "t")


def test_an_update_carrying_annotations_is_never_repeated() -> None:
    """GitHub appends annotations: a PATCH that may have arrived is not sent again."""
    gh = GitHub("ghs_x", api_url=API, sleep=lambda _s: None)
    url = f"{API}/repos/{REPO}/check-runs/5"
    with responses.RequestsMock() as mock:
        mock.patch(url, body=requests.exceptions.ReadTimeout("slow"))
        body = {"output": {"title": "t", "summary": "s", "annotations": [ANNOTATION.as_api()]}}
        with pytest.raises(MaybeSent):
            gh.update_check_run(REPO, 5, body)
        assert len(mock.calls) == 1
    with responses.RequestsMock() as mock:  # without annotations the same PATCH is harmless
        mock.patch(url, body=requests.exceptions.ReadTimeout("slow"))
        mock.patch(url, json={"id": 5})
        done = {"status": "completed", "conclusion": "success"}
        assert gh.update_check_run(REPO, 5, done) == {"id": 5}
        assert len(mock.calls) == 2


def test_more_than_fifty_annotations_in_one_request_is_refused() -> None:
    gh = GitHub("ghs_x", api_url=API)
    body = {"output": {"title": "t", "summary": "s", "annotations": [ANNOTATION.as_api()] * 51}}
    with pytest.raises(ValueError, match="51 annotations in one check run request"):
        gh.create_check_run(REPO, body)
    with pytest.raises(ValueError, match="GitHub takes at most 50"):
        gh.update_check_run(REPO, 1, body)
