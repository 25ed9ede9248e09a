// BatchMatMul and _FusedMatMul for the wasm backend, routed onto XNNPACK.
//
// tfjs-backend-wasm 4.22 sends a product to XNNPACK only when both operands have batch size 1 and
// neither is transposed; everything else (attention's batched products, and every transposed
// product, which is what matMul's gradient is made of) goes to a naive blocked loop that runs at
// about 1 GFLOP/s, 10-30× slower. Its _FusedMatMul is also wrong on that path whenever there is a
// bias: row i > 0 gets bias[n - 1] added instead of bias[j].
//
// The overrides below keep every product on the fast path:
// - a transposed operand is transposed once, explicitly, with the Transpose kernel;
// - when b has batch 1 (a dense layer on [batch, time, hidden]), a's batch is folded into its
//   rows, giving one [batch·m, k] × [k, n] product;
// - otherwise each output matrix is one XNNPACK product on zero-copy views of the operands and of
//   the output;
// - batch dimensions broadcast as in numpy (the stock kernels, cpu's too, return tensors short of
//   values for [2, 1, m, k] × [1, 3, k, n]).
// Empty and int32 tensors go to the original kernel.

import type {
  _FusedMatMulAttrs,
  BatchMatMulAttrs,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  TensorInfo,
} from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { activeBlas, type ProductArgs } from "./matmul_blas.ts";
import { gemm, gemmSupports } from "./matmul_kernel.ts";
import {
  heapBuffer,
  heapOffset,
  registerView,
  releaseView,
  type WasmBackend,
  wasmKernel,
} from "./wasm_internals.ts";

const F32 = 4; // bytes

/** The C entry point of the wasm BatchMatMul kernel (same signature as in its JS wrapper). */
type CBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

const cBatchMatMuls = new WeakMap<WasmBackend, CBatchMatMul>();

function cBatchMatMul(backend: WasmBackend): CBatchMatMul {
  let f = cBatchMatMuls.get(backend);
  if (f == null) {
    const argTypes = ["number", "array", "number", "number", "array", "number", "number", "number"];
    f = backend.wasm.cwrap("BatchMatMul", null, [...argTypes, "number"]) as CBatchMatMul;
    cBatchMatMuls.set(backend, f);
  }
  return f;
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/** How a product [...outer, m, k] × [...outer, k, n] will be computed, or null for the original. */
interface Plan {
  /** Matrices in a and in b (their batch dimensions flattened). */
  batchA: number;
  batchB: number;
  m: number;
  k: number;
  n: number;
  /** For each output matrix, the matrix of a and of b it multiplies (batch broadcasting). */
  aIndex: number[];
  bIndex: number[];
  outShape: number[];
}

/** For each index into `outer` (row-major), the flat index into `shape` broadcast to `outer`. */
function broadcastIndices(outer: number[], shape: number[]): number[] {
  const padded = [...new Array(outer.length - shape.length).fill(1), ...shape];
  return Array.from({ length: tf.util.sizeFromShape(outer) }, (_, i) => {
    let flat = 0;
    let stride = 1;
    for (let d = outer.length - 1; d >= 0; d--) {
      const coord = i % outer[d];
      i = Math.floor(i / outer[d]);
      if (padded[d] !== 1) flat += coord * stride;
      stride *= padded[d];
    }
    return flat;
  });
}

function plan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Plan | null {
  if (a.dtype !== "float32" || b.dtype !== "float32") return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, k] = transposeA
    ? [a.shape[ra - 1], a.shape[ra - 2]]
    : [a.shape[ra - 2], a.shape[ra - 1]];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  let outer: number[];
  try {
    outer = tf.backend_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return null; // the original kernel reports it
  }
  if (tf.util.sizeFromShape(outer) * m * k * n === 0) return null;
  return {
    batchA: tf.util.sizeFromShape(outerA),
    batchB: tf.util.sizeFromShape(outerB),
    m,
    k,
    n,
    aIndex: broadcastIndices(outer, outerA),
    bIndex: broadcastIndices(outer, outerB),
    outShape: [...outer, m, n],
  };
}

