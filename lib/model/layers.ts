// The building blocks of BERT-family encoders, as pure functions of tensors and named weights.
// Weights keep PyTorch's layout (a Linear's weight is [out, in]) so checkpoints load as they are.
import * as tf from "@tensorflow/tfjs";
import {
  additiveMask,
  biasGelu,
  dropout as fastDropout,
  maskedSoftmax,
  residualLayerNorm as fusedLayerNorm,
} from "../runtime/mod.ts";

export { additiveMask };

/** Named weights of a model, under Hugging Face's parameter names. */
export type Weights = Map<string, tf.Variable>;

/** Looks up a weight, naming it when it is missing. */
export function weight(weights: Weights, name: string): tf.Variable {
  const found = weights.get(name);
  if (!found) throw new Error(`missing weight ${name}`);
  return found;
}

/** `torch.nn.Linear`: x·Wᵀ + b over the last axis of x. */
export function linear(x: tf.Tensor, weights: Weights, prefix: string): tf.Tensor {
  const w = weight(weights, `${prefix}.weight`);
  const b = weight(weights, `${prefix}.bias`);
  const [outFeatures, inFeatures] = w.shape as [number, number];
  const flat = x.reshape([-1, inFeatures]);
  const y = tf.matMul(flat, w, false, true).add(b);
  return y.reshape([...x.shape.slice(0, -1), outFeatures]);
}

/**
 * `torch.nn.LayerNorm` over the last axis (biased variance, as PyTorch). The gradient is written
 * out (dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ): tfjs's own, through moments, is
 * about twenty kernels and builds `ones(x.shape)` in JavaScript for each Mean.
 */
export function layerNorm(
  x: tf.Tensor,
  weights: Weights,
  prefix: string,
  eps: number,
): tf.Tensor {
  const gamma = weight(weights, `${prefix}.weight`);
  const beta = weight(weights, `${prefix}.bias`);
  const norm = (input: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const { mean, variance } = tf.moments(input, -1, true);
    const rstd = tf.rsqrt(variance.add(eps));
    const normalized = input.sub(mean).mul(rstd);
    save([normalized, rstd, g]);
    return {
      value: normalized.mul(g).add(b),
      gradFunc: (dy: tf.Tensor, [xHat, r, saved]: tf.Tensor[]) => {
        const rows = Array.from({ length: dy.rank - 1 }, (_, axis) => axis);
        const scaled = dy.mul(saved);
        const dx = scaled.sub(scaled.mean(-1, true))
          .sub(xHat.mul(scaled.mul(xHat).mean(-1, true)))
          .mul(r);
        return [dx, dy.mul(xHat).sum(rows), dy.sum(rows)];
      },
    };
  };
  // customGrad is typed for one input; it passes every tensor argument through, here three.
  const run = tf.customGrad(norm as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    input: tf.Tensor,
    g: tf.Tensor,
    b: tf.Tensor,
  ) => tf.Tensor;
  return run(x, gamma, beta);
}

/**
 * `gelu(linear(x, ...))`, the feed-forward block's first half: the product, then bias and GELU
 * in one kernel each way where the backend has it (webgpu, wasm), elsewhere exactly those ops.
 */
export function linearGelu(x: tf.Tensor, weights: Weights, prefix: string): tf.Tensor {
  const w = weight(weights, `${prefix}.weight`);
  const [outFeatures, inFeatures] = w.shape as [number, number];
  const product = tf.matMul(x.reshape([-1, inFeatures]), w, false, true);
  const y = biasGelu(product, weight(weights, `${prefix}.bias`));
  return y.reshape([...x.shape.slice(0, -1), outFeatures]);
}

/**
 * `layerNorm(x.add(residual), ...)`, closing a transformer sub-block. On webgpu one kernel;
 * elsewhere exactly those ops.
 */
export function residualLayerNorm(
  x: tf.Tensor,
  residual: tf.Tensor,
  weights: Weights,
  prefix: string,
  eps: number,
): tf.Tensor {
  if (tf.getBackend() !== "webgpu") return layerNorm(x.add(residual), weights, prefix, eps);
  const [gamma, beta] = ["weight", "bias"].map((name) => weight(weights, `${prefix}.${name}`));
  return fusedLayerNorm(x, residual, gamma, beta, eps);
}

/** Inverted dropout, in training only (one wasm pass where it can, else tf.dropout). */
export function dropout(x: tf.Tensor, rate: number, training: boolean): tf.Tensor {
  return training && rate > 0 ? fastDropout(x, rate) : x;
}

/**
 * Embedding lookup: rows of `table` for integer `ids`. With `paddingIdx`, that row gets no
 * gradient, as `torch.nn.Embedding(padding_idx=...)` (padding tokens fill most of a window).
 */
export function embed(ids: tf.Tensor, table: tf.Tensor, paddingIdx?: number): tf.Tensor {
  const indices = ids.toInt();
  if (paddingIdx === undefined) return tf.gather(table, indices);
  // customGrad is typed for one input; it passes every tensor argument through, here two.
  const lookup = tf.customGrad(
    ((t: tf.Tensor, i: tf.Tensor, save: tf.GradSaveFunc) => {
      save([i]);
      const [rows, width] = t.shape as [number, number];
      return {
        value: tf.gather(t, i),
        gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
          const kept = tf.notEqual(saved, paddingIdx).toFloat().expandDims(-1);
          const grads = dy.mul(kept).reshape([-1, width]);
          return [tf.unsortedSegmentSum(grads, saved.reshape([-1]), rows), tf.zerosLike(saved)];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0],
  ) as unknown as (t: tf.Tensor, i: tf.Tensor) => tf.Tensor;
  return lookup(table, indices);
}

/** Names of the four projections of one attention block. */
export interface AttentionNames {
  query: string;
  key: string;
  value: string;
  output: string;
}

/**
 * Multi-head self-attention: softmax(q·kᵀ/√d + mask)·v, heads concatenated, then the output
 * projection. `mask` is `additiveMask`'s result.
 */
export function selfAttention(
  x: tf.Tensor,
  mask: tf.Tensor,
  weights: Weights,
  names: AttentionNames,
  heads: number,
  attentionDropout: number,
  training: boolean,
): tf.Tensor {
  const [batch, length, hidden] = x.shape;
  const headSize = hidden / heads;
  const split = (t: tf.Tensor) =>
    t.reshape([batch, length, heads, headSize]).transpose([0, 2, 1, 3]);
  const q = split(linear(x, weights, names.query)).mul(1 / Math.sqrt(headSize));
  const k = split(linear(x, weights, names.key));
  const v = split(linear(x, weights, names.value));
  const scores = tf.matMul(q, k, false, true);
  const probabilities = dropout(maskedSoftmax(scores, mask), attentionDropout, training);
  const context = tf.matMul(probabilities, v).transpose([0, 2, 1, 3]).reshape([
    batch,
    length,
    hidden,
  ]);
  return linear(context, weights, names.output);
}
