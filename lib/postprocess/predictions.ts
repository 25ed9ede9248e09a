// From logits to answers: the tutorial's `postprocess_qa_predictions`, with SQuAD v2 null handling.
import { codePointSlicer } from "../data/chars.ts";
import type { SquadExample } from "../data/types.ts";
import type { Offset, ValidationFeature } from "../features/types.ts";
import { type Candidate, clsIndex, featureCandidates, rankCandidates } from "./nbest.ts";

/** Options of `postprocessQaPredictions`. */
export interface PostprocessOptions {
  /** How many start and end logits to pair up, and how long the n-best list is (default 20). */
  nBestSize?: number;
  /** Longest answer in tokens (default 30). */
  maxAnswerLength?: number;
  /** Id of the `[CLS]` token, whose logits score "no answer" (101 for the uncased BERT vocabulary). */
  clsTokenId: number;
}

/** One n-best entry: an answer span and its score. */
export type NbestEntry = Omit<Candidate, "featureIndex">;

/** The decoded answer of one question. */
export interface QaPrediction {
  id: string;
  /** Best span, or "" when no feature proposed one (SQuAD v1: always answer). */
  predictionV1: string;
  /** Best span if it beats the null score, else "" (SQuAD v2: may abstain). */
  predictionV2: string;
  /** Minimum over the example's features of `start_logits[cls] + end_logits[cls]`. */
  nullScore: number;
  /** Start and end logits at `[CLS]` of the feature giving `nullScore`. */
  nullLogits: [number, number];
  /** The best `nBestSize` spans, best first (ties in proposal order). */
  nbest: NbestEntry[];
}

/**
 * Decodes the answers of `examples` from the logits of their `features`.
 *
 * `features[i]` has logits `startLogits[i]` and `endLogits[i]`; an example's features are taken in
 * the order given. Spans are proposed per feature (see `featureCandidates`) and ranked together; the
 * null score is the minimum over the features (Hugging Face's `utils_qa`). An example without
 * features gets empty predictions and a null score of `Infinity`.
 */
export function postprocessQaPredictions(
  examples: SquadExample[],
  features: ValidationFeature[],
  startLogits: ArrayLike<number>[],
  endLogits: ArrayLike<number>[],
  options: PostprocessOptions,
): QaPrediction[] {
  if (startLogits.length !== features.length || endLogits.length !== features.length) {
    throw new Error(
      `${features.length} features but ${startLogits.length} start and ${endLogits.length} end logits`,
    );
  }
  const limits = {
    nBestSize: options.nBestSize ?? 20,
    maxAnswerLength: options.maxAnswerLength ?? 30,
  };
  const byExample = featuresByExample(features);
  return examples.map((example) => {
    const indices = byExample.get(example.id) ?? [];
    const slice = codePointSlicer(example.context);
    const candidates: Candidate[] = [];
    let nullScore = Infinity;
    let nullLogits: [number, number] = [0, 0];
    for (const i of indices) {
      const [start, end] = [startLogits[i], endLogits[i]];
      const cls = clsIndex(features[i], options.clsTokenId);
      const score = start[cls] + end[cls];
      if (score < nullScore) [nullScore, nullLogits] = [score, [start[cls], end[cls]]];
      for (const c of featureCandidates(features[i], start, end, slice, limits, i)) {
        candidates.push(c);
      }
    }
    return decide(example.id, rankCandidates(candidates), nullScore, nullLogits, limits.nBestSize);
  });
}

function decide(
  id: string,
  ranked: Candidate[],
  nullScore: number,
  nullLogits: [number, number],
  nBestSize: number,
): QaPrediction {
  const best = ranked[0] ?? { text: "", score: 0 };
  const nbest = ranked.slice(0, nBestSize).map(({ featureIndex: _, ...entry }) => entry);
  return {
    id,
    predictionV1: best.text,
    predictionV2: best.score > nullScore ? best.text : "",
    nullScore,
    nullLogits,
    nbest,
  };
}

