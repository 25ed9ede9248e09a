// The span-prediction head on top of an encoder: `*ForQuestionAnswering` in Hugging Face.
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.ts";
import { encode, type EncoderInputs } from "./encoders.ts";
import { dropout, linear, type Weights } from "./layers.ts";

/** Start and end logits, [batch, length] each. */
export interface SpanLogits {
  startLogits: tf.Tensor2D;
  endLogits: tf.Tensor2D;
}

/** Labelled token positions of the answer, [batch] integer tensors. */
export interface SpanLabels {
  startPositions: tf.Tensor1D;
  endPositions: tf.Tensor1D;
}

/** Start/end logits of every token: the encoder, then a 2-way linear head. */
export function spanLogits(
  config: ModelConfig,
  weights: Weights,
  inputs: EncoderInputs,
  training: boolean,
): SpanLogits {
  const hidden = encode(config, weights, inputs, training);
  // DistilBERT drops out before the head; BERT does not.
  const headInput = config.modelType === "distilbert"
    ? dropout(hidden, config.qaDropout, training)
    : hidden;
  const logits = linear(headInput, weights, "qa_outputs");
  const [start, end] = tf.split(logits, 2, -1);
  return { startLogits: start.squeeze([-1]), endLogits: end.squeeze([-1]) };
}

/**
 * The QA loss of Hugging Face: mean cross-entropy of the start and of the end position, averaged.
 * Positions outside the sequence are clamped to its length and then ignored, as in PyTorch.
 */
export function spanLoss(logits: SpanLogits, labels: SpanLabels): tf.Scalar {
  const start = crossEntropyIgnoring(logits.startLogits, labels.startPositions);
  const end = crossEntropyIgnoring(logits.endLogits, labels.endPositions);
  return start.add(end).div(2);
}

function crossEntropyIgnoring(logits: tf.Tensor2D, positions: tf.Tensor1D): tf.Scalar {
  const length = logits.shape[1];
  const clamped = tf.clipByValue(positions.toInt(), 0, length).toInt();
  const kept = tf.notEqual(clamped, length).toFloat();
  const targets = tf.oneHot(clamped, length + 1).slice([0, 0], [-1, length]);
  const logProbabilities = tf.logSoftmax(logits, -1);
  const perExample = logProbabilities.mul(targets).sum(-1).neg();
  return perExample.mul(kept).sum().div(tf.maximum(kept.sum(), 1));
}
