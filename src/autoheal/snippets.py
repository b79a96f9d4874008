"""The workflow lines the action prints for people to copy.

One secret name and one pinned `uses:` line, the same as in the example workflows and the docs
(tests/test_one_setup.py compares them), so a summary never teaches another setup than the
docs do.
"""

from __future__ import annotations

#: The repository secret that holds the dispatch token: in every example, page and message.
SECRET = "CI_REDISPATCH_TOKEN"  # noqa: S105 -- the name of a secret, not its value
#: The action as the examples pin it: a full commit SHA (a placeholder) and the version.
USES = "OWNER/ci-autoheal@0000000000000000000000000000000000000000 # v1.0.0"


def redispatch_step() -> str:
    """The redispatch step of examples/ci.yml, chained after `id: heal`."""
    return (
        "- name: Ask for an independent validation run\n"
        "  # !cancelled(): heal fails its step when checks still fail (PARTIAL, NOT FIXED),\n"
        "  # which is when validation matters most.\n"
        "  if: ${{ !cancelled() && steps.heal.outputs.validate-sha != '' }}\n"
        "  # The same `uses:` as your heal step: OWNER and the SHA of the release you use.\n"
        f"  uses: {USES}\n"
        "  with:\n"
        "    mode: redispatch\n"
        f"    token: ${{{{ secrets.{SECRET} }}}}  # see docs/token-setup.md\n"
        "    sha: ${{ steps.heal.outputs.validate-sha }}\n"
        "    confidence: ${{ steps.heal.outputs.confidence-after }}\n"
        "    category-outcomes: ${{ steps.heal.outputs.category-outcomes }}\n"
    )
