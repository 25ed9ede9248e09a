/**
 * A one-layer BERT-like model written with plain tfjs ops, to probe a backend: its forward and
 * backward passes run every kernel that training a BERT for question answering needs (embedding
 * gather and its UnsortedSegmentSum gradient, layer norm, masked multi-head attention, exact GELU,
 * fused and transposed matmuls, dropout, log-softmax and softmax cross-entropy). Used by the
 * backend tests (wasm gradients == cpu gradients) and the kernel benchmark (BERT-base sizes).
 */

import * as tf from "@tensorflow/tfjs";

/** Sizes of the probe model and of its input batch. */
export interface ProbeSizes {
  vocab: number;
  hidden: number;
  heads: number;
  ffn: number;
  batch: number;
  seq: number;
}

/** A small model for tests. */
export const TINY: ProbeSizes = { vocab: 50, hidden: 16, heads: 2, ffn: 32, batch: 2, seq: 8 };

/** One BERT-base layer (plus its embeddings) at batch 8 × 128. */
export const BERT_BASE_LAYER: ProbeSizes = {
  vocab: 30522,
  hidden: 768,
  heads: 12,
  ffn: 3072,
  batch: 8,
  seq: 128,
};

/** The probe's trainable parameters, by name. */
export type ProbeParams = Record<string, tf.Variable>;

/** A batch: token ids and attention mask [batch, seq], answer start/end positions [batch]. */
export interface ProbeBatch {
  ids: tf.Tensor2D;
  mask: tf.Tensor2D;
  start: tf.Tensor1D;
  end: tf.Tensor1D;
}

/**
 * Parameters drawn from seeded generators that run in JavaScript, so every backend gets the same
 * values.
 */
export function probeParams(s: ProbeSizes, seed = 1): ProbeParams {
  let n = seed;
  const normal = (shape: number[], std = 0.2) => tf.randomNormal(shape, 0, std, "float32", n++);
  const shapes: Record<string, [number[], number]> = {
    wordEmb: [[s.vocab, s.hidden], 0.5],
    posEmb: [[s.seq, s.hidden], 0.5],
    ln0g: [[s.hidden], 0.1],
    ln0b: [[s.hidden], 0.1],
    wq: [[s.hidden, s.hidden], 0.3],
    wk: [[s.hidden, s.hidden], 0.3],
    wv: [[s.hidden, s.hidden], 0.3],
    bq: [[s.hidden], 0.1],
    wo: [[s.hidden, s.hidden], 0.3],
    bo: [[s.hidden], 0.1],
    ln1g: [[s.hidden], 0.1],
    ln1b: [[s.hidden], 0.1],
    wi: [[s.hidden, s.ffn], 0.3],
    bi: [[s.ffn], 0.1],
    wf: [[s.ffn, s.hidden], 0.2],
    bf: [[s.hidden], 0.1],
    ln2g: [[s.hidden], 0.1],
    ln2b: [[s.hidden], 0.1],
    wqa: [[s.hidden, 2], 0.3],
    bqa: [[2], 0.1],
  };
  const params: ProbeParams = {};
  for (const [name, [shape, std]] of Object.entries(shapes)) {
    const init = normal(shape, std);
    // Layer-norm gains around 1.
    const value = /^ln\dg$/.test(name) ? tf.tidy(() => tf.add(init, 1)) : init;
    params[name] = tf.variable(value);
    if (value !== init) value.dispose();
    init.dispose();
  }
  return params;
}

/** A seeded batch with padded tails (mask 0) and answers inside the unpadded part. */
export function probeBatch(s: ProbeSizes, seed = 7): ProbeBatch {
  return tf.tidy(() => {
    const ids = tf.randomUniform([s.batch, s.seq], 0, s.vocab, "int32", seed) as tf.Tensor2D;
    const lengths = Array.from(
      { length: s.batch },
      (_, b) => s.seq - (b % 3) * Math.floor(s.seq / 4),
    );
    const maskRows = lengths.map((len) =>
      Array.from({ length: s.seq }, (_, t) => (t < len ? 1 : 0))
    );
    const start = lengths.map((len, b) => (b * 5) % len);
    const end = lengths.map((len, b) => Math.min(len - 1, start[b] + (b % 4)));
    return {
      ids,
      mask: tf.tensor2d(maskRows, [s.batch, s.seq], "float32"),
      start: tf.tensor1d(start, "int32"),
      end: tf.tensor1d(end, "int32"),
    };
  });
}

function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps = 1e-12): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(normed, gain), bias);
}

/** Exact GELU: 0.5·x·(1 + erf(x/√2)). */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

