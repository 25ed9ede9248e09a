// Reading and updating tensor values without copies, for the optimizer's per-step loops: on the
// wasm backend a float32 tensor's values are a stretch of the wasm heap, which JavaScript can read
// (and, for a variable nothing else shares, write) in place. Elsewhere these fall back to copies.
import * as tf from "@tensorflow/tfjs";
import type { WasmBackend } from "../runtime/wasm/wasm_internals.ts";

interface SharingBackend {
  refCount(dataId: unknown): number;
}

// The wasm backend, when it holds `t` as float32.
function wasmHolding(t: tf.Tensor): (WasmBackend & SharingBackend) | null {
  if (tf.getBackend() !== "wasm" || t.dtype !== "float32") return null;
  return tf.backend() as unknown as WasmBackend & SharingBackend;
}

/**
 * Calls `read` with the values of float32 tensor `t`: a view of the wasm heap where possible (no
 * copy), valid only during the call, which must not run tfjs operations.
 */
export function readValues<T>(t: tf.Tensor, read: (values: Float32Array) => T): T {
  const wasm = wasmHolding(t);
  const values = wasm ? wasm.typedArrayFromHeap(t) : t.dataSync();
  return read(values as Float32Array);
}

/**
 * Lets `update` change the values of `variable`: in place on the wasm heap when no other tensor
 * shares them, otherwise on a copy that is then assigned. `update` must not run tfjs operations.
 */
export function updateValues(variable: tf.Variable, update: (values: Float32Array) => void): void {
  const wasm = wasmHolding(variable);
  if (wasm && wasm.refCount(variable.dataId) === 1) {
    update(wasm.typedArrayFromHeap(variable) as Float32Array);
    return;
  }
  const values = Float32Array.from(variable.dataSync() as Float32Array);
  update(values);
  tf.tidy(() => variable.assign(tf.tensor(values, variable.shape, "float32")));
}
