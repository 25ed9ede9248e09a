// UnsortedSegmentSum: out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] == s.
//
// tf.gather's gradient is an UnsortedSegmentSum over the gathered rows, so every embedding lookup
// needs it in training. tfjs-backend-wasm 4.22 has no such kernel ("kernel not registered"), and
// tfjs-backend-cpu's builds one equality mask per segment: O(numSegments × x.size), i.e. minutes
// for a 30522-row vocabulary. Here it is one pass over x in plain JavaScript, for both backends.

import type {
  KernelConfig,
  KernelFunc,
  TensorInfo,
  TypedArray,
  UnsortedSegmentSumAttrs,
} from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import type { MathBackendCPU } from "@tensorflow/tfjs-backend-cpu";
import type { WasmBackend } from "./wasm_internals.ts";

/**
 * Adds row `i` of `x` (rows of `rowSize` elements) into row `segmentIds[i]` of `out`, which is
 * zeroed first. Ids outside `[0, numSegments)` are dropped, as TensorFlow does.
 */
export function segmentSum(
  x: TypedArray,
  segmentIds: TypedArray,
  rowSize: number,
  numSegments: number,
  out: TypedArray,
): void {
  out.fill(0);
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * rowSize;
    const dst = s * rowSize;
    for (let j = 0; j < rowSize; j++) out[dst + j] += x[src + j];
  }
}

/** Output shape and row size: segmentIds' shape is a prefix of x's and becomes [numSegments]. */
function layout(x: TensorInfo, segmentIds: TensorInfo, numSegments: number) {
  const rowShape = x.shape.slice(segmentIds.shape.length);
  return { outShape: [numSegments, ...rowShape], rowSize: tf.util.sizeFromShape(rowShape) };
}

type Args = {
  inputs: { x: TensorInfo; segmentIds: TensorInfo };
  attrs: UnsortedSegmentSumAttrs;
};

function unsortedSegmentSumWasm(args: Args & { backend: WasmBackend }): TensorInfo {
  const { inputs: { x, segmentIds }, attrs: { numSegments }, backend } = args;
  const { outShape, rowSize } = layout(x, segmentIds, numSegments);
  const out = backend.makeOutput(outShape, x.dtype);
  // Views only after the allocation: growing the heap detaches older ones.
  const ids = backend.typedArrayFromHeap(segmentIds);
  segmentSum(
    backend.typedArrayFromHeap(x),
    ids,
    rowSize,
    numSegments,
    backend.typedArrayFromHeap(out),
  );
  return out;
}

function unsortedSegmentSumCpu(args: Args & { backend: MathBackendCPU }): TensorInfo {
  const { inputs: { x, segmentIds }, attrs: { numSegments }, backend } = args;
  const { outShape, rowSize } = layout(x, segmentIds, numSegments);
  const out = tf.util.getTypedArrayFromDType(x.dtype as "float32" | "int32", numSegments * rowSize);
  const xVals = backend.readSync(x.dataId) as TypedArray;
  const ids = backend.readSync(segmentIds.dataId) as TypedArray;
  segmentSum(xVals, ids, rowSize, numSegments, out);
  return backend.makeTensorInfo(outShape, x.dtype, out);
}

/** UnsortedSegmentSum for the wasm backend (which has none). */
export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: "wasm",
  kernelFunc: unsortedSegmentSumWasm as unknown as KernelFunc,
};

/** UnsortedSegmentSum for the cpu backend, replacing its O(numSegments × size) kernel. */
export const unsortedSegmentSumCpuConfig: KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: "cpu",
  kernelFunc: unsortedSegmentSumCpu as unknown as KernelFunc,
};
