"""Detection of a Node project (package.json): its `lint`, `build` and `test` scripts through
npm (not npm's placeholder test), eslint and prettier where the project configures and installed
them (as the lint fix, or as checks of their own when there is no lint script), and `npm audit`
when there is a package-lock.json.
"""

from __future__ import annotations

import json
from typing import Any

from autoheal.checks.detect.common import _configured_tool, _Detected, _Project, _read_text
from autoheal.checks.model import Argv, Command

#: What `npm init` writes as the test script: a placeholder, not a test suite.
NPM_PLACEHOLDER_TEST = "no test specified"


def _read_package(project: _Project, found: _Detected) -> dict[str, Any] | None:
    manifest = project.root / "package.json"
    if not manifest.is_file():
        return None
    try:
        package = json.loads(_read_text(manifest))
    except (ValueError, RecursionError) as exc:  # not JSON, a huge number, deep nesting
        found.skip("node", f"package.json is not valid JSON ({str(exc)[:120]})")
        return None
    if not isinstance(package, dict):
        found.skip("node", "package.json is not a JSON object")
        return None
    return package


#: Where eslint and prettier are configured, for a skip reason (project_config has the list).
NODE_PLACES = {
    "eslint": "eslint.config.*, .eslintrc* or an `eslintConfig` key in package.json",
    "prettier": ".prettierrc*, prettier.config.* or a `prettier` key in package.json",
}


def _node_linters(project: _Project, found: _Detected, package: dict[str, Any]) -> dict[str, str]:
    """eslint and prettier where the project configures them and installed its own copy:
    tool -> the command word its scripts would use (relative to the root)."""
    deps: dict[str, Any] = {}
    for key in ("dependencies", "devDependencies"):
        value = package.get(key)
        if isinstance(value, dict):
            deps.update(value)
    usable = {}
    for tool, places_text in NODE_PLACES.items():
        local = f"./node_modules/.bin/{tool}"
        installed = local if tool in deps and (project.root / local).is_file() else None
        where = project.config.node_tool(tool, package)
        command = _configured_tool(project, found, f"node: {tool}", where, installed, places_text)
        if command is not None:
            usable[tool] = command
    return usable


def _detect_node(project: _Project, found: _Detected) -> None:
    package = _read_package(project, found)
    if package is None:
        return
    eco, check = "node", project.check
    scripts = package.get("scripts") or {}
    scripts = scripts if isinstance(scripts, dict) else {}
    linters = _node_linters(project, found, package)
    fixes: list[Argv] = []
    if "eslint" in linters:
        fixes.append((linters["eslint"], "--fix", "."))
    if "prettier" in linters:
        fixes.append((linters["prettier"], "--write", "."))
    lint_fix: Command | None = tuple(fixes) if fixes else None
    npm = project.finder.tool("npm")
    # The project's own scripts are its declaration of how it lints, builds and tests.
    for script, category in (("lint", "lint"), ("build", "build"), ("test", "test")):
        body = scripts.get(script)
        if not isinstance(body, str) or not body.strip():
            continue
        if script == "test" and NPM_PLACEHOLDER_TEST in body:
            found.skip("node: npm test", "the test script is npm's placeholder")
            continue
        if not npm:
            found.skip(f"node: npm run {script}", "npm not installed")
            continue
        fix = lint_fix if category == "lint" else None
        found.add(eco, check(f"npm run {script}", category, ("npm", "run", script), fix))
    if not isinstance(scripts.get("lint"), str):
        # No lint script: run the linters the project configured and installed, directly.
        if eslint := linters.get("eslint"):
            found.add(eco, check("eslint", "lint", (eslint, "."), (eslint, "--fix", ".")))
        if prettier := linters.get("prettier"):
            found.add(
                eco,
                check("prettier", "lint", (prettier, "--check", "."), (prettier, "--write", ".")),
            )
    if not (project.root / "package-lock.json").is_file():
        found.skip("node: npm audit", "no package-lock.json")
    elif not npm:
        found.skip("node: npm audit", "npm not installed")
    else:
        found.add(
            eco,
            check(
                "npm audit",
                "security",
                ("npm", "audit", "--audit-level=high"),
                ("npm", "audit", "fix"),
            ),
        )
