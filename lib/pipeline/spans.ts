// How transformers' pipeline("question-answering") scores the spans of one window
// (`select_starts_ends` and `decode_spans`): softmax the start and the end logits over the context
// tokens and [CLS], then a span scores P(start) × P(end) and "no answer" P(cls) × P(cls).
import type { Offset, ValidationFeature } from "../features/mod.ts";
import { softmax } from "../postprocess/mod.ts";

/** A span one window proposes, in code points of the context. */
export interface WindowSpan {
  /** P(start) × P(end) within the window. */
  score: number;
  offsets: Offset;
}

/** The spans a window proposes and its "no answer" probability. */
export interface WindowDecoding {
  /** The `topK` best spans, best first. */
  spans: WindowSpan[];
  /** P(start = [CLS]) × P(end = [CLS]). */
  nullScore: number;
}

/** Limits on the spans of a window. */
export interface WindowLimits {
  topK: number;
  /** Longest answer in tokens (`end - start + 1`). */
  maxAnswerLength: number;
}

// transformers masks the logits of non-context tokens with this value before the softmax.
const MASKED = -10000;

/**
 * Decodes one window: only context tokens (non-null offsets) may start or end a span, and only
 * they and `[CLS]` (at `cls`) share the softmax, so the question, special tokens and padding take
 * no probability. Ties go to the earlier start, then the earlier end, as numpy's argmax does.
 */
export function decodeWindow(
  feature: ValidationFeature,
  startLogits: ArrayLike<number>,
  endLogits: ArrayLike<number>,
  cls: number,
  limits: WindowLimits,
): WindowDecoding {
  const offsets = feature.offset_mapping;
  const inSoftmax = (k: number) => k === cls || offsets[k] != null;
  const start = softmaxWhere(startLogits, inSoftmax);
  const end = softmaxWhere(endLogits, inSoftmax);
  const spans: (WindowSpan & { s: number; e: number })[] = [];
  for (let s = 0; s < offsets.length; s++) {
    const so = offsets[s];
    if (so == null || s === cls) continue;
    const last = Math.min(offsets.length - 1, s + limits.maxAnswerLength - 1);
    for (let e = s; e <= last; e++) {
      const eo = offsets[e];
      if (eo == null || e === cls) continue;
      spans.push({ score: start[s] * end[e], offsets: [so[0], eo[1]], s, e });
    }
  }
  spans.sort((a, b) => b.score - a.score || a.s - b.s || a.e - b.e);
  return {
    spans: spans.slice(0, limits.topK).map(({ score, offsets }) => ({ score, offsets })),
    nullScore: start[cls] * end[cls],
  };
}

// Softmax in float64 over all positions, those outside `keep` set to MASKED first.
function softmaxWhere(logits: ArrayLike<number>, keep: (k: number) => boolean): number[] {
  return softmax(Array.from(logits, (v, k) => keep(k) ? v : MASKED));
}
