"""autoheal.git against real repositories: a bare remote, clones, shallow clones, hooks."""

from __future__ import annotations

import base64
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

import autoheal.git
import autoheal.git.pushes
from autoheal.git import (
    ZERO_SHA,
    BranchMoved,
    CommitMissing,
    Git,
    GitError,
    PushRejected,
    RebaseConflict,
    RevertConflict,
)
from tests.fake_gitdb import Pusher
from tests.gitfixtures import (
    Repos,
    assert_remote_keeps,
    git,
    isolate_git,
    make_repo,
)


@pytest.fixture(autouse=True)
def _git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_git(monkeypatch, tmp_path)


@pytest.fixture
def repos(tmp_path: Path) -> Repos:
    return make_repo(tmp_path)


@pytest.fixture(params=["git", "api"])
def push(request: pytest.FixtureRequest, repos: Repos, httpserver: HTTPServer) -> Pusher:
    """Push with git, or through GitHub's Git database API: the same guarantees."""
    return Pusher(request.param, repos.remote, httpserver)


# ---------------------------------------------------------------- reads


def test_reads(repos: Repos) -> None:
    g = Git(repos.work)
    sha = repos.commit("a.txt", "a\n", "add a\n\nbody\n\nAutoheal-Run: 42\nSigned-off-by: X <x@y>")
    assert g.head_sha() == sha == g.rev_parse("main")
    assert g.rev_parse("no-such-ref") is None
    assert g.current_branch() == "main"
    assert not g.is_shallow()
    assert g.is_clean()
    assert g.message(sha).startswith("add a\n\nbody")
    assert g.trailers(sha) == {"Autoheal-Run": "42", "Signed-off-by": "X <x@y>"}
    assert g.author(sha) == ("Test Dev", "dev@example.com")
    assert abs(g.commit_time(sha) - time.time()) < 120
    assert g.log_since("main", int(time.time()) - 3600)[0] == sha
    assert g.log_since("main", int(time.time()) + 3600) == []
    assert len(g.parents(sha)) == 1 and not g.is_merge(sha)
    g.checkout_detached(g.parents(sha)[0])
    assert g.current_branch() is None
    with pytest.raises(GitError, match="invalid"):
        g.rev_parse("--output=/tmp/x")


def test_work_tree_diff_includes_untracked_without_touching_index(repos: Repos) -> None:
    g = Git(repos.work)
    (repos.work / "README.md").write_text("# changed\nline\n")
    (repos.work / "new.txt").write_text("x\n")
    (repos.work / ".gitignore").write_text("ignored.log\n")
    (repos.work / "ignored.log").write_text("noise\n")
    assert g.changed_paths() == [".gitignore", "README.md", "new.txt"]
    assert "+x" in g.diff() and "new.txt" in g.diff(stat=True)
    changes = g.diff_files()
    assert [c.path for c in changes] == [".gitignore", "README.md", "new.txt"]
    assert sum(c.lines for c in changes) == 1 + 2 + 1 + 1  # gitignore, README -1 +2, new
    assert [(c.old_size, c.new_size) for c in changes][2] == (0, 2)
    assert "??" in "\n".join(g.status_lines())  # index untouched: still untracked
    assert not g.is_clean()


def test_same_size_edit_in_the_same_second_as_the_commit_is_seen(repos: Repos) -> None:
    """A fixer that rewrites a file to the same size in the same second as the last commit
    must not be missed when the diff is taken a second later (git trusts second-granular
    stat data of an index that is not "racy"; a copied index looks fresh)."""
    import os
    import time

    g = Git(repos.work)
    path = repos.work / "same.txt"
    time.sleep(1 - time.time() % 1)  # start of a second: commit and edit fall in it
    repos.commit("same.txt", "a\tb   \n", "add same")
    stat = path.stat()
    path.write_text("a    b\n")  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    time.sleep(1.1)
    assert g.changed_paths() == ["same.txt"]
    assert [c.lines for c in g.diff_files()] == [2]


# ---------------------------------------------------------------- commits


