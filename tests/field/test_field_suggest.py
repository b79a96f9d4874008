"""heal's fix of a fork's pull request on real projects, as the suggested changes the trusted
job posts: examples/ci.yml's read-only `autoheal-patch` job runs heal on the pull request's
head with the project's own tools and leaves the `autoheal-fix` artifact; its patch, cut into
suggestions on the pull request's diff plus the leftover, must turn the head into exactly the
fix (applied as GitHub applies a suggestion, then the leftover)."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoheal.modes.heal.artifact import read_artifact
from autoheal.modes.heal.suggest import suggest
from tests.field.loop import Field, edit
from tests.field.projects import ITSDANGEROUS, MINIMIST, PYTHON_JSON_LOGGER, Project
from tests.field.test_field_loop import FORMATTING_BREAKS, MakeField
from tests.gitfixtures import git
from tests.heal_helpers import pr_event
from tests.suggest_helpers import Pull, assert_makes_the_fix

pytestmark = pytest.mark.field

FORK = "someone/fork"


def open_fork_pull(field: Field) -> Pull:
    """A fork's pull request #7 whose one commit breaks what the project's fixer owns: its
    head only under refs/pull/7/head on the remote, as GitHub keeps a fork's head."""
    repos = field.repos
    base = repos.sha()
    path, changes = FORMATTING_BREAKS[field.project.key]
    head = edit(repos, path, changes, "Tidy a helper")
    git(repos.work, "push", "-q", "origin", "HEAD:refs/pull/7/head")
    git(repos.work, "reset", "-q", "--hard", base)
    return Pull(repos, base, head)


@pytest.mark.parametrize(
    "project", [ITSDANGEROUS, PYTHON_JSON_LOGGER, MINIMIST], ids=lambda p: p.key
)
def test_a_forks_fix_becomes_suggestions_that_make_exactly_that_fix(
    make_field: MakeField, project: Project
) -> None:
    field = make_field(project)
    pull = open_fork_pull(field)
    event = pr_event("patch-1", pull.head, head_repo=FORK)
    for side in (event["pull_request"]["base"]["repo"], event["repository"]):
        side["full_name"] = field.repository
    job = field.job(
        "ci.yml",
        "autoheal-patch",
        event,
        event_name="pull_request",
        sha=pull.head,
        ref="refs/pull/7/merge",
        needs_failed=True,
    )
    assert job.ran, "examples/ci.yml's fork job did not run on a fork's failed pull request"
    heal = job.by_mode("heal")
    folder = heal.outputs["patch-artifact"]
    assert folder, heal.summary
    assert field.repos.remote_sha() == pull.base  # a read-only run pushes nothing

    artifact = read_artifact(Path(folder), max_patch_bytes=1 << 20)
    assert (artifact.head_sha, artifact.pull_request, artifact.head_repository) == (
        pull.head,
        7,
        FORK,
    )
    # The fix is the project's own fixer's: commit it on the head as git applies it.
    work = field.repos.work
    git(work, "checkout", "-q", "--detach", pull.head)
    (work / "fix.patch").write_text(artifact.patch_text)
    git(work, "apply", "--index", "fix.patch")
    (work / "fix.patch").unlink()
    git(work, "commit", "-q", "-m", "fix")
    pull.fixed = git(work, "rev-parse", "HEAD").strip()

    made = suggest(artifact.patch_text, pull.files())
    assert made.comments, f"no suggestion on the lines the pull request changed: {made.reasons}"
    assert_makes_the_fix(pull, made.comments, made.leftover)
