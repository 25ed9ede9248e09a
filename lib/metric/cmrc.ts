// The CMRC 2018 metric (Chinese span extraction): exact match after removing punctuation, and F1
// over the longest common substring of "mixed segmentation" — each Chinese character a token,
// runs of other characters split into words — as the official cmrc2018_evaluate.py computes it.
// The SQuAD metric splits on whitespace, which makes a whole Chinese answer one token.
import type { SquadExample } from "../data/mod.ts";
import type { QuestionScore } from "./squad.ts";

/** Scores in percent, and how many questions had no prediction (scored 0). */
export interface CmrcResult {
  exact_match: number;
  f1: number;
  total: number;
  skipped: number;
}

// The official script's punctuation list ('……' there is one two-character entry that a
// character-by-character test never meets, so it is left out).
const PUNCTUATION = new Set([
  "-",
  ":",
  "_",
  "*",
  "^",
  "/",
  "\\",
  "~",
  "`",
  "+",
  "=",
  "，",
  "。",
  "：",
  "？",
  "！",
  "“",
  "”",
  "；",
  "’",
  "《",
  "》",
  "·",
  "、",
  "「",
  "」",
  "（",
  "）",
  "－",
  "～",
  "『",
  "』",
]);
const CHINESE = /[\u4e00-\u9fa5]/;

/**
 * Tokens of the official `mixed_segmentation`: lower-cased and trimmed; Chinese characters and the
 * listed punctuation are tokens of their own; other runs are split like NLTK's `word_tokenize`
 * (words, numbers and single punctuation marks; an approximation of it).
 */
export function mixedSegmentation(text: string, removePunctuation = false): string[] {
  const tokens: string[] = [];
  let run = "";
  const flush = () => {
    if (run !== "") tokens.push(...wordTokenize(run));
    run = "";
  };
  for (const char of text.toLowerCase().trim()) {
    if (removePunctuation && PUNCTUATION.has(char)) continue;
    if (CHINESE.test(char) || PUNCTUATION.has(char)) {
      flush();
      tokens.push(char);
    } else {
      run += char;
    }
  }
  flush();
  return tokens;
}

function wordTokenize(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+(?:[.,'][\p{L}\p{N}_]+)*|[^\s\p{L}\p{N}_]/gu) ?? [];
}

/** The official `remove_punctuation`: lower-cased, trimmed, the listed punctuation removed. */
export function removePunctuation(text: string): string {
  return [...text.toLowerCase().trim()].filter((c) => !PUNCTUATION.has(c)).join("");
}

/** Length of the longest common contiguous run of tokens (the official `find_lcs`). */
export function longestCommonSubstring(a: string[], b: string[]): number {
  let best = 0;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 0; i < a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 0; j < b.length; j++) {
      if (a[i] === b[j]) {
        row[j + 1] = previous[j] + 1;
        best = Math.max(best, row[j + 1]);
      }
    }
    previous = row;
  }
  return best;
}

/** Best F1 of `prediction` over the gold answers (0 to 1). */
export function cmrcF1(answers: string[], prediction: string): number {
  const predicted = mixedSegmentation(prediction, true);
  return Math.max(
    0,
    ...answers.map((answer) => {
      const gold = mixedSegmentation(answer, true);
      const common = longestCommonSubstring(gold, predicted);
      if (common === 0) return 0;
      const precision = common / predicted.length;
      const recall = common / gold.length;
      return (2 * precision * recall) / (precision + recall);
    }),
  );
}

/** 1 when `prediction` equals a gold answer once punctuation is removed, else 0. */
export function cmrcExact(answers: string[], prediction: string): number {
  const predicted = removePunctuation(prediction);
  return answers.some((answer) => removePunctuation(answer) === predicted) ? 1 : 0;
}

/** Each example's CMRC exact and F1 (0 to 1; 0 without a prediction) and the ids with none. */
export function cmrcScores(
  examples: SquadExample[],
  predictions: Record<string, string>,
): { scored: QuestionScore[]; missing: string[] } {
  const missing: string[] = [];
  const scored = examples.map((example) => {
    const prediction = predictions[example.id];
    if (prediction === undefined) {
      missing.push(example.id);
      return { exact: 0, f1: 0 };
    }
    const gold = example.answers.text;
    return { exact: cmrcExact(gold, prediction), f1: cmrcF1(gold, prediction) };
  });
  return { scored, missing };
}

/** EM and F1 over every example (a missing prediction scores 0, as in the official script). */
export function evaluateCmrc(
  examples: SquadExample[],
  predictions: Record<string, string>,
): CmrcResult {
  const { scored, missing } = cmrcScores(examples, predictions);
  const total = examples.length;
  const sum = (key: keyof QuestionScore) => scored.reduce((a, s) => a + s[key], 0);
  return {
    exact_match: (100 * sum("exact")) / total,
    f1: (100 * sum("f1")) / total,
    total,
    skipped: missing.length,
  };
}
