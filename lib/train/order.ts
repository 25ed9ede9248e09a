import { mulberry32 } from "../data/mod.ts";

/**
 * The order of the training features in `epoch`: a seeded shuffle that depends only on the seed
 * and the epoch, so a resumed run sees the same batches as an uninterrupted one.
 */
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
