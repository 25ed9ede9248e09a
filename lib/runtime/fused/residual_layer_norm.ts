// LayerNorm(x + residual)·gamma + beta over the last axis, the post-LayerNorm of every transformer
// sub-block, as one webgpu kernel. Unfused that is the residual Add, tfjs's moments (Mean,
// Sub, Square, Mean), Sub, Add, Rsqrt, Mul, Mul, Add forward and about twice as many kernels
// backward, each a pass over batch × length × hidden floats. Other backends run the unfused ops.
//
// A tfjs program has one output, so the forward writes y alone; the backward first takes each
// row's mean and 1/σ (one kernel, [rows, 2]), then dz by rows, dgamma and dbeta over chunks of
// rows and then columns (column_sums_webgpu.ts). For the rows one invocation owns one row and
// walks it, as in masked_softmax.ts: on the software adapter the forward over [3072, 768] took
// 150–175 ms that way, 175–370 ms with a workgroup per row (32 to 256 invocations reducing in
// workgroup memory).

import * as tf from "@tensorflow/tfjs";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { chunkSumsSpec, columnSumsWebGPU, sumOverRows } from "../webgpu/column_sums_webgpu.ts";
import type { WebGPUBackendLike } from "../webgpu/webgpu_backend.ts";
import { runWgsl, type WgslSpec } from "../webgpu/wgsl_program.ts";

const FORWARD = "QaResidualLayerNorm";
const STATS = "QaResidualLayerNormStats";
const BACKWARD = "QaResidualLayerNormGrad";
const GAMMA_GRAD = "QaResidualLayerNormGammaGrad";

/** The row's mean and 1/√(variance + eps) of z = x + residual, as `mean` and `rstd`. */
function rowStats(eps: number): string {
  return `
    let cols = uniforms.cols;
    let base = thread * cols;
    var total = 0.0;
    for (var j = 0; j < cols; j++) {
      total += x[base + j] + residual[base + j];
    }
    let mean = total / f32(cols);
    var squares = 0.0;
    for (var j = 0; j < cols; j++) {
      let centered = x[base + j] + residual[base + j] - mean;
      squares += centered * centered;
    }
    let rstd = inverseSqrt(squares / f32(cols) + f32(${eps}));`;
}

function forwardSpec(eps: number): WgslSpec {
  return {
    names: ["x", "residual", "gamma", "beta"],
    key: `${FORWARD}_${eps}`,
    body: `${rowStats(eps)}
      for (var j = 0; j < cols; j++) {
        let normalized = (x[base + j] + residual[base + j] - mean) * rstd;
        result[base + j] = normalized * gamma[j] + beta[j];
      }`,
  };
}

function statsSpec(eps: number): WgslSpec {
  return {
    names: ["x", "residual"],
    key: `${STATS}_${eps}`,
    body: `${rowStats(eps)}
      result[2 * thread] = mean;
      result[2 * thread + 1] = rstd;`,
  };
}

// dz = rstd·(g − mean(g) − ẑ·mean(g·ẑ)), g = dy·gamma, ẑ the normalized row.
const BACKWARD_SPEC: WgslSpec = {
  names: ["x", "residual", "gamma", "stats", "dy"],
  key: BACKWARD,
  body: `
    let cols = uniforms.cols;
    let base = thread * cols;
    let mean = stats[2 * thread];
    let rstd = stats[2 * thread + 1];
    var gTotal = 0.0;
    var gzTotal = 0.0;
    for (var j = 0; j < cols; j++) {
      let g = dy[base + j] * gamma[j];
      gTotal += g;
      gzTotal += g * (x[base + j] + residual[base + j] - mean) * rstd;
    }
    let gMean = gTotal / f32(cols);
    let gzMean = gzTotal / f32(cols);
    for (var j = 0; j < cols; j++) {
      let normalized = (x[base + j] + residual[base + j] - mean) * rstd;
      result[base + j] = rstd * (dy[base + j] * gamma[j] - gMean - normalized * gzMean);
    }`,
};

// dgamma = Σ over rows of dy·ẑ, in chunks of rows (column_sums_webgpu.ts).
const GAMMA_GRAD_SPEC = chunkSumsSpec(
  GAMMA_GRAD,
  ["x", "residual", "stats", "dy"],
  "dy[at] * (x[at] + residual[at] - stats[2 * r]) * stats[2 * r + 1]",
);

const gammaGradKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { maxWorkgroupsX } = attrs as unknown as NormAttrs;
  const x = (inputs as { x: TensorInfo }).x;
  const cols = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / cols;
  const ordered = GAMMA_GRAD_SPEC.names.map((name) => inputs[name] as TensorInfo);
  const webgpu = backend as unknown as WebGPUBackendLike;
  return sumOverRows(webgpu, GAMMA_GRAD_SPEC, ordered, [rows, cols], maxWorkgroupsX);
};

/** Kernel attributes: eps, and a bound on the dispatch's first dimension (tests make it small). */
interface NormAttrs {
  eps: number;
  maxWorkgroupsX: number;
}

/** A kernel running `spec(attrs)` on its inputs (in the spec's order) viewed as rows of x. */
function rowKernel(
  spec: (eps: number) => WgslSpec,
  outputShape: (rows: number, cols: number, x: TensorInfo) => number[],
  threads: (rows: number, cols: number) => number,
): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { eps, maxWorkgroupsX } = attrs as unknown as NormAttrs;
    const x = (inputs as { x: TensorInfo }).x;
    const cols = x.shape[x.shape.length - 1];
    const rows = tf.util.sizeFromShape(x.shape) / cols;
    const chosen = spec(eps);
    const ordered = chosen.names.map((name) => inputs[name] as TensorInfo);
    return runWgsl(
      backend as unknown as WebGPUBackendLike,
      chosen,
      ordered,
      outputShape(rows, cols, x),
      threads(rows, cols),
      [rows, cols],
      maxWorkgroupsX,
    );
  };
}

const byRows = (rows: number) => rows;

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, KernelFunc][] = [
    [FORWARD, rowKernel(forwardSpec, (_r, _c, x) => x.shape, byRows)],
    [STATS, rowKernel(statsSpec, (rows) => [rows, 2], byRows)],
    [BACKWARD, rowKernel(() => BACKWARD_SPEC, (_r, _c, x) => x.shape, byRows)],
    [GAMMA_GRAD, gammaGradKernel],
  ];
  for (const [kernelName, kernelFunc] of kernels) {
    tf.registerKernel({ kernelName, backendName: "webgpu", kernelFunc });
  }
  tf.registerGradient({
    kernelName: FORWARD,
    inputsToSave: ["x", "residual", "gamma"],
    gradFunc: (dy, [x, residual, gamma], attrs) => {
      const run = (name: string, inputs: tf.NamedTensorMap) =>
        tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
      const stats = run(STATS, { x, residual });
      const dz = run(BACKWARD, { x, residual, gamma, stats, dy: dy as tf.Tensor });
      return {
        x: () => dz,
        // Its own tensor (on the same data): tfjs disposes gradients as it adds them up.
        residual: () => dz.clone(),
        gamma: () => run(GAMMA_GRAD, { x, residual, stats, dy: dy as tf.Tensor }),
        beta: () => columnSumsWebGPU(dy as tf.Tensor),
      };
    },
  });
}

/** The unfused ops, as `layerNorm(x.add(residual), ...)` in layers.ts computes them. */
export function residualLayerNormOps(
  x: tf.Tensor,
  residual: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
): tf.Tensor {
  const z = x.add(residual);
  const { mean, variance } = tf.moments(z, -1, true);
  const normalized = z.sub(mean).mul(tf.rsqrt(variance.add(eps)));
  return normalized.mul(gamma).add(beta);
}

/**
 * LayerNorm(x + residual)·gamma + beta over the last axis (biased variance, as PyTorch); `x` and
 * `residual` [..., n], `gamma` and `beta` [n]. One kernel forward on webgpu, four backward;
 * `maxWorkgroupsX` bounds the first dimension of their dispatches (the device limit by default).
 */
export function residualLayerNorm(
  x: tf.Tensor,
  residual: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
  maxWorkgroupsX = Infinity,
): tf.Tensor {
  const n = x.shape[x.rank - 1];
  const fits = tf.util.arraysEqual(x.shape, residual.shape) &&
    [gamma, beta].every((v) => v.rank === 1 && v.shape[0] === n);
  const float = [x, residual, gamma, beta].every((t) => t.dtype === "float32");
  if (tf.getBackend() !== "webgpu" || !fits || !float || x.size === 0) {
    return residualLayerNormOps(x, residual, gamma, beta, eps);
  }
  register();
  const attrs = { eps, maxWorkgroupsX } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(FORWARD, { x, residual, gamma, beta }, attrs) as tf.Tensor;
}
