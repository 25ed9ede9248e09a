#!/usr/bin/env bash
# Builds build/gpu/: everything a lent GPU machine, which reaches no registry, needs to run this
# project's deno commands (tools/gpu_run.sh there), under the 64 MiB the device `run` tool carries:
#   deno.xz                 the Deno binary, from npm's @deno/linux-x64-glibc
#   debs/*.deb              the Vulkan/GL loaders (the image's own are not enough; NVIDIA's driver
#                           brings the ICD, so no Mesa)
#   node_modules.tar.xz     the npm packages the profile's entry points load (tools/gpu_modules.ts),
#                           for Linux x64 glibc, without source maps, browser bundles or other
#                           platforms' builds (none of the entry points loads nodejs-polars: the
#                           examples' DataFrame view is in lib/views/display.ts, which they skip)
#   shared.tar.xz           the files of ../shared the profile's commands read (QA_SHARED there)
#   profile                 the profile's name, which tools/gpu_run.sh prints
# Two profiles, as both do not fit in 64 MiB together:
#   tests      (default) the bench, qa, the webgpu and Dawn tests, with the golden files
#   reference  `qa train` of docs/parity.md's reference run: the small-init model and the two SQuAD files,
#              and the bench, the matmul test and bench/matmul_tiles.ts; without Dawn's dawn.node (the model alone is
#              19 MB), so on Deno's WebGPU only
# Needs the npm registry and Debian's apt (here). Run from anywhere: tools/gpu_pack.sh [PROFILE]
set -euo pipefail
cd "$(dirname "$0")/.."
readonly DENO_VERSION=2.9.6
readonly DEBS=(libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
readonly LIMIT=$((64 * 1024 * 1024))
readonly PROFILE=${1:-tests}
case "$PROFILE" in
tests)
  # What the GPU machine runs: the bench, qa (train/predict/ask), the webgpu and Dawn tests.
  ENTRIES=(bench/train_bench.ts bench/train_measure.ts cli/qa.ts lib/runtime/webgpu/webgpu_test.ts
    lib/model/webgpu_test.ts
    lib/model/dawn_test.ts lib/train/trainer_webgpu_test.ts lib/runtime/webgpu/matmul_webgpu_test.ts
    lib/runtime/webgpu/adamw_webgpu_test.ts lib/runtime/fused/masked_softmax_test.ts
    lib/runtime/fused/bias_gelu_test.ts lib/runtime/fused/residual_layer_norm_test.ts
    lib/runtime/webgpu/dropout_webgpu_test.ts lib/runtime/webgpu/column_sums_webgpu_test.ts
    lib/runtime/webgpu/squared_sum_webgpu_test.ts bench/webgpu_probe.ts)
  SHARED_FILES=(golden/public/tiny-distilbert-golden.json
    golden/public/train_features.jsonl.gz golden/models/tiny-distilbert-init
    golden/public/tiny-distilbert-after5 peer/torch_qa_bench.py
    data/squad/squad-v1.1-dev-articles-00-37.json models/distilbert-base-uncased-distilled-squad)
  DAWN=yes
  ;;
reference)
  ENTRIES=(cli/qa.ts bench/train_bench.ts bench/train_measure.ts
    lib/runtime/webgpu/matmul_webgpu_test.ts tools/eval_consistency.ts bench/matmul_tiles.ts)
  SHARED_FILES=(models/qa-distilbert-small-init data/squad/squad-v1.1-dev-articles-00-37.json
    data/squad/squad-v2.0-dev-first5articles.json peer/torch_qa_bench.py)
  DAWN=no
  ;;
*)
  echo "usage: tools/gpu_pack.sh [tests|reference]" >&2
  exit 2
  ;;
esac
readonly ENTRIES SHARED_FILES DAWN

out=${QA_GPU_PACK:-build/gpu} # another folder keeps two profiles packed at once
shared=${QA_SHARED:-../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$out/debs" "$out/node_modules.tar.xz" "$out/shared.tar.xz" "$out/profile"
mkdir -p "$out/debs"

# deno.xz takes minutes: kept from the last pack when it is of the same version.
if [ "$(cat "$out/deno.version" 2>/dev/null)" != "$DENO_VERSION" ]; then
  echo "deno $DENO_VERSION"
  (cd "$work" && npm pack --silent "@deno/linux-x64-glibc@$DENO_VERSION" >/dev/null &&
    tar -xzf deno-linux-x64-glibc-*.tgz package/deno)
  xz -T0 -9 -c "$work/package/deno" >"$out/deno.xz"
  echo "$DENO_VERSION" >"$out/deno.version"
fi

echo "debs: ${DEBS[*]}"
# A private package list (amd64, whatever this machine is), as ../.library/device/README.md does.
mkdir -p "$work/apt/partial"
apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$work/apt"
  -oAPT::Sandbox::User=root)
apt-get "${apt[@]}" update -qq
(cd "$out/debs" && apt-get "${apt[@]}" download -qq "${DEBS[@]}")

echo "node_modules"
deno install --quiet
deno run -A tools/gpu_modules.ts "${ENTRIES[@]}" >"$work/folders"
mkdir -p "$work/nm/.deno"
while read -r folder; do cp -a "node_modules/$folder" "$work/nm/.deno/"; done <"$work/folders"
# The top-level links (node_modules/<name> -> .deno/...) of the packages kept.
for link in node_modules/* node_modules/@*/*; do
  [ -L "$link" ] || continue
  target=$(readlink "$link")
  grep -qxF "$(sed -E 's#^(\.\./)*(\.deno/[^/]+)/.*#\2#' <<<"$target")" "$work/folders" &&
    mkdir -p "$work/nm/$(dirname "${link#node_modules/}")" &&
    cp -a "$link" "$work/nm/${link#node_modules/}"
done
find "$work/nm" -name '*.map' -delete
find "$work/nm/.deno" -path '*@tensorflow*' \( -name '*.min.js' -o -name '*.min.js.html' -o \
  -name '*.es2017.js' -o -name '*.fesm.js' -o -name tsconfig.tsbuildinfo -o -name miniprogram \) \
  -prune -exec rm -rf {} +
rm -rf "$work"/nm/.deno/webgpu@*/node_modules/webgpu/dist/{darwin-*,linux-arm64,win32-*}
# The package stays (the graph names it), its addon goes: --webgpu dawn then fails to load it.
[ "$DAWN" = yes ] || rm "$work"/nm/.deno/webgpu@*/node_modules/webgpu/dist/linux-x64/dawn.node
find "$work/nm/.deno" -path '*-musl@*' -name '*.node' -delete # installed, never loaded on glibc
echo "$PROFILE $(git rev-parse HEAD) $(date -u +%FT%TZ)" |
  tee "$out/.stamp" >"$work/nm/.deno/.qa-gpu-pack"
tar -C "$work/nm" -cf - . | xz -T1 -6 >"$out/node_modules.tar.xz"

echo "shared: $shared"
tar -C "$shared" -cf - "${SHARED_FILES[@]}" | xz -T1 -6 >"$out/shared.tar.xz"
echo "$PROFILE" >"$out/profile"

size=$(du -cb "$out" | tail -1 | cut -f1)
du -b "$out"/* "$out"/debs | sed 's/^/  /'
tracked=$(git ls-files -z | du -cb --files0-from=- | tail -1 | cut -f1)
echo "build/gpu ($PROFILE): $size bytes; with the tracked files ($tracked) $((size + tracked)) of $LIMIT"
if ((size + tracked > LIMIT)); then
  echo "gpu_pack: over the $LIMIT bytes the run tool carries" >&2
  exit 1
fi