def test_commit_all_sets_identity_through_env(repos: Repos) -> None:
    runner = repos.clone("runner", identity=False)  # a runner has no git identity
    g = Git(runner)
    (runner / "fix.py").write_text("x = 1\n")
    sha = g.commit_all("style: autoheal\n\nAutoheal-Run: 7", author_name="bot", author_email="b@x")
    assert g.author(sha) == ("bot", "b@x")
    assert git(runner, "show", "-s", "--format=%cn <%ce>", sha).strip() == "bot <b@x>"
    assert g.trailers(sha) == {"Autoheal-Run": "7"}
    assert g.is_clean()
    with pytest.raises(GitError, match="nothing to commit"):
        g.commit_all("empty", author_name="bot", author_email="b@x")


# ---------------------------------------------------------------- revert


def test_revert_normal_commit_verified_with_trailer(repos: Repos) -> None:
    bad = repos.commit("app.py", "broken\n", "break app")
    repos.commit("other.txt", "later\n", "unrelated later work")
    repos.push()
    runner = repos.clone("runner", identity=False)
    g = Git(runner)
    rev = g.revert(bad, trailer=f"Autoheal-Revert-Of: {bad}")
    assert g.trailers(rev) == {"Autoheal-Revert-Of": bad}
    assert g.message(rev).startswith('Revert "break app"\n\nThis reverts commit ' + bad)
    assert not (runner / "app.py").exists() and (runner / "other.txt").exists()
    g.verify_revert(rev, bad)


def test_revert_older_commit_with_shifted_lines_still_verifies(repos: Repos) -> None:
    repos.commit("f.txt", "".join(f"{i}\n" for i in range(20)), "base")
    bad = repos.commit("f.txt", "".join(f"{i}\n" for i in range(19)) + "BAD\n", "bad tail")
    repos.commit("f.txt", "top\n" + (repos.work / "f.txt").read_text(), "add head line")
    g = Git(repos.work)
    rev = g.revert(bad)
    assert (repos.work / "f.txt").read_text().endswith("18\n19\n")
    g.verify_revert(rev, bad)


def test_revert_merge_with_mainline(repos: Repos) -> None:
    g = Git(repos.work)
    git(repos.work, "checkout", "-q", "-b", "feature")
    repos.commit("feature.txt", "f\n", "feature work")
    git(repos.work, "checkout", "-q", "main")
    repos.commit("main.txt", "m\n", "main work")
    git(repos.work, "merge", "-q", "--no-ff", "--no-edit", "feature")
    merge = g.head_sha()
    assert g.is_merge(merge)
    with pytest.raises(GitError, match="mainline"):
        g.revert(merge)
    rev = g.revert(merge, mainline=1, trailer=f"Autoheal-Revert-Of: {merge}")
    assert "reversing\nchanges made to" in g.message(rev)
    assert not (repos.work / "feature.txt").exists() and (repos.work / "main.txt").exists()
    g.verify_revert(rev, merge, mainline=1)
    with pytest.raises(GitError, match="does not exactly undo"):
        g.verify_revert(rev, merge, mainline=2)


def test_verify_revert_fails_on_tampered_revert(repos: Repos) -> None:
    bad = repos.commit("app.py", "broken\n", "break app")
    g = Git(repos.work)
    rev = g.revert(bad)
    (repos.work / "sneaky.txt").write_text("extra\n")
    git(repos.work, "add", "sneaky.txt")
    git(repos.work, "commit", "-q", "--amend", "--no-edit")
    with pytest.raises(GitError, match=r"sneaky\.txt"):
        g.verify_revert(g.head_sha(), bad)
    assert rev != g.head_sha()


def test_revert_conflict_aborts_and_leaves_tree_clean(repos: Repos) -> None:
    bad = repos.commit("app.py", "v1\n", "v1")
    later = repos.commit("app.py", "v2\n", "v2 on the same line")
    g = Git(repos.work)
    with pytest.raises(RevertConflict) as info:
        g.revert(bad)
    assert info.value.paths == ["app.py"]
    assert g.head_sha() == later
    assert g.is_clean()
    assert not (repos.work / ".git" / "REVERT_HEAD").exists()


# ---------------------------------------------------------------- shallow clones


def test_ensure_commit_deepens_a_depth_1_clone(repos: Repos) -> None:
    first = repos.commit("a.txt", "1\n", "one")
    second = repos.commit("a.txt", "2\n", "two")
    repos.push()
    ci = repos.clone("ci", depth=1)
    g = Git(ci)
    assert g.is_shallow() and not g.commit_exists(first)
    g.ensure_commit(second)  # HEAD: its parent must appear
    assert g.commit_exists(first)
    rev = g.revert(second)  # with a real parent: only a.txt changes back
    assert (ci / "a.txt").read_text() == "1\n" and (ci / "README.md").exists()
    g.verify_revert(rev, second)


