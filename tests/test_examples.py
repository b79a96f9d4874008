"""The example workflows (and our own) are complete, least-privilege and consistent with action.yml.

`workflow_problems` is the checker: it returns every problem it finds as a sentence. The tests run
it on each real workflow (no problems allowed) and on deliberately broken ones (the expected
problem must be reported), so the checker itself cannot silently rot into "always passes".
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from autoheal.settings.inputs import BY_NAME, MODES

ROOT = Path(__file__).resolve().parent.parent
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text())
ACTION_INPUTS = set(ACTION["inputs"])
ACTION_OUTPUTS = set(ACTION["outputs"])
EXAMPLES = sorted((ROOT / "examples").glob("*.yml"))
OWN_WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))

# Outputs of the third-party actions the examples read (from their action.yml).
THIRD_PARTY_OUTPUTS = {
    "actions/create-github-app-token": {"token", "installation-id", "app-slug"},
}
STEP_REF = re.compile(r"\bsteps\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


# --------------------------------------------------------------------------- the checker


def is_ours(step: dict[str, Any]) -> bool:
    uses = str(step.get("uses", ""))
    return uses in ("./", "$/") or "ci-autoheal" in uses


def action_name(uses: str) -> str:
    return uses.split("@", 1)[0]


def expressions(key: str, value: Any) -> Iterator[str]:
    """Every expression in a value: `${{ ... }}` anywhere, and a bare `if:` as a whole."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from expressions(str(k), v)
    elif isinstance(value, list):
        for v in value:
            yield from expressions(key, v)
    elif isinstance(value, str):
        found = EXPRESSION.findall(value)
        yield from found
        if key == "if" and not found:
            yield value


