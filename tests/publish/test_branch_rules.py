"""Rules read before pushing (publish.branch_rules) and `auto-merge` (publish.auto_merge).

The decision table runs the reading against a fake GitHub on 127.0.0.1; the scenarios run heal
and rollback through `main()` with real git. Their CI clone's origin is
`https://github.com/octo-org/octo-repo`, as actions/checkout leaves it, and git's
`url.<remote>.insteadOf` sends it to the bare remote, whose pre-receive hook records every
push attempt (and refuses `main` when asked, like a protected branch).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from autoheal.github.client import GitHub
from autoheal.markdown import code_span
from autoheal.publish.branch_rules import API, PULL_REQUEST, PUSH, Decision, read_decision
from tests.actions import TOKEN, ActionsEnv, Run, runner_commands
from tests.fake_github import FakeGitHub, Recorded
from tests.gitfixtures import Repos, assert_remote_keeps, git
from tests.graphql_shapes import graphql_problems
from tests.heal_helpers import FORMATTED, REPO, UNFORMATTED, setup_heal
from tests.markdown_check import assert_inert
from tests.modes.rollback.test_rollback import World

R = f"/repos/{REPO}"
ORIGIN = f"https://github.com/{REPO}"
# A ruleset name is its admins' free text: Markdown, HTML and mentions must stay inert.
HOSTILE = "main `only` | <img src=x onerror=alert(1)> @octo-org/admins #12"
NODE_ID = "PR_kwDOAbCdEf4"
PULL = {"number": 8, "html_url": f"https://github.com/{REPO}/pull/8", "node_id": NODE_ID}
NOT_PROTECTED = {"name": "main", "protected": False}
DENIED = (403, {"message": "Resource not accessible by integration"})


def rule(kind: str, ruleset_id: int = 42, **parameters: Any) -> dict[str, Any]:
    """A rule as `GET /repos/{o}/{r}/rules/branches/{branch}` lists it."""
    found: dict[str, Any] = {
        "type": kind,
        "ruleset_source_type": "Repository",
        "ruleset_source": REPO,
        "ruleset_id": ruleset_id,
    }
    if parameters:
        found["parameters"] = parameters
    return found


def ruleset(ruleset_id: int = 42, name: str = "Protect main", bypass: str = "never") -> Any:
    """A ruleset as `GET /repos/{o}/{r}/rulesets/{id}` answers it."""
    return {
        "id": ruleset_id,
        "name": name,
        "target": "branch",
        "source_type": "Repository",
        "source": REPO,
        "enforcement": "active",
        "current_user_can_bypass": bypass,
    }


CHECKS = {
    "required_status_checks": [{"context": "ci / test"}],
    "strict_required_status_checks_policy": False,
}
REVIEWS = {"url": f"https://api.github.com{R}/branches/main/protection/pull_request_review"}


@dataclass
class Rules:
    """What the fake GitHub says about `main`: (status, body) per endpoint."""

    rules: tuple[int, Any] = (200, [])
    protection: tuple[int, Any] = (404, {"message": "Branch not protected"})
    branch: tuple[int, Any] = (200, NOT_PROTECTED)
    rulesets: tuple[int, Any] = (200, ruleset())
    repo: dict[str, Any] | None = None  # GET /repos/{o}/{r}


def serve(fake: FakeGitHub, rules: Rules, branch: str = "main") -> None:
    fake.route("GET", f"{R}/rules/branches/{branch}", answer=lambda _r: rules.rules)
    fake.route("GET", f"{R}/branches/{branch}/protection", answer=lambda _r: rules.protection)
    fake.route("GET", f"{R}/branches/{branch}", answer=lambda _r: rules.branch)
    fake.route("GET", rf"{R}/rulesets/\d+", answer=lambda _r: rules.rulesets)
    fake.route("GET", R, body=rules.repo or {"full_name": REPO})


def serve_pulls(fake: FakeGitHub) -> None:
    fake.route("GET", f"{R}/pulls", body=[])
    fake.route("POST", f"{R}/pulls", status=201, body=PULL)
    fake.route("GET", rf"{R}/commits/[0-9a-f]{{40}}", body={"author": {"login": "octocat"}})


# ------------------------------------------------------------------------- the decision table


@pytest.mark.parametrize(
    ("rules", "how", "said"),
    [
        pytest.param(Rules(), PUSH, "", id="nothing"),
        pytest.param(
            Rules(rules=(200, [rule("pull_request", required_approving_review_count=1)])),
            PULL_REQUEST,
            "The rule `pull_request` of ruleset `Protect main` (id 42, from "
            f"`{REPO}`) asks for changes through a pull request, so the change goes "
            "through a pull request.",
            id="pull-request",
        ),
        pytest.param(
            Rules(rules=(200, [rule("merge_queue")])), PULL_REQUEST, "merge queue", id="queue"
        ),
        pytest.param(Rules(rules=(200, [rule("update")])), PULL_REQUEST, "no updates", id="update"),
        pytest.param(
            Rules(rules=(200, [rule("required_status_checks", **CHECKS)])),
            PULL_REQUEST,
            "status checks that must pass before a commit reaches the branch",
            id="status-checks",
        ),
        pytest.param(
            Rules(
                rules=(
                    200,
                    [rule("required_status_checks", **{**CHECKS, "required_status_checks": []})],
                )
            ),
            PUSH,
            "",
            id="status-checks-none-listed",
        ),
        pytest.param(
            Rules(rules=(200, [rule("required_signatures")])),
            API,
            "asks for signed commits, so the commits are made through GitHub's API",
            id="signatures",
        ),
        pytest.param(
            Rules(rules=(200, [rule("required_signatures"), rule("pull_request", 7)])),
            PULL_REQUEST,
            "rule `pull_request`",
            id="pull-request-wins-over-signatures",
        ),
        pytest.param(
            Rules(
                rules=(
                    200,
                    [rule("non_fast_forward"), rule("required_linear_history"), rule("deletion")],
                )
            ),
            PUSH,
            "",
            id="satisfied-by-a-fast-forward",
        ),
        pytest.param(
            Rules(rules=(200, [rule("pull_request")]), rulesets=(200, ruleset(bypass="always"))),
            PUSH,
            "This token may bypass rule `pull_request` of ruleset `Protect main`",
            id="bypassed",
        ),
        pytest.param(
            Rules(
                rules=(200, [rule("pull_request")]),
                rulesets=(200, ruleset(bypass="pull_requests_only")),
            ),
            PULL_REQUEST,
            "rule `pull_request`",
            id="bypass-only-through-pull-requests",
        ),
        pytest.param(
            Rules(rules=(200, [rule("pull_request", 9)]), rulesets=(404, {"message": "Not Found"})),
            PULL_REQUEST,
            f"The rule `pull_request` of ruleset (id 9, from `{REPO}`) asks",
            id="ruleset-unreadable",
        ),
        pytest.param(
            Rules(rules=(200, [rule("pull_request")]), rulesets=(200, ruleset(name=HOSTILE))),
            PULL_REQUEST,
            f"of ruleset {code_span(HOSTILE)} (id 42",
            id="hostile-name-inert",
        ),
        pytest.param(
            Rules(
                rules=(404, {"message": "Not Found"}),
                protection=(200, {"required_pull_request_reviews": REVIEWS}),
            ),
            PULL_REQUEST,
            "The classic branch protection asks for reviews on a pull request",
            id="classic-reviews",
        ),
        pytest.param(
            Rules(protection=(200, {"required_signatures": {"enabled": True}})),
            API,
            "The classic branch protection asks for signed commits",
            id="classic-signatures",
        ),
        pytest.param(
            Rules(
                protection=(
                    200,
                    {
                        "required_pull_request_reviews": REVIEWS,
                        "enforce_admins": {"enabled": False},
                    },
                ),
                repo={
                    "full_name": REPO,
                    "permissions": {"admin": True, "push": True, "pull": True},
                },
            ),
            PUSH,
            "",
            id="classic-admin-not-enforced",
        ),
        pytest.param(
            Rules(
                protection=DENIED,
                branch=(
                    200,
                    {
                        "name": "main",
                        "protected": True,
                        "protection": {
                            "enabled": True,
                            "required_status_checks": {
                                "enforcement_level": "non_admins",
                                "contexts": ["ci / test"],
                            },
                        },
                    },
                ),
            ),
            PULL_REQUEST,
            "The classic branch protection asks for status checks",
            id="classic-summary-checks",
        ),
        pytest.param(
            Rules(
                protection=DENIED,
                branch=(200, {"name": "main", "protected": True, "protection": {"enabled": True}}),
            ),
            PUSH,
            "",
            id="classic-summary-nothing-known",
        ),
    ],
)
def test_the_rules_decide_before_any_push(
    httpserver: HTTPServer, rules: Rules, how: str, said: str
) -> None:
    fake = FakeGitHub(httpserver)
    serve(fake, rules)
    with GitHub(TOKEN, api_url=fake.api_url, max_retries=0) as client:
        decision = read_decision(client, REPO, "main")
    assert decision.how == how
    assert decision.read
    assert said in decision.why if said else decision.why == ""
    assert_inert(decision.why)  # the hostile ruleset name is quoted as code, inert


def test_rules_nobody_may_read_leave_the_push_to_try(httpserver: HTTPServer) -> None:
    fake = FakeGitHub(httpserver)
    serve(fake, Rules(rules=DENIED, protection=DENIED, branch=DENIED))
    with GitHub(TOKEN, api_url=fake.api_url, max_retries=0) as client:
        decision = read_decision(client, REPO, "main")
    assert decision == Decision(PUSH, note=decision.note, read=False)
    assert "403 Resource not accessible by integration" in decision.why


def test_a_branch_name_with_slashes_keeps_them_in_the_path(httpserver: HTTPServer) -> None:
    fake = FakeGitHub(httpserver)
    serve(fake, Rules(rules=(200, [rule("pull_request")])), branch="release/1.x")
    with GitHub(TOKEN, api_url=fake.api_url, max_retries=0) as client:
        assert read_decision(client, REPO, "release/1.x").how == PULL_REQUEST
    assert fake.requests("GET", f"{R}/rules/branches/release/1.x")
    assert not fake.unrouted()


@pytest.mark.parametrize(
    ("api_url", "graphql_url"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://api.octo.ghe.com/", "https://api.octo.ghe.com/graphql"),
        ("https://ghe.example/api/v3", "https://ghe.example/api/graphql"),
    ],
)
def test_graphql_lives_next_to_the_rest_api(api_url: str, graphql_url: str) -> None:
    assert GitHub(TOKEN, api_url=api_url).graphql_url() == graphql_url


@pytest.mark.parametrize(
    ("url", "ours"),
    [
        (ORIGIN, True),  # actions/checkout
        (f"{ORIGIN}.git", True),
        (f"https://x-access-token:secret@github.com/{REPO}.git", True),
        (f"git@github.com:{REPO}.git", True),
        (f"ssh://git@github.com/{REPO}", True),
        ("https://GitHub.com/Octo-Org/Octo-Repo", True),
        ("https://github.com/octo-org/other-repo", False),
        (f"https://ghe.example/{REPO}", False),
        (f"https://github.com.evil.example/{REPO}", False),
        (f"file:///srv/git/{REPO}.git", False),
        (f"/srv/git/{REPO}.git", False),
    ],
)
def test_rules_are_read_only_for_pushes_to_this_repository_on_github(
    tmp_path: Path, url: str, ours: bool
) -> None:
    from autoheal.context import Context
    from autoheal.git import Git
    from autoheal.publish.branch_rules import pushes_to_github

    git(tmp_path, "init", "-q")
    git(tmp_path, "remote", "add", "origin", url)
    ctx = Context(repository=REPO, server_url="https://github.com")
    assert pushes_to_github(Git(tmp_path), ctx) is ours


# ------------------------------------------------------------------------------ heal


def on_github(clone: Path, repos: Repos) -> None:
    """Make origin the GitHub URL actions/checkout sets, fetched and pushed from `repos`."""
    git(clone, "config", "remote.origin.url", ORIGIN)
    git(clone, "config", f"url.{repos.url}.insteadOf", ORIGIN)


def record_pushes(remote: Path, log: Path, *, refuse: str = "") -> None:
    """A pre-receive hook writing each ref a push tries to update to `log`; it refuses
    `refuse` (e.g. refs/heads/main) as a protected branch would."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(
        "#!/bin/sh\n"
        "status=0\n"
        "while read old new ref; do\n"
        f'  echo "$ref" >> "{log}"\n'
        f'  if [ "$ref" = "{refuse}" ]; then echo "protected branch" >&2; status=1; fi\n'
        "done\n"
        "exit $status\n"
    )
    hook.chmod(0o755)


