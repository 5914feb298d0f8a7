#!/usr/bin/env bash
# Makes the torch virtualenv of test/torch/requirements.txt at TORCH_VENV_DIR (default
# test/torch/.venv), unless it is there and up to date; used by test/torch/run.sh and by the
# node suite, whose distributed scenario mounts it into its pods.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${TORCH_VENV_DIR:-test/torch/.venv}"
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
