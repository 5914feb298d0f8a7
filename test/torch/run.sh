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
if ! command -v python3 >/dev/null 2>&1; then
  echo "torch suite SKIPPED: no python3 on PATH (Python 3.10+ installs torch for it)" >&2
  # CI (REQUIRE_ALL_SUITES=1) must not pass on a suite that did not run.
  if [ -n "${REQUIRE_ALL_SUITES:-}" ]; then exit 1; fi
  exit 0
fi

stamp=$(sha256sum test/torch/requirements.txt | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "torch: installing test/torch/requirements.txt into $venv..."
  started=$(date +%s)
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet -r test/torch/requirements.txt
  echo "$stamp" > "$venv/.stamp"
  echo "torch: installed in $(( $(date +%s) - started ))s, $(du -sh "$venv" | cut -f1) on disk"
else
  echo "torch: $("$venv/bin/python" -c 'import torch; print("torch", torch.__version__)') up to date ($venv)"
fi

TORCH_PYTHON="$(realpath "$venv")/bin/python" npx jest --ci --testPathIgnorePatterns /node_modules/ \
  --testMatch '<rootDir>/test/torch/**/*.test.ts' "$@"
