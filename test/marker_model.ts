// A question-answering model whose logits are known in advance, for tests of what a pipeline
// makes of them (no pretrained weights can be had here).
//
// Every block's output projections (attention and feed-forward) are zero, so each block maps its
// input x to LayerNorm(x) and a token's last hidden state is LayerNorm of its word embedding
// (position and token type embeddings are zero too). With a = (1,-1,1,-1,...) on the first half
// of the dimensions and b the same on the second half:
//   - the start word's embedding is a, the end word's b, [CLS]'s a + b;
//   - every other embedding is random, made orthogonal to a and b;
//   - the QA head's start row is strength · LN(a) / dim, its end row strength · LN(b) / dim.
// So the start logit is `strength` at the start word, strength/√2 at [CLS], 0 elsewhere (up to
// float32 rounding); the end logit likewise with the end word. The start and end word may be one.
import { parseConfig } from "../lib/model/config.ts";
import { type ModelConfig, QuestionAnsweringModel } from "../lib/model/mod.ts";

// Position and token type embeddings, the blocks' output projections, biases of norms and head.
const ZEROED =
  /(position|token_type)_embeddings|out_lin|lin2|output\.dense|(LayerNorm|layer_norm)\.bias|qa_outputs\.bias/;

/** Token ids the marker model reacts to. */
export interface Markers {
  start: number;
  end: number;
  cls: number;
}

/** A small config of the model type with this vocabulary (dim 32, 2 layers, no dropout). */
export function smallConfig(modelType: "distilbert" | "bert", vocabSize: number): ModelConfig {
  const raw = modelType === "distilbert"
    ? {
      model_type: "distilbert",
      vocab_size: vocabSize,
      dim: 32,
      n_layers: 2,
      n_heads: 4,
      hidden_dim: 64,
      max_position_embeddings: 512,
      dropout: 0,
      attention_dropout: 0,
      qa_dropout: 0,
    }
    : {
      model_type: "bert",
      vocab_size: vocabSize,
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      intermediate_size: 64,
      max_position_embeddings: 512,
      type_vocab_size: 2,
      hidden_dropout_prob: 0,
      attention_probs_dropout_prob: 0,
    };
  return parseConfig(raw, `small ${modelType} config`);
}

/** The marker model of `config` (see the file comment). */
export async function markerModel(
  config: ModelConfig,
  markers: Markers,
  strength = 20,
): Promise<QuestionAnsweringModel> {
  const model = QuestionAnsweringModel.fromConfig(config, { seed: 7 });
  const weights = await model.weightArrays();
  const dim = config.hiddenSize;
  const a = Float64Array.from({ length: dim }, (_, i) => i < dim / 2 ? (i % 2 ? -1 : 1) : 0);
  const b = Float64Array.from({ length: dim }, (_, i) => i >= dim / 2 ? (i % 2 ? -1 : 1) : 0);
  for (const [name, { data }] of weights) {
    if (name.endsWith("word_embeddings.weight")) {
      setEmbeddings(data, dim, a, b, markers);
    } else if (/(LayerNorm|layer_norm)\.weight$/.test(name)) {
      data.fill(1);
    } else if (ZEROED.test(name)) {
      data.fill(0);
    } else if (name === "qa_outputs.weight") {
      // LN(a) = √2 · a (its variance is 1/2), so a token whose hidden state is h gets
      // strength · (LN(a) · h) / dim: strength for h = LN(a), strength/√2 for h = LN(a + b).
      const scale = (strength * Math.SQRT2) / dim;
      const endRow = markers.end === markers.start ? a : b;
      for (let i = 0; i < dim; i++) [data[i], data[dim + i]] = [scale * a[i], scale * endRow[i]];
    }
  }
  model.assignWeights(weights);
  return model;
}

function setEmbeddings(
  data: Float32Array,
  dim: number,
  a: Float64Array,
  b: Float64Array,
  markers: Markers,
): void {
  const rows = data.length / dim;
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * dim, (r + 1) * dim);
    for (const v of [a, b]) {
      const along = row.reduce((sum, x, i) => sum + x * v[i], 0) / (dim / 2);
      for (let i = 0; i < dim; i++) row[i] -= along * v[i];
    }
  }
  const set = (id: number, value: (i: number) => number) => {
    for (let i = 0; i < dim; i++) data[id * dim + i] = value(i);
  };
  set(markers.cls, (i) => a[i] + b[i]);
  set(markers.start, (i) => a[i]);
  if (markers.end !== markers.start) set(markers.end, (i) => b[i]);
}
