/**
 * Kernels we add to (or replace in) the tfjs backends: what training a BERT needs that
 * tfjs-backend-wasm 4.22 lacks or runs slowly. `registerCustomKernels` installs them (the
 * backend's `initBackend` does so); the benchmark also uses it to switch them off again.
 */

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { batchMatMulWasm, fusedMatMulWasm } from "./matmul_wasm.ts";
import { sumWasm } from "./column_sums.ts";
import { gatherWasm } from "./gather.ts";
import { identityWasm } from "./identity.ts";
import {
  unsortedSegmentSumCpuConfig,
  unsortedSegmentSumWasmConfig,
} from "./unsorted_segment_sum.ts";

export { segmentSum } from "./unsorted_segment_sum.ts";
export {
  activeBlas,
  autoChoice,
  type Blas,
  BLAS_ENV,
  type BlasChoice,
  blasChoice,
  blasChoiceSummary,
  measureAuto,
  OUR_KERNELS,
  selectBlas,
} from "./matmul_blas.ts";
export {
  chooseEngine,
  describeChoice,
  type EngineCandidate,
  type EngineChoice,
  type EngineFigure,
} from "./engine_choice.ts";

/** Which groups of custom kernels to have registered. */
export interface CustomKernels {
  /** wasm BatchMatMul and _FusedMatMul on our products or XNNPACK, batched and transposed too. */
  matMul: boolean;
  /** UnsortedSegmentSum (tf.gather's gradient) for wasm (missing) and cpu (very slow). */
  segmentSum: boolean;
  /** wasm Identity sharing its input instead of copying it (on unless set to false). */
  identity?: boolean;
  /** wasm Sum over leading axes (bias gradients) in one SIMD pass (on unless set to false). */
  sum?: boolean;
  /** wasm GatherV2 of table rows (embeddings) by row copies (on unless set to false). */
  gather?: boolean;
}

/** The stock kernels we replace, captured once, to restore them. */
let stock: Map<string, tf.KernelConfig | undefined> | null = null;

function key(config: { kernelName: string; backendName: string }): string {
  return `${config.backendName}_${config.kernelName}`;
}

/** Our kernels, by group, built on the stock ones (captured on first use). */
function customConfigs(): Record<Group, tf.KernelConfig[]> {
  if (stock == null) {
    stock = new Map();
    const names: [string, string][] = [
      [tf.BatchMatMul, "wasm"],
      [tf._FusedMatMul, "wasm"],
      [tf.UnsortedSegmentSum, "wasm"],
      [tf.UnsortedSegmentSum, "cpu"],
      [tf.Identity, "wasm"],
      [tf.Sum, "wasm"],
      [tf.GatherV2, "wasm"],
    ];
    for (const [kernelName, backendName] of names) {
      stock.set(key({ kernelName, backendName }), tf.getKernel(kernelName, backendName));
    }
  }
  const batchMatMul = stock.get(key({ kernelName: tf.BatchMatMul, backendName: "wasm" }));
  const fusedMatMul = stock.get(key({ kernelName: tf._FusedMatMul, backendName: "wasm" }));
  if (batchMatMul == null || fusedMatMul == null) {
    throw new Error("tfjs-backend-wasm did not register BatchMatMul and _FusedMatMul");
  }
  const identity = stock.get(key({ kernelName: tf.Identity, backendName: "wasm" }));
  const sum = stock.get(key({ kernelName: tf.Sum, backendName: "wasm" }));
  const gather = stock.get(key({ kernelName: tf.GatherV2, backendName: "wasm" }));
  if (identity == null || sum == null || gather == null) {
    throw new Error("tfjs-backend-wasm did not register Identity, Sum and GatherV2");
  }
  const fastBatchMatMul = batchMatMulWasm(batchMatMul);
  return {
    matMul: [fastBatchMatMul, fusedMatMulWasm(fusedMatMul, fastBatchMatMul)],
    segmentSum: [unsortedSegmentSumWasmConfig, unsortedSegmentSumCpuConfig],
    identity: [identityWasm(identity)],
    sum: [sumWasm(sum)],
    gather: [gatherWasm(gather)],
  };
}

type Group = "matMul" | "segmentSum" | "identity" | "sum" | "gather";
const GROUPS: Group[] = ["matMul", "segmentSum", "identity", "sum", "gather"];

/** Puts `config` (or nothing) in the kernel registry in place of what is there. */
function setKernel(kernelName: string, backendName: string, config?: tf.KernelConfig): void {
  if (tf.getKernel(kernelName, backendName) != null) tf.unregisterKernel(kernelName, backendName);
  if (config != null) tf.registerKernel(config);
}

let current: Record<Group, boolean> = {
  matMul: false,
  segmentSum: false,
  identity: false,
  sum: false,
  gather: false,
};
let built: Record<Group, tf.KernelConfig[]> | null = null;

/**
 * Registers our kernels (by default all of them), or restores the stock ones for a group set to
 * false. Safe to call repeatedly, before or after the backend starts.
 * - wasm `UnsortedSegmentSum`: missing; it is the gradient of `tf.gather`, i.e. of embeddings.
 * - cpu `UnsortedSegmentSum`: the stock one is O(numSegments × size), hours for a vocabulary.
 * - wasm `BatchMatMul` and `_FusedMatMul` on a native BLAS (matmul_blas.ts), our relaxed-SIMD products
 *   (matmul_kernel.ts) or XNNPACK,
 *   for batched and transposed products too (the stock ones fall back to a loop 10-30× slower,
 *   where the fused one also adds the wrong bias).
 * - wasm `Identity` without a copy (tfjs runs it on every tensor saved for a gradient).
 * - wasm `Sum` over leading axes in one SIMD pass (the stock one transposes first).
 * - wasm `GatherV2` of table rows by row copies (the stock one takes 16 µs a row of 256 floats).
 */
export function registerCustomKernels(
  which: CustomKernels = { matMul: true, segmentSum: true },
): void {
  built ??= customConfigs();
  const wanted = {
    ...which,
    identity: which.identity ?? true,
    sum: which.sum ?? true,
    gather: which.gather ?? true,
  };
  for (const group of GROUPS) {
    if (wanted[group] === current[group]) continue;
    for (const config of built[group]) {
      const replacement = wanted[group] ? config : stock!.get(key(config));
      setKernel(config.kernelName, config.backendName, replacement);
    }
  }
  current = wanted;
}
