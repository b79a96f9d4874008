"""How a commit of ours reaches a branch, for heal and rollback alike: git's push or GitHub's
Git database API (commit-via), the branch's rules read first, our own `autoheal/...` branches,
auto-merge, and the project's CI started on what we pushed."""