def run_scripts(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "run" and isinstance(v, str):
                yield v
            else:
                yield from run_scripts(v)
    elif isinstance(value, list):
        for v in value:
            yield from run_scripts(v)


def step_problems(where: str, step: dict[str, Any]) -> list[str]:
    problems = []
    uses = str(step.get("uses", ""))
    with_ = step.get("with") or {}
    if action_name(uses) == "actions/checkout" and with_.get("persist-credentials") is not False:
        problems.append(f"{where}: actions/checkout without `persist-credentials: false`")
    if not is_ours(step):
        return problems
    mode = with_.get("mode")
    expected_failure = step.get("continue-on-error") is True
    if mode not in MODES and not expected_failure:
        problems.append(f"{where}: mode {mode!r} is not one of {', '.join(MODES)}")
    for key in with_:
        if key not in ACTION_INPUTS:
            problems.append(f"{where}: `{key}` is not an input of action.yml")
        elif mode in MODES and mode not in BY_NAME[key].modes:
            problems.append(f"{where}: `{key}` is not used by mode {mode}")
    return problems


def output_problem(
    where: str, ref: str, target: dict[str, Any] | None, kind: str, name: str | None
) -> str | None:
    if target is None:
        return f"{where}: `{ref}` names no earlier step of this job"
    if kind in ("outcome", "conclusion"):
        return None
    if kind != "outputs" or not name:
        return f"{where}: `{ref}` is not steps.ID.outputs.NAME, .outcome or .conclusion"
    uses = str(target.get("uses", ""))
    if is_ours(target):
        if name not in ACTION_OUTPUTS:
            return f"{where}: `{ref}`: action.yml declares no output `{name}`"
        return None
    if uses:
        known = THIRD_PARTY_OUTPUTS.get(action_name(uses))
        if known is None:
            return f"{where}: `{ref}`: outputs of {action_name(uses)} are not known to this test"
        if name not in known:
            return f"{where}: `{ref}`: {action_name(uses)} has no output `{name}`"
        return None
    if f"{name}=" not in str(target.get("run", "")):
        return f"{where}: `{ref}`: that step's script never writes `{name}=` to GITHUB_OUTPUT"
    return None


STATUS_FUNCTION = re.compile(r"\b(always|cancelled|failure|success)\(\)")


def skipped_after_failed_heal(step: dict[str, Any], seen: dict[str, dict[str, Any]]) -> str:
    """The id of a heal step whose outputs this step's `if:` reads when that `if:` has no
    status function: GitHub then adds `success()`, so the step is skipped whenever heal
    failed its step, e.g. PARTIAL (a fix pushed, some checks still failing)."""
    condition = str(step.get("if", ""))
    if STATUS_FUNCTION.search(condition):
        return ""
    for match in STEP_REF.finditer(condition):
        target = seen.get(match[1])
        if (
            target is not None
            and is_ours(target)
            and (target.get("with") or {}).get("mode") == "heal"
            and target.get("continue-on-error") is not True
        ):
            return match[1]
    return ""


def job_problems(job_id: str, job: dict[str, Any]) -> list[str]:
    problems = []
    where = f"jobs.{job_id}"
    if not isinstance(job.get("permissions"), dict):
        problems.append(f"{where}: no `permissions:` mapping (least privilege per job)")
    if "uses" in job:  # a reusable workflow: its own jobs carry timeouts and steps
        return problems
    if not isinstance(job.get("timeout-minutes"), int):
        problems.append(f"{where}: no `timeout-minutes`")
    steps: list[dict[str, Any]] = job.get("steps") or []
    for script in run_scripts(job):
        if "${{" in script:
            first = script.strip().splitlines()[0] if script.strip() else script
            problems.append(f"{where}: `${{{{` inside run: {first!r} (use env: instead)")
    seen: dict[str, dict[str, Any]] = {}
    for index, step in enumerate(steps):
        step_where = f"{where}.steps[{index}]" + (f" ({step['id']})" if "id" in step else "")
        problems.extend(step_problems(step_where, step))
        for expr in expressions("", step):
            for match in STEP_REF.finditer(expr):
                problem = output_problem(
                    step_where, match.group(0), seen.get(match[1]), match[2], match[3]
                )
                if problem:
                    problems.append(problem)
        heal_id = skipped_after_failed_heal(step, seen)
        if heal_id:
            problems.append(
                f"{step_where}: `if:` reads steps.{heal_id} without `!cancelled()`: it is "
                "skipped whenever heal fails its step (PARTIAL: a fix pushed, checks failing)"
            )
        if "id" in step:
            seen[str(step["id"])] = step
    for key in ("if", "outputs", "env", "concurrency"):
        for expr in expressions(key, job.get(key)):
            for match in STEP_REF.finditer(expr):
                target = seen.get(match[1]) if key == "outputs" else None
                problem = output_problem(where, match.group(0), target, match[2], match[3])
                if problem:
                    problems.append(problem)
    return problems


def workflow_problems(text: str) -> list[str]:
    """Every problem of one workflow file, as sentences; [] when it is fine."""
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        return ["the file is not a mapping"]
    problems = []
    if doc.get("permissions") != {}:
        problems.append("top level: `permissions: {}` is missing (jobs ask for their own)")
    if not doc.get("on", doc.get(True)):  # YAML 1.1 reads a bare `on` as true
        problems.append("top level: no `on:` trigger")
    jobs = doc.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        return [*problems, "top level: no jobs"]
    for job_id, job in jobs.items():
        problems.extend(job_problems(str(job_id), job))
    return problems


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


def steps_of(path: Path) -> list[dict[str, Any]]:
    return [s for job in load(path)["jobs"].values() for s in job.get("steps", [])]


def ours(path: Path, mode: str, job: str = "") -> list[dict[str, Any]]:
    """Our steps of `mode` (in `job` only, when given)."""
    jobs = load(path)["jobs"]
    steps = jobs[job].get("steps", []) if job else steps_of(path)
    return [s for s in steps if is_ours(s) and s["with"].get("mode") == mode]


# --------------------------------------------------------------------------- real files


def test_there_are_examples() -> None:
    names = {p.name for p in EXAMPLES}
    assert {
        "ci.yml",
        "ci-node.yml",
        "ci-app-token.yml",
        "post-remediation-check.yml",
        "autoheal-on-workflow-run.yml",
        "autoheal-command.yml",
        "autoheal-apply.yml",
    } <= names


@pytest.mark.parametrize(
    "path", EXAMPLES + OWN_WORKFLOWS, ids=lambda p: p.parent.name + "/" + p.name
)
def test_workflow_has_no_problems(path: Path) -> None:
    assert workflow_problems(path.read_text()) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_pins_our_action_with_a_placeholder_and_a_version(path: Path) -> None:
    text = path.read_text()
    # `uses:` as a key only: `statuses: write` must not count.
    refs = re.findall(r"(?m)^[\s-]*uses:\s*(\S*ci-autoheal\S*)\s*#\s*(\S+)", text)
    assert refs, "the example does not use CI Autoheal"
    for ref, version in refs:
        assert re.fullmatch(r"OWNER/ci-autoheal@[0-9a-f]{40}", ref), ref
        assert re.fullmatch(r"v\d+\.\d+\.\d+", version), version
    assert "Replace OWNER and the" in text or "replace OWNER and the" in text
    for ref in re.findall(r"(?m)^[\s-]*uses:\s*(\S+@\S+)(.*)", text):
        assert re.search(r"#\s*v\d+\.\d+\.\d+", ref[1]), f"{ref[0]} has no # vX.Y.Z comment"


@pytest.mark.parametrize(
    "name", ["ci.yml", "ci-node.yml", "ci-app-token.yml", "autoheal-on-workflow-run.yml"], ids=str
)
def test_heal_hands_validate_sha_to_redispatch(name: str) -> None:
    """The loop reaches validate (and rollback) when heal is insufficient: redispatch runs on
    heal's `validate-sha` (its fix, or a failing default-branch commit), not on `healed`, and
    also after heal failed its step."""
    path = ROOT / "examples" / name
    job = "heal" if name == "autoheal-on-workflow-run.yml" else "autoheal"
    (heal,) = ours(path, "heal", job)
    (redispatch,) = ours(path, "redispatch", job)
    assert heal["id"] == "heal"
    assert redispatch["with"]["sha"] == "${{ steps.heal.outputs.validate-sha }}"
    assert redispatch["with"]["confidence"] == "${{ steps.heal.outputs.confidence-after }}"
    assert redispatch["with"]["category-outcomes"] == (
        "${{ steps.heal.outputs.category-outcomes }}"
    )
    assert redispatch["if"] == "${{ !cancelled() && steps.heal.outputs.validate-sha != '' }}"
    for step in steps_of(path):  # nothing on the way depends on `healed` any more
        assert "outputs.healed" not in str(step.get("if", ""))


def test_ci_example_heals_then_redispatches_with_the_secret() -> None:
    for name in ("ci.yml", "ci-node.yml", "ci-app-token.yml"):
        path = ROOT / "examples" / name
        job = load(path)["jobs"]["autoheal"]
        assert "failure()" in job["if"]
        assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
    for name in ("ci.yml", "ci-node.yml"):
        (plain,) = ours(ROOT / "examples" / name, "redispatch")
        assert plain["with"]["token"] == "${{ secrets.CI_REDISPATCH_TOKEN }}"
    (app,) = ours(ROOT / "examples" / "ci-app-token.yml", "redispatch")
    assert app["with"]["token"] == "${{ steps.app-token.outputs.token }}"
    minting = [
        s
        for s in steps_of(ROOT / "examples" / "ci-app-token.yml")
        if "create-github-app-token" in s.get("uses", "")
    ]
    assert re.fullmatch(r"actions/create-github-app-token@[0-9a-f]{40}", minting[0]["uses"])


def test_post_remediation_check_validates_the_payload_sha_then_rolls_back() -> None:
    path = ROOT / "examples" / "post-remediation-check.yml"
    doc = load(path)
    assert doc[True] == {"repository_dispatch": {"types": ["post-remediation-check"]}}
    assert BY_NAME["event-type"].default == "post-remediation-check"
    assert "github.event.client_payload.autoheal.dispatch_id" in doc["run-name"]
    assert "github.event.client_payload.autoheal.sha" in doc["concurrency"]["group"]
    assert doc["concurrency"]["cancel-in-progress"] is False
    (checkout,) = [s for s in steps_of(path) if "actions/checkout" in s.get("uses", "")]
    assert checkout["with"]["ref"] == "${{ github.event.client_payload.autoheal.sha }}"
    (validate,) = ours(path, "validate")
    (rollback,) = ours(path, "rollback")
    assert validate["id"] == "validate"
    assert rollback["if"] == "steps.validate.outputs.rollback-required == 'true'"
    assert rollback["with"]["rollback-required"] == (
        "${{ steps.validate.outputs.rollback-required }}"
    )


def test_workflow_run_example_never_runs_fork_code() -> None:
    path = ROOT / "examples" / "autoheal-on-workflow-run.yml"
    doc = load(path)
    assert doc[True]["workflow_run"]["types"] == ["completed"]
    (job,) = doc["jobs"].values()
    assert "github.event.workflow_run.conclusion == 'failure'" in job["if"]
    assert "github.event.workflow_run.head_repository.full_name == github.repository" in job["if"]
    (checkout,) = [s for s in job["steps"] if "actions/checkout" in s.get("uses", "")]
    assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_branch }}"
    assert "repository" not in checkout["with"]  # never the fork's repository
    # The dispatch token is an environment's secret, pinned to the default branch.
    assert job["environment"] == "autoheal"
    assert "ignore[secrets-outside-env]" not in path.read_text()


