#!/usr/bin/env bash
# The WebGPU issue's checks on the lent GPU machine, as one prepared script: each step under a time
# limit (a failing or slow step does not stop the next), its output in $OUT, which the run tool
# brings back even from a call that ran out of time (at most 8 files).
#   tests      (tools/gpu_pack.sh tests): the webgpu and Dawn parity tests; bench:train --shapes
#              distilbert on Deno's WebGPU (the default and the vec4-prefetch matmul shader) with
#              PyTorch on CUDA beside it in the same invocation; bench/webgpu_probe.ts on both
#              WebGPUs; qa train's own evaluation against qa predict on the saved model; the
#              trainer's 5 golden steps on Dawn; the bench on Dawn
#   reference  (tools/gpu_pack.sh reference): the matmul test and bench:train --shapes
#              distilbert; docs/parity.md's reference run on webgpu (Deno's WebGPU), then qa predict (v2)
#              and qa evaluate on the model it saved, and tools/eval_consistency.ts on it
#   tiles      (the reference pack): bench/matmul_tiles.ts (every tile candidate on each product
#              of a DistilBERT step), then bench:train --shapes distilbert with each tiled
#              shader QA_GPU_SHADERS names (tiled-prefetch vec4-prefetch tiled-prefetch)
#   speed      (the reference pack): the matmul test; bench:train --shapes distilbert, 20 steps,
#              with the defaults and with QA_GPU_VARIANT's settings (QA_WEBGPU_MATMUL=vec4-prefetch;
#              the second session ran QA_WEBGPU_SPLIT_FILL=1056), twice each; the reference
#              run with qa predict and evaluate; bench/matmul_tiles.ts
# With both packs built here (QA_GPU_PACK=build/gpu-tests tools/gpu_pack.sh tests, likewise
# build/gpu-ref reference), two run-tool calls back to back on the warm machine:
#   command "QA_GPU_PACK=build/gpu-tests tools/gpu_checks.sh tests", carry ["build/gpu-tests"]
#   command "QA_GPU_PACK=build/gpu-ref tools/gpu_checks.sh reference", carry ["build/gpu-ref"]
# Knobs for a dry run without a GPU: QA_GPU_BENCH_SHAPES (distilbert), QA_GPU_BENCH_STEPS (5),
# QA_GPU_TRAIN_ARGS (extra qa train arguments, e.g. "--max-steps 2"), QA_GPU_EVAL (the --eval file),
# QA_GPU_TILES_ARGS (e.g. "--tokens 128 --hidden 128 --runs 1").
set -uo pipefail
cd "$(dirname "$0")/.."
readonly what=${1:-tests}
readonly out=${OUT:-tmp/gpu-checks}
mkdir -p "$out"
export QA_GPU_PACK=${QA_GPU_PACK:-build/gpu}

# step LIMIT_S NAME COMMAND...: runs the command through tools/gpu_run.sh, output appended to
# $out/NAME.txt (steps of one name share a file: the run tool brings back at most 8).
step() {
  local limit=$1 name=$2
  shift 2
  local started=$SECONDS
  echo "== $name: $*" >>"$out/$name.txt"
  timeout "$limit" tools/gpu_run.sh "$@" >>"$out/$name.txt" 2>&1
  local rc=$?
  echo "== $name: exit $rc after $((SECONDS - started)) s (limit $limit s)" | tee -a "$out/summary.txt"
  tail -n 25 "$out/$name.txt"
}

# bench_for STEPS: sets `bench` to bench:train on the distilbert shape (QA_GPU_BENCH_SHAPES and
# QA_GPU_BENCH_STEPS override) with PyTorch on CUDA beside it; callers add --webgpu.
bench_for() {
  bench=(deno task bench:train --backend webgpu --peer-device cuda
    --shapes "${QA_GPU_BENCH_SHAPES:-distilbert}" --steps "${QA_GPU_BENCH_STEPS:-$1}")
}

# reference_run: docs/parity.md's reference run on webgpu (Deno's WebGPU), then qa predict (v2) and qa
# evaluate on the model it saved.
reference_run() {
  # Paths inside single quotes expand there, where gpu_run.sh has set QA_SHARED.
  # shellcheck disable=SC2016
  step "${QA_GPU_TRAIN_LIMIT:-420}" train bash -c 'deno task qa train \
    --model "$QA_SHARED/models/qa-distilbert-small-init" \
    --train "$QA_SHARED/data/squad/squad-v1.1-dev-articles-00-37.json" \
    --eval "${QA_GPU_EVAL:-$QA_SHARED/data/squad/squad-v2.0-dev-first5articles.json}" \
    --output models/reference-run-gpu --epochs 2 --batch-size 32 --learning-rate 5e-4 \
    --weight-decay 0.01 --seed 42 --logging-steps 10 --log "$1/log.jsonl" --backend webgpu \
    ${QA_GPU_TRAIN_ARGS:-}' _ "$out"
  # qa predict on the saved model: its scores must be those qa train printed.
  # shellcheck disable=SC2016
  step 120 predict bash -c 'set -e
    data=${QA_GPU_EVAL:-$QA_SHARED/data/squad/squad-v2.0-dev-first5articles.json}
    deno task qa predict --model models/reference-run-gpu --data "$data" \
      --out models/reference-run-gpu/predictions.json --version-2-with-negative --backend webgpu
    deno task qa evaluate --data "$data" --predictions models/reference-run-gpu/predictions.json'
}

