"""The loop on a real project, as a user who copied our example workflows would run it.

A project's release becomes a git history on a bare `origin` (a file:// remote, like GitHub).
Then each job of `examples/ci.yml` and `examples/post-remediation-check.yml` is run step by
step, the way the runner would run it:

- `actions/checkout` → a clone made as that action makes it (its `ref`, its `fetch-depth`,
  depth 1 by default), with no git identity, as on a runner;
- the setup and install steps → the project's own installs (projects.Session.install), since
  the examples tell users to install what their checks use;
- our action's steps → `autoheal.cli.main()` with the runner's contract (GITHUB_EVENT_PATH,
  GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP), every input mapped as action.yml maps it,
  after evaluating the step's `if:` and `with:` as GitHub would (tests/field/expressions.py);
- the GitHub API → the recording fake on 127.0.0.1 (tests/fake_github.py); a dispatch it
  records becomes the next workflow's `repository_dispatch` event.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.actions import TOKEN, ActionsEnv, Run, load_event
from tests.fake_github import FakeGitHub
from tests.field import expressions
from tests.field.projects import JobTools, Project, Session, job_path, run
from tests.gitfixtures import Repos, configure_identity, git

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ACTION_INPUTS: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())["inputs"]
OURS = re.compile(r"^[\w.-]+/ci-autoheal@")  # how the examples pin this action
SHA = re.compile(r"[0-9a-f]{40}")


@dataclass
class Push:
    """A push to main: before..after, oldest commit first."""

    before: str
    commits: list[str]

    @property
    def after(self) -> str:
        return self.commits[-1]


@dataclass
class Step:
    id: str
    mode: str
    run: Run | None  # None: its `if:` was false
    env: ActionsEnv | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # as action.yml passed them

    @property
    def outputs(self) -> dict[str, str]:
        return self.run.outputs if self.run else {}

    @property
    def summary(self) -> str:
        return self.run.summary if self.run else ""


@dataclass
class JobRun:
    name: str
    workspace: Path
    ran: bool  # the job's own `if:`
    steps: dict[str, Step] = field(default_factory=dict)
    tools: JobTools | None = None  # what its install steps installed
    #: Right after actions/checkout: is the clone shallow, and how many commits it holds.
    shallow: bool = False
    commits: int = 0

    def step(self, step_id: str) -> Step:
        assert step_id in self.steps, f"{self.name}: no step {step_id!r} ({list(self.steps)})"
        return self.steps[step_id]

    def by_mode(self, mode: str) -> Step:
        """The one step of ours with `mode: MODE` (the examples give not every step an id)."""
        [found] = [s for s in self.steps.values() if s.mode == mode]
        return found


def import_project(session: Session, project: Project, root: Path) -> Repos:
    """The release as the first commit of `main` on a bare origin, and a developer's clone."""
    remote = root / "origin.git"
    git(root, "init", "-q", "--bare", "--initial-branch=main", str(remote))
    # As on GitHub, a job may fetch any commit by its sha.
    git(remote, "config", "uploadpack.allowAnySHA1InWant", "true")
    work = root / "dev"
    shutil.copytree(session.source(project), work)
    for name in project.drop:
        target = work / name
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    (work / ".gitignore").write_text(project.ignores)
    for name, text in project.extra_files.items():
        (work / name).write_text(text)
    git(root, "init", "-q", "--initial-branch=main", str(work))
    configure_identity(work, "Field Dev", "field-dev@example.com")
    git(work, "remote", "add", "origin", remote.resolve().as_uri())
    git(work, "add", "-A")
    artifact = project.artifact
    git(
        work, "commit", "-q", "-m",
        f"Import {artifact.name} {artifact.version}\n\n"
        f"From {artifact.url}\n(sha256 {artifact.sha256}).",
    )  # fmt: skip
    git(work, "push", "-q", "-u", "origin", "main")
    return Repos(root=root, remote=remote, work=work)


def edit(repos: Repos, path: str, changes: Mapping[str, str], message: str) -> str:
    """Commit one file's changes, each `old` to `new` (the file must hold each `old` exactly
    once)."""
    text = (repos.work / path).read_text()
    for old, new in changes.items():
        assert text.count(old) == 1, (
            f"{path}: expected one {old!r} (is the pinned release changed?)"
        )
        text = text.replace(old, new)
    return repos.commit(path, text, message)