def test_command_example_runs_no_pull_request_code_before_accepting() -> None:
    """`/autoheal fix`: the accept stage runs on the default branch's checkout; only a request
    to `fix` checks out the head it accepted, installs tools and heals; a fork (`suggest`) or
    a refusal (`none`) runs nothing of the pull request."""
    path = ROOT / "examples" / "autoheal-command.yml"
    doc = load(path)
    assert doc[True] == {"issue_comment": {"types": ["created"]}}
    (job,) = doc["jobs"].values()
    assert "github.event.issue.pull_request" in job["if"]
    assert "startsWith(github.event.comment.body, '/autoheal fix')" in job["if"]
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
        "actions": "read",
    }
    steps = job["steps"]
    first, accept = steps[0], steps[1]
    assert "actions/checkout" in first["uses"] and "ref" not in first["with"]
    assert accept["id"] == "accept" and accept["with"] == {"mode": "heal", "fix-request": "accept"}
    fixing = "${{ !cancelled() && steps.accept.outputs.request == 'fix' }}"
    *fix_steps, download, suggest = steps[2:]
    for step in fix_steps:
        assert step["if"] == fixing, step
    # A fork: only the artifact of the run the accept step found, applied as data.
    assert download["if"] == "${{ !cancelled() && steps.accept.outputs.request == 'suggest' }}"
    assert download["uses"] == DOWNLOAD
    assert download["with"]["run-id"] == "${{ steps.accept.outputs.artifact-run-id }}"
    assert suggest["if"] == "${{ !cancelled() && steps.download.outcome == 'success' }}"
    assert suggest["with"] == {"mode": "heal", "apply-patch": download["with"]["path"]}
    (checkout,) = [s for s in steps[2:] if "actions/checkout" in s.get("uses", "")]
    assert checkout["with"]["ref"] == "${{ steps.accept.outputs.head-sha }}"
    assert "repository" not in checkout["with"]  # never the fork's repository
    (fix,) = [s for s in steps if is_ours(s) and s["with"].get("fix-request") == "fix"]
    assert steps.index(fix) > steps.index(checkout)


