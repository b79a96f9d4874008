"""The field tests' own machinery, offline: expressions as GitHub evaluates them, the pinned
hash check, safe unpacking, actions/checkout's clones, the jobs' PATH. Not marked `field`:
these run in the fast loop too."""

from __future__ import annotations

import io
import os
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.field import expressions
from tests.field.expressions import JobState, condition, evaluate, render
from tests.field.loop import checkout
from tests.field.projects import (
    PROJECTS,
    Artifact,
    base_python,
    fetch,
    job_path,
    restore_venv,
    run,
    sha256_of,
    unpack,
)
from tests.gitfixtures import git, make_repo

HEAL_DONE = {"heal": {"outputs": {"healed": "true", "status": "PARTIAL", "commit-sha": ""}}}
CONTEXTS: dict[str, Any] = {
    "github": {
        "ref": "refs/heads/main",
        "ref_name": "main",
        "head_ref": "",
        "sha": "a" * 40,
        "event": {"repository": {"default_branch": "main"}, "pull_request": None},
        "repository": "o/r",
    },
    "steps": HEAL_DONE,
    "secrets": {"CI_REDISPATCH_TOKEN": "t0ken"},
}


@pytest.mark.parametrize(
    ("text", "state", "expected"),
    [
        ("!cancelled() && steps.heal.outputs.healed == 'true'", JobState(failed=True), True),
        ("!cancelled() && steps.heal.outputs.healed == 'false'", JobState(failed=True), False),
        ("steps.heal.outputs.healed == 'true'", JobState(failed=True), False),  # + success()
        ("steps.heal.outputs.healed == 'TRUE'", JobState(), True),  # strings: no case
        ("steps.heal.outputs.status != 'NOT FIXED'", JobState(), True),
        ("${{ steps.heal.outputs.missing == '' }}", JobState(), True),  # missing is null
        ("always() && steps.nope.outputs.x", JobState(failed=True), False),
        (
            "failure() && (github.ref == format('refs/heads/{0}', "
            "github.event.repository.default_branch) || "
            "github.event.pull_request.head.repo.full_name == github.repository)",
            JobState(failed=True),
            True,
        ),
        ("failure() && github.ref == 'refs/heads/other'", JobState(failed=True), False),
        ("contains(fromJSON('[\"lint\", \"test\"]'), 'TEST') && 1 < 2", JobState(), True),
    ],
)
def test_conditions_mean_what_they_mean_on_github(
    text: str, state: JobState, expected: bool
) -> None:
    assert condition(text, CONTEXTS, state) is expected


def test_values_are_rendered_as_the_runner_writes_them() -> None:
    assert render("${{ github.head_ref || github.ref_name }}", CONTEXTS) == "main"
    assert render("${{ steps.heal.outputs.commit-sha || github.sha }}", CONTEXTS) == "a" * 40
    assert render("${{ secrets.CI_REDISPATCH_TOKEN }}", CONTEXTS) == "t0ken"
    assert render("x-${{ 1 == 1 }}-${{ null }}-${{ 3 }}", CONTEXTS) == "x-true--3"
    assert render(30, CONTEXTS) == "30"
    assert evaluate("github['ref_name']", CONTEXTS) == "main"


@pytest.mark.parametrize("text", ["nope.x", "steps.heal.outputs.healed ==", "format(", "a ? b"])
def test_a_bad_expression_is_an_error_not_a_value(text: str) -> None:
    with pytest.raises(expressions.ExpressionError):
        evaluate(text, CONTEXTS)


def artifact_at(server: HTTPServer, body: bytes, sha256: str) -> Artifact:
    server.expect_request("/pkg-1.0.tar.gz").respond_with_data(body)
    return Artifact("PyPI", "pkg", "1.0", server.url_for("/pkg-1.0.tar.gz"), sha256)


def test_a_download_with_the_pinned_hash_is_cached(tmp_path: Path, httpserver: HTTPServer) -> None:
    body = b"release bytes"
    import hashlib

    artifact = artifact_at(httpserver, body, hashlib.sha256(body).hexdigest())
    got = fetch(artifact, tmp_path)
    assert got.read_bytes() == body
    httpserver.clear()  # the second time comes from the cache: no request at all
    assert fetch(artifact, tmp_path) == got
    assert not httpserver.log


