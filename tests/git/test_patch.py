"""The patch parser reads a patch as git does, or refuses it: checked against `git apply`'s
own reading of real patches, and against forged ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autoheal.git import Git
from autoheal.git.patch import FilePatch, PatchError, parse_patch
from tests.gitfixtures import git, make_repo
from tests.patch_helpers import Link, diff_of

BEFORE = {
    "x.txt": "a\nb\nc\n",
    "sp ace.txt": "keep\n",
    "café.txt": "é\n",
    "big.txt": "".join(f"{n}\n" for n in range(50)),
    "mv.txt": "moved along\n" * 5,
    "exe.sh": "#!/bin/sh\n",
}


def _repo(tmp_path: Path) -> Path:
    repos = make_repo(tmp_path, files=BEFORE)
    (repos.work / "link").symlink_to("x.txt")
    (repos.work / "b.bin").write_bytes(b"bin\0\1\2")
    git(repos.work, "add", "-A")
    git(repos.work, "commit", "-q", "-m", "more")
    return repos.work


def _git_numstat(repo: Path, patch: str) -> dict[str, tuple[int, int]]:
    """What `git apply --numstat` reads in the patch: path -> (added, deleted); binary -1."""
    out = git(repo, "apply", "--numstat", "-z", "-", input=patch)
    result: dict[str, tuple[int, int]] = {}
    fields = out.split("\0")
    i = 0
    while i < len(fields) - 1:
        added, deleted, path = fields[i].split("\t", 2)
        if not path:  # a rename: the old and the new name follow
            path = fields[i + 2]
            i += 2
        result[path] = (-1, -1) if added == "-" else (int(added), int(deleted))
        i += 1
    return result


def _ours(patches: list[FilePatch]) -> dict[str, tuple[int, int]]:
    return {p.path: (-1, -1) if p.binary else (p.added, p.deleted) for p in patches}


def test_every_kind_of_change_reads_as_git_reads_it(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "exe.sh").chmod(0o755)
    patch = diff_of(
        repo,
        {
            "x.txt": "a\nB\nc",  # and no newline at the end any more
            "sp ace.txt": "keep\nmore\n",
            "café.txt": "è\n",
            "b.bin": b"bin\0\1\3\4",
            "big.txt": None,
            "new.txt": "new\n",
            "ta\tb.txt": "tab in the name\n",
            "link": Link("big.txt"),
        },
        moves={"mv.txt": "moved.txt"},
    )
    assert "rename from mv.txt" in patch and '"b/ta\\tb.txt"' in patch  # really those cases
    patches = parse_patch(patch)
    assert _ours(patches) == _git_numstat(repo, patch)
    by_path = {p.path: p for p in patches}
    assert by_path["moved.txt"].rename and by_path["moved.txt"].paths == ("mv.txt", "moved.txt")
    assert by_path["exe.sh"].modes == ("100644", "100755")
    assert by_path["link"].modes == ("120000", "120000")
    assert by_path["big.txt"].new_path is None and by_path["new.txt"].old_path is None
    binary = by_path["b.bin"]
    assert (binary.binary, binary.binary_data, binary.old_size, binary.new_size) == (
        True,
        True,
        6,
        7,
    )


def test_a_mailbox_patch_reads_like_the_plain_diff(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    edits = {"x.txt": "a\nb\nc\nd\n", "new.txt": "n\n"}
    plain = diff_of(repo, edits)
    for path, content in edits.items():
        (repo / path).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "subject\n\nbody: --- not a patch line")
    mailbox = git(repo, "format-patch", "--stdout", "--binary", "HEAD~1..HEAD")
    assert mailbox.startswith("From ") and mailbox.rstrip().endswith(
        git(repo, "version").split()[2]
    )
    assert parse_patch(mailbox) == parse_patch(plain)


def test_a_delta_binary_patch_gives_both_sizes(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    blob = bytes(range(256)) * 40
    (repo / "data.bin").write_bytes(blob)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")
    patch = diff_of(repo, {"data.bin": blob[:5000] + b"\0changed" + blob[5000:]})
    assert "\ndelta " in patch  # git chose a delta: its sizes come from the delta's header
    [only] = parse_patch(patch)
    assert (only.old_size, only.new_size) == (len(blob), len(blob) + 8)


FORGED_HEADER = "diff --git a/x.txt b/x.txt\nindex 1111111..2222222 100644\n"
HUNK = "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("--- a/x.txt\n+++ b/x.txt\n" + HUNK, "outside any `diff --git`"),
        (
            "diff --git a/x.txt b/x.txt\nold mode 100644\nnew mode 100755\n"
            "junk\n--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n" + HUNK,
            "outside any `diff --git`",
        ),
        (FORGED_HEADER + HUNK + "@@ -9 +9 @@\n", "cut short"),
        (FORGED_HEADER + "--- a/y.txt\n+++ b/y.txt\n" + HUNK, "differently"),
        ("diff --git a/x.txt b/x.txt\nrename from y\n--- a/x.txt\n", "differs from the header"),
        ("diff --git a/x.txt b/y.txt\n--- a/x.txt\n+++ b/y.txt\n" + HUNK, "differently"),
        (FORGED_HEADER + "--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n-b\n-c\n+B\n", "more lines"),
        (FORGED_HEADER + "--- a/x.txt\n+++ b/x.txt\n@@ -1 +1 @@\n a\n", "changes no line"),
        (FORGED_HEADER + "--- a/x.txt\n+++ b/x.txt\n" + HUNK + "\\ something else\n", "`\\`"),
        (FORGED_HEADER + "--- a/x.txt\n+++ b/x.txt\n" + HUNK + HUNK.replace("1,3", "7,3"), ""),
        (("diff --git a/x.txt b/x.txt\n--- a/x.txt\n+++ b/x.txt\n" + HUNK) * 2, "more than once"),
        ("diff --git a/x\rz b/x\rz\n--- a/x\rz\n+++ b/x\rz\n" + HUNK, "control character"),
        ("diff --git a/x.txt b/x.txt\nnew mode 100664\n", "none of"),
        ("diff --git a/x.txt b/x.txt\nindex zz..yy\n", "malformed `index`"),
        ("diff --git a/x.txt b/x.txt\nindex 1111111..2222222\n", "changes nothing"),
        (
            "diff --git a/b.bin b/b.bin\nindex 1111111..2222222 100644\nGIT binary patch\n"
            "literal 3\n!!!!!!\n\n",
            "corrupt binary",
        ),
        ("diff --git a/x.txt b/x.txt\nrename from x.txt\nrename to x.txt\n", "two names"),
        ("no patch at all\n", "no `diff --git`"),
        (FORGED_HEADER + "--- a/x.txt\n+++ b/x.txt\n" + HUNK[:-1], "line break"),
    ],
    ids=[
        "traditional-patch",
        "patch-hidden-after-a-header",
        "hunk-cut-short",
        "names-disagree",
        "rename-name-disagrees",
        "header-names-differ-without-rename",
        "more-lines-than-header",
        "hunk-changes-nothing",
        "unknown-backslash-line",
        "two-hunks-fine",
        "same-file-twice",
        "carriage-return-in-name",
        "odd-mode",
        "bad-index-line",
        "section-without-change",
        "corrupt-binary",
        "rename-to-itself",
        "no-diff",
        "no-final-newline",
    ],
)
def test_forged_or_ambiguous_patches_are_refused(text: str, why: str) -> None:
    if not why:  # a well-formed control case: the table's hunks are valid as such
        assert [p.path for p in parse_patch(text)] == ["x.txt"]
        return
    with pytest.raises(PatchError, match=re.escape(why)):
        parse_patch(text)


def test_quoted_names_are_unquoted_like_git(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    patch = diff_of(repo, {'qu"ote\\.txt': "q\n", "naïve.txt": "n\n"})
    assert '"b/qu\\"ote\\\\.txt"' in patch and '"b/na\\303\\257ve.txt"' in patch
    assert _ours(parse_patch(patch)) == _git_numstat(repo, patch)
    assert {p.path for p in parse_patch(patch)} == {'qu"ote\\.txt', "naïve.txt"}


@pytest.mark.parametrize(
    "config",
    [
        {"diff.noprefix": "true"},
        {"diff.mnemonicPrefix": "true"},
        {"diff.upper.textconv": "tr a-z A-Z", "color.diff": "always"},
    ],
    ids=["noprefix", "mnemonic-prefix", "textconv-and-colour"],
)
def test_heals_patches_are_read_back_whatever_the_git_config(
    tmp_path: Path, config: dict[str, str]
) -> None:
    """heal writes its patches itself (work tree and commits alike): a user's git config
    cannot change their prefixes or their text, so they read back and apply as they are."""
    repo = _repo(tmp_path)
    (repo / ".gitattributes").write_text("*.txt diff=upper\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "attributes")
    for key, value in config.items():
        git(repo, "config", key, value)
    edits = {"x.txt": "a\nB\nc\n", "new.txt": "new\n"}
    work_tree = diff_of(repo, edits)
    head = git(repo, "rev-parse", "HEAD").strip()
    for path, content in edits.items():
        (repo / path).write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the fix")
    commits = Git(repo).diff_commits(head, git(repo, "rev-parse", "HEAD").strip())
    assert commits == work_tree
    assert "diff --git a/x.txt b/x.txt\n" in commits and "+B\n" in commits
    assert {p.path: (p.added, p.deleted) for p in parse_patch(commits)} == {
        "x.txt": (1, 1),
        "new.txt": (1, 0),
    }
    git(repo, "checkout", "-q", head)
    git(repo, "apply", "--check", "-", input=commits)
