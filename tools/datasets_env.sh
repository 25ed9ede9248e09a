#!/usr/bin/env bash
# Makes a Python with huggingface_hub, datasets and pyarrow for the hub tests (cli/hub_test.ts,
# lib/data/hub_dataset_test.ts: a cache filled by Python's huggingface_hub, parquet written by
# `datasets`), from the wheels on this machine's disk, and prints its path:
# QA_HUB_PYTHON=$(bash tools/datasets_env.sh). The virtual environment goes to
# $QA_DATASETS_VENV (build/datasets-venv) and is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/wheels.sh
source tools/wheels.sh
venv=${QA_DATASETS_VENV:-build/datasets-venv}
packages=("datasets==5.0.1" "huggingface_hub==1.33.0")
if ! "$venv/bin/python" -c "import datasets, huggingface_hub, pyarrow" 2>/dev/null; then
  find_wheels || exit 1
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install -q --no-index "${links[@]}" "${packages[@]}" >&2
fi
echo "$(cd "$venv" && pwd)/bin/python"
