/**
 * The SQuAD metrics, computed the way the official scripts compute them: evaluate-v1.1.py (the
 * `squad` metric of the tutorial) and evaluate-v2.0.py (`squad_v2`, with unanswerable questions).
 *
 * One deliberate difference: a question without a prediction scores 0 in both versions and is listed
 * in `missing`. (evaluate-v1.1.py does the same; evaluate-v2.0.py prints "Missing prediction" and
 * then fails with a KeyError in its HasAns/NoAns breakdown.)
 */
import type { SquadExample } from "../data/types.ts";
import { getTokens, normalizeAnswer, pythonSplit } from "./normalize.ts";
import { pythonSum } from "./sum.ts";

/** Which official script to follow. */
export type SquadVersion = "1.1" | "2.0";

/** What the metric reads of an example: its id and its gold answers. */
export type SquadReference = Pick<SquadExample, "id" | "answers">;

/** Predicted answer text by question id. */
export type Predictions = Record<string, string>;

/** One question's scores, on the 0–1 scale. */
export interface QuestionScore {
  exact: number;
  f1: number;
}

/** The result of evaluate-v1.1.py, in percent, plus the ids that had no prediction. */
export interface SquadV1Result {
  exact_match: number;
  f1: number;
  missing: string[];
}

/**
 * The result of evaluate-v2.0.py, in percent. The HasAns and NoAns keys are present only when the
 * dataset has such questions, as in the official script. `missing` lists ids without a prediction.
 */
export interface SquadV2Result {
  exact: number;
  f1: number;
  total: number;
  HasAns_exact?: number;
  HasAns_f1?: number;
  HasAns_total?: number;
  NoAns_exact?: number;
  NoAns_f1?: number;
  NoAns_total?: number;
  missing: string[];
}

/** Options of the dataset-level metrics. */
export interface EvaluateOptions {
  /** Where to report each missing prediction; `console.error` by default. */
  warn?: (message: string) => void;
}

/** 1 when the normalized answers are equal, else 0 (`compute_exact`, `exact_match_score`). */
export function computeExact(gold: string, pred: string): number {
  return normalizeAnswer(gold) === normalizeAnswer(pred) ? 1 : 0;
}

/** Token F1 of evaluate-v2.0.py (`compute_f1`): when either side is empty, 1 if both are, else 0. */
export function computeF1(gold: string, pred: string): number {
  const goldTokens = getTokens(gold);
  const predTokens = getTokens(pred);
  if (goldTokens.length === 0 || predTokens.length === 0) {
    return goldTokens.length === predTokens.length ? 1 : 0;
  }
  return tokenF1(goldTokens, predTokens);
}

/** Token F1 of evaluate-v1.1.py (`f1_score`): no empty-answer rule, so two empty answers score 0. */
export function computeF1V1(gold: string, pred: string): number {
  return tokenF1(pythonSplit(normalizeAnswer(gold)), pythonSplit(normalizeAnswer(pred)));
}

