"""Markers that tie the loop together and keep it from feeding on itself.

Commit trailers let every mode recognise our own commits (no heal of a heal, no revert of a
revert); hidden HTML comments let us find and update our own comments and issues in place.
"""

from __future__ import annotations

HEAL_TRAILER = "Autoheal-Run"  # on heal commits: the run that made the fix
REVERT_TRAILER = "Autoheal-Revert-Of"  # on revert commits: the sha that was reverted
NO_ROLLBACK_TRAILER = "Autoheal-No-Rollback"  # authors opt a commit out of automatic reverts
# On every revert of one rollback but its oldest commit's: that commit's sha. The daily cap
# counts the reverts without it, so one rollback counts once however many commits it reverts.
REVERTED_WITH_TRAILER = "Autoheal-Reverted-With"

COMMENT_MARKER = "<!-- autoheal:pull-request-comment -->"  # the one comment per pull request
REQUEST_MARKER = "<!-- autoheal:fix-request -->"  # our answer to `/autoheal fix` requests
REVIEW_MARKER = "<!-- autoheal:suggestions -->"  # our review whose suggestions are current
SUPERSEDED_MARKER = "<!-- autoheal:suggestions-superseded -->"  # one a newer review replaced
STATUS_CONTEXT = "autoheal/validate"  # commit status validate posts (and reads back)


def issue_marker(branch: str) -> str:
    """The rollback issue of one branch, updated in place while it stays open.

    The branch is percent-encoded but for letters, digits and `/_.-~` (so a plain name reads
    as it always did): the comment cannot be closed (`-->`) or reopened by the name, and what
    follows it cannot become visible text, such as a mention."""
    from urllib.parse import quote

    return f"<!-- autoheal:rollback:{quote(branch, safe='/')} -->"


def is_ours(trailers: dict[str, str]) -> bool:
    """A heal or revert commit made by CI Autoheal."""
    return HEAL_TRAILER in trailers or REVERT_TRAILER in trailers


def is_revert(trailers: dict[str, str], message: str) -> bool:
    """A revert commit: ours (the trailer) or anyone's (git's standard message)."""
    return REVERT_TRAILER in trailers or "This reverts commit " in message


def opted_out(trailers: dict[str, str]) -> bool:
    return trailers.get(NO_ROLLBACK_TRAILER, "").strip().lower() in ("true", "yes", "1")
