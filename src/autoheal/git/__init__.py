"""Git through argument lists only: shallow-clone aware reads, reverts that are verified, pushes
that never force.

Modules (each caller imports the names below from ``autoheal.git``):
- ``errors``: GitError and its kinds (RevertConflict, RebaseConflict, PushRejected,
  BranchMoved, CommitMissing);
- ``base``: GitBase, running git: argv, environment, the token for our https remote,
  redaction, timeouts (NETWORK_TIMEOUT) and the rules every call follows;
- ``reads``: ReadsMixin, rev-parse, status, commits, messages, trailers, ancestry, and the
  shallow-aware fetches of commits and ranges (fetch, remote_sha, ensure_commit,
  first_parent_range);
- ``diffs``: DiffsMixin, work tree against a commit (changed_paths, diff, diff_files,
  FileChange);
- ``reverts``: RevertsMixin, revert and verify_revert;
- ``pushes``: PushesMixin, push_fast_forward (rebase, retries, PUSH_BACKOFF), push_branch,
  PushResult;
- ``repo``: Git, all of the above joined, plus commit_all and the work-tree helpers;
- ``checkout``: checking a commit out detached in the job's checkout and restoring it.
- ``patch`` (with ``patchnames`` and ``binpatch``): a patch read as data, as `git apply` reads
  it, or refused (PatchError); ``apply``: a patch committed onto a given commit without a
  checkout (imported from their modules, not from here).
"""

from __future__ import annotations

from autoheal.git.base import DEFAULT_EMAIL as DEFAULT_EMAIL
from autoheal.git.base import DEFAULT_NAME as DEFAULT_NAME
from autoheal.git.base import MAX_DEEPEN_STEPS as MAX_DEEPEN_STEPS
from autoheal.git.base import NETWORK_COMMANDS as NETWORK_COMMANDS
from autoheal.git.base import NETWORK_TIMEOUT as NETWORK_TIMEOUT
from autoheal.git.base import ZERO_SHA as ZERO_SHA
from autoheal.git.diffs import FileChange as FileChange
from autoheal.git.errors import BranchMoved as BranchMoved
from autoheal.git.errors import CommitMissing as CommitMissing
from autoheal.git.errors import GitError as GitError
from autoheal.git.errors import PushRejected as PushRejected
from autoheal.git.errors import RebaseConflict as RebaseConflict
from autoheal.git.errors import RevertConflict as RevertConflict
from autoheal.git.pushes import PUSH_BACKOFF as PUSH_BACKOFF
from autoheal.git.pushes import PushResult as PushResult
from autoheal.git.repo import Git as Git
