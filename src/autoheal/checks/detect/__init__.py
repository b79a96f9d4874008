"""Detection: the checks a project's own files and installed tools give, without configuration.

`detect_project` runs one detector per ecosystem, pre-commit first: `pre_commit`, `python`,
`node`, `go`, `rust`. What they share is in `common`; what a project configures, read from its
own files, in `project_config`. A formatter or linter becomes a check only where the project
configures it; every tool left out is listed as skipped, with why.
"""

from __future__ import annotations

from pathlib import Path

from autoheal.checks.detect.common import _Detected, _Finder, _Project
from autoheal.checks.detect.go import _detect_go
from autoheal.checks.detect.node import _detect_node
from autoheal.checks.detect.pre_commit import _detect_pre_commit
from autoheal.checks.detect.project_config import ProjectConfig
from autoheal.checks.detect.python import _detect_python
from autoheal.checks.detect.rust import _detect_rust
from autoheal.checks.model import Plan


def detect_project(root: Path, *, timeout: float = 600, path: str | None = None) -> Plan:
    """Checks for the Python, Node, Go and Rust projects at `root`, using installed tools only,
    and formatters and linters only where the project configures them."""
    project = _Project(root, _Finder(root, path), timeout, ProjectConfig(root))
    found = _Detected()
    # pre-commit first: the tools its hooks run are then not run a second time on their own.
    for detector in (_detect_pre_commit, _detect_python, _detect_node, _detect_go, _detect_rust):
        detector(project, found)
    for name, why in project.config.problems.items():
        found.skip(name, why)
    return Plan(checks=found.checks, detected=found.detected, skipped=found.skipped)
