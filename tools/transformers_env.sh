#!/usr/bin/env bash
# Makes a Python with torch, transformers and accelerate (the Trainer needs it) for
# `deno task test:transformers`, tools/hf_transformers_check.py and
# tools/hf_trainer_reference_run.py, from the wheels on this machine's disk (no package index is
# reachable here), and prints its path: QA_TRANSFORMERS_PYTHON=$(bash tools/transformers_env.sh).
# The virtual environment goes to $QA_TRANSFORMERS_VENV (build/transformers-venv) and is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/wheels.sh
source tools/wheels.sh
venv=${QA_TRANSFORMERS_VENV:-build/transformers-venv}
packages=("torch==2.13.0+cpu" "transformers==5.18.0" "accelerate==1.15.0")
if ! "$venv/bin/python" -c "import torch, transformers, accelerate" 2>/dev/null; then
  find_wheels || exit 1
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install -q --no-index "${links[@]}" "${packages[@]}" >&2
fi
echo "$(cd "$venv" && pwd)/bin/python"
