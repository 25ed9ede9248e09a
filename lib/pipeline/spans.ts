// How transformers' pipeline("question-answering") scores the spans of one window
// (`select_starts_ends` and `decode_spans`): softmax the start and the end logits over the context
// tokens and [CLS], then a span scores P(start) × P(end) and "no answer" P(cls) × P(cls); the
// window proposes its `candidates` best spans.
import type { Offset } from "../features/mod.ts";
import { softmax } from "../postprocess/mod.ts";

/** A span one window proposes, by token index in the window. */
export interface WindowSpan {
  /** P(start) × P(end) within the window. */
  score: number;
  /** Index of the first token. */
  start: number;
  /** Index of the last token (included). */
  end: number;
}

/** The spans a window proposes and its "no answer" probability. */
export interface WindowDecoding {
  /** The `candidates` best spans, best first. */
  spans: WindowSpan[];
  /** P(start = [CLS]) × P(end = [CLS]). */
  nullScore: number;
}

/** Limits on the spans of a window. */
export interface WindowLimits {
  /** How many spans a window proposes at most. */
  candidates: number;
  /** Longest answer in tokens (`end - start + 1`). */
  maxAnswerLength: number;
}

// transformers masks the logits of non-context tokens with this value before the softmax.
const MASKED = -10000;

/**
 * Decodes one window: only context tokens (non-null `offsets`) may start or end a span, and only
 * they and `[CLS]` (at `cls`) share the softmax, so the question, special tokens and padding take
 * no probability. Ties go to the earlier start, then the earlier end, as numpy's argmax does.
 */
export function decodeWindow(
  window: { offsets: readonly (Offset | null)[]; cls: number },
  startLogits: ArrayLike<number>,
  endLogits: ArrayLike<number>,
  limits: WindowLimits,
): WindowDecoding {
  const { offsets, cls } = window;
  const inSoftmax = (k: number) => k === cls || offsets[k] != null;
  const start = softmaxWhere(startLogits, inSoftmax);
  const end = softmaxWhere(endLogits, inSoftmax);
  const spans: WindowSpan[] = [];
  for (let s = 0; s < offsets.length; s++) {
    if (offsets[s] == null || s === cls) continue;
    const last = Math.min(offsets.length - 1, s + limits.maxAnswerLength - 1);
    for (let e = s; e <= last; e++) {
      if (offsets[e] == null || e === cls) continue;
      spans.push({ score: start[s] * end[e], start: s, end: e });
    }
  }
  spans.sort((a, b) => b.score - a.score || a.start - b.start || a.end - b.end);
  return { spans: spans.slice(0, limits.candidates), nullScore: start[cls] * end[cls] };
}

// Softmax (float64) over all positions, those outside `keep` set to MASKED first.
function softmaxWhere(logits: ArrayLike<number>, keep: (k: number) => boolean): number[] {
  return softmax(Array.from(logits, (v, k) => keep(k) ? v : MASKED));
}
