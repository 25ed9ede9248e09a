// What a tokenizer call takes and gives, whichever engine tokenizes: the options, the columns of
// a batch, and the error that names the inputs that could not be encoded.
import type { Window } from "./windows.ts";

/** Truncation strategies, named as in Python. */
export type Truncation = "only_first" | "only_second" | "longest_first" | false;

/** Options of a tokenizer call, mirroring `tokenizer(question, context, ...)` in Python. */
export interface EncodeOptions {
  truncation?: Truncation;
  maxLength?: number;
  stride?: number;
  returnOverflowingTokens?: boolean;
  padding?: "max_length" | "longest" | false;
  addSpecialTokens?: boolean;
}

/** The columns a tokenizer call returns: one row per window (overflowing windows included). */
export interface BatchEncoding {
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  offset_mapping: [number, number][][];
  /** For each window, the index of the input it came from. */
  overflow_to_sample_mapping: number[];
  /** Per window: 0 = first text, 1 = second text, null = special or padding token. */
  sequence_ids: (number | null)[][];
  /** Python's `encoding.sequence_ids(i)`. */
  sequenceIds(i: number): (number | null)[];
  /**
   * Per window, Python's `encoding.word_ids(i)`: the word (a piece the pre-tokenizer cut, counted
   * from 0 in its own text) each token belongs to; null for special and padding tokens.
   */
  word_ids: (number | null)[][];
}

/** Raised when some inputs cannot be encoded; `failures` maps each input index to the reason. */
export class EncodeError extends Error {
  constructor(readonly failures: Map<number, string>) {
    const [index, reason] = failures.entries().next().value!;
    super(`${failures.size} input(s) could not be encoded; input ${index}: ${reason}`);
    this.name = "EncodeError";
  }
}

/** A batch with no windows yet. */
export function emptyBatch(): BatchEncoding {
  return {
    input_ids: [],
    attention_mask: [],
    token_type_ids: [],
    offset_mapping: [],
    overflow_to_sample_mapping: [],
    sequence_ids: [],
    word_ids: [],
    sequenceIds(i: number) {
      return this.sequence_ids[i];
    },
  };
}

/** Appends one window of input `sample`. */
export function pushWindow(batch: BatchEncoding, w: Window, sample: number): void {
  batch.input_ids.push(w.ids);
  batch.attention_mask.push(w.attentionMask);
  batch.token_type_ids.push(w.typeIds);
  batch.offset_mapping.push(w.offsets);
  batch.sequence_ids.push(w.sequenceIds);
  batch.word_ids.push(w.wordIds);
  batch.overflow_to_sample_mapping.push(sample);
}

/** Pads every window to the longest one of the batch (`padding="longest"` in Python). */
export function padToLongest(batch: BatchEncoding, padId: number, side: "right" | "left"): void {
  const longest = Math.max(0, ...batch.input_ids.map((ids) => ids.length));
  const pad = <T>(row: T[], value: T) => {
    const filler = new Array<T>(longest - row.length).fill(value);
    return side === "right" ? [...row, ...filler] : [...filler, ...row];
  };
  for (let i = 0; i < batch.input_ids.length; i++) {
    batch.input_ids[i] = pad(batch.input_ids[i], padId);
    batch.attention_mask[i] = pad(batch.attention_mask[i], 0);
    batch.token_type_ids[i] = pad(batch.token_type_ids[i], 0);
    batch.offset_mapping[i] = pad(batch.offset_mapping[i], [0, 0] as [number, number]);
    batch.sequence_ids[i] = pad(batch.sequence_ids[i], null);
    batch.word_ids[i] = pad(batch.word_ids[i], null);
  }
}
