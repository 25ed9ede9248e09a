// Σ x² of a float32 tensor, for the gradient norm. tfjs's Sum reduces a whole tensor in one
// workgroup: over the word embeddings' gradient (23 M floats for DistilBERT) that was most of a
// step's Sum time. Here a first kernel gives each of up to 65,536 invocations a strided share
// (neighbouring invocations read neighbouring floats), and tfjs's Sum adds up their sums.
import * as tf from "@tensorflow/tfjs";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackendLike } from "./webgpu_backend.ts";
import { runWgsl } from "./wgsl_program.ts";

const KERNEL = "QaSquaredSums";

/** Below this many floats tfjs's Square + Sum is as quick. */
const LARGE = 65_536;

/** At most this many partial sums; at least 256 floats for each. */
const MAX_SUMS = 65_536;

const SPEC = {
  names: ["x"],
  key: KERNEL,
  body: `
    var total = 0.0;
    for (var i = thread; i < uniforms.rows; i += uniforms.threads) {
      total = fma(x[i], x[i], total);
    }
    result[thread] = total;`,
};

const kernel: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  const size = tf.util.sizeFromShape(x.shape);
  const sums = Math.min(MAX_SUMS, Math.ceil(size / 256));
  return runWgsl(backend as unknown as WebGPUBackendLike, SPEC, [x], [sums], sums, [size, 1]);
};

let registered = false;

/** Σ x² as a scalar: partial sums in one kernel on webgpu for large float32 tensors. */
export function squaredSum(x: tf.Tensor): tf.Scalar {
  if (tf.getBackend() !== "webgpu" || x.dtype !== "float32" || x.size < LARGE) {
    return tf.tidy(() => x.square().sum());
  }
  if (!registered) {
    registered = true;
    tf.registerKernel({ kernelName: KERNEL, backendName: "webgpu", kernelFunc: kernel });
  }
  return tf.tidy(() => (tf.engine().runKernel(KERNEL, { x }) as tf.Tensor).sum());
}
