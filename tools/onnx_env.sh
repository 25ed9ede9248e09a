#!/usr/bin/env bash
# Makes a Python with onnx (its checker) and onnxruntime for test/transformers/onnx_check.ts and
# tools/onnx_check.py, from the wheels on this machine's disk (no package index is reachable here),
# and prints its path: QA_ONNX_PYTHON=$(bash tools/onnx_env.sh). The virtual environment goes to
# $QA_ONNX_VENV (build/onnx-venv, gitignored) and is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/wheels.sh
source tools/wheels.sh
venv=${QA_ONNX_VENV:-build/onnx-venv}
packages=("onnx==1.23.1" "onnxruntime==1.30.0" "numpy")
if ! "$venv/bin/python" -c "import onnx, onnxruntime, numpy" 2>/dev/null; then
  find_wheels || exit 1
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install -q --no-index "${links[@]}" "${packages[@]}" >&2
fi
echo "$(cd "$venv" && pwd)/bin/python"
