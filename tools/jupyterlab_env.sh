#!/usr/bin/env bash
# Makes a Python with JupyterLab 4 from the wheels on this machine's disk (no package index is
# reachable here) and prints the folder of its `jupyter`; test/jupyterlab/jupyterlab_check.ts runs
# it, and skips when this script exits with 3 (no python3.11 or no wheels here; any other failure
# fails the check). The virtual environment goes to
# $QA_JUPYTERLAB_VENV (build/jupyterlab-venv) and is reused. Its share/jupyter/lab/settings/
# overrides.json turns the "Jupyter news" pop-up off (it covers the page the check drives) and
# autosave off (a run in the check must not write its outputs into the committed notebooks).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/wheels.sh
source tools/wheels.sh
venv=${QA_JUPYTERLAB_VENV:-build/jupyterlab-venv}
packages=("jupyterlab==4.6.4")
if ! "$venv/bin/jupyter-lab" --version >/dev/null 2>&1; then
  find_wheels || exit 3
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install -q --no-index "${links[@]}" "${packages[@]}" >&2
fi
settings="$venv/share/jupyter/lab/settings"
mkdir -p "$settings"
cat >"$settings/overrides.json" <<'JSON'
{
  "@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false",
    "checkForUpdates": false
  },
  "@jupyterlab/docmanager-extension:plugin": {
    "autosave": false
  }
}
JSON
echo "$(cd "$venv" && pwd)/bin"
