// DistilBERT and BERT encoders: embeddings, then post-LayerNorm transformer blocks. Each
// architecture's Hugging Face parameter names are written once, in its table (`DISTILBERT`,
// `BERT`): the forward pass takes its variables by them and `parameterShapes` lists them.
import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.ts";
import {
  additiveMask,
  type AttentionNames,
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

/** Where one transformer block keeps its parameters (prefixes of `.weight` and `.bias`). */
export interface BlockNames {
  attention: AttentionNames;
  /** The LayerNorm after attention's residual add. */
  attentionNorm: string;
  /** The feed-forward layers: hidden → intermediate (GELU), intermediate → hidden. */
  ffnIn: string;
  ffnOut: string;
  /** The LayerNorm after the feed-forward's residual add. */
  outputNorm: string;
}

/** One architecture's parameter names, in Hugging Face's checkpoint order, and its differences. */
export interface Architecture {
  /** Embedding tables (full names) and the embeddings' LayerNorm (prefix). */
  embeddings: { words: string; positions: string; tokenTypes: string | null; norm: string };
  block(layer: number): BlockNames;
  /** Dropout on the attention output before its residual add (BERT's BertSelfOutput). */
  attentionOutputDropout: boolean;
}

const DISTILBERT: Architecture = {
  embeddings: {
    words: "distilbert.embeddings.word_embeddings.weight",
    positions: "distilbert.embeddings.position_embeddings.weight",
    tokenTypes: null,
    norm: "distilbert.embeddings.LayerNorm",
  },
  block(i) {
    const l = `distilbert.transformer.layer.${i}`;
    return {
      attention: {
        query: `${l}.attention.q_lin`,
        key: `${l}.attention.k_lin`,
        value: `${l}.attention.v_lin`,
        output: `${l}.attention.out_lin`,
      },
      attentionNorm: `${l}.sa_layer_norm`,
      ffnIn: `${l}.ffn.lin1`,
      ffnOut: `${l}.ffn.lin2`,
      outputNorm: `${l}.output_layer_norm`,
    };
  },
  attentionOutputDropout: false,
};

const BERT: Architecture = {
  embeddings: {
    words: "bert.embeddings.word_embeddings.weight",
    positions: "bert.embeddings.position_embeddings.weight",
    tokenTypes: "bert.embeddings.token_type_embeddings.weight",
    norm: "bert.embeddings.LayerNorm",
  },
  block(i) {
    const l = `bert.encoder.layer.${i}`;
    return {
      attention: {
        query: `${l}.attention.self.query`,
        key: `${l}.attention.self.key`,
        value: `${l}.attention.self.value`,
        output: `${l}.attention.output.dense`,
      },
      attentionNorm: `${l}.attention.output.LayerNorm`,
      ffnIn: `${l}.intermediate.dense`,
      ffnOut: `${l}.output.dense`,
      outputNorm: `${l}.output.LayerNorm`,
    };
  },
  attentionOutputDropout: true,
};

/** The parameter names and differences of `c`'s architecture (the forward pass's and the ONNX export's). */
export function architecture(c: ModelConfig): Architecture {
  return c.modelType === "distilbert" ? DISTILBERT : BERT;
}

/** The hidden states of the last layer, [batch, length, hidden]. */
export function encode(
  c: ModelConfig,
  w: Weights,
  inputs: EncoderInputs,
  training: boolean,
): tf.Tensor {
  const names = architecture(c);
  const length = inputs.inputIds.shape[1];
  const words = embed(inputs.inputIds, weight(w, names.embeddings.words), c.padTokenId);
  const positions = tf.range(0, length, 1, "int32");
  let sum = words.add(embed(positions, weight(w, names.embeddings.positions)));
  if (names.embeddings.tokenTypes != null) {
    const types = inputs.tokenTypeIds ?? tf.zerosLike(inputs.inputIds);
    sum = sum.add(embed(types, weight(w, names.embeddings.tokenTypes)));
  }
  let x = layerNorm(sum, w, names.embeddings.norm, c.layerNormEps);
  x = dropout(x, c.hiddenDropout, training);
  const mask = additiveMask(inputs.attentionMask);
  for (let i = 0; i < c.numLayers; i++) {
    const block = names.block(i);
    let attended = selfAttention(
      x,
      mask,
      w,
      block.attention,
      c.numHeads,
      c.attentionDropout,
      training,
    );
    if (names.attentionOutputDropout) attended = dropout(attended, c.hiddenDropout, training);
    x = residualLayerNorm(attended, x, w, block.attentionNorm, c.layerNormEps);
    const hidden = linearGelu(x, w, block.ffnIn);
    const ffn = dropout(linear(hidden, w, block.ffnOut), c.hiddenDropout, training);
    x = residualLayerNorm(ffn, x, w, block.outputNorm, c.layerNormEps);
  }
  return x;
}

/** The parameter names and shapes of a QA model of this configuration, in HF's order. */
export function parameterShapes(c: ModelConfig): [string, number[]][] {
  const h = c.hiddenSize;
  const names = architecture(c);
  const linearShapes = (name: string, out: number, inp: number): [string, number[]][] => [
    [`${name}.weight`, [out, inp]],
    [`${name}.bias`, [out]],
  ];
  const norm = (name: string): [string, number[]][] => [
    [`${name}.weight`, [h]],
    [`${name}.bias`, [h]],
  ];
  const shapes: [string, number[]][] = [
    [names.embeddings.words, [c.vocabSize, h]],
    [names.embeddings.positions, [c.maxPositions, h]],
  ];
  if (names.embeddings.tokenTypes != null) {
    shapes.push([names.embeddings.tokenTypes, [c.typeVocabSize, h]]);
  }
  shapes.push(...norm(names.embeddings.norm));
  for (let i = 0; i < c.numLayers; i++) {
    const block = names.block(i);
    const { query, key, value, output } = block.attention;
    for (const name of [query, key, value, output]) shapes.push(...linearShapes(name, h, h));
    shapes.push(...norm(block.attentionNorm));
    shapes.push(...linearShapes(block.ffnIn, c.intermediateSize, h));
    shapes.push(...linearShapes(block.ffnOut, h, c.intermediateSize));
    shapes.push(...norm(block.outputNorm));
  }
  shapes.push(...linearShapes("qa_outputs", 2, h));
  return shapes;
}
