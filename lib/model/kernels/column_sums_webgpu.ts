// Sums over rows ([rows, cols] → [cols]) as one webgpu kernel: the gradients of a bias and of a
// LayerNorm's shift. tfjs's Sum over a leading axis transposes first, two passes. One invocation
// owns one column and walks the rows, neighbouring invocations reading neighbouring floats.
import * as tf from "@tensorflow/tfjs";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackendLike } from "./webgpu_backend.ts";
import { runWgsl } from "./wgsl_program.ts";

const KERNEL = "QaColumnSums";

const SPEC = {
  names: ["x"],
  key: KERNEL,
  body: `
    let cols = uniforms.cols;
    var total = 0.0;
    for (var r = 0; r < uniforms.rows; r++) {
      total += x[r * cols + thread];
    }
    result[thread] = total;`,
};

const kernel: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  const cols = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / cols;
  return runWgsl(backend as unknown as WebGPUBackendLike, SPEC, [x], [cols], cols, [rows, cols]);
};

let registered = false;

/** Σ over every axis but the last, on webgpu only (one kernel). */
export function columnSumsWebGPU(x: tf.Tensor): tf.Tensor {
  if (!registered) {
    registered = true;
    tf.registerKernel({ kernelName: KERNEL, backendName: "webgpu", kernelFunc: kernel });
  }
  return tf.engine().runKernel(KERNEL, { x }) as tf.Tensor;
}
