"""PushesMixin: pushes that never force. push_fast_forward replays our own commits onto a
remote branch that moved (rebase, retries, backoff) and tells a refusal (PushRejected) from a
race or a network failure; push_branch creates or moves a branch, or replaces one of our own
`autoheal/...` branches under a lease. PushResult says what was pushed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from autoheal.git.base import MAX_DEEPEN_STEPS, NETWORK_TIMEOUT, _check_rev, _trim
from autoheal.git.errors import BranchMoved, GitError, PushRejected, RebaseConflict
from autoheal.git.reads import ReadsMixin

#: Seconds to wait (times the attempt number) before re-pushing after an unclear failure.
PUSH_BACKOFF = 2.0


@dataclass(frozen=True)
class PushResult:
    pushed_sha: str
    attempts: int
    rebased: bool


class PushesMixin(ReadsMixin):
    """Fast-forward pushes with rebase and retries; pushes of our own branches."""

    @staticmethod
    def _classify_push(text: str) -> str:
        """'ok', 'moved' (remote has new commits), 'refused' (the remote said no), 'unknown'."""
        low = text.lower()
        if (
            "[remote rejected]" in low
            or "pre-receive hook declined" in low
            or "protected branch" in low
            or "gh006" in low
            or "gh013" in low
            or "permission to" in low
            or "refusing to allow" in low  # e.g. workflow files without `workflows` permission
        ):
            return "refused"
        if (
            "[rejected]" in low
            or "fetch first" in low
            or "non-fast-forward" in low
            or "stale info" in low
        ):
            return "moved"
        return "unknown"

    def _check_branch(self, branch: str) -> str:
        _check_rev(branch, "branch")
        ok = self.run("check-ref-format", f"refs/heads/{branch}", check=False).returncode == 0
        if not ok:
            raise GitError(f"invalid branch name {branch!r}", fix="Pass a plain branch name.")
        return branch

    def push_fast_forward(
        self,
        branch: str,
        *,
        base: str,
        remote: str = "origin",
        retries: int = 3,
        on_rebased: Callable[[str], None] | None = None,
    ) -> PushResult:
        """Push HEAD to `branch` without ever forcing.

        `base` is the commit our own commits were made on: only `base..HEAD` is ours. When the
        remote moved: fetch, rebase just those commits onto it, call `on_rebased(new_head)`
        (re-check there; raise to stop), retry; at most `retries` retries. When the branch no
        longer contains `base` (it was force-pushed), GitError: rebasing everything would push
        the commits the force push removed back onto the branch. When the remote refuses
        (protection, hook): PushRejected. When the outcome is unclear (network): fetch and
        treat "our HEAD is in the remote branch" as success.
        """
        self._check_branch(branch)
        _check_rev(remote, "remote")
        _check_rev(base, "base")
        tracking = f"refs/remotes/{remote}/{branch}"
        refresh = f"+refs/heads/{branch}:{tracking}"
        rebased = False
        last_error: GitError | None = None
        for attempt in range(1, retries + 2):
            head = self.head_sha()
            args = (
                "push",
                "--porcelain",
                "--no-verify",
                "--",
                remote,
                f"{head}:refs/heads/{branch}",
            )
            proc = self.run(*args, check=False, timeout=NETWORK_TIMEOUT)
            text = proc.stdout + "\n" + proc.stderr
            rejected = any(line.startswith("!") for line in proc.stdout.splitlines())
            if proc.returncode == 0 and not rejected:
                return PushResult(pushed_sha=head, attempts=attempt, rebased=rebased)
            kind = self._classify_push(text)
            if kind == "refused":
                raise self._error(
                    args,
                    proc,
                    PushRejected,
                    message=f"the remote refused the push to {branch}",
                    fix=f"Allow this token to push to `{branch}` (branch protection / rulesets),"
                    " or push to a fallback branch and open a pull request.",
                )
            last_error = self._error(args, proc)
            if kind == "unknown":
                # The push may have landed before the connection broke: look before retrying.
                if self._try_fetch(remote, refspec=refresh):
                    tip = self.rev_parse(tracking)
                    if tip and self.commit_exists(tip) and self.is_ancestor(head, tip):
                        return PushResult(pushed_sha=head, attempts=attempt, rebased=rebased)
                if attempt <= retries:
                    time.sleep(PUSH_BACKOFF * attempt)
                continue
            if attempt > retries:
                break
            self.fetch(remote, refresh)
            self._rebase_onto(tracking, remote, base, branch)
            base = self.rev_parse(tracking) or base  # our commits now sit on the new tip
            rebased = True
            new_head = self.head_sha()
            if on_rebased is not None:
                on_rebased(new_head)
        raise GitError(
            f"could not push to {branch} after {retries + 1} attempts: "
            f"{last_error.message if last_error else ''}",
            fix="The branch keeps moving or the remote is unreachable; re-run the job.",
        )

    def _rebase_onto(self, upstream: str, remote: str, base: str, branch: str) -> None:
        """Replay our commits (`base..HEAD`) onto `upstream`, which must still contain `base`."""
        # In a shallow clone the history linking `base` to the new tip may be missing:
        # deepen (bounded) until it is there.
        depth = 8
        for _ in range(MAX_DEEPEN_STEPS):
            if self.is_ancestor(base, upstream) or not self.is_shallow():
                break
            self._try_fetch(remote, f"--deepen={depth}")
            depth *= 2
        if not self.is_ancestor(base, upstream):
            how = "force-pushed" if not self.is_shallow() else "force-pushed, or is too deep"
            raise GitError(
                f"`{branch}` was rewritten while we worked: its new tip no longer contains "
                f"{base[:12]}, the commit our changes were made on ({how}). Nothing was pushed:"
                " rebasing would put the commits the force push removed back on the branch.",
                fix="Re-run the job on the branch's new tip (with `fetch-depth: 0` in "
                "actions/checkout if the branch moved by many commits).",
            )
        args = (
            "rebase",
            "--quiet",
            "--no-autosquash",
            "--no-autostash",
            "--no-gpg-sign",
            "--no-verify",
            "--onto",
            upstream,
            base,
        )
        proc = self.run(*args, check=False, env=self._identity_env(None, None, author=False))
        if proc.returncode != 0:
            paths = self._conflicted_paths()
            self.run("rebase", "--abort", check=False)
            raise RebaseConflict(
                f"our commits conflict with new commits on {upstream}"
                + (f" in: {', '.join(paths)}" if paths else f": {_trim(proc.stderr)}"),
                paths=paths,
                fix="Someone changed the same lines meanwhile; re-run the job on the new tip.",
                stderr=self.redact(_trim(proc.stderr)),
            )

    def push_branch(
        self,
        local_ref: str,
        remote_branch: str,
        *,
        remote: str = "origin",
        lease: str | None = None,
    ) -> str:
        """Push `local_ref` to `remote_branch`; returns the pushed sha. Without `lease` the
        push only creates the branch or moves it forward. With `lease`, a sha the caller has
        checked, it replaces the branch only while the branch is still exactly there (a
        compare-and-swap, for our own `autoheal/...` branches only). BranchMoved when the
        branch is not where the push needs it."""
        self._check_branch(remote_branch)
        _check_rev(remote, "remote")
        sha = self.rev_parse(local_ref)
        if sha is None:
            raise GitError(f"{local_ref!r} does not resolve to a commit")
        args = ["push", "--porcelain", "--no-verify"]
        if lease is not None:
            if not remote_branch.startswith("autoheal/"):
                raise GitError(
                    f"refusing to replace {remote_branch}: only autoheal/* branches may be"
                    " replaced",
                    fix="Push without a lease, or use an autoheal/ branch.",
                )
            args.append(f"--force-with-lease=refs/heads/{remote_branch}:{_check_rev(lease)}")
        args += ["--", remote, f"{sha}:refs/heads/{remote_branch}"]
        proc = self.run(*args, check=False, timeout=NETWORK_TIMEOUT)
        rejected = any(line.startswith("!") for line in proc.stdout.splitlines())
        if proc.returncode == 0 and not rejected:
            return sha
        kind = self._classify_push(proc.stdout + "\n" + proc.stderr)
        if kind == "refused":
            raise self._error(
                tuple(args),
                proc,
                PushRejected,
                message=f"the remote refused the push to {remote_branch}",
                fix=f"Allow this token to push to `{remote_branch}`.",
            )
        raise self._error(tuple(args), proc, BranchMoved if kind == "moved" else GitError)
