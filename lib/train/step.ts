// One optimizer step: loss and gradients (over micro-batches if the batch is split), gradient-norm
// clipping, AdamW.
import * as tf from "@tensorflow/tfjs";
import {
  type EncoderInputs,
  type FeatureLike,
  inputsOf,
  labelsOf,
  type QuestionAnsweringModel,
  readValues,
  seedDropout,
  type SpanLabels,
} from "../model/mod.ts";
import { type AdamW, clipFactor, gradientNorm } from "./adamw.ts";
import { addScaled, type FlatLayout, flatLayout, part, setScaled } from "./flat.ts";

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
  /** Seed of its dropout masks (`dropoutSeed`); unseeded masks without it. */
  dropoutSeed?: number;
}

/**
 * A batch as tensors, cut into micro-batches of at most `size` features; `seedAt(offset)` gives
 * the dropout seed of the one starting `offset` features in (none: unseeded masks). The caller
 * disposes them (`disposeBatch`).
 */
export function microBatches(
  batch: FeatureLike[],
  size: number,
  seedAt?: (offset: number) => number,
): MicroBatch[] {
  const parts: MicroBatch[] = [];
  for (let from = 0; from < batch.length; from += size) {
    const features = batch.slice(from, from + size);
    parts.push({
      inputs: inputsOf(features),
      labels: labelsOf(features),
      size: features.length,
      dropoutSeed: seedAt?.(from),
    });
  }
  return parts;
}

/** Mean loss and mean gradients of a batch, flat in the model's parameter order. */
export interface Gradients {
  loss: number;
  grads: Float32Array;
}

/**
 * Forward with dropout and backward over the micro-batches of one batch; each part's loss and
 * gradients count `part.size / total` (`total` defaults to the parts' sizes), which gives the
 * mean over the whole batch in less memory. The gradients are laid out as `flatLayout`, in
 * `into` when given (a buffer kept from step to step costs no fresh pages, whose page faults are
 * a large part of a small model's step), else in a new buffer. The first micro-batch writes the
 * buffer rather than adding to it (no zeroing pass; 0 + x is x).
 */
export function accumulateGradients(
  model: QuestionAnsweringModel,
  parts: MicroBatch[],
  total = parts.reduce((n, part) => n + part.size, 0),
  layout: FlatLayout = flatLayout(model.weights),
  into?: Float32Array,
): Gradients {
  if (into != null && into.length !== layout.size) {
    throw new Error(`gradients: a buffer of ${into.length} values for ${layout.size} parameters`);
  }
  const variables = layout.names.map((name) => model.weights.get(name)!);
  const summed = into ?? new Float32Array(layout.size);
  let loss = 0;
  parts.forEach((micro, k) => {
    const weight = micro.size / total;
    const { value, grads } = microBatchGradients(model, micro, variables);
    loss += value.dataSync()[0] * weight;
    variables.forEach((variable, i) => {
      const grad = grads[variable.name];
      const sum = part(layout, summed, i);
      if (grad == null) {
        if (k === 0) sum.fill(0);
      } else if (k === 0) readValues(grad, (values) => setScaled(sum, values, weight));
      else readValues(grad, (values) => addScaled(sum, values, weight));
    });
    tf.dispose([value, ...Object.values(grads)]);
  });
  if (parts.length === 0) summed.fill(0);
  return { loss, grads: summed };
}

/** Loss and gradients of one micro-batch, in training mode, its dropout masks seeded. */
export function microBatchGradients(
  model: QuestionAnsweringModel,
  micro: MicroBatch,
  variables: tf.Variable[],
): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  seedDropout(micro.dropoutSeed ?? null);
  try {
    return tf.variableGrads(() => model.loss(micro.inputs, micro.labels, true), variables);
  } finally {
    seedDropout(null);
  }
}

/**
 * Clips `grads` (flat) to `maxGradNorm` (0 or Infinity: no clipping) and applies AdamW at `lr`.
 * Returns the norm before clipping.
 */
export function applyGradients(
  optimizer: AdamW,
  grads: Float32Array,
  lr: number,
  maxGradNorm: number,
): number {
  const norm = gradientNorm(grads);
  optimizer.step(grads, lr, clipFactor(norm, maxGradNorm));
  return norm;
}

/**
 * A whole step in this thread: `accumulateGradients` (into `gradients` when given: a buffer kept
 * from step to step by the caller, `optimizer.layout.size` values), then `applyGradients`.
 */
export function trainStep(
  model: QuestionAnsweringModel,
  optimizer: AdamW,
  batch: MicroBatch[] | MicroBatch,
  lr: number,
  maxGradNorm: number,
  gradients?: Float32Array,
): StepResult {
  const parts = Array.isArray(batch) ? batch : [batch];
  const { layout } = optimizer;
  const { loss, grads } = accumulateGradients(model, parts, undefined, layout, gradients);
  return { loss, gradNorm: applyGradients(optimizer, grads, lr, maxGradNorm), lr };
}
