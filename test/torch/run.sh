#!/usr/bin/env bash
# npm run test:torch [-- jest args]: installs torch from PyPI (test/torch/requirements.txt) into
# a virtualenv if needed and runs test/torch: the DistributedPyTorchJob launcher with real
# torchrun on two local CPU ranks (gloo). Prints the install time when it installs.
#
# TORCH_VENV_DIR  where the virtualenv is kept (default test/torch/.venv, ignored); it is
#                 rebuilt only when requirements.txt changes.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${TORCH_VENV_DIR:-test/torch/.venv}"
skip() {
  echo "torch suite SKIPPED: $1" >&2
  # CI (REQUIRE_ALL_SUITES=1) must not pass on a suite that did not run.
  if [ -n "${REQUIRE_ALL_SUITES:-}" ]; then exit 1; fi
  exit 0
}
command -v python3 >/dev/null 2>&1 || skip "no python3 on PATH (Python 3.11+ installs torch for it)"
# requirements.txt pins numpy 2.4, which has no build for Python 3.10 or older.
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || skip "python3 is $(python3 -c 'import platform; print(platform.python_version())'); the pinned torch and numpy need Python 3.11+"

bash test/torch/venv.sh

TORCH_PYTHON="$(realpath "$venv")/bin/python" npx jest --ci --testPathIgnorePatterns /node_modules/ \
  --testMatch '<rootDir>/test/torch/**/*.test.ts' "$@"
