"""The local demo: the whole loop on a throwaway sample repository, in one command.

    python3 -m autoheal.demo [--keep] [--verbose]

It builds a small Python project with its own bare "origin", pushes one good commit, then a
push of four commits: one of them imports a module that was never committed (a real bug that
breaks the build and the tests) and a later one has a formatting break. Then it runs heal,
validate and rollback in local mode, as a workflow would, and prints each report (the job
summaries a workflow would show are written beside the sample as STEP.summary.md). Local runs
never push: the origin is left as it was. Everything lives in a temporary folder that is
removed at the end (unless --keep).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

CONFIG = """\
# The sample's checks: plain python3, nothing to install.
detect: false
checks:
  lint:
    command: python3 tools/style.py
    fix: python3 tools/style.py --fix
  build:
    command: python3 -c "import shop, receipt"
  test:
    command: python3 -m unittest -q
"""

STYLE = '''\
"""A tiny style checker: no trailing whitespace, no tabs. --fix repairs both."""
import pathlib
import sys

fix = "--fix" in sys.argv
bad = 0
for path in sorted(pathlib.Path(".").rglob("*.py")):
    lines = path.read_text().splitlines()
    clean = [line.rstrip().replace("\\t", "    ") for line in lines]
    if clean != lines:
        bad += 1
        print(f"{path}: trailing whitespace or tabs")
        if fix:
            path.write_text("\\n".join(clean) + "\\n")
sys.exit(0 if fix or not bad else 1)
'''

SHOP = """\
def total(prices):
    return round(sum(prices), 2)


def with_tax(prices, rate=0.2):
    return round(total(prices) * (1 + rate), 2)
"""

SHOP_DISCOUNT = (
    SHOP
    + """

def discounted(prices, percent):
    return round(total(prices) * (100 - percent) / 100, 2)
"""
)

# The bug: a module that was never committed.
SHOP_BUG = "from pricing import TAX_RATE\n\n\n" + SHOP_DISCOUNT.replace("rate=0.2", "rate=TAX_RATE")

TESTS = """\
import unittest

import shop


class ShopTest(unittest.TestCase):
    def test_total(self):
        self.assertEqual(shop.total([1.5, 2.5]), 4.0)

    def test_with_tax(self):
        self.assertEqual(shop.with_tax([10]), 12.0)