def attempts(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


@dataclass
class Heal:
    repos: Repos
    actions: ActionsEnv
    fake: FakeGitHub
    log: Path

    def run(self, capsys: pytest.CaptureFixture[str]) -> Run:
        return self.actions.run(capsys)


@pytest.fixture
def heal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer) -> Iterator[Heal]:
    s = setup_heal(tmp_path, monkeypatch)
    on_github(s.ci, s.repos)
    fake = FakeGitHub(httpserver)
    s.actions.env["GITHUB_API_URL"] = fake.api_url
    log = tmp_path / "push-attempts"
    record_pushes(s.repos.remote, log)
    yield Heal(s.repos, s.actions, fake, log)


def test_heal_opens_the_pull_request_a_rule_asks_for_without_trying_the_push(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    tip = heal.repos.remote_sha("main")
    serve(
        heal.fake, Rules(rules=(200, [rule("pull_request")]), rulesets=(200, ruleset(name=HOSTILE)))
    )
    serve_pulls(heal.fake)
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert r.outputs["status"] == "HEALED"
    assert r.outputs["pr-url"] == PULL["html_url"]
    assert attempts(heal.log) == ["refs/heads/autoheal/main"]  # main was never tried
    assert heal.repos.remote_sha("main") == tip
    assert heal.repos.remote_file("autoheal/main", "app.py") == FORMATTED
    named = f"The rule `pull_request` of ruleset {code_span(HOSTILE)} (id 42, from `{REPO}`)"
    assert named in r.summary
    assert_inert(r.summary, links=(PULL["html_url"],))
    [opened] = heal.fake.requests("POST", f"{R}/pulls")
    assert "its rules ask for a pull request" in opened.body["body"]
    assert not heal.fake.requests("POST", "/graphql")  # auto-merge is off by default
    assert not [c for c in runner_commands(r.out) if c.startswith("::warning")]


def test_heal_with_signatures_required_opens_a_pull_request(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(heal.fake, Rules(rules=(200, [rule("required_signatures")])))
    serve_pulls(heal.fake)
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert attempts(heal.log) == ["refs/heads/autoheal/main"]
    assert "asks for signed commits; commits pushed with git are not signed" in r.summary
    assert heal.repos.remote_file("main", "app.py") == UNFORMATTED


def test_heal_without_rules_pushes_as_before(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(heal.fake, Rules())
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert attempts(heal.log) == ["refs/heads/main"]
    assert heal.repos.remote_sha("main") == r.outputs["commit-sha"]
    assert heal.fake.requests("GET", f"{R}/rules/branches/main")
    assert "rule" not in r.summary.split("### Where")[1].split("###")[0]
    assert not heal.fake.unrouted()


def test_heal_that_cannot_read_rules_tries_the_push_with_a_notice(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    record_pushes(heal.repos.remote, heal.log, refuse="refs/heads/main")
    serve(heal.fake, Rules(rules=DENIED, protection=DENIED, branch=DENIED))
    serve_pulls(heal.fake)
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    notices = [c for c in runner_commands(r.out) if c.startswith("::notice")]
    assert len(notices) == 1 and "Could not read the rules of `main`" in notices[0]
    # Today's try-and-see: main is tried, refused, and the fix goes to a pull request.
    assert attempts(heal.log) == ["refs/heads/main", "refs/heads/autoheal/main"]
    assert r.outputs["pr-url"] == PULL["html_url"]
    assert "could not be read" in r.summary


def test_heal_honours_classic_protection_it_may_read(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    serve(heal.fake, Rules(protection=(200, {"required_pull_request_reviews": REVIEWS})))
    serve_pulls(heal.fake)
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    assert attempts(heal.log) == ["refs/heads/autoheal/main"]
    assert "The classic branch protection asks for reviews on a pull request" in r.summary


def test_heal_reads_no_rules_for_a_remote_that_is_not_github(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    s = setup_heal(tmp_path, monkeypatch)  # origin: the bare remote's file:// URL
    fake = FakeGitHub(httpserver)
    s.actions.env["GITHUB_API_URL"] = fake.api_url
    r = s.actions.run(capsys)
    assert r.code == 0, r.out + r.err
    assert s.repos.remote_sha("main") == r.outputs["commit-sha"]
    assert fake.log == []
    assert "rules" not in r.summary
    assert not [c for c in runner_commands(r.out) if c.startswith("::notice")]


# ------------------------------------------------------------------------------ auto-merge


def serve_auto_merge(fake: FakeGitHub, answer: Any = None) -> None:
    ok = {"data": {"enablePullRequestAutoMerge": {"pullRequest": {"autoMergeRequest": {}}}}}
    fake.route("POST", "/graphql", body=answer or ok)


def graphql_sent(fake: FakeGitHub) -> Recorded:
    [sent] = fake.requests("POST", "/graphql")
    assert graphql_problems(sent.body, "enablePullRequestAutoMerge") == []
    return sent


MERGE_SETTINGS = {
    "full_name": REPO,
    "allow_auto_merge": True,
    "allow_rebase_merge": False,
    "allow_merge_commit": True,
    "allow_squash_merge": True,
}


def test_auto_merge_is_enabled_with_a_method_the_repository_and_the_rule_allow(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    heal.actions.inputs(auto_merge="true")
    pull_rule = rule("pull_request", allowed_merge_methods=["squash", "rebase"])
    serve(heal.fake, Rules(rules=(200, [pull_rule]), repo=MERGE_SETTINGS))
    serve_pulls(heal.fake)
    serve_auto_merge(heal.fake)
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    sent = graphql_sent(heal.fake)
    # rebase comes first, but the repository refuses it; merge is not in the rule's list.
    assert sent.body["variables"] == {"pullRequestId": NODE_ID, "mergeMethod": "SQUASH"}
    assert "enablePullRequestAutoMerge(input: {pullRequestId: $pullRequestId" in sent.body["query"]
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "Auto-merge enabled (squash)" in r.summary


def test_auto_merge_not_allowed_is_said_and_not_attempted(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    heal.actions.inputs(auto_merge="true")
    settings = {**MERGE_SETTINGS, "allow_auto_merge": False}
    serve(heal.fake, Rules(rules=(200, [rule("pull_request")]), repo=settings))
    serve_pulls(heal.fake)
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err  # the pull request is open: a person merges it
    assert "Auto-merge not enabled: this repository does not allow auto-merge" in r.summary
    warnings = [c for c in runner_commands(r.out) if c.startswith("::warning")]
    assert len(warnings) == 1 and "does not allow auto-merge" in warnings[0]
    assert not heal.fake.requests("POST", "/graphql")


def test_auto_merge_refused_by_graphql_quotes_githubs_words_inertly(
    heal: Heal, capsys: pytest.CaptureFixture[str]
) -> None:
    heal.actions.inputs(auto_merge="true")
    serve(heal.fake, Rules(rules=(200, [rule("pull_request")]), repo=MERGE_SETTINGS))
    serve_pulls(heal.fake)
    said = "Resource not accessible by integration `x` <b>@octo-org/admins</b>"
    refused = {
        "data": {"enablePullRequestAutoMerge": None},
        "errors": [{"type": "FORBIDDEN", "path": ["enablePullRequestAutoMerge"], "message": said}],
    }
    serve_auto_merge(heal.fake, refused)
    r = heal.run(capsys)
    assert r.code == 0, r.out + r.err
    graphql_sent(heal.fake)
    assert_inert(r.summary, links=(PULL["html_url"],))
    assert code_span(f"GitHub's GraphQL API refused the request: {said}") in r.summary
    assert "The token needs `contents: write` and `pull-requests: write`." in r.summary
    assert TOKEN not in r.summary


@pytest.mark.parametrize(
    ("settings", "rule_methods", "method"),
    [
        ({}, None, "rebase"),  # fields absent (a token that may not see them): not refusals
        ({"allow_rebase_merge": False}, None, "merge"),
        ({"allow_rebase_merge": False, "allow_merge_commit": False}, None, "squash"),
        ({}, frozenset({"squash"}), "squash"),
        ({"allow_squash_merge": False}, frozenset({"squash"}), None),
    ],
)
def test_the_merge_method_is_one_both_the_repository_and_the_rule_allow(
    settings: dict[str, Any], rule_methods: frozenset[str] | None, method: str | None
) -> None:
    from autoheal.publish.auto_merge import merge_method

    assert merge_method(settings, rule_methods) == method


@pytest.mark.parametrize(
    ("repo", "answer", "said"),
    [
        pytest.param(
            {"full_name": REPO, "allow_squash_merge": False},
            None,
            "no merge method is allowed both by the repository and by the branch's pull "
            "request rule",
            id="no-method",
        ),
        pytest.param(
            {"full_name": REPO, "allow_auto_merge": True},
            {"errors": [{"type": "UNPROCESSABLE", "message": "Pull request is in clean status"}]},
            "`GitHub's GraphQL API refused the request: Pull request is in clean status`.",
            id="clean-status",
        ),
    ],
)
def test_auto_merge_that_github_would_not_enable_is_a_warning(
    httpserver: HTTPServer, repo: dict[str, Any], answer: Any, said: str
) -> None:
    import io

    from autoheal.publish import auto_merge
    from autoheal.report import Report

    fake = FakeGitHub(httpserver)
    fake.route("GET", R, body=repo)
    fake.route("POST", "/graphql", body=answer)
    out = io.StringIO()
    report = Report({"GITHUB_ACTIONS": "true"}, out=out, err=out)
    with GitHub(TOKEN, api_url=fake.api_url, max_retries=0) as client:
        note = auto_merge.enable(client, report, REPO, PULL, frozenset({"squash"}))
    assert note.startswith("Auto-merge not enabled: ") and said in note
    assert auto_merge.PERMISSIONS not in note  # not a missing permission
    assert out.getvalue().startswith("::warning title=Auto-merge::Auto-merge not enabled")
    assert len(fake.requests("POST", "/graphql")) == (1 if answer else 0)


# ------------------------------------------------------------------------------ rollback


@pytest.fixture
def rollback(
    tmp_path: Path, actions: ActionsEnv, httpserver: HTTPServer
) -> Iterator[tuple[World, FakeGitHub, Path, str]]:
    world = World(tmp_path, actions, tmp_path / "check-runs")
    before = world.repos.sha()
    world.commit("app.txt", "bug\n", "bad")
    world.repos.push()
    world.checkout(False)
    on_github(world.clone, world.repos)
    fake = FakeGitHub(httpserver)
    world.actions.env["GITHUB_API_URL"] = fake.api_url
    world.actions.inputs(token=TOKEN, before=before, after=world.repos.sha())
    log = tmp_path / "push-attempts"
    record_pushes(world.repos.remote, log)
    yield world, fake, log, world.repos.sha()
    for snapshot in world.snapshots:  # history was only added to
        assert_remote_keeps(world.repos.remote, "main", snapshot)


def test_rollback_opens_the_revert_pull_request_a_rule_asks_for(
    rollback: tuple[World, FakeGitHub, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    world, fake, log, bad = rollback
    serve(fake, Rules(rules=(200, [rule("merge_queue")])))
    serve_pulls(fake)
    r = world.run(capsys)
    assert r.outputs["status"] == "ROLLBACK EXECUTED", r.out + r.err
    assert r.outputs["pr-url"] == PULL["html_url"]
    assert attempts(log) == [f"refs/heads/autoheal/revert-{bad[:12]}"]
    assert world.repos.remote_sha() == bad  # main untouched
    assert "Rules of `main`: The rule `merge_queue` of ruleset `Protect main`" in r.summary
    assert "the branch's rules ask for a pull request" in r.summary


def test_rollback_that_cannot_read_rules_pushes_as_before(
    rollback: tuple[World, FakeGitHub, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    world, fake, log, _bad = rollback
    denied = (404, {"message": "Not Found"})
    serve(fake, Rules(rules=denied, protection=denied, branch=denied))
    r = world.run(capsys)
    assert r.outputs["status"] == "ROLLBACK EXECUTED", r.out + r.err
    assert attempts(log) == ["refs/heads/main"]
    assert world.repos.remote_sha() == r.outputs["revert-sha"]
    assert not world.remote_has_bug()
    notices = [c for c in runner_commands(r.out) if c.startswith("::notice")]
    assert any("Could not read the rules of `main`" in n for n in notices)


def test_rollback_via_pull_request_enables_auto_merge(
    rollback: tuple[World, FakeGitHub, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    world, fake, log, bad = rollback
    serve(fake, Rules(repo={**MERGE_SETTINGS, "allow_rebase_merge": True}))
    serve_pulls(fake)
    serve_auto_merge(fake)
    r = world.run(capsys, rollback_via="pull-request", auto_merge="true")
    assert r.outputs["status"] == "ROLLBACK EXECUTED", r.out + r.err
    assert attempts(log) == [f"refs/heads/autoheal/revert-{bad[:12]}"]
    sent = graphql_sent(fake)
    assert sent.body["variables"] == {"pullRequestId": NODE_ID, "mergeMethod": "REBASE"}
    assert "Auto-merge enabled (rebase)" in r.summary
    assert not fake.requests("GET", f"{R}/rules/branches/main")  # no push, nothing to decide