/** `x` as [batch, rows, cols], its last two dimensions swapped if `transpose` (a new tensor then). */
function asBatchOfMatrices(backend: WasmBackend, x: TensorInfo, batch: number, transpose: boolean) {
  const r = x.shape.length;
  const shape = [batch, x.shape[r - 2], x.shape[r - 1]];
  if (!transpose) return { t: { ...x, shape }, owned: false };
  const t = wasmKernel(tf.Transpose)({
    inputs: { x: { ...x, shape } },
    backend: backend as unknown as tf.KernelBackend,
    attrs: { perm: [0, 2, 1] },
  }) as TensorInfo;
  return { t, owned: true };
}

/**
 * out[i] = a[aIndex[i]] × b[bIndex[i]] for each output matrix i, one XNNPACK product each, on
 * views of `a` [batchA, m, k], `b` [batchB, k, n] and the output (no copies).
 */
function batchedProduct(backend: WasmBackend, a: TensorInfo, b: TensorInfo, p: Plan): TensorInfo {
  const { m, k, n } = p;
  const out = backend.makeOutput([p.aIndex.length, m, n], "float32");
  const matMul = cBatchMatMul(backend);
  const [aOffset, bOffset, outOffset] = [a, b, out].map((t) => heapOffset(backend, t));
  const [aShape, bShape] = [shapeBytes([1, m, k]), shapeBytes([1, k, n])];
  for (let i = 0; i < p.aIndex.length; i++) {
    const aId = registerView(backend, aOffset + p.aIndex[i] * m * k * F32, m * k);
    const bId = registerView(backend, bOffset + p.bIndex[i] * k * n * F32, k * n);
    const outId = registerView(backend, outOffset + i * m * n * F32, m * n);
    matMul(aId, aShape, 3, bId, bShape, 3, false, false, outId);
    for (const id of [aId, bId, outId]) releaseView(backend, id);
  }
  return out;
}

/**
 * Runs a product planned by `plan` with no transposes left and XNNPACK doing the work.
 * `foldedProduct` computes a [1, rows, k] × [1, k, n] product (the original kernel, which takes
 * XNNPACK's path for it); the batched case goes through `batchedProduct`.
 */
function fastProduct(
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  p: Plan,
  foldedProduct: (a: TensorInfo, b: TensorInfo) => TensorInfo,
): TensorInfo {
  const A = asBatchOfMatrices(backend, a, p.batchA, transposeA);
  const B = asBatchOfMatrices(backend, b, p.batchB, transposeB);
  try {
    const out = p.batchB === 1
      ? foldedProduct({ ...A.t, shape: [1, p.batchA * p.m, p.k] }, B.t)
      : batchedProduct(backend, A.t, B.t, p);
    return { ...out, shape: p.outShape };
  } finally {
    if (A.owned) backend.disposeData(A.t.dataId);
    if (B.owned) backend.disposeData(B.t.dataId);
  }
}

/** One matrix product on heap offsets, with `gemm`'s arguments after the backend. */
type Product = (...args: ProductArgs) => void;

/**
 * What computes an m × k × n product on this backend: the native BLAS when one is loaded
 * (matmul_blas.ts), else our kernels (matmul_kernel.ts) where they take the shape, else null (XNNPACK).
 */
function productEngine(backend: WasmBackend, m: number, k: number, n: number): Product | null {
  const blas = activeBlas();
  if (blas != null && heapBuffer(backend) != null) {
    // The heap's buffer is fetched per call: an allocation may have grown (replaced) it.
    return (...args) => blas.gemm(heapBuffer(backend)!, ...args);
  }
  if (gemmSupports(backend, m, k, n)) return (...args) => gemm(backend, ...args);
  return null;
}

/**
 * The product on `product` (a native BLAS or our kernels): one product over A's folded rows when
 * b has batch 1, otherwise one per output matrix. Transposed operands are read as they are (a
 * transposed A that must be folded is transposed first).
 */
function heapProduct(
  backend: WasmBackend,
  product: Product,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  p: Plan,
): TensorInfo {
  const fold = p.batchB === 1 && p.batchA > 1;
  const A = asBatchOfMatrices(backend, a, p.batchA, transposeA && fold);
  try {
    const aTransposed = transposeA && !fold;
    const { m, k, n } = p;
    const out = backend.makeOutput(p.outShape, "float32");
    const [aOffset, bOffset, outOffset] = [A.t, b, out].map((t) => heapOffset(backend, t));
    if (fold) {
      product(aOffset, bOffset, outOffset, [p.batchA * m, k, n], false, transposeB);
      return out;
    }
    for (let i = 0; i < p.aIndex.length; i++) {
      const aMatrix = aOffset + p.aIndex[i] * m * k * F32;
      const bMatrix = bOffset + p.bIndex[i] * k * n * F32;
      const outMatrix = outOffset + i * m * n * F32;
      product(aMatrix, bMatrix, outMatrix, [m, k, n], aTransposed, transposeB);
    }
    return out;
  } finally {
    if (A.owned) backend.disposeData(A.t.dataId);
  }
}

