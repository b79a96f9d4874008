"""A sample project with deterministic checks, and dispatch events, for the validate tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.actions import ActionsEnv, load_event
from tests.gitfixtures import Repos, make_repo

# `python3 check.py NAME` passes when NAME.ok holds "yes": a commit decides its own outcome.
CHECK_SCRIPT = """\
import pathlib, sys
name = sys.argv[1]
ok = pathlib.Path(name + ".ok").read_text().strip() == "yes"
print(f"{name}: {'ok' if ok else 'FAILED'}")
sys.exit(0 if ok else 1)
"""

# `python3 flaky.py STATE FAILS`: fails the first FAILS times (counted in STATE), then passes.
FLAKY_SCRIPT = """\
import pathlib, sys
state = pathlib.Path(sys.argv[1])
runs = int(state.read_text()) if state.exists() else 0
state.write_text(str(runs + 1))
print(f"run {runs + 1}")
sys.exit(1 if runs < int(sys.argv[2]) else 0)
"""

ALL_PASS = {"lint.ok": "yes\n", "build.ok": "yes\n", "test.ok": "yes\n"}


def sample_repo(tmp_path: Path) -> Repos:
    files = {"check.py": CHECK_SCRIPT, "flaky.py": FLAKY_SCRIPT, "README.md": "# demo\n"}
    return make_repo(tmp_path, files={**files, **ALL_PASS})


def break_checks(repos: Repos, *names: str) -> str:
    """Commit `NAME.ok = no` for each name and push; returns the new sha."""
    sha = ""
    for name in names:
        sha = repos.commit(f"{name}.ok", "no\n", f"break {name}")
    repos.push()
    return sha


def use_checks(actions: ActionsEnv, clone: Path, **extra: str) -> None:
    """validate on `clone` with the three sample checks, no detection, no token."""
    actions.env["INPUT_WORKING_DIRECTORY"] = str(clone)
    actions.inputs(
        mode="validate",
        detect="false",
        lint_command="python3 check.py lint",
        build_command="python3 check.py build",
        test_command="python3 check.py test",
        **extra,
    )


def heal_payload(sha: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "dispatch_id": f"octo-org/octo-repo/4242/1/{sha[:12]}",
        "sha": sha,
        "ref": "refs/heads/main",
        "repository": "octo-org/octo-repo",
        "source_run_id": "4242",
        "source_run_attempt": "1",
        "pr": None,
        "confidence": None,
        "checks": {},
        "before": None,
    }
    data.update(changes)
    return data


def dispatch_event(ours: Any, **user: Any) -> dict[str, Any]:
    """A real repository_dispatch event whose client_payload carries `ours` (and user keys)."""
    event = load_event("repository_dispatch.json")
    event["action"] = "post-remediation-check"
    event["client_payload"] = {"autoheal": ours, **user} if ours is not None else dict(user)
    return event


def set_dispatch(actions: ActionsEnv, ours: Any, **user: Any) -> None:
    actions.set_event(dispatch_event(ours, **user), "repository_dispatch")