UPLOAD = "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"
DOWNLOAD = "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093"


def _uploads_the_artifact(steps: list[dict[str, Any]]) -> None:
    """The step after heal uploads `patch-artifact` as `autoheal-fix`, also after heal failed
    its step (checks still failing with the fix)."""
    index = next(i for i, s in enumerate(steps) if is_ours(s) and s["with"]["mode"] == "heal")
    upload = steps[index + 1]
    assert upload["uses"] == UPLOAD
    assert upload["if"] == "${{ !cancelled() && steps.heal.outputs.patch-artifact != '' }}"
    assert upload["with"] == {
        "name": "autoheal-fix",
        "path": "${{ steps.heal.outputs.patch-artifact }}",
        "retention-days": 7,
        "if-no-files-found": "error",
    }


@pytest.mark.parametrize("name", ["ci.yml", "ci-node.yml"], ids=str)
def test_read_only_pull_requests_upload_the_fix_from_a_job_that_cannot_write(name: str) -> None:
    jobs = load(ROOT / "examples" / name)["jobs"]
    fork = jobs["autoheal-patch"]
    assert "github.event.pull_request.head.repo.full_name != github.repository" in fork["if"]
    assert "failure()" in fork["if"] and "github.event_name == 'pull_request'" in fork["if"]
    assert set(fork["permissions"].values()) == {"read"}
    assert "secrets." not in str(fork)
    (checkout,) = [s for s in fork["steps"] if "actions/checkout" in s.get("uses", "")]
    assert checkout["with"]["ref"] == "${{ github.event.pull_request.head.sha }}"
    _uploads_the_artifact(fork["steps"])
    _uploads_the_artifact(jobs["autoheal"]["steps"])  # Dependabot's: read-only too


