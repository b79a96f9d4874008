"""Detection of a Go module (go.mod): gofmt, go vet, go build, and go test when there are tests."""

from __future__ import annotations

from autoheal.checks.detect.common import _Detected, _has_files, _Project
from autoheal.checks.model import Check


def _detect_go(project: _Project, found: _Detected) -> None:
    root, finder, timeout = project.root, project.finder, project.timeout
    if not (root / "go.mod").is_file():
        return
    eco = "go"
    if not finder.tool("go"):
        found.skip("go: go vet, go build, go test", "go not installed")
    # gofmt needs no configuration to count: its layout is the language's one standard, with no
    # setting a project could choose otherwise, so its fix imposes nothing.
    if finder.tool("gofmt"):
        found.add(
            eco,
            Check(
                "gofmt",
                "lint",
                ("gofmt", "-l", "."),
                root,
                timeout,
                ("gofmt", "-w", "."),
                "detected",
                fail_on_output=True,  # gofmt -l lists unformatted files and still exits 0
            ),
            label="gofmt -l",
        )
    else:
        found.skip("go: gofmt", "gofmt not installed")
    if not finder.tool("go"):
        return
    found.add(eco, project.check("go vet", "lint", ("go", "vet", "./...")))
    found.add(eco, project.check("go build", "build", ("go", "build", "./...")))
    if _has_files(root, "*_test.go"):
        found.add(eco, project.check("go test", "test", ("go", "test", "./...")))
    else:
        found.skip("go: go test", "no *_test.go files")
