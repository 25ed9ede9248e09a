/**
 * Exact match and F1 split by kind of question: answerable or not, question word, and length of
 * the gold answer. The per-question scores are those `evaluateSquad` averages (`scoreDataset`), so
 * every split adds up to its totals.
 */
import type { Answers, SquadExample } from "../data/types.ts";
import { pythonSum } from "./sum.ts";
import {
  type EvaluateOptions,
  type Predictions,
  type QuestionScore,
  scoreDataset,
  type SquadVersion,
} from "./squad.ts";

/** What the breakdown reads of a question. */
export type BreakdownQuestion = Pick<SquadExample, "id" | "question" | "answers">;

/** The ways questions are grouped. */
export type BreakdownDimension = "answerability" | "question word" | "answer length";

/** Exact match and F1 (percent) of `total` questions. */
export interface GroupScores {
  total: number;
  exact: number;
  f1: number;
}

/** The scores of one group of questions. */
export interface GroupScore extends GroupScores {
  dimension: BreakdownDimension;
  group: string;
}

/** The scores overall and of each group; `missing` lists questions without a prediction. */
export interface ScoreBreakdown {
  overall: GroupScores;
  /** By dimension, groups in a fixed order (see `QUESTION_WORDS`, `ANSWER_LENGTHS`); empty groups left out. */
  groups: GroupScore[];
  missing: string[];
}

/** The question-word groups, in the order they are listed. */
export const QUESTION_WORDS = [
  "what",
  "who",
  "when",
  "where",
  "which",
  "why",
  "how",
  "other",
] as const;

/** A question-word group. */
export type QuestionWord = typeof QUESTION_WORDS[number];

/** The answer-length groups (words; a CJK character counts as a word), in order. */
export const ANSWER_LENGTHS = ["1", "2", "3", "4-5", "6-10", "11+", "no answer"] as const;

const ANSWERABILITY = ["has answer", "no answer"] as const;

// Chinese question words (simplified and traditional), longer forms first: at one position the
// first alternative that matches wins, so 什么时候 is "when" before 什么 is "what".
const CHINESE_WORDS: [string, QuestionWord][] = [
  ...words("why", "为什么", "為什麼", "为何", "為何"),
  ...words("when", "什么时候", "什麼時候", "何时", "何時", "哪一年", "哪年", "几时", "幾時"),
  ...words("where", "哪里", "哪裡", "哪裏", "哪儿", "哪兒", "何地", "何处", "何處"),
  ...words("how", "怎么", "怎麼", "怎样", "怎樣", "如何", "多少", "多久", "多长", "多長", "多大"),
  ...words("who", "谁", "誰"),
  ...words("what", "什么", "什麼"),
  ...words("which", "哪"),
];

function words(group: QuestionWord, ...forms: string[]): [string, QuestionWord][] {
  return forms.map((form) => [form, group]);
}

const ENGLISH_WORDS: Record<string, QuestionWord> = {
  what: "what",
  who: "who",
  whom: "who",
  whose: "who",
  when: "when",
  where: "where",
  which: "which",
  why: "why",
  how: "how",
};

// 称为什么 is 称为 + 什么 ("called what"), not 为什么 ("why").
const NOT_WHY = "(?<![称稱成作认認叫视視])";
// 几 asks "how many" unless it is part of a word: 几乎 (almost), 几内亚 (Guinea), 几何 (geometry),
// 茶几 (tea table).
const HOW_MANY = "(?<!茶)[几幾](?![乎内內何])";

const QUESTION_WORD = new RegExp(
  String.raw`(?<![\p{L}\p{N}_])(?:${Object.keys(ENGLISH_WORDS).join("|")})(?![\p{L}\p{N}_])|` +
    CHINESE_WORDS.map(([form, group]) => group === "why" ? NOT_WHY + form : form).join("|") +
    `|${HOW_MANY}`,
  "iu",
);

/**
 * The question word of a question: the first English wh-word (what, who/whom/whose, when, where,
 * which, why, how) or Chinese question word (为什么 why, 什么时候/何时 when, 哪里 where,
 * 怎么/如何/多少/几 how, 谁 who, 什么 what, 哪 which) in it; "other" when there is none.
 */
export function questionWord(question: string): QuestionWord {
  const match = QUESTION_WORD.exec(question);
  if (!match) return "other";
  const text = match[0].toLowerCase();
  if (text in ENGLISH_WORDS) return ENGLISH_WORDS[text];
  return CHINESE_WORDS.find(([form]) => form === text)?.[1] ?? "how"; // else 几 / 幾 (how many)
}

/**
 * The length group of a question's first gold answer, in words, a CJK character counting as one
 * word (Chinese is written without spaces); "no answer" for an unanswerable question.
 */
export function answerLength(answers: Answers): typeof ANSWER_LENGTHS[number] {
  if (answers.text.length === 0) return "no answer";
  const n = answers.text[0].match(WORDS)?.length ?? 0;
  return n <= 3 ? (n <= 1 ? "1" : n === 2 ? "2" : "3") : n <= 5 ? "4-5" : n <= 10 ? "6-10" : "11+";
}

const CJK = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}`;
const WORDS = new RegExp(`[${CJK}]|[^\\s${CJK}]+`, "gu");

/** Groups scored questions (scores 0–1, in question order) by answerability, question word, answer length. */
export function breakdownScores(
  questions: readonly BreakdownQuestion[],
  scores: readonly QuestionScore[],
  missing: string[] = [],
): ScoreBreakdown {
  if (questions.length !== scores.length) {
    throw new Error(`${questions.length} questions but ${scores.length} scores`);
  }
  const dimensions: [BreakdownDimension, readonly string[], (q: BreakdownQuestion) => string][] = [
    ["answerability", ANSWERABILITY, (q) => q.answers.text.length > 0 ? "has answer" : "no answer"],
    ["question word", QUESTION_WORDS, (q) => questionWord(q.question)],
    ["answer length", ANSWER_LENGTHS, (q) => answerLength(q.answers)],
  ];
  const groups = dimensions.flatMap(([dimension, order, groupOf]) =>
    order.map((group) => ({
      dimension,
      group,
      ...averageScores(scores.filter((_, i) => groupOf(questions[i]) === group)),
    })).filter((g) => g.total > 0)
  );
  return { overall: averageScores(scores), groups, missing };
}

/**
 * The breakdown of the SQuAD metric of `version` over `examples`: the same per-question scores as
 * `evaluateSquad`, grouped by answerability, question word and gold answer length.
 */
export function scoreBreakdown(
  examples: BreakdownQuestion[],
  predictions: Predictions,
  version: SquadVersion,
  options: EvaluateOptions = {},
): ScoreBreakdown {
  const { scored, missing } = scoreDataset(examples, predictions, version, options);
  return breakdownScores(examples, scored, missing);
}

// Mean exact and F1 in percent, summed as the v2.0 script sums (Python's `sum()`).
function averageScores(scores: readonly QuestionScore[]): GroupScores {
  const total = scores.length;
  if (total === 0) return { total, exact: 0, f1: 0 };
  return {
    total,
    exact: 100 * pythonSum(scores.map((s) => s.exact)) / total,
    f1: 100 * pythonSum(scores.map((s) => s.f1)) / total,
  };
}
