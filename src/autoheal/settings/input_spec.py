"""One input's spec (`Input`: name, kind, default, help, the modes that read it, choices,
bounds, whether the config file may set it, whether it is secret) and the words the catalogue
shares: MODES, CATEGORIES, the mode groups, HEAL_VIA, FIX_REQUEST and NO_LABEL.
"""

from __future__ import annotations

MODES = ("heal", "redispatch", "validate", "rollback")
CATEGORIES = ("lint", "security", "build", "test")


class Input:
    """One input. A plain class, not a dataclass: `dataclasses` imports `inspect` (~10 ms),
    and this module is on the path of every run, including one that fails validation."""

    __slots__ = ("choices", "default", "help", "high", "in_config", "kind", "low", "modes",
                 "name", "secret")  # fmt: skip

    def __init__(
        self,
        name: str,
        kind: str,  # "str", "bool", "int", "enum", "sha", "json", "list", "categories"
        default: str,
        help: str,
        modes: tuple[str, ...] = MODES,
        choices: tuple[str, ...] = (),
        low: int = 0,
        high: int = 0,
        in_config: bool = True,  # may be set in .github/autoheal.yml
        secret: bool = False,
    ) -> None:
        self.name = name
        self.kind = kind
        self.default = default
        self.help = help
        self.modes = modes
        self.choices = choices
        self.low = low
        self.high = high
        self.in_config = in_config
        self.secret = secret

    def __repr__(self) -> str:
        return f"Input({self.name!r}, {self.kind!r}, default={self.default!r})"

    @property
    def env(self) -> str:
        """The variable `action.yml` maps this input to (composite actions get no INPUT_*)."""
        return "INPUT_" + self.name.upper().replace("-", "_")

    @property
    def attr(self) -> str:
        return self.name.replace("-", "_")


HEAL = ("heal",)
REDISPATCH = ("redispatch",)
VALIDATE = ("validate",)
ROLLBACK = ("rollback",)
CHECKING = ("heal", "validate", "rollback")
#: How heal hands over a fix on a branch it may push to: pushed, opened as a pull request
#: (`modes.heal.publish.push_fix`), or posted as suggestions on the pull request
#: (`modes.heal.offer`, decided in `modes.heal.guards.resolve_target`).
HEAL_VIA = ("push", "suggest", "pull-request")
#: The stages of a fix requested by a comment (`modes.heal.request`).
FIX_REQUEST = ("accept", "fix")
#: The `pause-label` value that turns the pause lookup off.
NO_LABEL = "none"
