// A tfjs WebGPUProgram whose WGSL body gets one `thread` index per invocation and reads its
// inputs as flat arrays: what our elementwise, row and column kernels share. Threads beyond the
// first dimension's limit of workgroups go on further lines of a two-dimensional dispatch; tfjs
// numbers the invocations of a flat layout across those lines (its getGlobalIndex).
import * as tf from "@tensorflow/tfjs";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackendLike } from "./webgpu_backend.ts";
import { KeyedProgram } from "./keyed_program.ts";

const WORKGROUP = 64;

/** What a kernel's shader is: input names, a cache key, and WGSL (helpers, then main's body). */
export interface WgslSpec {
  names: string[];
  key: string;
  /** Runs with `thread` (i32) and `uniforms.threads`, `.rows`, `.cols` in scope. */
  body: string;
  /** Functions outside main (prefix their names: tfjs declares its own helpers). */
  helpers?: string;
}

class WgslProgram extends KeyedProgram {
  outputShape: number[];
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = "threads : i32, rows : i32, cols : i32,";
  variableNames: string[];
  constructor(
    readonly spec: WgslSpec,
    dtypes: string[],
    size: number,
    threads: number,
    threadsX: number,
  ) {
    super();
    this.variableNames = spec.names;
    // The inputs' dtypes decide how the WGSL declares their buffers.
    this.shaderKey = `${spec.key}_${dtypes.join(",")}`;
    this.outputShape = [size];
    this.dispatch = [threadsX / WORKGROUP, Math.ceil(threads / threadsX), 1];
  }

  getUserCode(): string {
    return `
      ${this.spec.helpers ?? ""}
      fn main(thread : i32) {
        if (thread >= uniforms.threads) { return; }
        ${this.spec.body}
      }`;
  }
}

/**
 * Runs `spec` with `threads` invocations on `inputs` (flat views) into a float32 output of
 * `shape`. `rows` × `cols` is how the body sees its data; `maxWorkgroupsX` bounds the dispatch's first
 * dimension below the device's limit (tests make it small to cover the second dimension).
 */
export function runWgsl(
  backend: WebGPUBackendLike,
  spec: WgslSpec,
  inputs: TensorInfo[],
  shape: number[],
  threads: number,
  [rows, cols]: [number, number],
  maxWorkgroupsX = Infinity,
): TensorInfo {
  const limit = Math.min(maxWorkgroupsX, backend.device.limits.maxComputeWorkgroupsPerDimension);
  const threadsX = Math.max(1, Math.min(Math.ceil(threads / WORKGROUP), limit)) * WORKGROUP;
  const size = tf.util.sizeFromShape(shape);
  const dtypes = inputs.map((t) => t.dtype);
  const program = new WgslProgram(spec, dtypes, size, threads, threadsX);
  const flat = inputs.map((t) => ({ ...t, shape: [tf.util.sizeFromShape(t.shape)] }));
  const uniforms = [threads, rows, cols].map((v) => ({ type: "int32", data: [v] }));
  const out = backend.runWebGPUProgram(program, flat, "float32", uniforms);
  return { ...out, shape };
}
