// softmax(scores + mask) over the last axis, attention's probabilities, as one webgpu kernel, and
// its gradient p·(dy − Σ p·dy) as another. Unfused that is a broadcast Add and tfjs's Softmax
// forward, and four kernels backward (Mul, Sum, Sub, Mul), each a pass over the batch × heads ×
// length² scores, the largest tensors of a BERT step. Other backends run the unfused ops.
//
// One invocation owns one row and walks it (maximum, sum of exponentials, output): no workgroup
// memory and no barriers, which the software adapter runs 3× faster than a workgroup reduction
// per row; on a GPU neighbouring rows share cache lines across the walk.

import * as tf from "@tensorflow/tfjs";
import type { KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackendLike } from "../webgpu/webgpu_backend.ts";
import { runWgsl } from "../webgpu/wgsl_program.ts";

const FORWARD = "QaMaskedSoftmax";
const BACKWARD = "QaMaskedSoftmaxGrad";
// One invocation a row (`thread`) of `cols` scores; `uniforms.rows` rows of the mask, each
// shared by threads / rows consecutive rows of scores (heads × queries).
const FORWARD_BODY = `
  let cols = uniforms.cols;
  let base = thread * cols;
  let maskBase = (thread / (uniforms.threads / uniforms.rows)) * cols;
  var largest = -3.402823466e+38;
  for (var j = 0; j < cols; j++) {
    largest = max(largest, x[base + j] + mask[maskBase + j]);
  }
  var total = 0.0;
  for (var j = 0; j < cols; j++) {
    total += exp(x[base + j] + mask[maskBase + j] - largest);
  }
  for (var j = 0; j < cols; j++) {
    result[base + j] = exp(x[base + j] + mask[maskBase + j] - largest) / total;
  }`;

const BACKWARD_BODY = `
  let cols = uniforms.cols;
  let base = thread * cols;
  var dot = 0.0;
  for (var j = 0; j < cols; j++) {
    dot += y[base + j] * dy[base + j];
  }
  for (var j = 0; j < cols; j++) {
    result[base + j] = y[base + j] * (dy[base + j] - dot);
  }`;

/** Runs a row-per-invocation body over `inputs` ([rows, cols] in effect), `maskRows` mask rows. */
function runRows(
  backend: WebGPUBackendLike,
  spec: { names: string[]; key: string; body: string },
  inputs: TensorInfo[],
  maskRows: number,
  maxWorkgroupsX: number,
): TensorInfo {
  const shape = inputs[0].shape;
  const cols = shape[shape.length - 1];
  const rows = tf.util.sizeFromShape(shape) / cols;
  return runWgsl(backend, spec, inputs, shape, rows, [maskRows, cols], maxWorkgroupsX);
}

/** Kernel attributes: a bound on the dispatch's first dimension (tests make it small). */
interface RowAttrs {
  maxWorkgroupsX: number;
}

const forwardKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, mask } = inputs as { x: TensorInfo; mask: TensorInfo };
  const program = { names: ["x", "mask"], key: FORWARD, body: FORWARD_BODY };
  const { maxWorkgroupsX } = attrs as unknown as RowAttrs;
  const maskRows = mask.shape[0];
  return runRows(
    backend as unknown as WebGPUBackendLike,
    program,
    [x, mask],
    maskRows,
    maxWorkgroupsX,
  );
};

const backwardKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { y, dy } = inputs as { y: TensorInfo; dy: TensorInfo };
  const program = { names: ["y", "dy"], key: BACKWARD, body: BACKWARD_BODY };
  const { maxWorkgroupsX } = attrs as unknown as RowAttrs;
  const rows = tf.util.sizeFromShape(y.shape) / y.shape[y.shape.length - 1];
  return runRows(backend as unknown as WebGPUBackendLike, program, [y, dy], rows, maxWorkgroupsX);
};

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: FORWARD, backendName: "webgpu", kernelFunc: forwardKernel });
  tf.registerKernel({ kernelName: BACKWARD, backendName: "webgpu", kernelFunc: backwardKernel });
  tf.registerGradient({
    kernelName: FORWARD,
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [y] = saved;
      const dScores = () =>
        tf.engine().runKernel(BACKWARD, { y, dy: dy as tf.Tensor }, attrs) as tf.Tensor;
      return {
        x: dScores,
        // The mask is broadcast over heads and queries: its gradient sums over them.
        mask: () => dScores().sum([1, 2], true),
      };
    },
  });
}

/** The additive attention mask: 0 where attended, the float32 minimum where padded (as HF). */
export function additiveMask(attentionMask: tf.Tensor): tf.Tensor {
  const [batch, length] = attentionMask.shape;
  const blocked = tf.scalar(1).sub(attentionMask.toFloat());
  return blocked.mul(-3.4028234663852886e38).reshape([batch, 1, 1, length]);
}

/**
 * softmax(scores + mask) over the last axis. `scores` is [batch, heads, queries, keys], `mask`
 * [batch, 1, 1, keys] (additive, as `additiveMask` makes it). One kernel each way on webgpu;
 * `maxWorkgroupsX` bounds the first dimension of its dispatch (the device limit by default).
 */
export function maskedSoftmax(
  scores: tf.Tensor,
  mask: tf.Tensor,
  maxWorkgroupsX = Infinity,
): tf.Tensor {
  const [batch, , , keys] = scores.shape;
  const fits = scores.rank === 4 && tf.util.arraysEqual(mask.shape, [batch, 1, 1, keys]);
  if (tf.getBackend() !== "webgpu" || !fits || scores.dtype !== "float32" || scores.size === 0) {
    return tf.softmax(scores.add(mask), -1);
  }
  register();
  const attrs = { maxWorkgroupsX } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(FORWARD, { x: scores, mask }, attrs) as tf.Tensor;
}
