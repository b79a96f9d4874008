"""Reading git's diffs as `git apply` reads them, on diffs made by real git."""

from __future__ import annotations

from pathlib import Path

import pytest

from autoheal.git.patch import FilePatch, PatchError, hunk_header, parse_patch
from tests.gitfixtures import git, make_repo
from tests.suggest_helpers import commit_files, exact, numbered, with_lines

BASE = numbered(20)
FILES = {
    "plain.txt": BASE,
    "dir with space/old name.txt": BASE,
    "ünïcode.txt": BASE,
    'tab\tand "quote".txt': BASE,
    "tool.sh": "echo hi\n",
    "gone.txt": "bye\n",
    "no newline.txt": "a\nb",
    "image.bin": b"\x00\x01\x02",
}


def rendered(diff: FilePatch) -> str:
    return diff.header + "".join(
        hunk_header(h.old_start, h.old_count, h.new_start, h.new_count, h.section)
        + "".join(line.render() for line in h.lines)
        for h in diff.hunks
    )


def test_every_kind_of_file_reads_back_as_written(tmp_path: Path) -> None:
    repos = make_repo(tmp_path)
    work = repos.work
    before = commit_files(work, FILES, "base")
    git(work, "mv", "dir with space/old name.txt", "dir with space/new name.txt")
    git(work, "update-index", "--chmod=+x", "tool.sh")
    after = commit_files(
        work,
        {
            "plain.txt": with_lines(BASE, {2: "two", 19: "- \n-- "}),
            "dir with space/new name.txt": with_lines(BASE, {10: "ten"}),
            "ünïcode.txt": with_lines(BASE, {5: "five"}),
            'tab\tand "quote".txt': with_lines(BASE, {5: "five"}),
            "gone.txt": None,
            "empty.txt": "",
            "no newline.txt": "a\nc",
            "image.bin": b"\x00\x01\x03",
        },
        "change",
    )
    text = exact(work, "diff", "--binary", "-M", before, after)
    files = {diff.path: diff for diff in parse_patch(text)}
    assert "".join(diff.raw for diff in files.values()) == text
    assert all(rendered(diff) == diff.raw for diff in files.values() if not diff.binary)
    moved = files["dir with space/new name.txt"]
    assert (moved.old_path, moved.rename) == ("dir with space/old name.txt", True)
    assert files["tool.sh"].mode_change and not files["tool.sh"].hunks
    assert files["gone.txt"].new_path is None and files["empty.txt"].old_path is None
    assert files["image.bin"].binary
    assert set(files) >= {"ünïcode.txt", 'tab\tand "quote".txt'}
    [hunk] = files["no newline.txt"].hunks
    assert [(line.tag, line.text, line.eol) for line in hunk.lines] == [
        (" ", "a", True),
        ("-", "b", False),
        ("+", "c", False),
    ]
    assert [line.text for line in files["plain.txt"].hunks[-1].lines if line.tag == "+"] == [
        "- ",
        "-- ",
    ]


def test_a_binary_marker_without_data_is_read(tmp_path: Path) -> None:
    repos = make_repo(tmp_path)
    before = commit_files(repos.work, {"a b.bin": b"\x00"}, "base")
    after = commit_files(repos.work, {"a b.bin": b"\x00\x01"}, "change")
    [diff] = parse_patch(exact(repos.work, "diff", before, after))
    assert (diff.path, diff.binary, diff.hunks) == ("a b.bin", True, ())


@pytest.mark.parametrize(
    ("text", "what"),
    [
        pytest.param(
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n-a\n+b\n",
            "is cut short",
            id="short-hunk",
        ),
        pytest.param(
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n+c\n",
            "",
            id="extra-line-ignored",
        ),
        pytest.param(
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n?b\n",
            "is not a diff line",
            id="stray-line",
        ),
        pytest.param(
            "diff --git a/f b/f\nnew file mode 100644\n--- /dev/null\n+++ b/f\n"
            "@@ -0,0 +1,2 @@\n+a\n-b\n+c\n",
            "has more lines than its header says",
            id="long-hunk",
        ),
        pytest.param(
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -one +1 @@\n-a\n+b\n",
            "a malformed hunk header",
            id="bad-header",
        ),
        pytest.param(
            "diff --git a/f b/f\n--- a/f\n@@ -1 +1 @@\n", "does not say which file", id="no-plus"
        ),
        pytest.param(
            "diff --git f f\n--- f\n+++ f\n@@ -1 +1 @@\n-a\n+b\n",
            "without git's `a/` prefix",
            id="no-prefix",
        ),
        pytest.param(
            "diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n" * 2,
            "more than once (a series of commits",
            id="series",
        ),
    ],
)
def test_a_patch_git_would_not_read_is_refused(text: str, what: str) -> None:
    if not what:
        assert [d.path for d in parse_patch(text)] == ["f"]  # what follows a hunk: not part of it
        return
    with pytest.raises(PatchError, match="The patch cannot be read") as caught:
        parse_patch(text)
    assert what in caught.value.message
    assert "git diff --binary" in caught.value.fix