/** Feature indices per example id, in feature order: the tutorial's `features_per_example`. */
export function featuresByExample(features: ValidationFeature[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  features.forEach((f, i) => {
    const list = map.get(f.example_id);
    if (list) list.push(i);
    else map.set(f.example_id, [i]);
  });
  return map;
}

/** The SQuAD v1 predictions file: question id to answer text. */
export function predictionsV1(predictions: QaPrediction[]): Record<string, string> {
  return Object.fromEntries(predictions.map((p) => [p.id, p.predictionV1]));
}

/** The SQuAD v2 predictions file: question id to answer text, "" for "no answer". */
export function predictionsV2(predictions: QaPrediction[]): Record<string, string> {
  return Object.fromEntries(predictions.map((p) => [p.id, p.predictionV2]));
}

/** One question's line in the golden `dev_postprocess.jsonl` layout. */
export interface GoldenRow {
  id: string;
  prediction_v2: string;
  prediction_v1: string;
  null_score: number;
  nbest: { score: number; text: string }[];
}

/** A prediction in the golden `dev_postprocess.jsonl` layout (n-best as `{score, text}`). */
export function toGoldenRow(p: QaPrediction): GoldenRow {
  return {
    id: p.id,
    prediction_v2: p.predictionV2,
    prediction_v1: p.predictionV1,
    null_score: p.nullScore,
    nbest: p.nbest.map(({ score, text }) => ({ score, text })),
  };
}

/** One entry of Hugging Face `run_qa`'s `nbest_predictions.json`. */
export interface NbestJsonEntry {
  text: string;
  probability: number;
  start_logit: number;
  end_logit: number;
  offsets: Offset;
}

/**
 * The n-best lists as Hugging Face `run_qa` writes them (`--nbest-out`): per question id, entries
 * best first with a softmax `probability` over the listed scores. With `versionTwoWithNegative`
 * the null answer (text "", offsets [0, 0], the `[CLS]` logits) is ranked in among the spans and
 * kept even when it falls outside the top `nBestSize`, as `utils_qa` does.
 */
export function nbestJson(
  predictions: QaPrediction[],
  options: { versionTwoWithNegative?: boolean; nBestSize?: number } = {},
): Record<string, NbestJsonEntry[]> {
  const out: Record<string, NbestJsonEntry[]> = {};
  for (const p of predictions) out[p.id] = nbestJsonEntries(p, options);
  return out;
}

function nbestJsonEntries(
  p: QaPrediction,
  options: { versionTwoWithNegative?: boolean; nBestSize?: number },
): NbestJsonEntry[] {
  let entries = p.nbest.map((e) => ({ ...e }));
  if (options.versionTwoWithNegative && Number.isFinite(p.nullScore)) {
    const nullEntry: NbestEntry = {
      score: p.nullScore,
      text: "",
      startLogit: p.nullLogits[0],
      endLogit: p.nullLogits[1],
      offsets: [0, 0],
    };
    // utils_qa appends the null answer last, then sorts stably: it goes after spans that tie it.
    const kept = [...entries, nullEntry].sort((a, b) => b.score - a.score);
    entries = kept.slice(0, options.nBestSize ?? 20);
    if (!entries.includes(nullEntry)) entries.push(nullEntry);
  }
  const probs = softmax(entries.map((e) => e.score));
  return entries.map((e, i) => ({
    text: e.text,
    probability: probs[i],
    start_logit: e.startLogit,
    end_logit: e.endLogit,
    offsets: e.offsets,
  }));
}

/**
 * Numerically stable softmax in float64 (the one softmax of the host code: n-best probabilities
 * here, the pipeline's start and end probabilities). A NaN score is an error naming its index.
 */
export function softmax(scores: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let k = 0; k < scores.length; k++) {
    if (Number.isNaN(scores[k])) throw new RangeError(`score ${k} is NaN`);
    max = Math.max(max, scores[k]);
  }
  const exps = Array.from(scores, (s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}
