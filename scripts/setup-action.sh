#!/usr/bin/env bash
# Step 1 of action.yml: a private virtualenv under RUNNER_TEMP holding the hash-locked runtime
# dependencies. The user's own Python environment is never touched. Reused when it already
# exists for the same lock file (a second step of the same job).
set -euo pipefail

lock="$GITHUB_ACTION_PATH/requirements/action.txt"
python=${AUTOHEAL_SETUP_PYTHON:-python3}
# One interpreter start checks the version, names the venv after the lock file and the
# interpreter (a later step with another Python must not reuse it; macOS has no sha256sum),
# and gives the venv's site-packages (venv lays it out as lib/pythonX.Y/site-packages).
if ! read -r key site < <("$python" - "$lock" 2>/dev/null <<'PY'
import hashlib, sys
if sys.version_info < (3, 10):
    sys.exit(1)
digest = hashlib.sha256(open(sys.argv[1], "rb").read() + sys.version.encode())
print(digest.hexdigest()[:16], "lib/python%d.%d/site-packages" % sys.version_info[:2])
PY
) || [ -z "$key" ]; then
  echo "::error::CI Autoheal needs python3 3.10 or newer on the runner. Add actions/setup-python before this step."
  exit 1
fi
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set}/autoheal-venv-$key"

if [ ! -f "$venv/.complete" ]; then
  rm -rf "$venv"
  if command -v uv >/dev/null 2>&1; then
    # uv is the fast path: about a second for these packages.
    uv venv --quiet --no-python-downloads --python "$python" "$venv"
    uv pip install --quiet --python "$venv/bin/python" --no-deps --require-hashes -r "$lock"
  else
    # No pip inside the venv (ensurepip costs seconds): the outer pip installs straight into
    # the venv's site-packages (--target; `pip --python` would start pip a second time).
    # --no-compile: like uv, leave byte-compiling to the first import (only what a mode
    # imports gets compiled, once per venv). Root in a container job is expected: no warning
    # about it (pip before 22.1 ignores the setting).
    "$python" -m venv --without-pip "$venv"
    PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore \
      "$python" -m pip install --target "$venv/$site" \
      --quiet --no-deps --require-hashes --only-binary :all: --no-compile -r "$lock"
  fi
  touch "$venv/.complete"
fi
echo "python=$venv/bin/python" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
