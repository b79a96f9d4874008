"""Detection of a Rust crate (Cargo.toml): cargo fmt, cargo clippy, cargo build, cargo test."""

from __future__ import annotations

from autoheal.checks.detect.common import _Detected, _Project


def _detect_rust(project: _Project, found: _Detected) -> None:
    finder, check = project.finder, project.check
    if not (project.root / "Cargo.toml").is_file():
        return
    eco = "rust"
    if not finder.tool("cargo"):
        found.skip("rust: cargo", "cargo not installed")
        return
    # cargo fmt needs no configuration to count: rustfmt's layout is the language's standard
    # one, and a project that wants another writes a rustfmt.toml, which cargo fmt reads.
    # rustup installs these as the cargo subcommand binaries; their presence is the lookup.
    if finder.tool("cargo-fmt") or finder.tool("rustfmt"):
        found.add(eco, check("cargo fmt", "lint", ("cargo", "fmt", "--check"), ("cargo", "fmt")))
    else:
        found.skip("rust: cargo fmt", "rustfmt not installed")
    if finder.tool("cargo-clippy"):
        found.add(eco, check("cargo clippy", "lint", ("cargo", "clippy", "--", "-D", "warnings")))
    else:
        found.skip("rust: cargo clippy", "clippy not installed")
    found.add(eco, check("cargo build", "build", ("cargo", "build")))
    # Rust tests live inline in src/, so there is no cheap way to tell there are none.
    found.add(eco, check("cargo test", "test", ("cargo", "test")))