def test_the_app_token_ci_uploads_dependabots_fix_too() -> None:
    _uploads_the_artifact(load(ROOT / "examples" / "ci-app-token.yml")["jobs"]["autoheal"]["steps"])


def test_the_apply_workflow_runs_no_pull_request_code_with_least_privilege() -> None:
    path = ROOT / "examples" / "autoheal-apply.yml"
    doc = load(path)
    assert doc[True]["workflow_run"] == {"workflows": ["CI"], "types": ["completed"]}
    (job,) = doc["jobs"].values()
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "actions": "read",
        "issues": "read",
    }
    checkout, download, apply = job["steps"]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"persist-credentials": False}  # the default branch only
    assert download["uses"] == DOWNLOAD
    assert download["with"]["run-id"] == "${{ github.event.workflow_run.id }}"
    assert download["with"]["github-token"] == "${{ github.token }}"
    assert download["with"]["name"] == "autoheal-fix"
    assert apply["with"] == {"mode": "heal", "apply-patch": download["with"]["path"]}
    assert apply["if"] == "steps.download.outcome == 'success'"
    assert not any("run" in step for step in job["steps"])


INSTALLS = re.compile(r"\bpip install\b|\bnpm (ci|install)\b")


def test_the_node_ci_is_the_python_one_with_node_tools() -> None:
    """ci-node.yml differs from ci.yml only where a Node project differs: the tools its
    jobs install and run (and the comments saying so)."""
    python, node = load(ROOT / "examples" / "ci.yml"), load(ROOT / "examples" / "ci-node.yml")
    for doc in (python, node):
        for job in doc["jobs"].values():
            job["steps"] = [
                s
                for s in job["steps"]
                if "run" not in s and not str(s.get("uses", "")).startswith("actions/setup-")
            ]
    assert python == node
    node_text = (ROOT / "examples" / "ci-node.yml").read_text()
    assert "actions/setup-node@" in node_text and "setup-python" not in node_text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_checks_have_their_tools_installed_before_our_action_runs_them(path: Path) -> None:
    """heal, validate and rollback run only tools that are on PATH: a job that does not
    install them detects (almost) nothing, and heal reports HEALTHY on a red CI."""
    for job_id, job in load(path)["jobs"].items():
        installed = False
        for step in job.get("steps", []):
            installed = installed or bool(INSTALLS.search(str(step.get("run", ""))))
            with_ = (step.get("with") or {}) if is_ours(step) else {}
            if with_.get("fix-request") == "accept":  # reads the request, runs no check
                continue
            if "apply-patch" in with_:
                continue  # it runs no check: the patch is data
            if with_.get("mode") in ("heal", "validate", "rollback"):
                mode = with_["mode"]
                assert installed, f"jobs.{job_id}: {mode} runs before any tool is installed"


