"""The catalogue of the action's inputs: one place for names, kinds, defaults and help.

`action.yml`, the command-line flags, the config file keys and the tables of
docs/reference.md all follow this list; tests keep them in step.

INPUTS is assembled here, in the order action.yml and the docs list the inputs, from the
modules that hold them: `inputs_common` (every mode, then the checks engine), `inputs_heal`,
`inputs_redispatch`, `inputs_validate` and `inputs_rollback`. The `Input` class and the words
they share (MODES, CATEGORIES, HEAL_VIA, NO_LABEL) are in `input_spec`; the outputs are in
`outputs`.
"""

from __future__ import annotations

from autoheal.settings.input_spec import CATEGORIES as CATEGORIES
from autoheal.settings.input_spec import HEAL_VIA as HEAL_VIA
from autoheal.settings.input_spec import MODES as MODES
from autoheal.settings.input_spec import NO_LABEL as NO_LABEL
from autoheal.settings.input_spec import Input as Input
from autoheal.settings.inputs_common import CHECK_INPUTS, COMMON_INPUTS
from autoheal.settings.inputs_heal import HEAL_INPUTS
from autoheal.settings.inputs_redispatch import REDISPATCH_INPUTS
from autoheal.settings.inputs_rollback import ROLLBACK_INPUTS
from autoheal.settings.inputs_validate import VALIDATE_INPUTS

INPUTS: tuple[Input, ...] = (
    *COMMON_INPUTS,
    *CHECK_INPUTS,
    *HEAL_INPUTS,
    *REDISPATCH_INPUTS,
    *VALIDATE_INPUTS,
    *ROLLBACK_INPUTS,
)

BY_NAME = {i.name: i for i in INPUTS}