def test_ensure_commit_fetches_an_older_missing_commit(repos: Repos) -> None:
    old = repos.commit("a.txt", "1\n", "one")
    repos.commit("a.txt", "2\n", "two")
    repos.commit("b.txt", "3\n", "three")
    repos.push()
    g = Git(repos.clone("ci", depth=1))
    g.ensure_commit(old)
    assert g.commit_exists(old) and all(g.commit_exists(p) for p in g.parents(old))


def test_ensure_commit_missing_sha(repos: Repos) -> None:
    g = Git(repos.clone("ci", depth=1))
    with pytest.raises(CommitMissing, match="is not on the remote: it may have been force-pushed"):
        g.ensure_commit("deadbeef" * 5)


def test_first_parent_range_across_a_merge_in_shallow_clone(repos: Repos) -> None:
    before = repos.sha()
    a = repos.commit("a.txt", "a\n", "a")
    git(repos.work, "checkout", "-q", "-b", "feature")
    repos.commit("f.txt", "f\n", "feature 1")
    repos.commit("f.txt", "g\n", "feature 2")
    git(repos.work, "checkout", "-q", "main")
    git(repos.work, "merge", "-q", "--no-ff", "--no-edit", "feature")
    merge = repos.sha()
    b = repos.commit("b.txt", "b\n", "b")
    repos.push()
    g = Git(repos.clone("ci", depth=1))
    assert g.first_parent_range(before, b) == [a, merge, b]
    assert g.first_parent_range(ZERO_SHA, b) == [b]
    assert g.first_parent_range(None, b) == [b]


# ---------------------------------------------------------------- push


def test_push_fast_forward_plain(repos: Repos, push: Pusher) -> None:
    before = repos.remote_log()
    ci = repos.clone("ci", depth=1, identity=False)
    g = Git(ci)
    base = g.head_sha()
    (ci / "fix.txt").write_text("fixed\n")
    sha = g.commit_all("fix", author_name="bot", author_email="b@x")
    tree = git(ci, "rev-parse", "HEAD^{tree}").strip()
    result = push(g, "main", base=base)
    assert (result.attempts, result.rebased) == (1, False)
    # git pushes our commit; the API makes GitHub's copy of it and the checkout moves onto it.
    assert result.pushed_sha == (sha if push.db is None else g.head_sha())
    assert repos.remote_sha() == result.pushed_sha == g.head_sha() and g.is_clean()
    assert repos.remote_tree(result.pushed_sha) == tree
    assert_remote_keeps(repos.remote, "main", before)


def test_push_rebases_when_a_colleague_pushed_first(repos: Repos, push: Pusher) -> None:
    ci = repos.clone("ci", depth=1, identity=False)
    g = Git(ci)
    base = g.head_sha()
    (ci / "fix.txt").write_text("fixed\n")
    ours = g.commit_all("fix\n\nAutoheal-Run: 1", author_name="bot", author_email="b@x")
    colleague = repos.clone("colleague")
    theirs = repos.commit("theirs.txt", "t\n", "colleague work", repo=colleague)
    repos.push(repo=colleague)
    before = repos.remote_log()
    seen: list[str] = []
    result = push(g, "main", base=base, on_rebased=seen.append)
    assert result.rebased and result.attempts == 2
    assert len(seen) == 1 and result.pushed_sha != ours
    if push.db is None:
        assert seen == [result.pushed_sha]
    else:  # the checks ran on the rebased local commit, whose copy GitHub then made
        rechecked = git(ci, "rev-parse", f"{seen[0]}^{{tree}}").strip()
        assert repos.remote_tree(result.pushed_sha) == rechecked
    assert repos.remote_sha() == result.pushed_sha == g.head_sha()
    assert repos.remote_log()[1] == theirs  # ours on top of theirs
    assert repos.remote_file("main", "fix.txt") == "fixed\n"
    assert repos.remote_file("main", "theirs.txt") == "t\n"
    assert "Autoheal-Run: 1" in repos.remote_message(result.pushed_sha)
    assert_remote_keeps(repos.remote, "main", before)


