#!/usr/bin/env bash
# Runs a command on the lent GPU machine (no network) with what tools/gpu_pack.sh put in build/gpu:
#   tools/gpu_run.sh deno task bench:train --backend webgpu --webgpu dawn --shapes distilbert
#   tools/gpu_run.sh deno test -A lib/train/trainer_webgpu_test.ts
#   tools/gpu_run.sh bash -c 'deno task qa train --model "$QA_SHARED/models/..." ...'
# It unpacks Deno (onto PATH), the Vulkan/GL loaders (dpkg -x into QA_GPU_ROOT: / by default, as
# root, then ldconfig; another folder is put on LD_LIBRARY_PATH instead), node_modules (into this
# checkout, which must have none of its own) and ../shared's files (QA_SHARED); points Deno at an
# empty DENO_DIR and npm at no registry, so that anything missing fails instead of downloading;
# and gives the bench python3 (PyTorch with CUDA there) as the peer's interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
pack=${QA_GPU_PACK:-build/gpu}
root=${QA_GPU_ROOT:-/}
unpacked=${TMPDIR:-/tmp}/qa-gpu

if [ ! -f "$pack/node_modules.tar.xz" ]; then
  echo "gpu_run: no $pack/node_modules.tar.xz: run tools/gpu_pack.sh, and carry build/gpu" >&2
  exit 2
fi
if [ $# -eq 0 ]; then
  echo "usage: tools/gpu_run.sh COMMAND [ARGS...]   e.g. deno task bench:train --backend webgpu" >&2
  exit 2
fi
stamp=$(cat "$pack/.stamp" 2>/dev/null || true)
profile=$(cat "$pack/profile" 2>/dev/null || echo unknown)

mkdir -p "$unpacked/bin"
if [ ! -x "$unpacked/bin/deno" ]; then
  xz -dc "$pack/deno.xz" >"$unpacked/bin/deno.part"
  chmod +x "$unpacked/bin/deno.part"
  mv "$unpacked/bin/deno.part" "$unpacked/bin/deno"
fi
export PATH="$unpacked/bin:$PATH"

mkdir -p "$root"
for deb in "$pack"/debs/*.deb; do dpkg -x "$deb" "$root"; done
if [ "$root" = / ]; then
  ldconfig
else
  export LD_LIBRARY_PATH="$root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi
# NVIDIA's driver folder on the lent machines (../.library/device/README.md).
nvidia=/usr/local/nvidia/share
if [ -f "$nvidia/vulkan/icd.d/nvidia_icd.json" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then
  export VK_DRIVER_FILES=$nvidia/vulkan/icd.d/nvidia_icd.json
fi
if [ -f "$nvidia/glvnd/egl_vendor.d/10_nvidia.json" ] && [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ]; then
  export __EGL_VENDOR_LIBRARY_FILENAMES=$nvidia/glvnd/egl_vendor.d/10_nvidia.json
fi

# node_modules: this checkout's must be the pack's (a developer's own holds the real polars).
if [ -e node_modules ] && [ ! -f node_modules/.deno/.qa-gpu-pack ]; then
  echo "gpu_run: $PWD/node_modules is not the pack's; run from a clean checkout" >&2
  exit 2
fi
if [ "$(cat node_modules/.deno/.qa-gpu-pack 2>/dev/null || true)" != "$stamp" ] ||
  [ -z "$stamp" ]; then
  rm -rf node_modules
  mkdir node_modules
  xz -dc "$pack/node_modules.tar.xz" | tar -C node_modules -xf -
fi

if [ -z "${QA_SHARED:-}" ]; then
  export QA_SHARED=$unpacked/shared
  rm -rf "$QA_SHARED"
  mkdir -p "$QA_SHARED"
  xz -dc "$pack/shared.tar.xz" | tar -C "$QA_SHARED" -xf -
fi

export DENO_DIR=$unpacked/deno_dir DENO_NO_UPDATE_CHECK=1 NO_COLOR=1
export NPM_CONFIG_REGISTRY=http://127.0.0.1:9/ # no registry: a missing package fails at once
if [ -z "${QA_PEER_PYTHON:-}" ] && command -v python3 >/dev/null; then
  QA_PEER_PYTHON=$(command -v python3)
  export QA_PEER_PYTHON
fi
echo "gpu_run: pack profile $profile, deno $(deno --version | head -1 | cut -d' ' -f2)," \
  "QA_SHARED=$QA_SHARED, peer python ${QA_PEER_PYTHON:-none}" >&2
exec "$@"
