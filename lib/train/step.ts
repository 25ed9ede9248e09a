// One optimizer step: loss and gradients, gradient-norm clipping, AdamW.
import * as tf from "@tensorflow/tfjs";
import type { QuestionAnsweringModel } from "../model/mod.ts";
import type { EncoderInputs, SpanLabels } from "../model/mod.ts";
import { type AdamW, clipGradNorm } from "./adamw.ts";

/** What one step measured. */
export interface StepResult {
  loss: number;
  /** Norm of the gradients before clipping (what the Trainer logs as grad_norm). */
  gradNorm: number;
  lr: number;
}

/**
 * Forward with dropout, backward, clip to `maxGradNorm` (0 or Infinity: no clipping), update at
 * learning rate `lr`.
 */
export function trainStep(
  model: QuestionAnsweringModel,
  optimizer: AdamW,
  inputs: EncoderInputs,
  labels: SpanLabels,
  lr: number,
  maxGradNorm: number,
): StepResult {
  const names = new Map([...model.weights].map(([name, v]) => [v.name, name]));
  const { value, grads } = tf.variableGrads(
    () => model.loss(inputs, labels, true),
    [...model.weights.values()],
  );
  const byName: tf.NamedTensorMap = {};
  for (const [variableName, grad] of Object.entries(grads)) byName[names.get(variableName)!] = grad;
  const clipped = clipGradNorm(byName, maxGradNorm > 0 ? maxGradNorm : Infinity);
  optimizer.step(clipped.grads, lr);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads), ...Object.values(clipped.grads)]);
  return { loss, gradNorm: clipped.norm, lr };
}
