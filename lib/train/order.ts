// The run's randomness, all derived from its seed: the order of the features in each epoch and
// the dropout masks of each micro-batch. Both depend only on the seed and where the run is, so a
// resumed run sees the same batches and masks as an uninterrupted one.
import { mulberry32 } from "../data/random.ts";

/** The order of the training features in `epoch`: a seeded shuffle. */
export function epochOrder(count: number, epoch: number, seed: number, shuffle: boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (!shuffle) return order;
  const random = mulberry32(seed * 1000003 + epoch);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The dropout seed of the micro-batch that starts `offset` features into the batch of `step`
 * (0-based): the same whichever thread or worker runs that micro-batch.
 */
export function dropoutSeed(seed: number, step: number, offset: number): number {
  return mix(mix(seed, step), offset);
}

// One 32-bit value from two, through a mulberry32 draw.
function mix(a: number, b: number): number {
  return (mulberry32((a ^ Math.imul(b + 1, 0x9e3779b1)) >>> 0)() * 2 ** 32) >>> 0;
}
