import type { TrainFeature } from "../lib/features/mod.ts";

/**
 * Logits that put all weight on each feature's labelled start and end: what a perfect model would
 * output. Decoding them must give back the gold answers (train and validation windows coincide).
 */
export function labelLogits(
  features: TrainFeature[],
): { startLogits: number[][]; endLogits: number[][] } {
  const peaked = (length: number, at: number) => {
    const logits = new Array<number>(length).fill(-10);
    logits[at] = 10;
    return logits;
  };
  return {
    startLogits: features.map((f) => peaked(f.input_ids.length, f.start_position)),
    endLogits: features.map((f) => peaked(f.input_ids.length, f.end_position)),
  };
}
