"""Typed, validated settings from Actions inputs (env), command-line flags and the config file.

Precedence: an explicit input or flag, then `.github/autoheal.yml`, then the built-in default.
Everything is validated before any work starts; a bad value is an `InputError` (exit code 2)
whose message names the input and says what to write instead.

- `model`: the `Settings` object, typed and read-only, and the check command inputs;
- `load`: INPUT_* variables and flags to `Settings`, in order, with a local run's revisions;
- `flags`: the argparse command line, known flags, "did you mean", unknown-argument errors;
- `config_file`: reading `.github/autoheal.yml` into input values and the `checks:` table;
- `values`: conversion and validation of each value (`BadValue`, `SHA_RE`, `is_repository`);
- `inputs`: the catalogue of inputs (INPUTS, BY_NAME), assembled from `inputs_common`,
  `inputs_heal`, `inputs_redispatch`, `inputs_validate` and `inputs_rollback`; `input_spec`
  holds the `Input` class and the shared words (MODES, CATEGORIES, ...), `outputs` the outputs.
"""

# Start-up matters (the action runs in every failing job): argparse, json and yaml are
# imported only where they are needed, and files are checked with os.path, so that a run
# failing input validation imports as little as possible.

from autoheal.settings.flags import build_parser as build_parser
from autoheal.settings.flags import did_you_mean as did_you_mean
from autoheal.settings.flags import known_flags as known_flags
from autoheal.settings.load import REVISION_INPUTS as REVISION_INPUTS
from autoheal.settings.load import load as load
from autoheal.settings.model import COMMAND_INPUTS as COMMAND_INPUTS
from autoheal.settings.model import Settings as Settings
from autoheal.settings.values import SHA_RE as SHA_RE
from autoheal.settings.values import BadValue as BadValue
from autoheal.settings.values import is_repository as is_repository
