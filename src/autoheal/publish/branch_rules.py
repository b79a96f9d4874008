"""What the rules in force on a branch let heal and rollback do, read before the first push.

Two kinds of rules guard a branch. Rulesets: `GET /repos/{o}/{r}/rules/branches/{branch}` lists
the rules in force, readable with read access. Classic branch protection: its details
(`.../branches/{branch}/protection`) need admin rights; everyone else sees a summary in
`.../branches/{branch}` (`protected`, and the required status checks). Read first, they decide:

- pull request: a rule asks for one (`pull_request`, `merge_queue`, `update`), or a rule that
  a new commit cannot satisfy when it is pushed: required status checks (GitHub accepts a push
  only of a commit whose required checks already passed on another ref, and our fix is new;
  `ci-workflow` dispatches the checks on the pull request's branch, it does not make a direct
  push pass), required deployments, code scanning results, required workflows;
- api: signed commits are required (`required_signatures`); GitHub signs the commits made
  through its API with an Actions or App token;
- push: nothing in force stops a fast-forward push of plain commits. `non_fast_forward` and
  `required_linear_history` hold for everything we push.

A rule whose ruleset this token may bypass (`current_user_can_bypass`: `always` or `exempt`)
does not bind it. Rules that cannot be judged before pushing (commit message or author
patterns, file restrictions, who may push) are left to the push: when the branch refuses it,
heal and rollback open a pull request, as they did before reading rules, and as they do when
the rules cannot be read at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from autoheal.markdown import code_span
from autoheal.report import Report

if TYPE_CHECKING:
    from autoheal.context import Context
    from autoheal.git import Git
    from autoheal.github.client import GitHub
    from autoheal.settings import Settings

PUSH = "push"
API = "api"
PULL_REQUEST = "pull-request"

#: Ruleset rules that a direct push of a new commit cannot get past, and what they ask.
NEEDS_PULL_REQUEST = {
    "pull_request": "changes through a pull request",
    "merge_queue": "merges through the merge queue",
    "update": "no updates but by those who may bypass it",
    "required_status_checks": "status checks that must pass before a commit reaches the branch",
    "required_deployments": "deployments that must succeed before a commit reaches the branch",
    "code_scanning": "code scanning results before a commit reaches the branch",
    "workflows": "workflows that must pass before a commit reaches the branch",
}
SIGNATURES = "required_signatures"
#: `current_user_can_bypass` values under which a ruleset does not stop this token's push.
BYPASSES = ("always", "exempt")
#: Rulesets looked up for their name and bypass; a branch rarely has more.
MAX_RULESETS = 10
#: Classic protection's status checks apply to this token (not an admin: it could not read
#: the full protection) at these enforcement levels.
ENFORCED = ("non_admins", "everyone")


@dataclass(frozen=True)
class Decision:
    """How our commits reach the branch: PUSH, API or PULL_REQUEST.

    `rule` is Markdown naming the rule that decided and what it asks ("" when nothing stood
    in the way); `note` adds what else was found (rules this token may bypass), or, when
    `read` is False, why the rules could not be read: the push is then tried and a refusal
    handled as before. `merge_methods` are the merge methods a `pull_request` rule allows
    (lower case), when it lists them.
    """

    how: str
    rule: str = ""
    note: str = ""
    read: bool = True
    merge_methods: frozenset[str] | None = None

    @property
    def why(self) -> str:
        """Markdown for the summary: the rule, and what it means for our commits."""
        then = {
            PULL_REQUEST: ", so the change goes through a pull request.",
            API: ", so the commits are made through GitHub's API, which signs them.",
        }
        if not self.read and not self.note:  # not asked for: no token, or not GitHub
            return ""
        if not self.read:
            return f"The branch's rules could not be read ({self.note}): the push was tried."
        said = f"{self.rule}{then[self.how]}" if self.rule and self.how in then else ""
        return f"{said} {self.note}".strip()


@dataclass(frozen=True)
class _Rule:
    kind: str  # a ruleset rule's type, or "classic" for branch protection
    what: str  # what it asks, in words
    source: str  # Markdown: where it comes from


def decide(settings: Settings, ctx: Context, report: Report, git: Git, branch: str) -> Decision:
    """Read the rules of `branch` and decide, before any push. Never raises for the API: a
    token that cannot read them gets today's try-and-see, with a notice."""
    from autoheal.github import github_client

    if not pushes_to_github(git, ctx):
        report.debug(f"origin is not {ctx.repository} on {ctx.server_url}: no GitHub rules.")
        return Decision(PUSH, read=False)
    client = github_client(settings, ctx)
    if client is None:
        report.debug(f"No token: the rules of {branch} are not read; pushing as before.")
        return Decision(PUSH, read=False)
    with client:
        decision = read_decision(client, ctx.repository, branch)
    if decision.note and not decision.read:
        report.notice(
            f"Could not read the rules of `{branch}` ({_plain(decision.note)}): pushing, and "
            "opening a pull request if the branch refuses the push.",
            title="Branch rules not read",
        )
    elif decision.how != PUSH or decision.why:
        report.info(f"Rules of {branch}: {_plain(decision.why)}")
    return decision