/**
 * The wasm BatchMatMul kernel on a native BLAS or our kernels (`productEngine`), otherwise
 * rerouted onto XNNPACK; `original` is the package's kernel.
 */
export function batchMatMulWasm(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const p = plan(a, b, transposeA, transposeB);
    if (p == null) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackend;
    const product = productEngine(backend, p.m, p.k, p.n);
    if (product != null) return heapProduct(backend, product, a, b, transposeA, transposeB, p);
    const attrs = { transposeA: false, transposeB: false };
    const folded = (a: TensorInfo, b: TensorInfo) =>
      original.kernelFunc({ inputs: { a, b }, backend: args.backend, attrs }) as TensorInfo;
    return fastProduct(backend, a, b, transposeA, transposeB, p, folded);
  };
  return { ...original, kernelFunc };
}

/** The activations of _FusedMatMul, as wasm kernels applied to the product. */
function activate(
  backend: WasmBackend,
  x: TensorInfo,
  attrs: _FusedMatMulAttrs,
  preluWeights?: TensorInfo,
): TensorInfo {
  const run = (
    kernel: string,
    inputs: Record<string, TensorInfo>,
    kernelAttrs: NamedAttrMap = {},
  ) =>
    wasmKernel(kernel)({
      inputs,
      backend: backend as unknown as tf.KernelBackend,
      attrs: kernelAttrs,
    }) as TensorInfo;
  switch (attrs.activation) {
    case "linear":
      return x;
    case "relu":
      return run(tf.Relu, { x });
    case "relu6":
      return run(tf.Relu6, { x });
    case "elu":
      return run(tf.Elu, { x });
    case "sigmoid":
      return run(tf.Sigmoid, { x });
    case "leakyrelu":
      return run(tf.LeakyRelu, { x }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
    case "prelu":
      return run(tf.Prelu, { x, alpha: preluWeights! });
    default:
      throw new Error(`_FusedMatMul: activation ${attrs.activation} is not supported on wasm`);
  }
}

/**
 * The wasm _FusedMatMul kernel (matMul + bias + activation) rerouted onto XNNPACK, which also makes
 * the bias right for batched and transposed products.
 */
export function fusedMatMulWasm(original: KernelConfig, batchMatMul: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo>;
    const attrs = args.attrs as unknown as _FusedMatMulAttrs;
    const p = plan(a, b, attrs.transposeA, attrs.transposeB);
    if (p == null || (bias != null && bias.shape.length !== 1)) return original.kernelFunc(args);
    const backend = args.backend as unknown as WasmBackend;

    if (p.batchB === 1) {
      // One XNNPACK product with bias and activation fused (the original, on the folded operands).
      const folded = (a: TensorInfo, b: TensorInfo) =>
        original.kernelFunc({
          inputs: { a, b, bias, preluActivationWeights },
          backend: args.backend,
          attrs: { ...attrs, transposeA: false, transposeB: false } as unknown as NamedAttrMap,
        }) as TensorInfo;
      return fastProduct(backend, a, b, attrs.transposeA, attrs.transposeB, p, folded);
    }

    // Batched: the product, then bias and activation as separate kernels.
    const product = batchMatMul.kernelFunc({
      inputs: { a, b },
      backend: args.backend,
      attrs: { transposeA: attrs.transposeA, transposeB: attrs.transposeB },
    }) as TensorInfo;
    let out = product;
    if (bias != null) {
      out = wasmKernel(tf.Add)({
        inputs: { a: product, b: bias },
        backend: args.backend,
      }) as TensorInfo;
      backend.disposeData(product.dataId);
    }
    const activated = activate(backend, out, attrs, preluActivationWeights);
    if (activated !== out) backend.disposeData(out.dataId);
    return activated;
  };
  return { ...original, kernelFunc };
}