def checkout(url: str, dest: Path, ref: str, depth: int) -> Path:
    """What actions/checkout does: init, fetch `ref` (a branch or a sha) at `depth` (0: all
    history), check it out (a branch as a local branch, a sha detached). No identity."""
    git(dest.parent, "init", "-q", str(dest))
    git(dest, "remote", "add", "origin", url)
    deepen = [f"--depth={depth}"] if depth else []
    everything = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
    if SHA.fullmatch(ref):
        git(
            dest,
            "fetch",
            "-q",
            "--no-tags",
            *deepen,
            "origin",
            *(everything if not depth else [ref]),
        )
        git(dest, "checkout", "-q", "--force", "--detach", ref)
    else:
        branch = ref.removeprefix("refs/heads/")
        one = [f"+refs/heads/{branch}:refs/remotes/origin/{branch}"]
        git(dest, "fetch", "-q", "--no-tags", *deepen, "origin", *(one if depth else everything))
        git(dest, "checkout", "-q", "--force", "-B", branch, f"refs/remotes/origin/{branch}")
    return dest


@dataclass
class Field:
    """One project's loop in one test: its remote, the fake GitHub, the jobs' environment."""

    tmp: Path
    session: Session
    project: Project
    repos: Repos
    github: FakeGitHub
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    #: Tools every job installs besides the project's own (e.g. the example's ruff).
    extra_tools: list[JobTools] = field(default_factory=list)
    runs: int = 0

    @property
    def repository(self) -> str:
        return f"field-org/{self.project.artifact.name}"

    # ------------------------------------------------------------------ events

    def push_event(self, push: Push) -> dict[str, Any]:
        """GitHub's push payload (tests/fixtures), edited to describe `push`."""
        event = load_event("push.branch.json")
        event.update(
            ref="refs/heads/main", before=push.before, after=push.after, created=False,
            forced=False, base_ref=None,
        )  # fmt: skip
        event["head_commit"] = {**(event.get("head_commit") or {}), "id": push.after}
        event["repository"].update(
            full_name=self.repository, name=self.project.artifact.name, default_branch="main"
        )
        return event

    def dispatch_event(self, body: dict[str, Any]) -> dict[str, Any]:
        """The repository_dispatch event GitHub makes of a recorded POST /dispatches."""
        event = load_event("repository_dispatch.json")
        event.update(
            action=body["event_type"], branch="main", client_payload=body["client_payload"]
        )
        event["repository"].update(
            full_name=self.repository, name=self.project.artifact.name, default_branch="main"
        )
        return event

    # ------------------------------------------------------------------ the two workflows

    def ci_autoheal_job(self, push: Push) -> JobRun:
        """examples/ci.yml's `autoheal` job on the push: its `test` job failed (that is why
        this job runs, `needs: test` + `if: failure() && ...`)."""
        return self.job(
            "ci.yml", "autoheal", self.push_event(push),
            event_name="push", sha=push.after, ref="refs/heads/main", needs_failed=True,
        )  # fmt: skip

    def dispatched(self) -> list[dict[str, Any]]:
        """The bodies of every POST /dispatches the fake GitHub received."""
        return [
            r.body for r in self.github.requests("POST", f"/repos/{self.repository}/dispatches")
        ]

    def post_remediation_job(self, body: dict[str, Any]) -> JobRun:
        """examples/post-remediation-check.yml's job, in the run a dispatch starts (on the
        default branch: GITHUB_SHA is main's tip then)."""
        tip = self.repos.remote_sha("main")
        assert tip is not None
        return self.job(
            "post-remediation-check.yml", "validate", self.dispatch_event(body),
            event_name="repository_dispatch", sha=tip, ref="refs/heads/main", needs_failed=False,
        )  # fmt: skip

    # ------------------------------------------------------------------ the runner

    def job(
        self,
        workflow: str,
        job_id: str,
        event: dict[str, Any],
        *,
        event_name: str,
        sha: str,
        ref: str,
        needs_failed: bool,
    ) -> JobRun:
        self.runs += 1
        run_id = str(9000 + self.runs)
        text = (EXAMPLES / workflow).read_text()
        spec = yaml.safe_load(text)["jobs"][job_id]
        name = f"{self.runs}-{workflow.removesuffix('.yml')}"
        folder = self.tmp / name
        folder.mkdir()
        workspace = folder / "workspace"
        github = {
            "event": event,
            "event_name": event_name,
            "sha": sha,
            "ref": ref,
            "ref_name": ref.removeprefix("refs/heads/"),
            "head_ref": "",
            "base_ref": "",
            "repository": self.repository,
            "repository_owner": self.repository.split("/")[0],
            "run_id": run_id,
            "run_attempt": "1",
            "token": TOKEN,
            "workspace": str(workspace),
        }
        secrets = {n: TOKEN for n in re.findall(r"secrets\.([A-Za-z0-9_]+)", text)}
        steps: dict[str, Any] = {}
        contexts = {"github": github, "secrets": secrets, "steps": steps, "env": {}}
        job = JobRun(name, workspace, ran=False)
        state = expressions.JobState(failed=needs_failed)
        if not expressions.condition(spec.get("if"), contexts, state):
            return job
        job.ran = True
        state = expressions.JobState()
        tools: JobTools | None = None
        for index, step in enumerate(spec["steps"]):
            uses = str(step.get("uses", ""))
            with_ = {
                k: expressions.render(v, contexts, state)
                for k, v in (step.get("with") or {}).items()
            }
            if uses.startswith("actions/checkout@"):
                depth = int(with_.get("fetch-depth") or 1)
                checkout(self.repos.url, workspace, with_.get("ref") or sha, depth)
                job.shallow = (
                    git(workspace, "rev-parse", "--is-shallow-repository").strip() == "true"
                )
                job.commits = int(git(workspace, "rev-list", "--count", "HEAD").strip())
                continue
            if not OURS.match(uses):
                if tools is None:  # the job's setup and install steps: the project's own
                    tools = job.tools = self.install(workspace)
                continue
            step_id = str(step.get("id") or f"step{index}")
            if not expressions.condition(step.get("if"), contexts, state):
                job.steps[step_id] = Step(step_id, with_.get("mode", ""), None)
                steps[step_id] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                continue
            assert tools is not None, f"{workflow}: our step runs before any install step"
            unknown = set(with_) - set(ACTION_INPUTS)
            assert not unknown, f"{workflow}: {step_id} sets undeclared inputs {unknown}"
            inputs = {
                name: with_[name]
                if name in with_
                else expressions.render(spec_.get("default", ""), contexts, state)
                for name, spec_ in ACTION_INPUTS.items()
            }
            (folder / f"step-{step_id}").mkdir()
            env = ActionsEnv(folder / f"step-{step_id}", workspace)
            with self.session.timed(f"step {name} {inputs['mode']}"):
                result = self.run_step(env, inputs, github, tools, event)
            job.steps[step_id] = Step(step_id, inputs["mode"], result, env, inputs)
            outcome = "success" if result.code == 0 else "failure"
            steps[step_id] = {"outputs": result.outputs, "outcome": outcome, "conclusion": outcome}
            if result.code != 0:
                state = expressions.JobState(failed=True)
        return job

    def install(self, workspace: Path) -> JobTools:
        own = self.session.install(self.project, workspace)
        path = [*own.path]
        env = dict(own.env)
        for extra in self.extra_tools:
            path += extra.path
            env.update(extra.env)
        return JobTools(path=path, env=env)

    def run_step(
        self,
        actions: ActionsEnv,
        inputs: dict[str, str],
        github: dict[str, Any],
        tools: JobTools,
        event: dict[str, Any],
    ) -> Run:
        """Our action's step: the runner's variables, the inputs as action.yml maps them, the
        job's PATH both for main() and for every process it starts, the workspace as cwd."""
        actions.runner_temp.mkdir(exist_ok=True)
        path = job_path(tools.path)
        actions.env.update(
            {
                "GITHUB_REPOSITORY": self.repository,
                "GITHUB_EVENT_NAME": str(github["event_name"]),
                "GITHUB_SHA": str(github["sha"]),
                "GITHUB_REF": str(github["ref"]),
                "GITHUB_RUN_ID": str(github["run_id"]),
                "GITHUB_WORKSPACE": str(actions.workspace),
                "GITHUB_API_URL": self.github.api_url,
                "PATH": path,
                **tools.env,
            }
        )
        for name, value in inputs.items():
            actions.env["INPUT_" + name.upper().replace("-", "_")] = value
        actions.set_event(event)
        with self.monkeypatch.context() as patch:
            patch.chdir(actions.workspace)
            patch.setenv("PATH", path)
            patch.setenv("RUNNER_TEMP", str(actions.runner_temp))
            for key, value in tools.env.items():
                patch.setenv(key, value)
            return actions.run(self.capsys)

    # ------------------------------------------------------------------ judging the result

    def clone_at(self, name: str, ref: str = "main") -> Path:
        """A full clone of the remote with `ref` checked out, and the project's installs."""
        dest = self.tmp / name
        git(self.tmp, "clone", "-q", self.repos.url, str(dest))
        git(dest, "checkout", "-q", "--detach", ref)
        return dest

    def project_tests(self, where: Path) -> Any:
        """The project's own test suite, run by hand (not by autoheal) in `where`."""
        tools = self.install(where)
        env = {**os.environ, "PATH": job_path(tools.path), **tools.env}
        return run(self.project.test_command, where, env=env, check=False, timeout=300)
