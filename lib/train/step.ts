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

/** Mean loss and mean gradients (by parameter name) of a batch. */
export interface Gradients {
  loss: number;
  grads: tf.NamedTensorMap;
}

/**
 * Forward with dropout and backward over the micro-batches of one batch; each part's loss and
 * gradients count `part.size / total` (`total` defaults to the parts' sizes), which gives the
 * mean over the whole batch in less memory.
 */
export function accumulateGradients(
  model: QuestionAnsweringModel,
  parts: MicroBatch[],
  total = parts.reduce((n, part) => n + part.size, 0),
): Gradients {
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
  return { loss, grads: summed };
}

/**
 * Clips `grads` to `maxGradNorm` (0 or Infinity: no clipping) and applies AdamW at `lr`; the
 * gradients are disposed. Returns the norm before clipping.
 */
export function applyGradients(
  optimizer: AdamW,
  grads: tf.NamedTensorMap,
  lr: number,
  maxGradNorm: number,
): number {
  const clipped = clipGradNorm(grads, maxGradNorm > 0 ? maxGradNorm : Infinity);
  optimizer.step(clipped.grads, lr);
  tf.dispose([...Object.values(grads), ...Object.values(clipped.grads)]);
  return clipped.norm;
}

/** A whole step in this thread: `accumulateGradients`, then `applyGradients`. */
export function trainStep(
  model: QuestionAnsweringModel,
  optimizer: AdamW,
  batch: MicroBatch[] | MicroBatch,
  lr: number,
  maxGradNorm: number,
): StepResult {
  const { loss, grads } = accumulateGradients(model, Array.isArray(batch) ? batch : [batch]);
  return { loss, gradNorm: applyGradients(optimizer, grads, lr, maxGradNorm), lr };
}
