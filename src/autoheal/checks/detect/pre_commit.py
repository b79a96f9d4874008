"""Detection of pre-commit: one lint check that runs every hook of `.pre-commit-config.yaml`
with pre-commit or prek (the project's venv first), and whose fix is the same command. The
check rewrites files, so it runs alone and its rewrites are put back; the tools its hooks run
are not run a second time as checks of their own (`_Project.hooks`).
"""

from __future__ import annotations

from dataclasses import replace

from autoheal.checks.detect.common import _Detected, _Project
from autoheal.checks.detect.project_config import PRE_COMMIT_CONFIG


def _detect_pre_commit(project: _Project, found: _Detected) -> None:
    """`.pre-commit-config.yaml`, when pre-commit (or prek) is installed: one lint check
    running every hook, whose fix is the same command (hooks that rewrite files are fixers).

    pre-commit exits 1 when a hook changed files, so the fix reads as failed even when it
    fixed everything: heal's re-check decides. The check itself rewrites files too, so it runs
    alone and its changes are put back (`Check.writes_tree`).
    """
    hooks = project.config.pre_commit_hooks()
    if hooks is None:
        return  # no file, or a broken one (listed with the configuration problems)
    finder = project.finder
    runner = (  # the project's venv first, as for every Python tool
        finder.venv_tool("pre-commit")
        or finder.venv_tool("prek")
        or finder.tool("pre-commit")
        or finder.tool("prek")
    )
    if not runner:
        found.skip(
            "pre-commit",
            f"{PRE_COMMIT_CONFIG} found, but neither pre-commit nor prek is installed: "
            "the tools it names run one by one where they are configured",
        )
        return
    project.hooks = hooks
    run = (runner, "run", "--all-files")
    check = replace(
        project.check("pre-commit", "lint", (*run, "--show-diff-on-failure"), run),
        writes_tree=True,
    )
    found.add("pre-commit", check, label=PRE_COMMIT_CONFIG)