def test_push_gives_up_after_its_retries_when_the_branch_keeps_moving(
    repos: Repos, push: Pusher
) -> None:
    g = Git(repos.clone("ci", depth=1, identity=False))
    base = g.head_sha()
    (g.path / "fix.txt").write_text("fixed\n")
    g.commit_all("fix", author_name="bot", author_email="b@x")
    colleague = repos.clone("colleague")
    theirs: list[str] = []

    def colleague_pushes(_: str = "") -> None:
        theirs.append(repos.commit(f"t{len(theirs)}.txt", "t\n", "colleague work", repo=colleague))
        repos.push(repo=colleague)

    colleague_pushes()  # before the first push, then again after every rebase
    with pytest.raises(GitError, match="could not push to main after 3 attempts"):
        push(g, "main", base=base, retries=2, on_rebased=colleague_pushes)
    assert len(theirs) == 3
    assert repos.remote_sha() == theirs[-1]
    assert_remote_keeps(repos.remote, "main", theirs)
    assert repos.remote_file("main", "fix.txt") is None


def test_on_rebased_can_stop_the_push(repos: Repos, push: Pusher) -> None:
    g = Git(repos.clone("ci"))
    base = g.head_sha()
    (g.path / "fix.txt").write_text("fixed\n")
    g.commit_all("fix")
    colleague = repos.clone("colleague")
    repos.commit("theirs.txt", "t\n", "colleague work", repo=colleague)
    repos.push(repo=colleague)
    tip = repos.remote_sha()

    def stop(_: str) -> None:
        raise GitError("checks failed after rebase")

    with pytest.raises(GitError, match="checks failed"):
        push(g, "main", base=base, on_rebased=stop)
    assert repos.remote_sha() == tip


@pytest.mark.parametrize("depth", [None, 1], ids=["full", "shallow"])
def test_push_after_a_force_push_does_not_bring_back_removed_commits(
    repos: Repos, push: Pusher, depth: int | None
) -> None:
    # The user pushes a commit with a secret, CI starts on it; meanwhile they force-push the
    # branch without it. Rebasing "everything the remote lacks" would push it back.
    start = repos.commit("secret.txt", "hunter2\n", "oops: a secret")
    repos.push()
    g = Git(repos.clone("ci", depth=depth))
    (g.path / "fix.txt").write_text("fixed\n")
    g.commit_all("fix")
    git(repos.work, "reset", "-q", "--hard", "HEAD~1")
    cleaned = repos.commit("other.txt", "clean\n", "without the secret")
    git(repos.work, "push", "-q", "--force", "origin", "HEAD:refs/heads/main")
    with pytest.raises(GitError, match="rewritten") as info:
        push(g, "main", base=start)
    assert "Nothing was pushed" in info.value.message
    assert repos.remote_sha() == cleaned
    assert repos.remote_file("main", "secret.txt") is None


def test_push_rebase_conflict(repos: Repos, push: Pusher) -> None:
    g = Git(repos.clone("ci"))
    base = g.head_sha()
    (g.path / "README.md").write_text("ours\n")
    g.commit_all("ours")
    colleague = repos.clone("colleague")
    repos.commit("README.md", "theirs\n", "theirs", repo=colleague)
    repos.push(repo=colleague)
    tip = repos.remote_sha()
    with pytest.raises(RebaseConflict) as info:
        push(g, "main", base=base)
    assert info.value.paths == ["README.md"]
    assert repos.remote_sha() == tip and g.is_clean()


def test_push_rejected_by_hook(repos: Repos, push: Pusher) -> None:
    push.protect("GH006: protected branch update failed")
    before = repos.remote_log()
    g = Git(repos.clone("ci"))
    base = g.head_sha()
    (g.path / "fix.txt").write_text("fixed\n")
    g.commit_all("fix")
    with pytest.raises(PushRejected, match="refused") as info:
        push(g, "main", base=base)
    said = info.value.stderr if push.db is None else info.value.message
    assert "protected branch" in said
    assert repos.remote_log() == before
    # the fallback branch is not protected (through the API: GitHub's commit, fetched back)
    assert g.push_branch("HEAD", "autoheal/main") == g.head_sha()
    assert repos.remote_sha("autoheal/main") == g.head_sha()
    if push.db is not None:
        assert push.db.verified[g.head_sha()]


