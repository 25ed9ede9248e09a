// One optimizer step: loss and gradients (over micro-batches if the batch is split), gradient-norm
// clipping, AdamW.
import * as tf from "@tensorflow/tfjs";
import type { EncoderInputs, QuestionAnsweringModel, SpanLabels } from "../model/mod.ts";
import { type AdamW, clipGradNorm } from "./adamw.ts";

/** What one step measured. */
export interface StepResult {
  loss: number;
  /** Norm of the gradients before clipping (what the Trainer logs as grad_norm). */
  gradNorm: number;
  lr: number;
}

/** One micro-batch: its inputs, labels and number of features. */
export interface MicroBatch {
  inputs: EncoderInputs;
  labels: SpanLabels;
  size: number;
}

/**
 * Forward with dropout and backward over the micro-batches of one batch, their gradients averaged
 * by size (the same mean gradient as the whole batch at once, in less memory); then clipping to
 * `maxGradNorm` (0 or Infinity: none) and the AdamW update at learning rate `lr`.
 */
export function trainStep(
  model: QuestionAnsweringModel,
  optimizer: AdamW,
  batch: MicroBatch[] | MicroBatch,
  lr: number,
  maxGradNorm: number,
): StepResult {
  const parts = Array.isArray(batch) ? batch : [batch];
  const total = parts.reduce((n, part) => n + part.size, 0);
  const names = new Map([...model.weights].map(([name, v]) => [v.name, name]));
  const summed: tf.NamedTensorMap = {};
  let loss = 0;
  for (const part of parts) {
    const weight = part.size / total;
    const { value, grads } = tf.variableGrads(
      () => model.loss(part.inputs, part.labels, true),
      [...model.weights.values()],
    );
    loss += value.dataSync()[0] * weight;
    for (const [variableName, grad] of Object.entries(grads)) {
      const name = names.get(variableName)!;
      const scaled = tf.tidy(() =>
        summed[name] ? summed[name].add(grad.mul(weight)) : grad.mul(weight)
      );
      summed[name]?.dispose();
      summed[name] = scaled;
    }
    tf.dispose([value, ...Object.values(grads)]);
  }
  const clipped = clipGradNorm(summed, maxGradNorm > 0 ? maxGradNorm : Infinity);
  optimizer.step(clipped.grads, lr);
  tf.dispose([...Object.values(summed), ...Object.values(clipped.grads)]);
  return { loss, gradNorm: clipped.norm, lr };
}
