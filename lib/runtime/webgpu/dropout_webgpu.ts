// Dropout as one webgpu kernel. tf.dropout draws its uniform numbers in JavaScript, uploads them
// and runs four kernels over them (add, floor, div, mul), for each of the ~3 dropouts per layer,
// one of them over the attention probabilities [batch, heads, L, L]. Here each element hashes
// (seed, its index) to its own 32-bit draw on the GPU: only the seed is uploaded.
//
// The mask is not stored: the gradient dy · mask is the same kernel run on dy with the same seed,
// which draws the same mask again. A hash costs a few integer operations, far less than writing
// the mask in the forward pass, keeping it (a tensor as large as x) until the backward pass, and
// reading it there.
//
// Same law as tf.dropout: keep with probability 1 − rate, scale kept values by 1 / (1 − rate).

import * as tf from "@tensorflow/tfjs";
import type { KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackendLike } from "./webgpu_backend.ts";
import { KeyedProgram } from "./keyed_program.ts";

const KERNEL = "QaSeededDropout";
const WORKGROUP = 256;

/**
 * out[i] = x[i] · mask(seed, i) (a tfjs WebGPUProgram). Its dispatch may be two-dimensional:
 * tfjs's global index counts the workgroups row by row.
 */
class SeededDropoutProgram extends KeyedProgram {
  variableNames = ["x"];
  outputShape: number[];
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  size = true;
  uniforms = "seed : u32, threshold : u32, scale : f32,";

  constructor(size: number, workgroupsX: number) {
    super();
    this.shaderKey = KERNEL;
    this.outputShape = [size];
    this.dispatch = [workgroupsX, Math.ceil(size / (workgroupsX * WORKGROUP)), 1];
  }

  getUserCode(): string {
    // pcg_hash (Jarzynski & Olano, "Hash Functions for GPU Rendering", 2020): neighbouring
    // inputs give unrelated outputs. Hashing the index, mixing in the seed and hashing again
    // makes each seed's mask its own, not a shifted copy of another's.
    return `
      fn pcg(v : u32) -> u32 {
        let state = v * 747796405u + 2891336453u;
        let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
        return (word >> 22u) ^ word;
      }

      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let draw = pcg(pcg(u32(index)) ^ uniforms.seed);
        // x · mask, as tf.dropout: a dropped NaN stays NaN, a dropped negative value is −0.
        result[index] = x[index] * select(0.0, uniforms.scale, draw >= uniforms.threshold);
      }`;
  }
}

/** The kernel's attributes: the law, the seed, and a bound on the dispatch's first dimension. */
export interface SeededDropoutAttrs {
  /** Draws below it drop their value: round(rate · 2³²). */
  threshold: number;
  /** 1 / (1 − rate). */
  scale: number;
  /** A 32-bit seed: the same seed, the same mask. */
  seed: number;
  maxWorkgroupsX: number;
}

const kernelFunc: KernelFunc = ({ inputs, backend: backendArg, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { threshold, scale, seed, maxWorkgroupsX } = attrs as unknown as SeededDropoutAttrs;
  const backend = backendArg as unknown as WebGPUBackendLike;
  const size = tf.util.sizeFromShape(x.shape);
  const limit = Math.min(maxWorkgroupsX, backend.device.limits.maxComputeWorkgroupsPerDimension);
  const program = new SeededDropoutProgram(size, Math.min(Math.ceil(size / WORKGROUP), limit));
  const uniforms = [
    { type: "uint32", data: [seed] },
    { type: "uint32", data: [threshold] },
    { type: "float32", data: [scale] },
  ];
  const flat = { ...x, shape: [size] };
  const out = backend.runWebGPUProgram(program, [flat], "float32", uniforms);
  return { ...out, shape: x.shape };
};

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: KERNEL, backendName: "webgpu", kernelFunc });
  tf.registerGradient({
    kernelName: KERNEL,
    // dy · mask: the same kernel on dy, with the same seed.
    gradFunc: (dy, _saved, attrs) => ({
      x: () => tf.engine().runKernel(KERNEL, { x: dy as tf.Tensor }, attrs) as tf.Tensor,
    }),
  });
}

/**
 * Inverted dropout of float32 `x` at `rate` (0 < rate < 1) on the webgpu backend, drawing the mask
 * from `seed` (a 32-bit integer). `maxWorkgroupsX` bounds the first dimension of the dispatch (the
 * device limit by default; tests make it small).
 */
export function dropoutWebgpu(
  x: tf.Tensor,
  rate: number,
  seed: number,
  maxWorkgroupsX = Infinity,
): tf.Tensor {
  if (tf.getBackend() !== "webgpu" || x.dtype !== "float32") {
    throw new Error(
      `dropoutWebgpu needs a float32 tensor on webgpu, not ${x.dtype} on ` +
        `${tf.getBackend()}`,
    );
  }
  if (!(rate > 0 && rate < 1)) throw new Error(`dropout rate must be in (0, 1), not ${rate}`);
  register();
  const attrs: SeededDropoutAttrs = {
    threshold: Math.min(Math.round(rate * 2 ** 32), 2 ** 32 - 1),
    scale: 1 / (1 - rate),
    seed: seed >>> 0,
    maxWorkgroupsX,
  };
  return tf.engine().runKernel(KERNEL, { x }, attrs as unknown as NamedAttrMap) as tf.Tensor;
}
