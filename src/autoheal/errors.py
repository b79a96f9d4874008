"""Errors a user can act on. Every message says what to change, not only what went wrong."""

from __future__ import annotations


class AutohealError(Exception):
    """A failure with a remediation. `cli.main` turns it into one `::error::` and an exit code."""

    exit_code = 1

    def __init__(self, message: str, *, fix: str = "", exit_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        # A message ending in a listing (paths, output) gets its fix on a line of its own.
        gap = "\n" if "\n" in self.message else " "
        return f"{self.message}{gap}{self.fix}".strip()


class InputError(AutohealError):
    """A bad input, flag, config key or event payload: nothing was done yet."""

    exit_code = 2
