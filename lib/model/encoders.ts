// DistilBERT and BERT encoders: embeddings, then post-LayerNorm transformer blocks.
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.ts";
import {
  additiveMask,
  dropout,
  embed,
  layerNorm,
  linear,
  linearGelu,
  residualLayerNorm,
  selfAttention,
  weight,
  type Weights,
} from "./layers.ts";

/** One batch of model inputs: [batch, length] integer tensors. */
export interface EncoderInputs {
  inputIds: tf.Tensor2D;
  attentionMask: tf.Tensor2D;
  /** Segment ids; BERT only (DistilBERT has no token type embeddings). */
  tokenTypeIds?: tf.Tensor2D;
}

/** The hidden states of the last layer, [batch, length, hidden]. */
export function encode(
  config: ModelConfig,
  weights: Weights,
  inputs: EncoderInputs,
  training: boolean,
): tf.Tensor {
  return config.modelType === "distilbert"
    ? distilbert(config, weights, inputs, training)
    : bert(config, weights, inputs, training);
}

function positions(length: number): tf.Tensor {
  return tf.range(0, length, 1, "int32");
}

function distilbert(c: ModelConfig, w: Weights, inputs: EncoderInputs, training: boolean) {
  const p = "distilbert";
  const length = inputs.inputIds.shape[1];
  const wordTable = weight(w, `${p}.embeddings.word_embeddings.weight`);
  const words = embed(inputs.inputIds, wordTable, c.padTokenId);
  const where = embed(positions(length), weight(w, `${p}.embeddings.position_embeddings.weight`));
  let x = layerNorm(words.add(where), w, `${p}.embeddings.LayerNorm`, c.layerNormEps);
  x = dropout(x, c.hiddenDropout, training);
  const mask = additiveMask(inputs.attentionMask);
  for (let i = 0; i < c.numLayers; i++) {
    const l = `${p}.transformer.layer.${i}`;
    const names = {
      query: `${l}.attention.q_lin`,
      key: `${l}.attention.k_lin`,
      value: `${l}.attention.v_lin`,
      output: `${l}.attention.out_lin`,
    };
    const attended = selfAttention(x, mask, w, names, c.numHeads, c.attentionDropout, training);
    x = residualLayerNorm(attended, x, w, `${l}.sa_layer_norm`, c.layerNormEps);
    const hidden = linearGelu(x, w, `${l}.ffn.lin1`);
    const ffn = dropout(linear(hidden, w, `${l}.ffn.lin2`), c.hiddenDropout, training);
    x = residualLayerNorm(ffn, x, w, `${l}.output_layer_norm`, c.layerNormEps);
  }
  return x;
}

function bert(c: ModelConfig, w: Weights, inputs: EncoderInputs, training: boolean) {
  const p = "bert";
  const length = inputs.inputIds.shape[1];
  const types = inputs.tokenTypeIds ?? tf.zerosLike(inputs.inputIds);
  const wordTable = weight(w, `${p}.embeddings.word_embeddings.weight`);
  const words = embed(inputs.inputIds, wordTable, c.padTokenId);
  const where = embed(positions(length), weight(w, `${p}.embeddings.position_embeddings.weight`));
  const segments = embed(types, weight(w, `${p}.embeddings.token_type_embeddings.weight`));
  let x = layerNorm(words.add(where).add(segments), w, `${p}.embeddings.LayerNorm`, c.layerNormEps);
  x = dropout(x, c.hiddenDropout, training);
  const mask = additiveMask(inputs.attentionMask);
  for (let i = 0; i < c.numLayers; i++) {
    const l = `${p}.encoder.layer.${i}`;
    const names = {
      query: `${l}.attention.self.query`,
      key: `${l}.attention.self.key`,
      value: `${l}.attention.self.value`,
      output: `${l}.attention.output.dense`,
    };
    const attended = selfAttention(x, mask, w, names, c.numHeads, c.attentionDropout, training);
    const attendedOut = dropout(attended, c.hiddenDropout, training);
    x = residualLayerNorm(attendedOut, x, w, `${l}.attention.output.LayerNorm`, c.layerNormEps);
    const hidden = linearGelu(x, w, `${l}.intermediate.dense`);
    const out = dropout(linear(hidden, w, `${l}.output.dense`), c.hiddenDropout, training);
    x = residualLayerNorm(out, x, w, `${l}.output.LayerNorm`, c.layerNormEps);
  }
  return x;
}

/** The parameter names and shapes of a QA model of this configuration, in HF's order. */
export function parameterShapes(c: ModelConfig): [string, number[]][] {
  const h = c.hiddenSize;
  const linearShapes = (name: string, out: number, inp: number): [string, number[]][] => [
    [`${name}.weight`, [out, inp]],
    [`${name}.bias`, [out]],
  ];
  const norm = (
    name: string,
  ): [string, number[]][] => [[`${name}.weight`, [h]], [`${name}.bias`, [h]]];
  const shapes: [string, number[]][] = [];
  const p = c.modelType;
  shapes.push([`${p}.embeddings.word_embeddings.weight`, [c.vocabSize, h]]);
  shapes.push([`${p}.embeddings.position_embeddings.weight`, [c.maxPositions, h]]);
  if (p === "bert") {
    shapes.push([`${p}.embeddings.token_type_embeddings.weight`, [c.typeVocabSize, h]]);
  }
  shapes.push(...norm(`${p}.embeddings.LayerNorm`));
  for (let i = 0; i < c.numLayers; i++) {
    if (p === "distilbert") {
      const l = `${p}.transformer.layer.${i}`;
      for (const name of ["q_lin", "k_lin", "v_lin", "out_lin"]) {
        shapes.push(...linearShapes(`${l}.attention.${name}`, h, h));
      }
      shapes.push(...norm(`${l}.sa_layer_norm`));
      shapes.push(...linearShapes(`${l}.ffn.lin1`, c.intermediateSize, h));
      shapes.push(...linearShapes(`${l}.ffn.lin2`, h, c.intermediateSize));
      shapes.push(...norm(`${l}.output_layer_norm`));
    } else {
      const l = `${p}.encoder.layer.${i}`;
      for (const name of ["query", "key", "value"]) {
        shapes.push(...linearShapes(`${l}.attention.self.${name}`, h, h));
      }
      shapes.push(...linearShapes(`${l}.attention.output.dense`, h, h));
      shapes.push(...norm(`${l}.attention.output.LayerNorm`));
      shapes.push(...linearShapes(`${l}.intermediate.dense`, c.intermediateSize, h));
      shapes.push(...linearShapes(`${l}.output.dense`, h, c.intermediateSize));
      shapes.push(...norm(`${l}.output.LayerNorm`));
    }
  }
  shapes.push(...linearShapes("qa_outputs", 2, h));
  return shapes;
}
