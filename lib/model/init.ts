// Fresh weights the way transformers initialises DistilBERT and BERT (`_init_weights`), computed on
// the host from our own seeded generator, so that one seed gives the same bytes everywhere.
import type { Weight, WeightMap } from "./io/checkpoint.ts";
import type { ModelConfig } from "./config.ts";
import { parameterShapes } from "./encoders.ts";
import { hashString, standardNormal, uniform53, xoshiro128 } from "./gaussian.ts";

/** The seed `fromConfig` and `fromPretrained` use when none is given (transformers' default too). */
export const DEFAULT_SEED = 42;

/** Every parameter of a QA model of `config`, freshly initialised, under Hugging Face names. */
export function initialWeights(config: ModelConfig, seed = DEFAULT_SEED): WeightMap {
  const weights: WeightMap = new Map();
  for (const [name, shape] of parameterShapes(config)) {
    weights.set(name, initialWeight(config, name, shape, seed));
  }
  return weights;
}

/**
 * The initial value of one parameter, as transformers' `_init_weights` sets it:
 * - LayerNorm weight 1 and bias 0; every other bias (linear layers) 0;
 * - linear and embedding weights normal(0, initializer_range), the padding row (pad_token_id)
 *   of the word embeddings zero;
 * - DistilBERT's position embeddings sinusoidal when the config has `sinusoidal_pos_embds`.
 *
 * Each tensor draws from its own stream, keyed by the seed and its name: a tensor's values do not
 * depend on which other tensors are initialised (the QA head that `fromWeights` adds to a base
 * checkpoint is the one `fromConfig` gives with the same seed).
 */
export function initialWeight(
  config: ModelConfig,
  name: string,
  shape: number[],
  seed = DEFAULT_SEED,
): Weight {
  const size = shape.reduce((a, b) => a * b, 1);
  if (/LayerNorm|layer_norm/.test(name)) {
    return { shape, data: new Float32Array(size).fill(name.endsWith(".weight") ? 1 : 0) };
  }
  if (name.endsWith(".bias")) return { shape, data: new Float32Array(size) };
  if (config.sinusoidalPositions && name.endsWith("position_embeddings.weight")) {
    return { shape, data: sinusoidalPositions(shape[0], shape[1]) };
  }
  const data = normalValues(size, config.initializerRange, seed, name);
  if (name.endsWith("word_embeddings.weight")) {
    const width = shape[1];
    data.fill(0, config.padTokenId * width, (config.padTokenId + 1) * width);
  }
  return { shape, data };
}

/** `size` draws of normal(0, std) as float32, from the stream of (seed, name). */
function normalValues(size: number, std: number, seed: number, name: string): Float32Array {
  const normal = standardNormal(uniform53(xoshiro128(seed, hashString(name))));
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = std * normal();
  return data;
}

/**
 * DistilBERT's `create_sinusoidal_embeddings`: position p, column j gets
 * sin(p / 10000^(2⌊j/2⌋/dim)) for even j and cos(...) for odd j, in float64, stored as float32.
 */
export function sinusoidalPositions(positions: number, dim: number): Float32Array {
  const out = new Float32Array(positions * dim);
  for (let p = 0; p < positions; p++) {
    for (let j = 0; j < dim; j++) {
      const angle = p / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      out[p * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}
