// The few internals of @tensorflow/tfjs-backend-wasm 4.22.0 that our kernels use. The package's own
// kernels use exactly these (see node_modules/@tensorflow/tfjs-backend-wasm/dist/kernels/*.js);
// they are written down here so that a version bump shows, in one place, what to re-check.

import type { DataType, KernelFunc, TensorInfo, TypedArray } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import type { ProductHeap } from "./engine_choice.ts";

/** What the C++ side keeps per tensor: its id there and its byte offset on the wasm heap. */
interface WasmTensorData {
  id: number;
  memoryOffset: number;
}

/** The Emscripten module of the wasm backend. */
interface WasmModule {
  cwrap(name: string, ret: null, argTypes: string[]): (...args: unknown[]) => void;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
  /** The instance's exports; `memory` is the heap, which our own wasm module imports. */
  asm?: { memory?: WebAssembly.Memory };
  /** The C heap's allocator (scratch space for our kernels). */
  _malloc(bytes: number): number;
  _free(offset: number): void;
}

/** The parts of tfjs-backend-wasm's `BackendWasm` that our kernels touch. */
export interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: unknown): WasmTensorData };
  /** Private in the typings; the next free id in the C++ tensor registry. */
  dataIdNextNumber: number;
  /** Allocates an output on the wasm heap (uninitialised memory). */
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** A view of a tensor's memory; invalid once the heap grows (after any allocation). */
  typedArrayFromHeap(t: TensorInfo): TypedArray;
  disposeData(dataId: unknown): boolean;
}

/** The kernel function registered for `kernelName` on the wasm backend, or an error naming it. */
export function wasmKernel(kernelName: string): KernelFunc {
  const config = tf.getKernel(kernelName, "wasm");
  if (config == null) throw new Error(`tfjs-backend-wasm has no ${kernelName} kernel`);
  return config.kernelFunc;
}

/** Byte offset of a tensor on the wasm heap. */
export function heapOffset(backend: WasmBackend, t: TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/**
 * Registers `size` float32 elements of the heap starting at `byteOffset` as a C++ tensor, without
 * allocating: a zero-copy view into a bigger tensor. Release it with `releaseView`, never with
 * `backend.disposeData` (which would free the owner's memory).
 */
export function registerView(backend: WasmBackend, byteOffset: number, size: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, byteOffset);
  return id;
}

/** Forgets a view made by `registerView` (and any XNNPACK operator cached on it). */
export function releaseView(backend: WasmBackend, id: number): void {
  backend.wasm.tfjs.disposeData(id);
}

/** The wasm heap's current buffer (a new one after each growth), or null if not exposed. */
export function heapBuffer(backend: WasmBackend): ArrayBufferLike | null {
  const memory = backend.wasm.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory.buffer : null;
}

/** The wasm heap as the products' engines see it (engine_choice.ts's `ProductHeap`). */
export function wasmHeap(backend: WasmBackend): ProductHeap {
  return {
    malloc: (bytes) => backend.wasm._malloc(bytes),
    free: (offset) => backend.wasm._free(offset),
    buffer: () => heapBuffer(backend)!,
  };
}

type HeapExports = Record<string, (...args: number[]) => void>;
const heapInstances = new WeakMap<WasmBackend, Map<Uint8Array, HeapExports>>();

/**
 * The exports of our module `bytes` instantiated on `backend`'s heap (it imports `env.memory`),
 * once per backend; null if the backend does not expose its memory.
 */
export function heapInstance(backend: WasmBackend, bytes: Uint8Array): HeapExports | null {
  const memory = backend.wasm.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return null;
  let byBytes = heapInstances.get(backend);
  if (byBytes == null) heapInstances.set(backend, byBytes = new Map());
  let exports = byBytes.get(bytes);
  if (exports == null) {
    const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    exports = new WebAssembly.Instance(module, { env: { memory } }).exports as HeapExports;
    byBytes.set(bytes, exports);
  }
  return exports;
}