def test_push_branch_replaces_only_the_tip_it_was_told_and_only_autoheal_branches(
    repos: Repos,
) -> None:
    g = Git(repos.clone("ci"))
    first = g.head_sha()
    (g.path / "x.txt").write_text("1\n")
    one = g.commit_all("one")
    g.push_branch("HEAD", "autoheal/main")
    git(g.path, "reset", "-q", "--hard", first)
    (g.path / "x.txt").write_text("2\n")
    two = g.commit_all("two")
    with pytest.raises(BranchMoved):
        g.push_branch("HEAD", "autoheal/main")  # not a fast-forward, no lease
    with pytest.raises(BranchMoved):
        g.push_branch("HEAD", "autoheal/main", lease=first)  # not what the branch holds
    assert repos.remote_sha("autoheal/main") == one
    g.push_branch("HEAD", "autoheal/main", lease=one)
    assert repos.remote_sha("autoheal/main") == two
    with pytest.raises(GitError, match="refusing to replace main"):
        g.push_branch("HEAD", "main", lease=first)
    assert repos.remote_sha("main") == first


def test_worktree(repos: Repos, tmp_path: Path) -> None:
    g = Git(repos.work)
    first = repos.sha()
    repos.commit("a.txt", "a\n", "a")
    wt = g.worktree_add(tmp_path / "wt", first)
    assert wt.head_sha() == first and wt.current_branch() is None
    assert not (tmp_path / "wt" / "a.txt").exists()
    g.worktree_remove(tmp_path / "wt")
    assert not (tmp_path / "wt").exists()


# ---------------------------------------------------------------- token handling

TOKEN = "ghs_SECRET123"


OUR_REMOTE = "https://github.com/octo-org/octo-repo.git"


