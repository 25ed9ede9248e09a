#!/usr/bin/env bash
# Checks that a fresh clone of this repository stands on its own, as a new user gets it: the
# committed HEAD cloned into a temporary folder with no shared/ beside it, QA_SHARED pointing
# nowhere, an empty download cache, and no network (a network namespace through `unshare -n`, or
# `unshare -rn` without root; where neither works, HF_ENDPOINT points at a closed port instead).
# There it runs
#   1. `deno task demo` to the end (EM/F1 printed), timed;
#   2. notebooks/qa_finetune.ipynb headless, as CI does (tools/execute_notebooks.ts: nbconvert and
#      the Deno kernel), failing on any error output or cell that never ran, then its content
#      checks (test/notebooks/qa_finetune_check.ts).
#
#   tools/clean_clone_check.sh [--no-notebook] [--keep]
#
# node_modules is installed (`deno install`: from Deno's npm cache, else the npm registry) before
# the network goes, as a user's first `deno task` would. Only committed files are checked: commit
# first. --keep leaves the temporary folder (and its logs) in place.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
notebook=1
keep=0
for arg in "$@"; do
  case $arg in
    --no-notebook) notebook=0 ;;
    --keep) keep=1 ;;
    -h | --help)
      sed -n '2,17p' "$0"
      exit 0
      ;;
    *)
      echo "unknown argument: $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

top=$(mktemp -d "${TMPDIR:-/tmp}/qa-clean-clone.XXXXXX")
if [ "$keep" = 1 ]; then
  trap 'echo "kept $top"' EXIT
else
  trap 'rm -rf "$top"' EXIT
fi
# Deno on PATH for the commands below, as `npx -y deno@2.9.6` fetches it where none is installed.
if ! command -v deno >/dev/null 2>&1; then
  mkdir -p "$top/bin"
  ln -s "$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')" "$top/bin/deno"
  export PATH=$top/bin:$PATH
fi
clone=$top/qa-finetune
git clone --quiet "$repo" "$clone"
echo "clean clone of $(git -C "$clone" log -1 --format='%h %s' | cut -c1-80)"
echo "  in $clone; beside it: $(ls "$top" | tr '\n' ' ')"
export QA_SHARED=$top/no-shared-here QA_CACHE=$top/empty-cache NO_COLOR=1
unset HF_ENDPOINT QA_MODEL QA_TRAIN QA_EVAL QA_OUTPUT QA_EPOCHS
cd "$clone"

(deno install >"$top/install.log" 2>&1) || {
  cat "$top/install.log" >&2
  echo "FAILED: deno install in the clone" >&2
  exit 1
}

# How to run a command without network: a fresh network namespace (loopback up, for Jupyter's
# sockets), or, where namespaces are not allowed, a hub that cannot answer.
if unshare -n true 2>/dev/null; then
  isolate=(unshare -n)
elif unshare -rn true 2>/dev/null; then
  isolate=(unshare -rn)
else
  isolate=()
fi
offline() {
  if [ ${#isolate[@]} -gt 0 ]; then
    "${isolate[@]}" bash -c 'ip link set lo up 2>/dev/null || true; exec "$@"' bash "$@"
  else
    HF_ENDPOINT=http://127.0.0.1:9 "$@"
  fi
}
if [ ${#isolate[@]} -gt 0 ]; then
  echo "offline: ${isolate[*]} (no network but loopback)"
else
  echo "offline: unshare is not allowed here; HF_ENDPOINT=http://127.0.0.1:9 instead (the npm" \
    "registry stays reachable)"
fi

# 1. The demo.
started=$(date +%s)
if ! offline deno task demo >"$top/demo.log" 2>&1; then
  tail -40 "$top/demo.log" >&2
  echo "FAILED: deno task demo in the clean clone (log above)" >&2
  exit 1
fi
seconds=$(($(date +%s) - started))
if ! grep -E '^6\. SQuAD v[12]\.[01] metric on [0-9]+ questions: exact [0-9.]+, f1 [0-9.]+' \
  "$top/demo.log"; then
  tail -40 "$top/demo.log" >&2
  echo "FAILED: the demo printed no EM/F1" >&2
  exit 1
fi
grep -E '^7\. ' "$top/demo.log" || true
echo "demo: ok in ${seconds} s"

# 2. The notebook, headless.
if [ "$notebook" = 1 ]; then
  nb=notebooks/qa_finetune.ipynb
  if ! jupyter nbconvert --version >/dev/null 2>&1; then
    echo "FAILED: jupyter nbconvert is not installed (Debian: apt-get install -y" \
      "jupyter-nbconvert python3-nbclient jupyter-client jupyter-core); --no-notebook skips" >&2
    exit 1
  fi
  started=$(date +%s)
  offline deno run --allow-all tools/execute_notebooks.ts "$nb" | tee "$top/notebook.log"
  seconds=$(($(date +%s) - started))
  check='import { assertNoErrors, readExecuted } from "./test/notebook.ts";
    assertNoErrors(await readExecuted(Deno.args[0]), Deno.args[0]);'
  if ! deno eval "$check" "$nb"; then
    echo "FAILED: $nb has error outputs or cells that never ran (executed copy:" \
      "$clone/build/notebooks/$nb; log: $clone/build/notebooks/${nb%.ipynb}.log)" >&2
    exit 1
  fi
  deno test --allow-all test/notebooks/qa_finetune_check.ts
  echo "notebook: $nb ran without errors in ${seconds} s"
fi
echo "clean clone check: ok"