"""

RECEIPT = "import shop\n\n\ndef receipt(prices):   \n\treturn f'Total: {shop.total(prices)}'\n"


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"demo: `git {' '.join(args)}` failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def build_sample(root: Path) -> tuple[Path, str, str]:
    """The sample clone, the last good commit and the tip of the bad push."""
    origin, work = root / "origin.git", root / "shop"
    git(root, "init", "-q", "--bare", "-b", "main", str(origin))
    git(root, "clone", "-q", str(origin), str(work))
    git(work, "config", "user.name", "Sam Developer")
    git(work, "config", "user.email", "sam@example.com")
    # Your own git settings stay out of the sample: no signing prompt, no global hooks.
    git(work, "config", "commit.gpgsign", "false")
    git(work, "config", "core.hooksPath", str(root / "no-hooks"))
    git(work, "checkout", "-q", "-b", "main")
    good = commit(
        work,
        {
            ".github/autoheal.yml": CONFIG,
            "tools/style.py": STYLE,
            "shop.py": SHOP,
            "test_shop.py": TESTS,
            "receipt.py": "import shop\n",
            "README.md": "# Shop\n",
        },
        "Start the shop",
    )
    git(work, "push", "-q", "origin", "main")
    commit(work, {"shop.py": SHOP_DISCOUNT}, "Add discounted prices")
    commit(work, {"shop.py": SHOP_BUG}, "Read the tax rate from the pricing module")
    commit(work, {"README.md": "# Shop\n\nPrices, taxes and discounts.\n"}, "Describe the shop")
    bad = commit(work, {"receipt.py": RECEIPT}, "Print receipts")
    git(work, "push", "-q", "origin", "main")
    return work, good, bad


# A check's output as a local run echoes it: `--- TITLE` ... `--- end of TITLE`.
TOOL_OUTPUT = re.compile(r"^--- (?P<title>.+)\n(?:.*\n)*?--- end of (?P=title)\n", re.MULTILINE)


def fold_tool_output(text: str) -> str:
    """The echoed outputs of the check runs, folded into one line where the first was: the
    reports that follow show what failed."""
    runs = TOOL_OUTPUT.findall(text)
    if not runs:
        return text
    first = TOOL_OUTPUT.search(text)
    assert first is not None
    note = f"(output of {len(runs)} check and fix run(s) left out; --verbose shows it)\n"
    return text[: first.start()] + note + TOOL_OUTPUT.sub("", text[first.start() :])


def step(
    title: str,
    why: str,
    argv: Sequence[str],
    env: dict[str, str],
    root: Path,
    verbose: bool = False,
) -> dict[str, str]:
    """Run one mode as a workflow step would, and return its outputs for the next step. Its
    report is printed as a terminal shows it; the Markdown job summary a workflow would get
    goes to `TITLE.summary.md` beside the sample."""
    from autoheal.cli import main

    name = title.replace(" ", "-")
    outputs, summary = root / f"{name}.outputs", root / f"{name}.summary.md"
    outputs.write_text("")
    print(f"\n{'=' * 78}\n$ autoheal {shlex.join(argv)}\n{'=' * 78}\n{why}\n", flush=True)
    printed = io.StringIO()  # one stream, so notices stay where they happened
    files = {"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary)}
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        code = main([*argv, "--verbose"] if verbose else list(argv), {**env, **files})
    text = printed.getvalue()
    print(text if verbose else fold_tool_output(text), end="")
    print(f"[{title}: exit code {code}]", flush=True)
    return {**read_outputs(outputs), "exit-code": str(code)}


def read_outputs(path: Path) -> dict[str, str]:
    """Parse the `name<<DELIMITER` blocks the report writes to GITHUB_OUTPUT."""
    outputs: dict[str, str] = {}
    lines = path.read_text().split("\n")
    i = 0
    while i < len(lines):
        if "<<" in lines[i]:
            name, delimiter = lines[i].split("<<", 1)
            end = lines.index(delimiter, i + 1)
            outputs[name] = "\n".join(lines[i + 1 : end])
            i = end
        i += 1
    return outputs


def run_demo(root: Path, verbose: bool = False) -> int:
    work, good, bad = build_sample(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    origin_before = git(root / "origin.git", "rev-parse", "main")
    repo = ["--repo", str(work)]
    print(
        f"Sample repository: {work} (a temporary folder, removed at the end unless --keep)"
        f"\nThe bad push: {good[:12]}..{bad[:12]} (4 commits: one "
        "imports a module that was never committed, one breaks the formatting)"
    )
    heal = step(
        "heal",
        "CI failed on that push. heal runs the checks, runs the fix commands of the failing ones,"
        "\nchecks again and commits what the fixes changed (a local run commits, never pushes).",
        ["heal", *repo],
        env,
        root,
        verbose,
    )
    validate = step(
        "validate",
        "In GitHub, redispatch would now start the post-remediation workflow with heal's"
        "\n`validate-sha`. validate re-runs the checks on that commit, scores it and decides"
        "\nwhether to roll back: build and test still fail, so it will.",
        [
            "validate",
            *repo,
            "--sha",
            heal["validate-sha"],  # as the workflows chain it: heal's commit here
            "--confidence",
            heal["confidence-after"],
            "--category-outcomes",
            heal["category-outcomes"],
        ],
        env,
        root,
        verbose,
    )
    rollback = step(
        "rollback",
        "validate asked for a rollback. rollback bisects the push with the failing build and"
        "\ntest checks and reverts only the first bad commit, with a new commit.",
        [
            "rollback",
            *repo,
            "--rollback-required",
            validate["rollback-required"],
            "--before",
            good,
            "--after",
            bad,
            "--fail-after-rollback",
            "false",
        ],
        env,
        root,
        verbose,
    )
    final = step(
        "validate again",
        "The branch after the revert, checked once more.",
        ["validate", *repo, "--sha", git(work, "rev-parse", "HEAD")],
        env,
        root,
        verbose,
    )
    print(f"\n{'=' * 78}\nHistory of the sample (nothing rewritten, only commits added):\n")
    print(git(work, "log", "--oneline", "--graph"))
    unchanged = git(root / "origin.git", "rev-parse", "main") == origin_before
    print(f"\norigin/main unchanged: {'yes' if unchanged else 'NO'} (local runs never push)")
    print("\nWhat happened:")
    print(
        f"  heal      {heal['status']}: fixed {heal['fixed-categories'] or 'nothing'}; "
        f"confidence {heal['confidence-before']} -> {heal['confidence-after']}"
    )
    print(
        f"  validate  {validate['status']}: effectiveness {validate['effectiveness-score']}; "
        f"rollback required: {validate['rollback-required']}"
    )
    culprit = rollback.get("culprit-sha", "")
    if culprit:
        subject = git(work, "log", "-1", "--format=%s", culprit)
        print(
            f'  rollback  {rollback["status"]}: culprit {culprit[:12]} "{subject}" reverted '
            f"as {rollback['revert-sha'][:12]}"
        )
    else:
        print(f"  rollback  {rollback.get('status', '?')}: nothing reverted")
    print(f"  validate  {final['status']}: effectiveness {final['effectiveness-score']}")
    return 0 if final["status"] == "HEALTHY" and unchanged else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m autoheal.demo",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--keep", action="store_true", help="keep the sample folder")
    parser.add_argument(
        "--verbose", action="store_true", help="show the full output of every check run"
    )
    args = parser.parse_args(argv)
    if args.keep:
        root = Path(tempfile.mkdtemp(prefix="autoheal-demo-"))
        print(f"(keeping {root})")
        return run_demo(root, args.verbose)
    with tempfile.TemporaryDirectory(prefix="autoheal-demo-") as tmp:
        return run_demo(Path(tmp), args.verbose)


if __name__ == "__main__":
    sys.exit(main())
