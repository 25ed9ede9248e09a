// A check for matrix-product kernels that work on the wasm heap (matmul_kernel.ts, matmul_blas.ts).
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { heapOffset, type WasmBackend } from "../lib/runtime/wasm/wasm_internals.ts";
import { referenceProduct, values, worst } from "./values.ts";

/**
 * Runs `product` on operands of `shape` [m, k, n] (stored transposed as `transposes` says) laid
 * out on `backend`'s heap, into an output filled with NaN, and asserts that every element was
 * written and is within k float32 ulps of 1 of the float64 product.
 */
export function assertHeapProduct(
  backend: WasmBackend,
  shape: number[],
  transposes: boolean[],
  product: (a: number, b: number, out: number) => void,
): void {
  const [m, k, n] = shape;
  const [transposeA, transposeB] = transposes;
  const aValues = values(m * k, m + k);
  const bValues = values(k * n, n);
  const a = tf.tensor(aValues, transposeA ? [k, m] : [m, k]);
  const b = tf.tensor(bValues, transposeB ? [n, k] : [k, n]);
  const out = tf.fill([m, n], Number.NaN);
  try {
    product(...[a, b, out].map((t) => heapOffset(backend, t)) as [number, number, number]);
    // float32 sums of k products of values below 1: rounding stays below k ulps of 1.
    const off = worst(out.dataSync(), referenceProduct(aValues, bValues, shape, transposes));
    assert.ok(off <= k * 2 ** -23, `${shape} transposed ${transposes}: off by ${off}`);
  } finally {
    tf.dispose([a, b, out]);
  }
}