function tokenF1(goldTokens: string[], predTokens: string[]): number {
  const same = sharedTokenCount(goldTokens, predTokens);
  if (same === 0) return 0;
  const precision = same / predTokens.length;
  const recall = same / goldTokens.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Tokens the two lists have in common, repeats included (`sum((Counter(a) & Counter(b)).values())`). */
function sharedTokenCount(a: string[], b: string[]): number {
  const left = new Map<string, number>();
  for (const token of a) left.set(token, (left.get(token) ?? 0) + 1);
  let same = 0;
  for (const token of b) {
    const count = left.get(token) ?? 0;
    if (count === 0) continue;
    left.set(token, count - 1);
    same++;
  }
  return same;
}

/**
 * Scores one prediction against a question's gold answers: the best exact and the best F1 over them.
 * Version 2.0 ignores gold answers that normalize to nothing, and scores a question left with none
 * against the empty answer. Version 1.1 needs at least one gold answer.
 */
export function scoreQuestion(
  goldTexts: string[],
  prediction: string,
  version: SquadVersion,
): QuestionScore {
  if (version === "1.1") {
    if (goldTexts.length === 0) throw new Error(V1_NEEDS_GOLD);
    return bestOver(goldTexts, prediction, computeF1V1);
  }
  const answerable = goldTexts.filter((text) => normalizeAnswer(text) !== "");
  return bestOver(answerable.length > 0 ? answerable : [""], prediction, computeF1);
}

const V1_NEEDS_GOLD = "the SQuAD v1.1 metric needs at least one gold answer; " +
  "score unanswerable questions with version 2.0";

function bestOver(
  golds: string[],
  prediction: string,
  f1: (gold: string, pred: string) => number,
): QuestionScore {
  return {
    exact: Math.max(...golds.map((gold) => computeExact(gold, prediction))),
    f1: Math.max(...golds.map((gold) => f1(gold, prediction))),
  };
}

/** evaluate-v1.1.py: mean exact match and F1 in percent; a missing prediction scores 0. */
export function squadV1(
  dataset: SquadReference[],
  predictions: Predictions,
  options: EvaluateOptions = {},
): SquadV1Result {
  const { scored, missing } = scoreDataset(dataset, predictions, "1.1", options);
  // The v1.1 script accumulates with `+=`, not with `sum()`.
  let exact = 0;
  let f1 = 0;
  for (const s of scored) {
    exact += s.exact;
    f1 += s.f1;
  }
  return {
    exact_match: 100 * exact / scored.length,
    f1: 100 * f1 / scored.length,
    missing,
  };
}

/** evaluate-v2.0.py: exact and F1 in percent, overall and split into HasAns / NoAns questions. */
export function squadV2(
  dataset: SquadReference[],
  predictions: Predictions,
  options: EvaluateOptions = {},
): SquadV2Result {
  const { scored, missing } = scoreDataset(dataset, predictions, "2.0", options);
  let result: Omit<SquadV2Result, "missing"> = average(scored);
  const hasAnswer = scored.filter((s) => s.hasAnswer);
  const noAnswer = scored.filter((s) => !s.hasAnswer);
  if (hasAnswer.length > 0) {
    const { exact, f1, total } = average(hasAnswer);
    result = { ...result, HasAns_exact: exact, HasAns_f1: f1, HasAns_total: total };
  }
  if (noAnswer.length > 0) {
    const { exact, f1, total } = average(noAnswer);
    result = { ...result, NoAns_exact: exact, NoAns_f1: f1, NoAns_total: total };
  }
  return { ...result, missing };
}

/** The SQuAD metric of `version` ("1.1" is the tutorial's `squad`, "2.0" its `squad_v2`). */
export function evaluateSquad(
  examples: SquadReference[],
  predictions: Predictions,
  version: "1.1",
  options?: EvaluateOptions,
): SquadV1Result;
export function evaluateSquad(
  examples: SquadReference[],
  predictions: Predictions,
  version: "2.0",
  options?: EvaluateOptions,
): SquadV2Result;
export function evaluateSquad(
  examples: SquadReference[],
  predictions: Predictions,
  version: SquadVersion,
  options?: EvaluateOptions,
): SquadV1Result | SquadV2Result;
export function evaluateSquad(
  examples: SquadReference[],
  predictions: Predictions,
  version: SquadVersion,
  options: EvaluateOptions = {},
): SquadV1Result | SquadV2Result {
  if (version === "1.1") return squadV1(examples, predictions, options);
  if (version === "2.0") return squadV2(examples, predictions, options);
  throw new Error(`unknown SQuAD version ${JSON.stringify(version)}: use "1.1" or "2.0"`);
}

/** One question's scores (0–1) and whether it has a gold answer. */
export interface ScoredQuestion extends QuestionScore {
  hasAnswer: boolean;
}

/**
 * The per-question scores that `evaluateSquad` averages, in dataset order; missing predictions
 * score 0 and are reported. Rejects what the metric rejects (no questions, repeated ids, ...).
 */
export function scoreDataset(
  dataset: SquadReference[],
  predictions: Predictions,
  version: SquadVersion,
  { warn = console.error }: EvaluateOptions,
): { scored: ScoredQuestion[]; missing: string[] } {
  checkDataset(dataset, version);
  const missing: string[] = [];
  const scored = dataset.map(({ id, answers }) => {
    const hasAnswer = answers.text.length > 0;
    if (!Object.hasOwn(predictions, id)) {
      missing.push(id);
      warn(missingMessage(id, version));
      return { exact: 0, f1: 0, hasAnswer };
    }
    const prediction = predictions[id];
    if (typeof prediction !== "string") {
      throw new TypeError(`question ${id}: the prediction is ${typeof prediction}, not text`);
    }
    return { ...scoreQuestion(answers.text, prediction, version), hasAnswer };
  });
  return { scored, missing };
}

function missingMessage(id: string, version: SquadVersion): string {
  return version === "1.1"
    ? `Unanswered question ${id} will receive score 0.`
    : `Missing prediction for ${id} (scored 0)`;
}

/** Rejects what the official scripts cannot score: no questions, repeated ids, v1.1 without gold. */
function checkDataset(dataset: SquadReference[], version: SquadVersion): void {
  if (dataset.length === 0) throw new Error("no questions to score");
  const seen = new Set<string>();
  for (const { id, answers } of dataset) {
    if (seen.has(id)) {
      throw new Error(`question ${id} appears twice; predictions are matched to questions by id`);
    }
    seen.add(id);
    if (version === "1.1" && answers.text.length === 0) {
      throw new Error(`question ${id}: ${V1_NEEDS_GOLD}`);
    }
  }
}

/** Mean exact and F1 in percent, summed as Python's `sum()` does (`make_eval_dict`). */
function average(scores: QuestionScore[]): { exact: number; f1: number; total: number } {
  const total = scores.length;
  return {
    exact: 100 * pythonSum(scores.map((s) => s.exact)) / total,
    f1: 100 * pythonSum(scores.map((s) => s.f1)) / total,
    total,
  };
}
