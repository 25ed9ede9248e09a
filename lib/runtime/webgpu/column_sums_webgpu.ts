// Sums over rows ([rows, cols] → [cols]) on webgpu: the gradients of a bias and of a LayerNorm's
// shift and scale. tfjs's Sum over a leading axis transposes first, two passes. Ours is two passes
// too, both dense: the first gives each invocation one column of a chunk of CHUNK rows (thousands
// of invocations for [6144, 768], where an invocation per column left a large GPU mostly idle),
// the second adds up the chunks' sums, an invocation per column. Neighbouring invocations read
// neighbouring floats in both.
import * as tf from "@tensorflow/tfjs";
import type { KernelConfig, KernelFunc, SumAttrs, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackendLike } from "./webgpu_backend.ts";
import { runWgsl, type WgslSpec } from "./wgsl_program.ts";

const KERNEL = "QaColumnSums";

/** Rows an invocation of the first pass adds up. */
const CHUNK = 64;

/**
 * The first pass's shader: the sum over one chunk of rows of `term`, a WGSL expression of the
 * row `r` and the flat index `at` = r · cols + col.
 */
export function chunkSumsSpec(key: string, names: string[], term: string): WgslSpec {
  return {
    names,
    key,
    body: `
    let cols = uniforms.cols;
    let col = thread % cols;
    let first = (thread / cols) * ${CHUNK};
    let last = min(first + ${CHUNK}, uniforms.rows);
    var total = 0.0;
    for (var r = first; r < last; r++) {
      let at = r * cols + col;
      total += ${term};
    }
    result[thread] = total;`,
  };
}

const CHUNK_SUMS = chunkSumsSpec(`${KERNEL}Chunks`, ["x"], "x[at]");

// The second pass: an invocation per column walks every row (the chunks' sums).
const COLUMN_SUMS = {
  names: ["x"],
  key: KERNEL,
  body: `
    var total = 0.0;
    for (var r = 0; r < uniforms.rows; r++) {
      total += x[r * uniforms.cols + thread];
    }
    result[thread] = total;`,
};

/**
 * Σ over rows of `spec`'s term on `inputs` viewed as [rows, cols]: the chunks' sums, then their
 * sum (one pass where the rows fit in a chunk).
 */
export function sumOverRows(
  backend: WebGPUBackendLike,
  spec: WgslSpec,
  inputs: TensorInfo[],
  [rows, cols]: [number, number],
  maxWorkgroupsX = Infinity,
): TensorInfo {
  const chunks = Math.ceil(rows / CHUNK);
  const sums = runWgsl(
    backend,
    spec,
    inputs,
    [chunks, cols],
    chunks * cols,
    [rows, cols],
    maxWorkgroupsX,
  );
  if (chunks === 1) return { ...sums, shape: [cols] };
  const total = runWgsl(backend, COLUMN_SUMS, [sums], [cols], cols, [chunks, cols], maxWorkgroupsX);
  backend.disposeData(sums.dataId);
  return total;
}

/** Σ over the rows of `x` viewed as [rows, cols] (a kernel's intermediate output, say). */
export function sumRows(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  [rows, cols]: [number, number],
): TensorInfo {
  return sumOverRows(backend, CHUNK_SUMS, [x], [rows, cols]);
}

/**
 * Σ over every axis but the last (a bias's gradient): tfjs's Sum, which `sumWebGPU` below sends
 * through `sumOverRows` on webgpu.
 */
export function columnSumsWebGPU(x: tf.Tensor): tf.Tensor {
  return tf.sum(x, [...Array(x.rank - 1).keys()]);
}

/**
 * The webgpu Sum kernel: float32 sums over leading axes (the gradient of a broadcast bias) go to
 * `sumOverRows`; everything else to `original`.
 */
export function sumWebGPU(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const cols = tf.util.sizeFromShape(x.shape.slice(axes.length));
    if (x.dtype !== "float32" || !leading || rows === 0 || cols === 0) {
      return original.kernelFunc(args);
    }
    const backend = args.backend as unknown as WebGPUBackendLike;
    const out = sumOverRows(backend, CHUNK_SUMS, [x], [rows, cols]);
    const kept = x.shape.slice(axes.length);
    return { ...out, shape: keepDims ? [...new Array(axes.length).fill(1), ...kept] : kept };
  };
  return { ...original, kernelFunc };
}
