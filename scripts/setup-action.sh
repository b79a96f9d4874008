#!/usr/bin/env bash
# Step 1 of action.yml: a private virtualenv under RUNNER_TEMP holding the hash-locked runtime
# dependencies. The user's own Python environment is never touched. Reused when it already
# exists for the same lock file (a second step of the same job).
set -euo pipefail

lock="$GITHUB_ACTION_PATH/requirements/action.txt"
python=${AUTOHEAL_SETUP_PYTHON:-python3}
# One interpreter start checks the version and names the venv after the lock file and the
# interpreter (a later step with another Python must not reuse it). Portable: macOS has no
# sha256sum.
if ! key=$("$python" - "$lock" 2>/dev/null <<'PY'
import hashlib, sys
if sys.version_info < (3, 10):
    sys.exit(1)
digest = hashlib.sha256(open(sys.argv[1], "rb").read() + sys.version.encode())
print(digest.hexdigest()[:16])
PY
); then
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
    # No pip inside the venv (ensurepip costs seconds); the outer pip installs into it.
    # --no-compile: like uv, leave byte-compiling to the first import (only what a mode
    # imports gets compiled, once per venv), which saves about 0.4 s of a 1.6 s install.
    "$python" -m venv --without-pip "$venv"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$python" -m pip --python "$venv/bin/python" install \
      --quiet --no-deps --require-hashes --only-binary :all: --no-compile -r "$lock"
  fi
  touch "$venv/.complete"
fi
echo "python=$venv/bin/python" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
