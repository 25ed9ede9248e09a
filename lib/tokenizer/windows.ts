// Assembling `[CLS] A [SEP] B [SEP]` windows in TypeScript from the tokens of each text: the
// same truncation, stride and padding as the Rust post-processor, without crossing into native
// code once per window (which costs more than the tokenization itself under Deno).

/** The tokens of one text, without special tokens. */
export interface TextTokens {
  ids: number[];
  offsets: [number, number][];
  /** The word of each token, in its text (the pre-tokenizer's pieces, counted from 0). */
  wordIds: (number | null)[];
}

/** One assembled window. */
export interface Window {
  ids: number[];
  typeIds: number[];
  attentionMask: number[];
  offsets: [number, number][];
  sequenceIds: (number | null)[];
  /** The word of each token in its own text; null for special and padding tokens. */
  wordIds: (number | null)[];
}

// Special and padding tokens all point at the empty span; one shared, frozen tuple spares the GC.
const NO_SPAN = Object.freeze([0, 0]) as unknown as [number, number];

/** How to cut and pad: `truncate` names the text that is windowed (0 = first, 1 = second). */
export interface WindowOptions {
  maxLength: number;
  stride: number;
  truncate: 0 | 1 | null;
  overflow: boolean;
  padTo: number | null;
  clsId: number;
  sepId: number;
  padId: number;
  padLeft: boolean;
  /**
   * Sequence id of the first text's tokens when a pair was not truncated. Rust's post-processor
   * (which the reference features were made with) leaves them null then, and 0 after truncation.
   */
  untruncatedFirstSequenceId: number | null;
  /**
   * Type id of the truncated text's tokens in overflowing windows (not the first one). The Rust
   * post-processor leaves them at 0 there, the final [SEP] at 1; the reference features hold that.
   */
  overflowTypeId: number;
}

/** Thrown when a text cannot be windowed; the message says why, as the Rust tokenizer would. */
export class WindowError extends Error {}

/** The windows of one input, the first window first (Python's `overflowing` after it). */
export function windows(first: TextTokens, second: TextTokens | null, o: WindowOptions): Window[] {
  const special = second ? 3 : 2;
  const total = first.ids.length + (second?.ids.length ?? 0) + special;
  if (o.truncate === null || total <= o.maxLength) {
    return [assemble(first, second, o, second ? o.untruncatedFirstSequenceId : 0)];
  }
  const target = o.truncate === 0 ? first : second;
  if (!target) throw new WindowError("Truncation error: Second sequence not provided");
  const keep = target.ids.length - (total - o.maxLength);
  if (keep <= 0) {
    throw new WindowError(
      `Truncation error: Sequence to truncate too short to respect the provided max_length`,
    );
  }
  if (o.stride >= keep) {
    throw new WindowError(
      `Truncation error: stride ${o.stride} is not smaller than the ${keep} tokens left per window`,
    );
  }
  const parts = spans(target.ids.length, keep, o.stride).map(([from, to]) => ({
    ids: target.ids.slice(from, to),
    offsets: target.offsets.slice(from, to),
    wordIds: target.wordIds.slice(from, to),
  }));
  const chosen = o.overflow ? parts : parts.slice(0, 1);
  return chosen.map((part, k) =>
    o.truncate === 0
      ? assemble(part, second, o, 0)
      : assemble(first, part, o, 0, k > 0 ? o.overflowTypeId : 1)
  );
}

// [start, stop) ranges of `keep` tokens, each `keep - stride` after the previous one.
function spans(length: number, keep: number, stride: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let start = 0;; start += keep - stride) {
    const stop = Math.min(start + keep, length);
    ranges.push([start, stop]);
    if (stop === length) return ranges;
  }
}

function assemble(
  first: TextTokens,
  second: TextTokens | null,
  o: WindowOptions,
  firstSequenceId: number | null,
  secondTypeId = 1,
): Window {
  const used = first.ids.length + (second ? second.ids.length + 3 : 2);
  const length = o.padTo !== null && used < o.padTo ? o.padTo : used;
  const w: Window = {
    ids: new Array<number>(length).fill(o.padId),
    typeIds: new Array<number>(length).fill(0),
    attentionMask: new Array<number>(length).fill(0),
    offsets: new Array<[number, number]>(length).fill(NO_SPAN),
    sequenceIds: new Array<number | null>(length).fill(null),
    wordIds: new Array<number | null>(length).fill(null),
  };
  let at = o.padLeft ? length - used : 0;
  const put = (
    id: number,
    type: number,
    offset: [number, number],
    sequence: number | null,
    word: number | null,
  ) => {
    w.ids[at] = id;
    w.typeIds[at] = type;
    w.attentionMask[at] = 1;
    w.offsets[at] = offset;
    w.sequenceIds[at] = sequence;
    w.wordIds[at] = word;
    at++;
  };
  put(o.clsId, 0, NO_SPAN, null, null);
  for (let k = 0; k < first.ids.length; k++) {
    put(first.ids[k], 0, first.offsets[k], firstSequenceId, first.wordIds[k]);
  }
  put(o.sepId, 0, NO_SPAN, null, null);
  if (second) {
    for (let k = 0; k < second.ids.length; k++) {
      put(second.ids[k], secondTypeId, second.offsets[k], 1, second.wordIds[k]);
    }
    put(o.sepId, 1, NO_SPAN, null, null);
  }
  return w;
}