def pushes_to_github(git: Git, ctx: Context) -> bool:
    """Whether `origin` is the run's repository on its GitHub server, as actions/checkout
    leaves it (https or ssh). GitHub's rules govern only pushes to GitHub: a push to any
    other remote (a mirror, a local path) is that remote's business, tried as before."""
    from urllib.parse import urlsplit

    proc = git.run("config", "--get", "remote.origin.url", check=False)
    url = proc.stdout.strip() if proc.returncode == 0 else ""
    if "://" in url:
        parts = urlsplit(url)
        host, path = parts.hostname or "", parts.path
    else:  # scp-like ssh: git@github.com:owner/repo.git
        user_host, _, path = url.partition(":")
        host = user_host.rpartition("@")[2]
    path = path.strip("/").removesuffix(".git")
    server = urlsplit(ctx.server_url).hostname or ""
    same_host = bool(server) and host.lower() == server.lower()
    return same_host and bool(ctx.repository) and path.lower() == ctx.repository.lower()


def read_decision(client: GitHub, repo: str, branch: str) -> Decision:
    """The decision from the rulesets, then classic protection (a pull request wins over an
    API commit, which wins over a push)."""
    from autoheal.github.errors import GitHubError

    rules: list[dict[str, Any]] | None = None
    unread = ""
    try:
        rules = client.branch_rules(repo, branch)
    except GitHubError as exc:
        unread = exc.message
    decision = _from_rules(client, repo, rules) if rules is not None else None
    if decision is not None and decision.how == PULL_REQUEST:
        return decision
    classic = _from_protection(client, repo, branch)
    for found in (classic, decision):
        if found is not None and found.how == PULL_REQUEST:
            return found
    for found in (decision, classic):
        if found is not None and found.how == API:
            return found
    if rules is None:
        return Decision(PUSH, note=code_span(unread), read=False)
    return decision or classic or Decision(PUSH)


def without_api(decision: Decision) -> Decision:
    """For `commit-via: git` (publish.commit_via), whose commits GitHub does not sign: a branch
    that requires signed commits gets the change through a pull request, merged on GitHub."""
    if decision.how != API:
        return decision
    rule = f"{decision.rule}; commits pushed with git are not signed"
    return replace(decision, how=PULL_REQUEST, rule=rule)


# ----------------------------------------------------------------------------- rulesets


def _from_rules(client: GitHub, repo: str, rules: list[dict[str, Any]]) -> Decision | None:
    binding = [rule for rule in rules if _binds(rule)]
    if not binding:
        return None
    rulesets = _rulesets(client, repo, binding)
    bypassed: list[_Rule] = []
    chosen: dict[str, _Rule] = {}
    methods: frozenset[str] | None = None
    for rule in binding:
        kind = str(rule["type"])
        info = rulesets.get(_ruleset_id(rule), {})
        found = _Rule(kind, NEEDS_PULL_REQUEST.get(kind, "signed commits"), _source(rule, info))
        if info.get("current_user_can_bypass") in BYPASSES:
            bypassed.append(found)
            continue
        how = API if kind == SIGNATURES else PULL_REQUEST
        chosen.setdefault(how, found)
        if kind == "pull_request":
            methods = _merge_methods(rule, methods)
    note = _bypass_note(bypassed)
    for how in (PULL_REQUEST, API):
        if how in chosen:
            return Decision(how, _named(chosen[how]), note, merge_methods=methods)
    return Decision(PUSH, note=note)


def _binds(rule: Mapping[str, Any]) -> bool:
    kind = rule.get("type")
    if kind == "required_status_checks":
        parameters = rule.get("parameters")
        checks = parameters.get("required_status_checks") if isinstance(parameters, dict) else None
        return bool(checks)  # an empty list asks for nothing
    return kind == SIGNATURES or kind in NEEDS_PULL_REQUEST


