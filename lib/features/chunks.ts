// Examples are featurized a bounded chunk at a time: at most `batchSize` of them and at most
// `maxContextChars` characters of context, so that long contexts (many windows each) cannot
// swell one chunk's windows past what memory holds.
import type { SquadExample } from "../data/mod.ts";

/** Context characters per chunk (about 2,500 windows of 384 tokens); one example at least. */
export const MAX_CONTEXT_CHARS = 1_000_000;

/** `[from, to)` ranges of `examples` in order, each within both bounds (or a single example). */
export function exampleChunks(
  examples: SquadExample[],
  batchSize: number,
  maxContextChars = MAX_CONTEXT_CHARS,
): [number, number][] {
  const chunks: [number, number][] = [];
  let from = 0;
  let chars = 0;
  examples.forEach((example, i) => {
    const full = i - from >= batchSize ||
      (i > from && chars + example.context.length > maxContextChars);
    if (full) {
      chunks.push([from, i]);
      [from, chars] = [i, 0];
    }
    chars += example.context.length;
  });
  if (from < examples.length) chunks.push([from, examples.length]);
  return chunks;
}
