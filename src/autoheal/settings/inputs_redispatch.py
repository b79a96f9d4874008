"""The inputs of redispatch (event type, payload, target repositories, label, waiting for the
run), with those it shares with validate (category-outcomes, comment, confidence) and rollback
(sha).
"""

from __future__ import annotations

from autoheal.settings.input_spec import REDISPATCH, Input

REDISPATCH_INPUTS: tuple[Input, ...] = (
    # redispatch
    Input(
        "event-type",
        "str",
        "post-remediation-check",
        "repository_dispatch event type (1-100 characters).",
        modes=REDISPATCH,
    ),
    Input(
        "client-payload",
        "json",
        "{}",
        "Extra JSON object merged beside the `autoheal` key "
        "of the dispatch payload (at most 9 keys).",
        modes=REDISPATCH,
    ),
    Input(
        "category-outcomes",
        "json",
        "{}",
        "Heal's `category-outcomes` output (JSON). redispatch carries it to validate in the "
        "payload; given to validate, it replaces the payload's (compared with what validate "
        "finds).",
        modes=("redispatch", "validate"),
        in_config=False,
    ),
    Input(
        "repository",
        "list",
        "",
        "Repository or repositories (`owner/name`, comma or "
        "newline separated) to dispatch to. Default: the current one.",
        modes=REDISPATCH,
    ),
    Input(
        "label",
        "str",
        "autoheal:revalidating",
        "Label added to the pull request; `none` for no label.",
        modes=REDISPATCH,
    ),
    Input(
        "comment",
        "bool",
        "true",
        "Post (or update) one comment on the pull request.",
        modes=("redispatch", "validate"),
    ),
    Input(
        "wait-for-run",
        "bool",
        "false",
        "Wait for the validation run the dispatch started and output its URL and conclusion.",
        modes=REDISPATCH,
    ),
    Input(
        "wait-timeout",
        "int",
        "300",
        "Seconds to wait for the validation run.",
        modes=REDISPATCH,
        low=1,
        high=3600,
    ),
    Input(
        "confidence",
        "str",
        "",
        "Heal's confidence (0-100) to carry to validate. Default: from the payload.",
        modes=("redispatch", "validate"),
        in_config=False,
    ),
    Input(
        "sha",
        "str",
        "",
        "Commit to validate or dispatch for (40 hex). Default: from the "
        "payload, else the current commit.",
        modes=("redispatch", "validate", "rollback"),
        in_config=False,
    ),
)
