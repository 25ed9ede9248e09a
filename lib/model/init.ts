// Fresh weights the way Hugging Face initialises BERT-family models (`_init_weights`).
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.ts";

/**
 * The initial value of one parameter: LayerNorm weight 1 and bias 0, other biases 0, other
 * weights normal(0, initializer_range); the padding row of the word embeddings is zero.
 */
export function initialValue(
  config: ModelConfig,
  name: string,
  shape: number[],
  seed: number,
): tf.Tensor {
  return tf.tidy(() => {
    if (/LayerNorm|layer_norm/.test(name)) {
      return name.endsWith(".weight") ? tf.ones(shape) : tf.zeros(shape);
    }
    if (name.endsWith(".bias")) return tf.zeros(shape);
    const values = tf.randomNormal(shape, 0, config.initializerRange, "float32", seed);
    if (!name.endsWith("word_embeddings.weight")) return values;
    const keep = tf.oneHot([config.padTokenId], shape[0]).reshape([shape[0], 1]);
    return values.mul(tf.scalar(1).sub(keep));
  });
}