/** Cross-entropy of `logits` [batch, seq] against positions [batch], via log-softmax and oneHot. */
function positionLoss(logits: tf.Tensor2D, positions: tf.Tensor1D): tf.Scalar {
  const logProbs = tf.logSoftmax(logits);
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(positions, logits.shape[1])), -1);
  return tf.neg(tf.mean(picked));
}

/**
 * The probe's loss: embeddings → layer norm → masked self-attention → exact-GELU FFN → span head
 * → mean of the start (log-softmax) and end (tf.losses.softmaxCrossEntropy) cross-entropies.
 * `dropoutSeed` enables dropout (0.1) with a seeded, backend-independent mask.
 */
export function probeLoss(
  p: ProbeParams,
  x: ProbeBatch,
  s: ProbeSizes,
  dropoutSeed?: number,
): tf.Scalar {
  const { batch: B, seq: T, hidden: H, heads: N } = s;
  const D = H / N;
  const dropout = (t: tf.Tensor, k: number) =>
    dropoutSeed == null ? t : tf.dropout(t, 0.1, undefined, dropoutSeed + k);

  const emb = tf.add(tf.gather(p.wordEmb, x.ids), p.posEmb); // [B, T, H]
  let h = dropout(layerNorm(emb, p.ln0g, p.ln0b), 0); // [B, T, H]

  // Self-attention; queries through the fused matMul, keys and values through plain ones.
  const h2 = tf.reshape(h, [B * T, H]);
  const split = (t: tf.Tensor) =>
    tf.reshape(tf.transpose(tf.reshape(t, [B, T, N, D]), [0, 2, 1, 3]), [B * N, T, D]);
  const q = split(tf.fused.matMul({ a: h2, b: p.wq, bias: p.bq }));
  const k = split(tf.matMul(h2, p.wk));
  const v = split(tf.matMul(h2, p.wv));
  // The additive mask (0 or -1e4 per key), broadcast over heads and queries.
  const blocked = tf.reshape(tf.mul(tf.sub(x.mask, 1), 1e4), [B, 1, 1, T]);
  const logits4d = tf.reshape(tf.div(tf.matMul(q, k, false, true), Math.sqrt(D)), [B, N, T, T]);
  const scores = tf.reshape(tf.add(logits4d, blocked), [B * N, T, T]);
  const context = tf.matMul(tf.softmax(scores), v); // [B·N, T, D]
  const merged = tf.reshape(tf.transpose(tf.reshape(context, [B, N, T, D]), [0, 2, 1, 3]), [
    B * T,
    H,
  ]);
  const attended = dropout(tf.add(tf.matMul(merged, p.wo), p.bo), 1);
  h = layerNorm(tf.add(tf.reshape(attended, [B, T, H]), h), p.ln1g, p.ln1b);

  // Feed-forward, the second product against a transposed weight. (Inputs are flattened to 2-D:
  // tfjs's BatchMatMul gradient does not sum over broadcast batch dimensions, so [B, T, H] × [H, F]
  // fails in backprop on every backend.)
  const inner = gelu(tf.add(tf.matMul(tf.reshape(h, [B * T, H]), p.wi), p.bi)); // [B·T, F]
  const wfT = tf.transpose(p.wf); // [H, F]
  const out = tf.add(tf.matMul(inner, wfT, false, true), p.bf);
  h = layerNorm(tf.add(tf.reshape(dropout(out, 2), [B, T, H]), h), p.ln2g, p.ln2b);

  // Span head: [B, T, 2] → start and end logits [B, T], clipped, padding masked out.
  const logits = tf.reshape(tf.add(tf.matMul(tf.reshape(h, [B * T, H]), p.wqa), p.bqa), [B, T, 2]);
  const [start, end] = tf.unstack(tf.clipByValue(logits, -30, 30), 2);
  const keep = tf.greater(x.mask, 0);
  const masked = (t: tf.Tensor) => tf.where(keep, t, tf.fill([B, T], -1e4)) as tf.Tensor2D;
  const [startLogits, endLogits] = [masked(start), masked(end)];
  const startLoss = positionLoss(startLogits, x.start);
  const endLoss = tf.losses.softmaxCrossEntropy(tf.oneHot(x.end, T), endLogits);
  return tf.div(tf.add(startLoss, endLoss), 2) as tf.Scalar;
}

/** Loss and gradients of `probeLoss` with respect to every parameter, as plain arrays. */
export function probeGradients(
  p: ProbeParams,
  x: ProbeBatch,
  s: ProbeSizes,
  dropoutSeed?: number,
): { loss: number; grads: Record<string, Float32Array> } {
  const { value, grads } = tf.variableGrads(() => probeLoss(p, x, s, dropoutSeed));
  const out: Record<string, Float32Array> = {};
  for (const [name, variable] of Object.entries(p)) {
    out[name] = grads[variable.name].dataSync() as Float32Array;
  }
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  return { loss, grads: out };
}