def fake_network(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[list[str], dict[str, str]]]:
    """Commands that talk to a remote are recorded (argv, env) and fail with the header they
    were given echoed on stderr, without touching the network; every other git runs."""
    seen: dict[str, tuple[list[str], dict[str, str]]] = {}
    real = subprocess.run

    def spy(argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        if argv[2] not in autoheal.git.NETWORK_COMMANDS:
            return real(argv, **kw)
        env = kw["env"]
        seen[argv[2]] = (list(argv), dict(env))
        headers = [v for k, v in env.items() if k.startswith("GIT_CONFIG_VALUE_")]
        return subprocess.CompletedProcess(argv, 128, "", f"fatal: header was {headers}\n")

    monkeypatch.setattr(subprocess, "run", spy)
    return seen


def test_token_goes_through_env_config_only(repos: Repos, monkeypatch: pytest.MonkeyPatch) -> None:
    git(repos.work, "remote", "set-url", "origin", OUR_REMOTE)
    g = Git(repos.work, token=TOKEN, repository="octo-org/octo-repo")
    assert TOKEN not in repr(g)
    seen = fake_network(monkeypatch)
    with pytest.raises(GitError) as info:
        g.fetch("origin", "main")
    argv, env = seen["fetch"]
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    assert TOKEN not in " ".join(argv) and basic not in " ".join(argv)
    assert env["GIT_CONFIG_COUNT"] == "3"
    assert env["GIT_CONFIG_KEY_1"] == "http.https://github.com/.extraheader"
    assert env["GIT_CONFIG_VALUE_1"] == f"AUTHORIZATION: basic {basic}"
    assert env["GIT_TERMINAL_PROMPT"] == "0" and env["LC_ALL"] == "C"
    text = f"{info.value} {info.value.stderr} {info.value.command}"
    assert TOKEN not in text and basic not in text and "***" in text


@pytest.mark.parametrize(
    ("fetch_url", "push_url", "fetch_gets", "push_gets"),
    [
        (OUR_REMOTE, None, True, True),
        ("https://github.com/octo-org/octo-repo", None, True, True),
        ("https://GitHub.com/Octo-Org/Octo-Repo/", None, True, True),  # names ignore case
        ("https://github.com/octo-org/other-repo.git", None, False, False),
        ("https://github.com/octo-org/octo-repo-fork.git", None, False, False),
        ("https://evil.example/octo-org/octo-repo.git", None, False, False),
        ("https://github.com.evil.example/octo-org/octo-repo.git", None, False, False),
        ("http://github.com/octo-org/octo-repo.git", None, False, False),  # clear text
        ("https://someone@github.com/octo-org/octo-repo.git", None, False, False),
        ("ssh://git@github.com/octo-org/octo-repo.git", None, False, False),
        ("git@github.com:octo-org/octo-repo.git", None, False, False),
        ("file:///srv/git/octo-repo.git", None, False, False),
        ("/srv/git/octo-repo.git", None, False, False),
        (OUR_REMOTE, "file:///srv/git/elsewhere.git", True, False),  # pushurl elsewhere
    ],
    ids=[
        "ours",
        "ours-without-dot-git",
        "ours-other-case",
        "other-repository",
        "similar-name",
        "other-host",
        "host-as-a-prefix",
        "plain-http",
        "credentials-in-url",
        "ssh-url",
        "scp-like",
        "file-url",
        "local-path",
        "push-url-elsewhere",
    ],
)
def test_the_token_goes_only_to_the_https_remote_of_the_repository(
    repos: Repos,
    monkeypatch: pytest.MonkeyPatch,
    fetch_url: str,
    push_url: str | None,
    fetch_gets: bool,
    push_gets: bool,
) -> None:
    git(repos.work, "remote", "set-url", "origin", fetch_url)
    if push_url:
        git(repos.work, "remote", "set-url", "--push", "origin", push_url)
    g = Git(repos.work, token=TOKEN, repository="octo-org/octo-repo")
    seen = fake_network(monkeypatch)
    g.run("fetch", "--quiet", "--", "origin", check=False)
    g.run("push", "--porcelain", "--", "origin", "HEAD:refs/heads/x", check=False)
    for command, expected in (("fetch", fetch_gets), ("push", push_gets)):
        env = seen[command][1]
        carries = any("AUTHORIZATION" in v or TOKEN in v for v in env.values())
        assert carries == expected, command
        assert env.get(f"GIT_CONFIG_KEY_{int(env['GIT_CONFIG_COUNT']) - 1}") == "core.hooksPath"


def test_an_insteadof_rewrite_to_a_local_remote_gets_no_token(
    repos: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fixer can write .git/config: git's own rewriting decides where the push really goes.
    git(repos.work, "remote", "set-url", "origin", OUR_REMOTE)
    git(repos.work, "config", f"url.{repos.url}.insteadOf", OUR_REMOTE)
    g = Git(repos.work, token=TOKEN, repository="octo-org/octo-repo")
    seen = fake_network(monkeypatch)
    g.run("push", "--porcelain", "--", "origin", "HEAD:refs/heads/x", check=False)
    assert not any("AUTHORIZATION" in v for v in seen["push"][1].values())


def test_without_a_repository_the_token_is_never_given(
    repos: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repos.work, "remote", "set-url", "origin", OUR_REMOTE)
    seen = fake_network(monkeypatch)
    Git(repos.work, token=TOKEN).run("fetch", "--", "origin", check=False)
    assert not any("AUTHORIZATION" in v for v in seen["fetch"][1].values())


def test_error_messages_redact_the_token(repos: Repos) -> None:
    g = Git(repos.work, token=TOKEN)
    with pytest.raises(GitError) as info:
        g.run("rev-parse", "--verify", f"refs/heads/{TOKEN}")
    assert TOKEN not in str(info.value) and TOKEN not in " ".join(info.value.command)
    assert g.redact(f"https://x-access-token:{TOKEN}@github.com/o/r") == (
        "https://***@github.com/o/r"
    )


def test_env_appends_to_existing_config_entries(
    repos: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "core.quotepath")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "false")
    env = Git(repos.work, token=TOKEN, host="ghe.example.com").env(auth=True)
    assert env["GIT_CONFIG_COUNT"] == "4" and env["GIT_CONFIG_KEY_0"] == "core.quotepath"
    assert env["GIT_CONFIG_KEY_2"] == "http.https://ghe.example.com/.extraheader"
    assert env["GIT_CONFIG_VALUE_1"] == ""  # resets a header left by actions/checkout
    assert Git(repos.work).env(auth=True)["GIT_CONFIG_COUNT"] == "1"  # no token: untouched


def test_only_network_commands_get_the_token(repos: Repos, monkeypatch: pytest.MonkeyPatch) -> None:
    # As on a runner: the action's own environment holds the token too.
    for name in ("INPUT_TOKEN", "GITHUB_TOKEN", "GH_TOKEN"):
        monkeypatch.setenv(name, TOKEN)
    monkeypatch.setenv("MY_PAT", TOKEN)  # e.g. `token: ${{ env.MY_PAT }}`
    basic = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()
    monkeypatch.setenv("MY_AUTH_HEADER", f"AUTHORIZATION: basic {basic}")  # an encoded form
    git(repos.work, "remote", "set-url", "origin", OUR_REMOTE)
    g = Git(repos.work, token=TOKEN, repository="octo-org/octo-repo")
    envs: dict[str, dict[str, str]] = {}
    real = subprocess.run

    def spy(argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        envs[argv[2]] = kw["env"]
        if argv[2] == "fetch":  # no network in tests
            return subprocess.CompletedProcess(argv, 0, "", "")
        return real(argv, **kw)

    monkeypatch.setattr(subprocess, "run", spy)
    g.run("status")
    g.run("fetch", "--", "origin")
    assert not any(TOKEN in v or "AUTHORIZATION" in v for v in envs["status"].values())
    assert not any(TOKEN in v for v in envs["fetch"].values())
    assert any("AUTHORIZATION: basic" in v for v in envs["fetch"].values())
    assert "INPUT_TOKEN" not in envs["status"] and "MY_PAT" not in envs["fetch"]
    assert "MY_AUTH_HEADER" not in envs["status"] and "MY_AUTH_HEADER" not in envs["fetch"]


def test_hooks_of_network_commands_do_not_run(repos: Repos, tmp_path: Path) -> None:
    """reference-transaction runs as fetch updates refs: with the header in its environment."""
    hooks, seen = tmp_path / "hooks", tmp_path / "hook-ran"
    hooks.mkdir()
    for name in ("reference-transaction", "post-commit"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho {name} >> {seen}\n")
        hook.chmod(0o755)
    git(repos.work, "config", "core.hooksPath", str(hooks))
    repos.commit("b.txt", "b\n", "b")  # the hook works: local commands keep their hooks
    assert "reference-transaction" in seen.read_text()
    seen.unlink()
    Git(repos.work, token=TOKEN).fetch("origin", "+refs/heads/main:refs/remotes/origin/copy")
    assert Git(repos.work).rev_parse("refs/remotes/origin/copy")
    assert not seen.exists()


def test_revert_of_already_reverted_commit_fails_cleanly(repos: Repos) -> None:
    bad = repos.commit("app.py", "broken\n", "break app")
    g = Git(repos.work)
    g.revert(bad)
    head = g.head_sha()
    with pytest.raises(GitError, match="already reverted") as info:
        g.revert(bad)
    assert not isinstance(info.value, RevertConflict)
    assert g.head_sha() == head and g.is_clean()
    assert not (repos.work / ".git" / "REVERT_HEAD").exists()
    assert not (repos.work / ".git" / "sequencer").exists()


def test_push_to_unreachable_remote_is_bounded_and_not_a_rejection(
    repos: Repos, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(autoheal.git.pushes, "PUSH_BACKOFF", 0.0)
    g = Git(repos.clone("ci"))
    git(g.path, "remote", "set-url", "origin", (tmp_path / "gone.git").as_uri())
    with pytest.raises(GitError, match="after 3 attempts") as info:
        g.push_fast_forward("main", base=g.head_sha(), retries=2)
    assert not isinstance(info.value, PushRejected)


def test_push_that_landed_despite_an_error_is_not_repeated(
    repos: Repos, monkeypatch: pytest.MonkeyPatch
) -> None:
    g = Git(repos.clone("ci"))
    base = g.head_sha()
    (g.path / "fix.txt").write_text("fixed\n")
    sha = g.commit_all("fix")
    real_run = Git.run
    pushes: list[tuple[str, ...]] = []

    def flaky_run(self: Git, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        proc = real_run(self, *args, **kw)
        if args[0] == "push":
            pushes.append(args)
            # the push went through, but the connection died before git could tell us
            return subprocess.CompletedProcess(
                proc.args, 128, "", "fatal: the remote end hung up unexpectedly\n"
            )
        return proc

    monkeypatch.setattr(Git, "run", flaky_run)
    result = g.push_fast_forward("main", base=base)
    assert (result.pushed_sha, result.attempts, len(pushes)) == (sha, 1, 1)
    assert repos.remote_sha() == sha