def test_other_bytes_than_pinned_are_refused_and_not_kept(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    artifact = artifact_at(httpserver, b"tampered", "0" * 64)
    with pytest.raises(AssertionError, match=r"sha256 is .* but 0{64} is pinned"):
        fetch(artifact, tmp_path)
    assert list((tmp_path / "downloads").iterdir()) == []


def test_a_damaged_cached_copy_is_fetched_again(tmp_path: Path, httpserver: HTTPServer) -> None:
    import hashlib

    body = b"release bytes"
    artifact = artifact_at(httpserver, body, hashlib.sha256(body).hexdigest())
    (tmp_path / "downloads").mkdir()
    (tmp_path / "downloads" / artifact.filename).write_bytes(b"half a relea")
    assert fetch(artifact, tmp_path).read_bytes() == body


def tarball(path: Path, members: dict[str, bytes], links: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return path


def test_unpack_gives_the_single_top_folder(tmp_path: Path) -> None:
    archive = tarball(tmp_path / "a.tgz", {"package/index.js": b"x", "package/test/t.js": b"y"})
    top = unpack(archive, tmp_path / "out")
    assert top == tmp_path / "out" / "package"
    assert (top / "test" / "t.js").read_bytes() == b"y"


@pytest.mark.parametrize(
    ("members", "links"),
    [
        ({"package/../../evil": b"x"}, None),
        ({"/etc/evil": b"x"}, None),
        ({"package/a": b"x"}, {"package/link": "/etc/passwd"}),
        ({"one/a": b"x", "two/b": b"y"}, None),
    ],
    ids=["dot-dot", "absolute", "symlink", "two-tops"],
)
def test_unpack_refuses_what_could_escape_or_is_not_one_release(
    tmp_path: Path, members: dict[str, bytes], links: dict[str, str] | None
) -> None:
    archive = tarball(tmp_path / "bad.tgz", members, links)
    with pytest.raises(AssertionError):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "evil").exists()


def test_checkout_is_shallow_by_default_and_full_with_depth_zero(tmp_path: Path) -> None:
    repos = make_repo(tmp_path)
    first = repos.sha()
    second = repos.commit("b.txt", "b\n", "second")
    repos.push()
    shallow = checkout(repos.url, tmp_path / "ci", "main", depth=1)
    assert git(shallow, "rev-parse", "--is-shallow-repository").strip() == "true"
    assert git(shallow, "rev-list", "--count", "HEAD").strip() == "1"
    assert git(shallow, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    full = checkout(repos.url, tmp_path / "validate", first, depth=0)
    assert git(full, "rev-parse", "HEAD").strip() == first
    assert git(full, "rev-parse", "--abbrev-ref", "HEAD").strip() == "HEAD"  # detached
    assert git(full, "rev-parse", "--is-shallow-repository").strip() == "false"
    assert git(full, "rev-parse", "origin/main").strip() == second
    by_sha = checkout(repos.url, tmp_path / "by-sha", second, depth=1)
    assert git(by_sha, "rev-list", "--count", "HEAD").strip() == "1"


def test_the_jobs_path_holds_the_jobs_tools_and_never_this_test_runs(tmp_path: Path) -> None:
    tools = tmp_path / "venv" / "bin"
    path = job_path([tools]).split(os.pathsep)
    assert path[0] == str(tools)
    assert str(Path(sys.prefix) / "bin") not in path
    assert "/usr/bin" in path


def project_with_venv(root: Path, made_in: Path | None = None) -> Path:
    """A checkout whose `src/mod.py` says where it is; with `made_in`, also a `.venv/` whose
    `tool` script imports `mod` through an editable-style `.pth` pointing at its `src/`."""
    (root / "src").mkdir(parents=True)
    (root / "src" / "mod.py").write_text(f"WHERE = {str(root)!r}\n")
    if made_in is None:
        return root
    venv = root / ".venv"
    run([base_python(), "-m", "venv", "--without-pip", venv], root)
    [site] = venv.glob("lib/python*/site-packages")
    (site / "__editable__.mod.pth").write_text(f"{root / 'src'}\n")
    (site / "untouched.py").write_text("VALUE = 1\n")
    tool = venv / "bin" / "tool"
    tool.write_text(f"#!{venv / 'bin' / 'python'}\nimport sys, mod\nprint(sys.prefix, mod.WHERE)\n")
    tool.chmod(0o755)
    return root


def test_a_restored_venv_runs_its_own_python_on_its_own_checkout(tmp_path: Path) -> None:
    """python-json-logger's jobs each get the session's `.venv/` at their checkout's path: its
    scripts must run that copy's Python and import the job's code, never the template's."""
    template = project_with_venv(tmp_path / "template", made_in=tmp_path / "template")
    before = {p: p.read_bytes() for p in (template / ".venv").rglob("*") if p.is_file()}
    checkout = project_with_venv(tmp_path / "job" / "workspace")

    venv = restore_venv(template / ".venv", template, checkout)

    out = run([venv / "bin" / "tool"], checkout).stdout.split()
    assert out == [str(venv), str(checkout)]
    [site] = venv.glob("lib/python*/site-packages")
    [made] = (template / ".venv").glob("lib/python*/site-packages")
    assert (site / "untouched.py").stat().st_ino == (made / "untouched.py").stat().st_ino
    after = {p: p.read_bytes() for p in (template / ".venv").rglob("*") if p.is_file()}
    assert after == before  # the template is never written through a hard link
    template_out = run([template / ".venv" / "bin" / "tool"], template).stdout.split()
    assert template_out == [str(template / ".venv"), str(template)]


def test_every_project_is_pinned_by_a_full_sha256_of_a_registry_file() -> None:
    registries = {"PyPI": "https://files.pythonhosted.org/", "npm": "https://registry.npmjs.org/"}
    for project in PROJECTS:
        artifact = project.artifact
        assert len(artifact.sha256) == 64 and int(artifact.sha256, 16) >= 0, project.key
        assert artifact.url.startswith(registries[artifact.registry]), project.key
        assert artifact.version in artifact.filename, project.key
    readme = (Path(__file__).parent / "README.md").read_text()
    for project in PROJECTS:  # the README records what is pinned, and why
        assert project.artifact.sha256 in readme, project.key
        assert f"{project.artifact.name} {project.artifact.version}" in readme, project.key
    lock = Path(__file__).parent / "minimist-1.2.8.package-lock.json"
    assert sha256_of(lock)  # the Node project's installs are pinned by this lock
