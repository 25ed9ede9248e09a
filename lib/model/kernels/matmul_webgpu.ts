// BatchMatMul for the webgpu backend, in a shader that keeps its accumulators in named scalar
// variables. tfjs-backend-webgpu's matmul shaders index private arrays at run time, which Deno's
// WebGPU (wgpu) compiles badly: 30-75× slower than on Dawn on an H100 (../shared/gpu/NOTES.md),
// and 4-7× slower than this shader on the software adapter (llvmpipe) for attention's products.
//
// Each invocation computes TM consecutive rows × TN columns of one output matrix; the columns are
// WX apart, so that neighbouring invocations read neighbouring elements of B and write
// neighbouring outputs. The loop over k reads A and B straight from storage (no workgroup tiles):
// simple, correct for every transpose and batch layout, not yet tuned for a large GPU.

import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackendLike } from "./webgpu_backend.ts";

/** Invocations per workgroup along the columns (x) and rows (y); outputs per invocation. */
interface Tiling {
  wx: number;
  wy: number;
  tm: number;
  tn: number;
}

/** Narrow outputs (attention's [.., 384, 8] products) use one column per invocation. */
export function tilingFor(n: number): Tiling {
  const tn = Math.min(4, Math.max(1, Math.ceil(n / 8)));
  return { wx: 8, wy: tn === 4 ? 4 : 8, tm: 8, tn };
}

/** A tfjs WebGPUProgram: out[b] = op(A[b]) × op(B[b]), batch 1 operands broadcast. */
class MatMulProgram {
  variableNames = ["A", "B"];
  uniforms = "M : i32, N : i32, K : i32, batchA : i32, batchB : i32,";
  outputShape: number[];
  dispatchLayout = { x: [2], y: [1], z: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  shaderKey: string;

  constructor(
    batch: number,
    m: number,
    n: number,
    readonly transposeA: boolean,
    readonly transposeB: boolean,
    readonly tiling: Tiling,
  ) {
    const { wx, wy, tm, tn } = tiling;
    this.outputShape = [batch, m, n];
    this.workgroupSize = [wx, wy, 1];
    this.dispatch = [Math.ceil(n / (wx * tn)), Math.ceil(m / (wy * tm)), batch];
    this.shaderKey = `qaMatMul_${transposeA}_${transposeB}_${wx}_${wy}_${tm}_${tn}`;
  }

  getUserCode(): string {
    const { wx, wy, tm, tn } = this.tiling;
    const rows = [...Array(tm).keys()];
    const cols = [...Array(tn).keys()];
    const pairs = rows.flatMap((i) => cols.map((j) => [i, j]));
    // Loads are clamped into the matrix; only the writes check bounds.
    const aBase = (i: number) =>
      this.transposeA ? `aOffset + min(row + ${i}, M - 1)` : `aOffset + min(row + ${i}, M - 1) * K`;
    const bBase = (j: number) =>
      this.transposeB
        ? `bOffset + min(col + ${j * wx}, N - 1) * K`
        : `bOffset + min(col + ${j * wx}, N - 1)`;
    const aAt = (i: number) => this.transposeA ? `A[a${i} + k * M]` : `A[a${i} + k]`;
    const bAt = (j: number) => this.transposeB ? `B[b${j} + k]` : `B[b${j} + k * N]`;
    return `
      fn main() {
        let M = uniforms.M;
        let N = uniforms.N;
        let K = uniforms.K;
        let batch = i32(workgroupId.z);
        let row = (i32(workgroupId.y) * ${wy} + i32(localId.y)) * ${tm};
        let col = i32(workgroupId.x) * ${wx * tn} + i32(localId.x);
        let aOffset = select(batch, 0, uniforms.batchA == 1) * M * K;
        let bOffset = select(batch, 0, uniforms.batchB == 1) * K * N;
        ${rows.map((i) => `let a${i} = ${aBase(i)};`).join("\n")}
        ${cols.map((j) => `let b${j} = ${bBase(j)};`).join("\n")}
        ${pairs.map(([i, j]) => `var c${i}_${j} = 0.0;`).join("\n")}
        for (var k = 0; k < K; k++) {
          ${rows.map((i) => `let x${i} = ${aAt(i)};`).join("\n")}
          ${cols.map((j) => `let y${j} = ${bAt(j)};`).join("\n")}
          ${pairs.map(([i, j]) => `c${i}_${j} = fma(x${i}, y${j}, c${i}_${j});`).join("\n")}
        }
        let out = batch * M * N;
        ${
      pairs.map(([i, j]) =>
        `if (row + ${i} < M && col + ${j * wx} < N) { ` +
        `result[out + (row + ${i}) * N + col + ${j * wx}] = c${i}_${j}; }`
      ).join("\n")
    }
      }`;
  }
}

/**
 * The webgpu BatchMatMul on our shader for float32 products whose batches are equal or 1;
 * `original` (the package's kernel) takes the rest.
 */
export function batchMatMulWebGPU(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const backend = args.backend as unknown as WebGPUBackendLike;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const [m, k] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : a.shape.slice(-2);
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const [kB] = transposeB ? b.shape.slice(-1) : b.shape.slice(-2);
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    const outer = outerA.length >= outerB.length ? outerA : outerB;
    const batch = Math.max(batchA, batchB);
    const tiling = tilingFor(n);
    const program = new MatMulProgram(batch, m, n, transposeA, transposeB, tiling);
    const sameBatches = batchA === batchB ||
      (batchA === 1 && tf.util.arraysEqual(outer, outerB)) ||
      (batchB === 1 && tf.util.arraysEqual(outer, outerA));
    const limit = backend.device.limits.maxComputeWorkgroupsPerDimension;
    if (
      a.dtype !== "float32" || b.dtype !== "float32" || k !== kB || !sameBatches ||
      batch * m * n * k === 0 || program.dispatch.some((d) => d > limit)
    ) {
      return original.kernelFunc(args);
    }
    const uniforms = [m, n, k, batchA, batchB].map((v) => ({ type: "int32", data: [v] }));
    const as3d = (t: TensorInfo, size: number) => ({ ...t, shape: [size, ...t.shape.slice(-2)] });
    const out = backend.runWebGPUProgram(
      program,
      [as3d(a, batchA), as3d(b, batchB)],
      "float32",
      uniforms,
    );
    return { ...out, shape: [...outer, m, n] };
  };
  return { ...original, kernelFunc };
}
