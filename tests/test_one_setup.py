"""One setup everywhere: one secret name and one pinned `uses:` line in the README, the docs,
the examples and every snippet the action prints, so no two places teach different setups."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from autoheal import __version__
from autoheal.snippets import SECRET, USES, redispatch_step
from tests.test_examples import ours

ROOT = Path(__file__).resolve().parent.parent
SCANNED = [
    ROOT / "README.md",
    ROOT / "SECURITY.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "examples").glob("*.yml")),
    *sorted((ROOT / "src" / "autoheal").rglob("*.py")),
]

#: The GitHub App's private key of examples/ci-app-token.yml: a key, not a token, and only
#: ever passed to actions/create-github-app-token.
APP_KEY = "AUTOHEAL_APP_PRIVATE_KEY"
#: Environment variables the action reads or keeps from the checks: never a secret to create.
ENV_VARIABLES = {"GITHUB_TOKEN", "GH_TOKEN", "INPUT_TOKEN", "AUTOHEAL_TOKEN"}

# `secrets.NAME` (upper case: Python's `secrets.token_hex` is not one), any case inside `${{ }}`.
SECRET_REF = re.compile(r"\bsecrets\.([A-Z_][A-Z0-9_]*)\b|\$\{\{[^}]*\bsecrets\.(\w+)")
# "the secret `NAME`", "New repository secret**, name **`NAME`**"
NAMED_SECRET = re.compile(r"secret\b[^`\n]{0,16}`([A-Z][A-Z0-9_]*)`")
TOKEN_WORD = re.compile(r"\b[A-Z][A-Z0-9_]*_(?:TOKEN|PAT)\b")
# Our action with its ref and, when there is one, the version comment after it.
OUR_ACTION = re.compile(r"([\w.-]+/ci-autoheal@([^\s`'\"]*))(\s*#\s*v[\w.-]+)?")


def secret_problems(where: str, text: str, *, prose: bool = True) -> list[str]:
    """Secrets other than the one; with `prose`, also any other `..._TOKEN` or `..._PAT`
    word (the code's comments may name a user's own variable as an example)."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        at = f"{where}:{number}"
        for ref in SECRET_REF.finditer(line):
            name = ref[1] or ref[2]
            if name != SECRET and not (name == APP_KEY and "private-key:" in line):
                problems.append(f"{at}: secrets.{name} is not secrets.{SECRET}")
        for name in NAMED_SECRET.findall(line):
            if name not in (SECRET, APP_KEY):
                problems.append(f"{at}: names the secret {name}, not {SECRET}")
        for name in TOKEN_WORD.findall(line) if prose else ():
            if name != SECRET and name not in ENV_VARIABLES:
                problems.append(f"{at}: {name} is neither {SECRET} nor a known variable")
    return problems


def uses_problems(where: str, text: str) -> list[str]:
    """Our action is always USES, pinned by SHA with its version; prose may name it only with
    a `<SHA>` hole, as in `OWNER/ci-autoheal@<SHA>`."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for found in OUR_ACTION.finditer(line):
            pinned = found[1] + (found[3] or "")
            if pinned != USES and not found[2].startswith("<"):
                problems.append(f"{where}:{number}: `{pinned}` is not `{USES}`")
    return problems


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(ROOT)))
def test_one_secret_name_and_one_pinned_uses(path: Path) -> None:
    where, text = str(path.relative_to(ROOT)), path.read_text()
    prose = path.suffix != ".py"
    assert secret_problems(where, text, prose=prose) + uses_problems(where, text) == []


def test_the_checks_catch_another_secret_and_an_unpinned_action() -> None:
    text = (
        "token: ${{ secrets.AUTOHEAL_TOKEN }}\n"
        "Store it as the secret `MY_TOKEN`.\n"
        "Set GH_PAT in the environment.\n"
        "- uses: OWNER/ci-autoheal@v1\n"
        "  uses: OWNER/ci-autoheal@" + "a" * 40 + " # v1.0.0\n"
        "Pin it as `OWNER/ci-autoheal@<SHA> # v1.0.0`.\n"
    )
    assert secret_problems("x", text) == [
        f"x:1: secrets.AUTOHEAL_TOKEN is not secrets.{SECRET}",
        f"x:2: names the secret MY_TOKEN, not {SECRET}",
        f"x:2: MY_TOKEN is neither {SECRET} nor a known variable",
        f"x:3: GH_PAT is neither {SECRET} nor a known variable",
    ]
    assert uses_problems("x", text) == [
        f"x:4: `OWNER/ci-autoheal@v1` is not `{USES}`",
        f"x:5: `OWNER/ci-autoheal@{'a' * 40} # v1.0.0` is not `{USES}`",
    ]
    assert secret_problems("x", "${{ secrets.my_token }} secrets.token_hex") == [
        f"x:1: secrets.my_token is not secrets.{SECRET}"
    ]
    unversioned = USES.split(" #")[0]
    assert uses_problems("x", f"uses: {unversioned}\n") == [f"x:1: `{unversioned}` is not `{USES}`"]


def test_the_pin_is_a_full_sha_and_a_version_of_this_major() -> None:
    assert re.fullmatch(r"OWNER/ci-autoheal@[0-9a-f]{40} # v\d+\.\d+\.\d+", USES)
    assert USES.split(" # v")[1].split(".")[0] == __version__.split(".")[0]


def test_the_printed_redispatch_step_is_the_one_of_the_ci_example() -> None:
    """heal's "Next step" and redispatch's no-token summary print this step: it must be the
    step the docs and examples/ci.yml show, comments aside."""
    (printed,) = yaml.safe_load(redispatch_step())
    (example,) = ours(ROOT / "examples" / "ci.yml", "redispatch")
    assert printed == example
    assert printed["with"]["token"] == f"${{{{ secrets.{SECRET} }}}}"
    assert f"uses: {USES}\n" in redispatch_step()
