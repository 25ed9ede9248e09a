// How many features one forward/backward pass may take. tfjs keeps every intermediate of the
// forward pass for the gradient, and on the wasm backend all of them live in one WebAssembly
// heap of at most 4 GiB: a batch of 16 × 384 tokens overflows it for any model bigger than a
// toy, and the run aborts. The Trainer therefore cuts batches into micro-batches (the same step)
// and, unless told a size, picks the largest that fits.
//
// Heap grown by one forward + backward at 384 tokens, per feature (measured with
// tfjs-backend-wasm 4.22, our kernels, dropout on): the bench's `tiny` shape (2 layers, 128 wide,
// 2 heads) 80 MB, `mini` (4, 256, 4) 292 MB, `distilbert` (6, 768, 12) 1.34 GB; 3 distilbert
// features overflow the heap.
// Per layer that is about 70 floats per token and hidden unit plus 22 per attention score.
import type { ModelConfig } from "../model/mod.ts";

/** The wasm backend's heap limit (a 32-bit WebAssembly memory). */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

/** Share of the heap given to parameters, gradients and activations (growth is not exact). */
const USABLE_SHARE = 0.8;

/** Estimated heap bytes one feature of `seqLength` tokens takes during forward and backward. */
export function activationBytesPerFeature(config: ModelConfig, seqLength: number): number {
  const perToken = 70 * config.hiddenSize + 22 * config.numHeads * seqLength;
  return 4 * config.numLayers * seqLength * perToken;
}

/**
 * The micro-batch size to use when none is given: the whole batch off the wasm heap (webgpu, cpu),
 * else the most features whose activations fit the heap beside the weights and their gradients
 * (at least 1, at most the batch).
 */
export function autoMicroBatchSize(
  config: ModelConfig,
  parameterCount: number,
  seqLength: number,
  batchSize: number,
  backend: string,
): number {
  if (backend !== "wasm") return batchSize;
  const free = WASM_HEAP_BYTES * USABLE_SHARE - 2 * 4 * parameterCount;
  const fits = Math.floor(free / activationBytesPerFeature(config, seqLength));
  return Math.max(1, Math.min(batchSize, fits));
}