def test_self_test_covers_every_mode_and_expected_failures() -> None:
    path = ROOT / ".github" / "workflows" / "ci.yml"
    steps = load(path)["jobs"]["self-test"]["steps"]
    mine = [s for s in steps if is_ours(s)]
    assert {s["with"]["mode"] for s in mine} >= set(MODES)
    for step in mine:
        assert step["uses"] == "$/"  # this run's own commit, not whatever the workspace holds
        if step.get("continue-on-error"):
            continue
        mode = step["with"]["mode"]
        safe = {
            "heal": step["with"].get("dry-run") is True,
            "validate": step["with"].get("dry-run") is True,
            "redispatch": step["with"].get("token") == "",
            "rollback": step["with"].get("rollback-required") is False,
        }
        assert safe[mode], f"{mode} self-test could change something remote"
    failing = [s["id"] for s in mine if s.get("continue-on-error")]
    assert {"bad-mode", "bad-threshold"} <= set(failing)
    checked = " ".join(str(s.get("env", "")) for s in steps)
    for step_id in failing:
        assert f"steps.{step_id}.outcome" in checked


def test_self_test_heals_only_on_a_branch_push(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """release.yml runs this workflow on a tag push: a detached HEAD, which heal refuses. The
    self-test's heal step must skip there, and pass on a branch push (its inputs, for real)."""
    from tests.gitfixtures import git
    from tests.heal_helpers import setup_heal

    steps = load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]["self-test"]["steps"]
    index = next(i for i, s in enumerate(steps) if s.get("id") == "heal")
    for step in steps[index : index + 2]:  # heal, and the step checking its outputs
        assert step["if"] == "github.event_name == 'push' && startsWith(github.ref, 'refs/heads/')"
    inputs = {
        k.replace("-", "_"): str(v).lower() if isinstance(v, bool) else str(v)
        for k, v in steps[index]["with"].items()
    }
    s = setup_heal(tmp_path, monkeypatch, token="", **inputs)
    on_branch = s.actions.run(capsys)
    assert on_branch.code == 0, on_branch.out
    assert on_branch.outputs["fixed-categories"] == "lint"
    git(s.ci, "checkout", "-q", "--detach")  # what actions/checkout makes of a tag push
    s.actions.env["GITHUB_REF"] = "refs/tags/v1.0.0"
    on_tag = s.actions.run(capsys)
    assert on_tag.code == 1 and "Cannot tell which branch to push the fix to" in on_tag.out


def test_release_moves_the_major_tag_with_the_only_write_permission() -> None:
    doc = load(ROOT / ".github" / "workflows" / "release.yml")
    assert doc[True] == {"push": {"tags": ["v*.*.*"]}}
    jobs = doc["jobs"]
    writers = [j for j, job in jobs.items() if "write" in job["permissions"].values()]
    assert writers == ["move-major-tag"]
    assert jobs["move-major-tag"]["needs"] == "ci"
    assert jobs["ci"]["uses"] == "$/.github/workflows/ci.yml"  # at the tagged commit
    script = jobs["move-major-tag"]["steps"][-1]["run"]
    assert "git tag -f" in script and 'git push --force origin "refs/tags/$major"' in script
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    assert "workflow_call" in ci[True]


def test_dependabot_watches_actions_and_pip() -> None:
    doc = load(ROOT / ".github" / "dependabot.yml")
    updates = {(u["package-ecosystem"], u["directory"]): u for u in doc["updates"]}
    assert set(updates) == {("github-actions", "/"), ("pip", "/requirements")}
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"


ZIZMOR = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")


