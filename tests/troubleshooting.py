"""The troubleshooting tables of docs/token-setup.md, checked against what the code prints."""

from __future__ import annotations

import re
from pathlib import Path

TOKEN_SETUP = Path(__file__).parents[1] / "docs" / "token-setup.md"


def assert_documented(message: str, form: str) -> None:
    """`form` (`…` marks a part that varies) is in the doc, and `message` starts like it."""
    assert form in TOKEN_SETUP.read_text(), f"{form!r} is not in {TOKEN_SETUP.name}"
    pattern = ".*?".join(re.escape(piece) for piece in form.split("…"))
    assert re.match(pattern, message, re.DOTALL), f"{message!r} does not start like {form!r}"


def annotation_text(line: str) -> str:
    """The message of a `::error title=...::message` or `::warning::message` line."""
    return line.split("::", 2)[2]
