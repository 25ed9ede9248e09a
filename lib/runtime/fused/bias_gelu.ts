// gelu(x + b), the feed-forward block's activation after its first Linear, as one kernel, and its
// gradient dy·gelu'(x + b) as another (the bias's gradient sums that over rows): WGSL on webgpu,
// our wasm module on wasm (gelu_wasm.ts; rows of a multiple of 4 floats). Unfused that is the
// bias Add and five kernels of GELU forward (Mul, Mul, Erf, Add, Mul), more backward, each a pass
// over batch × length × intermediate floats. Other backends run the unfused ops.
//
// WGSL has no erf: ERF_WGSL is Eigen's (and XLA's) rational approximation for float32, odd so that
// it stays accurate relative to small arguments (within 4.3e-7 of erf everywhere, measured in
// float32 arithmetic against a float64 series; tfjs's Abramowitz–Stegun 7.1.26 is off by 1e-3
// relative near 0).

import * as tf from "@tensorflow/tfjs";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import { columnSumsWebGPU } from "../webgpu/column_sums_webgpu.ts";
import { geluModuleBytes } from "../wasm/gelu_wasm.ts";
import { heapInstance, heapOffset, type WasmBackend } from "../wasm/wasm_internals.ts";
import type { WebGPUBackendLike } from "../webgpu/webgpu_backend.ts";
import { runWgsl, type WgslSpec } from "../webgpu/wgsl_program.ts";

const FORWARD = "QaBiasGelu";
const BACKWARD = "QaBiasGeluGrad";

const ERF_WGSL = `
  fn qaErf(v : f32) -> f32 {
    let x = clamp(v, -4.0, 4.0);
    let x2 = x * x;
    var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08;
    p = x2 * p - 2.10102402082508e-06;
    p = x2 * p - 5.69250639462346e-05;
    p = x2 * p - 7.34990630326855e-04;
    p = x2 * p - 2.95459980854025e-03;
    p = x2 * p - 1.60960333262415e-02;
    var q = x2 * -1.45660718464996e-05 - 2.13374055278905e-04;
    q = x2 * q - 1.68282697438203e-03;
    q = x2 * q - 7.37332916720468e-03;
    q = x2 * q - 1.42647390514189e-02;
    return x * p / q;
  }`;

const FORWARD_SPEC: WgslSpec = {
  names: ["x", "b"],
  key: FORWARD,
  helpers: ERF_WGSL,
  body: `
    let z = x[thread] + b[thread % uniforms.cols];
    result[thread] = 0.5 * z * (1.0 + qaErf(z * ${Math.SQRT1_2}));`,
};

// gelu'(z) = Φ(z) + z·φ(z): the normal distribution's CDF and density.
const BACKWARD_SPEC: WgslSpec = {
  names: ["x", "b", "dy"],
  key: BACKWARD,
  helpers: ERF_WGSL,
  body: `
    let z = x[thread] + b[thread % uniforms.cols];
    let cdf = 0.5 * (1.0 + qaErf(z * ${Math.SQRT1_2}));
    let density = exp(-0.5 * z * z) * ${1 / Math.sqrt(2 * Math.PI)};
    result[thread] = dy[thread] * (cdf + z * density);`,
};

/** Kernel attributes: a bound on the dispatch's first dimension (tests make it small). */
interface DispatchAttrs {
  maxWorkgroupsX: number;
}

function elementwise(spec: WgslSpec): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const x = (inputs as { x: TensorInfo }).x;
    const size = tf.util.sizeFromShape(x.shape);
    const cols = x.shape[x.shape.length - 1];
    const { maxWorkgroupsX } = attrs as unknown as DispatchAttrs;
    const ordered = spec.names.map((name) => inputs[name] as TensorInfo);
    const view: [number, number] = [size / cols, cols];
    return runWgsl(
      backend as unknown as WebGPUBackendLike,
      spec,
      ordered,
      x.shape,
      size,
      view,
      maxWorkgroupsX,
    );
  };
}

let wasmBytes: Uint8Array | undefined;

/** Our module on a wasm backend's heap; null where the backend does not expose it. */
function geluWasm(backend: WasmBackend) {
  return heapInstance(backend, wasmBytes ??= geluModuleBytes());
}

/** The wasm kernels: `inputs` (x, b[, dy]) and the output by heap offset, then rows and columns. */
function wasmKernel(name: "biasGelu" | "biasGeluGrad"): KernelFunc {
  return ({ inputs, backend }) => {
    const { x, b, dy } = inputs as Record<string, TensorInfo>;
    const wasm = backend as unknown as WasmBackend;
    const out = wasm.makeOutput(x.shape, "float32");
    const cols = x.shape[x.shape.length - 1];
    const rows = tf.util.sizeFromShape(x.shape) / cols;
    const offsets = [x, b, ...(dy ? [dy] : []), out].map((t) => heapOffset(wasm, t));
    geluWasm(wasm)![name](...offsets, rows, cols);
    return out;
  };
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  const kernelFunc = elementwise(FORWARD_SPEC);
  tf.registerKernel({ kernelName: FORWARD, backendName: "webgpu", kernelFunc });
  const gradKernel = elementwise(BACKWARD_SPEC);
  tf.registerKernel({ kernelName: BACKWARD, backendName: "webgpu", kernelFunc: gradKernel });
  tf.registerKernel({
    kernelName: FORWARD,
    backendName: "wasm",
    kernelFunc: wasmKernel("biasGelu"),
  });
  tf.registerKernel({
    kernelName: BACKWARD,
    backendName: "wasm",
    kernelFunc: wasmKernel("biasGeluGrad"),
  });
  tf.registerGradient({
    kernelName: FORWARD,
    inputsToSave: ["x", "b"],
    gradFunc: (dy, [x, b], attrs) => {
      const dx = tf.engine().runKernel(BACKWARD, { x, b, dy: dy as tf.Tensor }, attrs) as tf.Tensor;
      const rows = Array.from({ length: dx.rank - 1 }, (_, axis) => axis);
      const db = () => tf.getBackend() === "webgpu" ? columnSumsWebGPU(dx) : dx.sum(rows);
      return { x: () => dx, b: db };
    },
  });
}

/** Whether the fused kernels take x [..., n] and b [n] on the current backend. */
function fused(x: tf.Tensor, b: tf.Tensor): boolean {
  const fits = b.rank === 1 && b.shape[0] === x.shape[x.rank - 1] && x.size > 0;
  if (!fits || x.dtype !== "float32" || b.dtype !== "float32") return false;
  if (tf.getBackend() === "webgpu") return true;
  const wasm = tf.backend() as unknown as WasmBackend;
  return tf.getBackend() === "wasm" && b.shape[0] % 4 === 0 && geluWasm(wasm) != null;
}

/** The unfused ops: exact GELU, 0.5·z·(1 + erf(z/√2)), of z = x + b. */
export function biasGeluOps(x: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const z = x.add(b);
  return z.mul(0.5).mul(tf.erf(z.mul(Math.SQRT1_2)).add(1));
}

/**
 * gelu(x + b) with exact GELU (as PyTorch's default), `x` [..., n] and `b` [n]. One kernel each
 * way on webgpu and wasm; `maxWorkgroupsX` bounds the first dimension of a webgpu dispatch (the
 * device limit by default).
 */
export function biasGelu(x: tf.Tensor, b: tf.Tensor, maxWorkgroupsX = Infinity): tf.Tensor {
  if (!fused(x, b)) return biasGeluOps(x, b);
  register();
  const attrs = { maxWorkgroupsX } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(FORWARD, { x, b }, attrs) as tf.Tensor;
}
