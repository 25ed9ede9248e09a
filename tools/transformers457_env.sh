#!/usr/bin/env bash
# Makes a Python with transformers 4.57.6 (the last release with pipeline("question-answering"),
# which 5.x removed), tokenizers 0.22.2 and torch 2.13 for test/transformers/pipeline_check.ts and
# tools/hf_pipeline_answers.py, from the wheels on this machine's disk (no package index is
# reachable here), and prints its path: QA_TRANSFORMERS457_PYTHON=$(bash tools/transformers457_env.sh).
# transformers 4.57 pins huggingface_hub<1.0, which the wheel store lacks (it has 1.33.0): it is
# installed with --no-deps beside hub 1.33, and the import-time version check is relaxed in this
# virtual environment only. The environment goes to $QA_TRANSFORMERS457_VENV
# (build/transformers457-venv, gitignored) and is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/wheels.sh
source tools/wheels.sh
venv=${QA_TRANSFORMERS457_VENV:-build/transformers457-venv}
packages=("torch==2.13.0+cpu" "tokenizers==0.22.2" "huggingface_hub==1.33.0" "numpy" "safetensors"
  "regex" "pyyaml" "packaging" "filelock" "tqdm" "requests")
check='import torch, tokenizers, transformers
from transformers import pipeline
assert transformers.__version__ == "4.57.6", transformers.__version__
assert tokenizers.__version__ == "0.22.2", tokenizers.__version__'
if ! "$venv/bin/python" -c "$check" 2>/dev/null; then
  find_wheels || exit 1
  wheel=""
  for folder in "${wheel_folders[@]}"; do
    [ -f "$folder/transformers-4.57.6-py3-none-any.whl" ] && wheel=$folder/transformers-4.57.6-py3-none-any.whl
  done
  [ -n "$wheel" ] || {
    echo "no transformers-4.57.6 wheel in the local wheel folders" >&2
    exit 1
  }
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install -q --no-index "${links[@]}" "${packages[@]}" >&2 || {
    echo "the local wheel folders lack one of: ${packages[*]}" >&2
    exit 1
  }
  "$venv/bin/pip" install -q --no-index --no-deps "$wheel" >&2
  # transformers 4.57 checks huggingface-hub<1.0 when imported; hub 1.33 is what there is here.
  table=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  table=$table/transformers/dependency_versions_table.py
  sed -i 's/"huggingface-hub>=0.34.0,<1.0"/"huggingface-hub>=0.34.0"/' "$table"
  "$venv/bin/python" -c "$check" >&2 || {
    echo "transformers 4.57.6 does not import in $venv" >&2
    exit 1
  }
fi
echo "$(cd "$venv" && pwd)/bin/python"
