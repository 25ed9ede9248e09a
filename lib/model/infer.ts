// Logits for many features, batch by batch, without keeping tensors around.
import * as tf from "@tensorflow/tfjs";
import { disposeBatch, type FeatureLike, type FeatureLogits, inputsOf } from "./batch.ts";
import type { QuestionAnsweringModel } from "./model.ts";
import { OnnxQuestionAnsweringModel } from "./onnx/onnx_model.ts";

export type { FeatureLogits };

/**
 * Runs the model over `features` (no dropout); `onBatch` reports progress. An ONNX Runtime model
 * (`OnnxQuestionAnsweringModel`) runs its graph instead.
 */
export async function predictLogits(
  model: QuestionAnsweringModel | OnnxQuestionAnsweringModel,
  features: FeatureLike[],
  batchSize = 32,
  onBatch?: (done: number, total: number) => void,
): Promise<FeatureLogits> {
  if (model instanceof OnnxQuestionAnsweringModel) {
    return await model.predictLogits(features, batchSize, onBatch);
  }
  const out: FeatureLogits = { startLogits: [], endLogits: [] };
  for (let from = 0; from < features.length; from += batchSize) {
    const batch = features.slice(from, from + batchSize);
    const inputs = inputsOf(batch);
    const { startLogits, endLogits } = tf.tidy(() => {
      const logits = model.forward(inputs, false);
      return { startLogits: logits.startLogits, endLogits: logits.endLogits };
    }) as { startLogits: tf.Tensor2D; endLogits: tf.Tensor2D };
    const [starts, ends] = await Promise.all([startLogits.data(), endLogits.data()]);
    tf.dispose([startLogits, endLogits]);
    disposeBatch(inputs);
    const length = startLogits.shape[1];
    for (let i = 0; i < batch.length; i++) {
      out.startLogits.push((starts as Float32Array).slice(i * length, (i + 1) * length));
      out.endLogits.push((ends as Float32Array).slice(i * length, (i + 1) * length));
    }
    onBatch?.(Math.min(from + batchSize, features.length), features.length);
  }
  return out;
}