{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
  nproc
} >"$out/summary.txt"
cat "$out/summary.txt"

case "$what" in
tests)
  step 150 tests deno test -A lib/runtime/webgpu/webgpu_test.ts lib/train/trainer_webgpu_test.ts \
    lib/model/webgpu_test.ts lib/model/dawn_test.ts lib/runtime/webgpu/matmul_webgpu_test.ts \
    lib/runtime/webgpu/adamw_webgpu_test.ts lib/runtime/fused/masked_softmax_test.ts \
    lib/runtime/fused/bias_gelu_test.ts lib/runtime/fused/residual_layer_norm_test.ts \
    lib/runtime/webgpu/dropout_webgpu_test.ts lib/runtime/webgpu/column_sums_webgpu_test.ts \
    lib/runtime/webgpu/squared_sum_webgpu_test.ts
  bench_for 5
  step 110 bench-deno "${bench[@]}" --webgpu deno
  step 110 bench-vec4 env QA_WEBGPU_MATMUL=vec4-prefetch "${bench[@]}" --webgpu deno
  step 60 probe bash -c 'deno run -A bench/webgpu_probe.ts --webgpu deno &&
    deno run -A bench/webgpu_probe.ts --webgpu dawn'
  # qa train's own evaluation against qa predict on the model it saved: the same predictions.
  # shellcheck disable=SC2016
  step 120 train-eval bash -c 'set -e
    data=$QA_SHARED/data/squad/squad-v1.1-dev-articles-00-37.json
    deno task qa train --model "$QA_SHARED/golden/models/tiny-distilbert-init" --train "$data" \
      --eval "$data" --output models/tiny-gpu --max-steps 60 --batch-size 32 \
      --learning-rate 5e-4 --seed 42 --backend webgpu
    deno task qa predict --model models/tiny-gpu --data "$data" --out models/tiny-gpu/p.json \
      --backend webgpu
    deno task qa evaluate --data "$data" --predictions models/tiny-gpu/p.json'
  step 60 tests-dawn env QA_WEBGPU=dawn deno test -A lib/train/trainer_webgpu_test.ts
  step 110 bench-dawn "${bench[@]}" --webgpu dawn
  ;;
reference)
  # Our matmul shaders and their speed first (quick), then the reference run.
  step 90 matmul-test deno test -A lib/runtime/webgpu/matmul_webgpu_test.ts
  bench_for 5
  step 110 bench-tiled "${bench[@]}" --webgpu deno
  reference_run
  # Predict, an eval-loss pass, predict again in one process: do the predictions change?
  # shellcheck disable=SC2016
  step 90 consistency bash -c 'deno run -A tools/eval_consistency.ts models/reference-run-gpu \
    "${QA_GPU_EVAL:-$QA_SHARED/data/squad/squad-v2.0-dev-first5articles.json}"'
  ;;
tiles)
  step 240 matmul-tiles deno run -A bench/matmul_tiles.ts --json "$out/matmul-tiles.json" \
    ${QA_GPU_TILES_ARGS:-}
  bench_for 5
  # A shader named twice runs twice (bench-NAME-2.txt): the figure's spread from run to run.
  for shader in ${QA_GPU_SHADERS:-tiled-prefetch vec4-prefetch tiled-prefetch}; do
    name=bench-$shader
    [ -e "$out/$name.txt" ] && name=$name-2
    step 80 "$name" env QA_WEBGPU_MATMUL="$shader" "${bench[@]}" --webgpu deno
  done
  ;;
speed)
  # The default shaders against a variant (QA_GPU_VARIANT, env assignments), twice each, 20 steps
  # a figure; the reference run; the tile candidates last, so that a slow end costs only them.
  step 60 matmul-test deno test -A lib/runtime/webgpu/matmul_webgpu_test.ts
  bench_for 20
  variant=${QA_GPU_VARIANT:-QA_WEBGPU_MATMUL=vec4-prefetch}
  for _ in 1 2; do
    step 60 bench "${bench[@]}" --webgpu deno
    # shellcheck disable=SC2086 # the variant is a list of assignments
    step 60 bench env $variant "${bench[@]}" --webgpu deno
  done
  reference_run
  step 70 matmul-tiles deno run -A bench/matmul_tiles.ts ${QA_GPU_TILES_ARGS:-}
  ;;
*)
  echo "usage: tools/gpu_checks.sh tests|reference|tiles|speed" >&2
  exit 2
  ;;
esac
cat "$out/summary.txt"