@pytest.mark.skipif(ZIZMOR is None, reason="zizmor is not installed")
def test_zizmor_finds_nothing_in_examples_and_dependabot() -> None:
    # Given a directory, zizmor only collects .github/workflows and action files: name the
    # example files (and dependabot.yml) one by one so they really are audited.
    assert ZIZMOR
    files = [str(p) for p in EXAMPLES] + [str(ROOT / ".github" / "dependabot.yml")]
    done = subprocess.run(
        [ZIZMOR, "--offline", "--no-progress", "--persona=auditor", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for path in EXAMPLES:
        assert f"completed {path.relative_to(ROOT)}" in done.stderr or path.name in done.stderr


def test_every_zizmor_ignore_gives_its_reason() -> None:
    for path in [ROOT / "action.yml", *EXAMPLES, *OWN_WORKFLOWS]:
        for line in path.read_text().splitlines():
            if "zizmor: ignore" in line:
                reason = re.search(r"# zizmor: ignore\[[a-z-]+\] -- (.+)", line)
                assert reason and len(reason[1]) > 20, f"{path.name}: {line.strip()}"


# --------------------------------------------------------------------------- the checker fails

GOOD = """
name: good
on: push
permissions: {}
jobs:
  heal:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - id: heal
        uses: OWNER/ci-autoheal@0000000000000000000000000000000000000000 # v1.0.0
        with:
          mode: heal
      - id: tip
        run: echo "current=true" >> "$GITHUB_OUTPUT"
      - if: >-
          ${{ !cancelled() && steps.heal.outputs.healed == 'true'
          && steps.tip.outputs.current == 'true' }}
        uses: OWNER/ci-autoheal@0000000000000000000000000000000000000000 # v1.0.0
        with:
          mode: redispatch
          sha: ${{ steps.heal.outputs.commit-sha }}
      - env:
          OUTCOME: ${{ steps.heal.outcome }}
        run: test "$OUTCOME" = success
"""


def test_the_good_workflow_is_clean() -> None:
    assert workflow_problems(GOOD) == []


BROKEN = [
    ("top-permissions-missing", "permissions: {}\njobs:", "jobs:", "`permissions: {}` is missing"),
    ("top-permissions-write-all", "permissions: {}", "permissions: write-all", "`permissions: {}`"),
    (
        "job-permissions-missing",
        "    permissions:\n      contents: write\n",
        "",
        "no `permissions:`",
    ),
    ("timeout-missing", "    timeout-minutes: 10\n", "", "no `timeout-minutes`"),
    (
        "persist-credentials-missing",
        "          persist-credentials: false\n",
        "          fetch-depth: 0\n",
        "persist-credentials: false",
    ),
    (
        "persist-credentials-true",
        "persist-credentials: false",
        "persist-credentials: true",
        "persist-credentials: false",
    ),
    ("expression-in-run", 'test "$OUTCOME"', 'test "${{ steps.heal.outcome }}"', "inside run"),
    ("unknown-input", "mode: heal\n", "mode: heal\n          colour: red\n", "`colour`"),
    ("input-of-another-mode", "mode: heal\n", "mode: heal\n          threshold: 40\n", "not used"),
    ("bad-mode", "mode: heal", "mode: mend", "'mend' is not one of"),
    ("missing-mode", "          mode: heal\n", "", "None is not one of"),
    ("unknown-step", "steps.heal.outputs.commit-sha", "steps.fix.outputs.commit-sha", "no earlier"),
    ("unknown-output", "outputs.commit-sha", "outputs.commit", "no output `commit`"),
    ("unknown-output-in-if", "outputs.healed ==", "outputs.heal ==", "no output `heal`"),
    ("output-of-run-never-written", "current=true", "now=true", "never writes `current=`"),
    ("later-step", "steps.heal.outcome", "steps.nope.outcome", "no earlier step"),
    ("no-jobs", "jobs:", "jobs: {}\nx:", "no jobs"),
    ("skipped-after-partial-heal", "${{ !cancelled() && ", "${{ ", "without `!cancelled()`"),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_broken_workflows_are_caught(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    broken = GOOD.replace(old, new, 1)
    problems = workflow_problems(broken)
    assert any(expected in p for p in problems), problems


def test_a_step_read_before_it_runs_is_caught() -> None:
    # The redispatch step reads heal's outputs; move it above heal.
    doc = yaml.safe_load(GOOD)
    steps = doc["jobs"]["heal"]["steps"]
    steps.insert(1, steps.pop(3))
    problems = workflow_problems(yaml.safe_dump(doc))
    assert any("names no earlier step" in p for p in problems), problems


def test_third_party_outputs_are_checked() -> None:
    extra = GOOD.replace(
        "      - id: tip\n",
        "      - id: app\n"
        "        uses: actions/create-github-app-token@" + "a" * 40 + " # v3.2.0\n"
        "      - env:\n          T: ${{ steps.app.outputs.tokn }}\n        run: 'true'\n"
        "      - id: tip\n",
    )
    assert any("has no output `tokn`" in p for p in workflow_problems(extra))
    assert workflow_problems(extra.replace("tokn", "token")) == []