def _ruleset_id(rule: Mapping[str, Any]) -> int | None:
    value = rule.get("ruleset_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _rulesets(client: GitHub, repo: str, rules: Iterable[Mapping[str, Any]]) -> dict[Any, Any]:
    """Each deciding ruleset's name and whether this token may bypass it. A ruleset that
    cannot be read binds (no bypass known) and is named by its id."""
    from autoheal.github.errors import GitHubError

    found: dict[Any, Any] = {}
    ids = [i for i in dict.fromkeys(_ruleset_id(rule) for rule in rules) if i is not None]
    for ruleset_id in ids[:MAX_RULESETS]:
        try:
            found[ruleset_id] = client.get_ruleset(repo, ruleset_id)
        except GitHubError:
            found[ruleset_id] = {}
    return found


def _source(rule: Mapping[str, Any], ruleset: Mapping[str, Any]) -> str:
    name = ruleset.get("name")
    parts = [f"ruleset {code_span(name)}" if isinstance(name, str) and name else "ruleset"]
    ruleset_id = _ruleset_id(rule)
    details = [f"id {ruleset_id}"] if ruleset_id is not None else []
    where = rule.get("ruleset_source")
    if isinstance(where, str) and where:
        details.append(f"from {code_span(where)}")
    if details:
        parts.append(f"({', '.join(details)})")
    return " ".join(parts)


def _merge_methods(rule: Mapping[str, Any], known: frozenset[str] | None) -> frozenset[str] | None:
    parameters = rule.get("parameters")
    listed = parameters.get("allowed_merge_methods") if isinstance(parameters, dict) else None
    if not isinstance(listed, list) or not listed:
        return known
    methods = frozenset(str(m).lower() for m in listed)
    return methods if known is None else known & methods


def _bypass_note(bypassed: list[_Rule]) -> str:
    if not bypassed:
        return ""
    names = "; ".join(f"rule `{r.kind}` of {r.source}" for r in bypassed)
    return f"This token may bypass {names}."


def _named(rule: _Rule) -> str:
    if rule.kind == "classic":
        return f"The classic branch protection asks for {rule.what}"
    return f"The rule `{rule.kind}` of {rule.source} asks for {rule.what}"


# ----------------------------------------------------------------------------- classic protection


def _from_protection(client: GitHub, repo: str, branch: str) -> Decision | None:
    """Classic branch protection: its details when this token may read them (admin), else
    the summary every reader gets. None when it does not decide."""
    from autoheal.github.errors import GitHubError, NotFound, PermissionDenied

    try:
        protection = client.branch_protection(repo, branch)
    except (NotFound, PermissionDenied):  # not protected, or not ours to read: the summary
        protection = None
    except GitHubError:
        return None
    if protection is not None:
        if _admin_bypasses(client, repo, protection):
            return None
        return _from_details(protection)
    try:
        summary = client.get_branch(repo, branch)
    except GitHubError:
        return None
    if summary.get("protected") is not True:
        return None
    checks = _field(_field(summary, "protection"), "required_status_checks")
    if checks.get("enforcement_level") in ENFORCED and _lists_checks(checks):
        return Decision(PULL_REQUEST, _named(_CLASSIC_CHECKS))
    return None


def _field(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = data.get(name)
    return value if isinstance(value, dict) else {}


def _lists_checks(checks: Mapping[str, Any]) -> bool:
    return bool(checks.get("contexts") or checks.get("checks"))


_CLASSIC_CHECKS = _Rule("classic", "status checks that must pass before a commit reaches it", "")


def _from_details(protection: Mapping[str, Any]) -> Decision | None:
    def enabled(name: str) -> bool:
        value = protection.get(name)
        return isinstance(value, dict) and value.get("enabled") is True

    asks = [
        ("reviews on a pull request", bool(protection.get("required_pull_request_reviews"))),
        (_CLASSIC_CHECKS.what, _lists_checks(_field(protection, "required_status_checks"))),
        ("no pushes (a locked branch)", enabled("lock_branch")),
    ]
    for what, on in asks:
        if on:
            return Decision(PULL_REQUEST, _named(_Rule("classic", what, "")))
    if enabled("required_signatures"):
        return Decision(API, _named(_Rule("classic", "signed commits", "")))
    return None


def _admin_bypasses(client: GitHub, repo: str, protection: Mapping[str, Any]) -> bool:
    """Classic protection does not bind an admin unless it is enforced for admins too."""
    from autoheal.github.errors import GitHubError

    enforce = protection.get("enforce_admins")
    if isinstance(enforce, dict) and enforce.get("enabled") is True:
        return False
    try:
        permissions = client.get_repo(repo).get("permissions") or {}
    except GitHubError:
        return False
    return isinstance(permissions, dict) and permissions.get("admin") is True


def _plain(markdown: str) -> str:
    from autoheal.plaintext import inline

    return inline(markdown)
