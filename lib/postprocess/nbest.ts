// Per-feature n-best decoding: the inner loops of the tutorial's `postprocess_qa_predictions`.
import type { Offset, ValidationFeature } from "../features/types.ts";

/** One answer span proposed by one feature: a (start, end) token pair that survived the filters. */
export interface Candidate {
  /** `startLogit + endLogit`, summed in float64 (exact for float32 logits). */
  score: number;
  /** The answer: the context sliced by code points from the start token's start to the end token's end. */
  text: string;
  startLogit: number;
  endLogit: number;
  /** `[start, end)` of `text` in the context, in code points. */
  offsets: Offset;
  /** Index of the feature (in the list given to the decoder) the span came from. */
  featureIndex: number;
}

/** Limits on the spans a feature may propose. */
export interface SpanLimits {
  /** How many of the largest start (and end) logits to pair up. */
  nBestSize: number;
  /** Longest answer, in tokens (`end - start + 1`). */
  maxAnswerLength: number;
}

/**
 * Indices of the `k` largest `values`, largest first: numpy's `np.argsort(values)[-1:-k-1:-1]`.
 *
 * Equal values come larger index first, which is what that reversed slice gives over a stable
 * ascending sort. A partial selection: O(n) when few values enter the top k, never a full sort.
 */
export function topKIndices(values: ArrayLike<number>, k: number): number[] {
  const n = values.length;
  const size = Math.min(k, n);
  const idx = new Array<number>(size);
  const val = new Float64Array(size);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v !== v) throw new RangeError(`logit ${i} is NaN`);
    if (count === size && v < val[size - 1]) continue;
    // Insert before any equal value: the later (larger) index goes first among ties.
    let p = count < size ? count++ : size - 1;
    while (p > 0 && val[p - 1] <= v) {
      val[p] = val[p - 1];
      idx[p] = idx[p - 1];
      p--;
    }
    val[p] = v;
    idx[p] = i;
  }
  return idx;
}

/** Position of the `[CLS]` token in a feature; the tutorial's `input_ids.index(cls_token_id)`. */
export function clsIndex(feature: ValidationFeature, clsTokenId: number): number {
  const i = feature.input_ids.indexOf(clsTokenId);
  if (i < 0) throw new Error(`feature of ${feature.example_id}: no [CLS] token (id ${clsTokenId})`);
  return i;
}

/**
 * The spans one feature proposes, in the tutorial's order (start rank, then end rank).
 *
 * Pairs each of the `nBestSize` best start tokens with each of the best end tokens, and drops pairs
 * that fall outside the context (null offset), run backwards, or exceed `maxAnswerLength` tokens.
 * `slice(a, b)` must cut the context by code points (see `codePointSlicer`).
 */
export function featureCandidates(
  feature: ValidationFeature,
  start: ArrayLike<number>,
  end: ArrayLike<number>,
  slice: (a: number, b: number) => string,
  limits: SpanLimits,
  featureIndex = 0,
): Candidate[] {
  const offsets = feature.offset_mapping;
  const starts = topKIndices(start, limits.nBestSize);
  const ends = topKIndices(end, limits.nBestSize);
  const out: Candidate[] = [];
  for (const s of starts) {
    const so = offsets[s];
    if (!so) continue; // out of range or outside the context
    for (const e of ends) {
      const eo = offsets[e];
      if (!eo || e < s || e - s + 1 > limits.maxAnswerLength) continue;
      out.push({
        score: start[s] + end[e],
        text: slice(so[0], eo[1]),
        startLogit: start[s],
        endLogit: end[e],
        offsets: [so[0], eo[1]],
        featureIndex,
      });
    }
  }
  return out;
}

/** Sorts candidates best first; ties keep their order (Python's stable `sorted(..., reverse=True)`). */
export function rankCandidates(candidates: Candidate[]): Candidate[] {
  return candidates.sort((a, b) => b.score - a.score);
}
