// One optimizer step that keeps everything on the backend's device (a GPU under webgpu):
// gradients are summed, clipped and applied by AdamW as tensors, and only the loss and the
// gradient norm come back to the host, in one read. The host path (step.ts) instead pulls every
// gradient into one flat array, which is what wasm and gradient workers want.
import * as tf from "@tensorflow/tfjs";
import type { QuestionAnsweringModel } from "../model/mod.ts";
import { squaredSum } from "../runtime/webgpu/squared_sum_webgpu.ts";
import { type AdamW, clipFactor } from "./adamw.ts";
import { type MicroBatch, microBatchGradients, type StepResult } from "./step.ts";

/**
 * Forward with dropout and backward over the micro-batches of one batch (each counts
 * `part.size / total`), then clipping to `maxGradNorm` (0 or Infinity: none) and AdamW at `lr`,
 * all on the device. Same step as `trainStep`.
 */
export async function deviceTrainStep(
  model: QuestionAnsweringModel,
  optimizer: AdamW,
  batch: MicroBatch[] | MicroBatch,
  lr: number,
  maxGradNorm: number,
): Promise<StepResult> {
  const parts = Array.isArray(batch) ? batch : [batch];
  const { loss, grads } = deviceGradients(model, optimizer, parts);
  const both = tf.tidy(() => tf.stack([loss, globalNorm(grads)]));
  tf.dispose(loss);
  try {
    const [lossValue, norm] = await both.data();
    optimizer.stepOnDevice(grads, lr, clipFactor(norm, maxGradNorm));
    return { loss: lossValue, gradNorm: norm, lr };
  } finally {
    tf.dispose([both, ...grads]);
  }
}

/** The batch's mean loss (a scalar tensor) and mean gradients, in `optimizer.layout` order. */
function deviceGradients(
  model: QuestionAnsweringModel,
  optimizer: AdamW,
  parts: MicroBatch[],
): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const total = parts.reduce((n, part) => n + part.size, 0);
  const variables = optimizer.layout.names.map((name) => model.weights.get(name)!);
  let loss: tf.Scalar | null = null;
  let summed: tf.Tensor[] | null = null;
  for (const micro of parts) {
    const weight = micro.size / total;
    const { value, grads } = microBatchGradients(model, micro, variables);
    const previous: tf.Tensor[] = [...(summed ?? []), ...(loss ? [loss] : [])];
    [loss, summed] = tf.tidy(() => {
      const scaled = (t: tf.Tensor) => weight === 1 ? t.clone() : t.mul(weight);
      const nextLoss = loss ? loss.add(scaled(value)) : scaled(value);
      const nextGrads = variables.map((variable, i) => {
        // A parameter the loss does not reach gets zeros, as in the host path.
        const grad = scaled(grads[variable.name] ?? tf.zerosLike(variable));
        return summed ? summed[i].add(grad) : grad;
      });
      return [nextLoss as tf.Scalar, nextGrads] as [tf.Scalar, tf.Tensor[]];
    });
    tf.dispose([value, ...Object.values(grads), ...previous]);
  }
  return { loss: loss!, grads: summed! };
}

/** √(Σ g²) over all gradients, as `clip_grad_norm_` measures it. */
function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  // Stacked rather than added with addN: one webgpu AddN binds every input, beyond the
  // device's limit of storage buffers per shader.
  return tf.stack(grads.map(squaredSum)).sum().sqrt() as tf.Scalar;
}
