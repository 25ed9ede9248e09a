// Questions about contexts, like transformers' pipeline("question-answering"): each context is
// read in strided windows, all windows of all questions go through the model in batches, and each
// window proposes spans scored P(start) × P(end) (see spans.ts).
import type { SquadExample } from "../data/mod.ts";
import { prepareValidationFeatures } from "../features/mod.ts";
import { predictLogits, type QuestionAnsweringModel } from "../model/mod.ts";
import { clsIndex, featuresByExample } from "../postprocess/mod.ts";
import type { QATokenizer } from "../tokenizer/mod.ts";
import { checkInputs, QuestionAnsweringInputError, type QuestionContext } from "./inputs.ts";
import { decodeWindow, type WindowLimits } from "./spans.ts";

/**
 * An answer, its place in the context as JavaScript string indices (`context.slice(start, end)`
 * is the answer, whatever the characters), and its probability.
 */
export interface Answer {
  answer: string;
  /**
   * P(start) × P(end) in the window the span came from (softmax over that window's context
   * tokens and [CLS]), as transformers' pipeline scores it. For the empty answer: the smallest
   * P([CLS]) × P([CLS]) over the windows.
   */
  score: number;
  start: number;
  end: number;
}

/** Options of `answerQuestions`, with transformers' pipeline defaults. */
export interface AskOptions {
  /** How many answers to return per question, best first (1). */
  topK?: number;
  /** Let the empty answer ("", start 0, end 0) compete with the spans (false). */
  handleImpossibleAnswer?: boolean;
  /** Longest answer in tokens (15). */
  maxAnswerLength?: number;
  /** Tokens per window, question and special tokens included (384). */
  maxLength?: number;
  /** Tokens shared by consecutive windows of a long context (128). */
  docStride?: number;
  /** Windows per forward pass (8). */
  batchSize?: number;
}

/**
 * Answers each `{question, context}` (contexts of any length). The windows of all inputs go
 * through the model together, `batchSize` at a time; each input gets the answers it would get
 * alone, up to `topK` of them, best first, no span twice. Bad input (not a string, empty, a
 * question with no room left for the context) throws a `QuestionAnsweringInputError` naming the
 * input's index.
 */
export async function answerQuestions(
  model: QuestionAnsweringModel,
  tokenizer: QATokenizer,
  inputs: readonly QuestionContext[],
  options: AskOptions = {},
): Promise<Answer[][]> {
  const checked = checkInputs(inputs);
  const limits = windowLimits(options);
  const examples = checked.map(toExample);
  const { features, skipped } = await prepareValidationFeatures(tokenizer, examples, {
    maxLength: options.maxLength,
    docStride: options.docStride,
  });
  if (skipped.length > 0) {
    throw new QuestionAnsweringInputError(Number(skipped[0].id), skipped[0].problem);
  }
  const logits = await predictLogits(model, features, options.batchSize ?? 8);
  const byExample = featuresByExample(features);
  return checked.map(({ context }, i) => {
    const windows = byExample.get(String(i)) ?? [];
    if (!windows.some((w) => features[w].offset_mapping.some((o) => o != null))) {
      throw new QuestionAnsweringInputError(
        i,
        "the context has no tokens (the tokenizer drops all its characters)",
      );
    }
    const decoded = windows.map((w) =>
      decodeWindow(
        features[w],
        logits.startLogits[w],
        logits.endLogits[w],
        clsIndex(features[w], tokenizer.clsTokenId),
        limits,
      )
    );
    return bestAnswers(context, decoded, limits.topK, options.handleImpossibleAnswer ?? false);
  });
}

/**
 * Answers one question about one context: `answerQuestions` for a single input, its answers best
 * first (`topK` of them).
 */
export async function answerQuestion(
  model: QuestionAnsweringModel,
  tokenizer: QATokenizer,
  question: string,
  context: string,
  options: AskOptions = {},
): Promise<Answer[]> {
  const [answers] = await answerQuestions(model, tokenizer, [{ question, context }], options);
  return answers;
}

function windowLimits(options: AskOptions): WindowLimits {
  const topK = options.topK ?? 1;
  const maxAnswerLength = options.maxAnswerLength ?? 15;
  for (const [name, value] of [["topK", topK], ["maxAnswerLength", maxAnswerLength]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  return { topK, maxAnswerLength };
}

function toExample({ question, context }: QuestionContext, i: number): SquadExample {
  return { id: String(i), title: "", question, context, answers: { text: [], answer_start: [] } };
}

// Spans of all windows ranked together (a span two windows share counts once, with its better
// score); the empty answer, when allowed, ranks after spans that tie it, as in transformers.
function bestAnswers(
  context: string,
  windows: ReturnType<typeof decodeWindow>[],
  topK: number,
  handleImpossibleAnswer: boolean,
): Answer[] {
  const index = utf16Index(context);
  const best = new Map<string, Answer>();
  for (const { offsets: [from, to], score } of windows.flatMap((w) => w.spans)) {
    const key = `${from},${to}`;
    if ((best.get(key)?.score ?? -1) >= score) continue;
    const [start, end] = [index(from), index(to)];
    best.set(key, { answer: context.slice(start, end), score, start, end });
  }
  const answers = [...best.values()];
  if (handleImpossibleAnswer) {
    const nullScore = Math.min(...windows.map((w) => w.nullScore));
    answers.push({ answer: "", score: nullScore, start: 0, end: 0 });
  }
  return answers.sort((a, b) => b.score - a.score).slice(0, topK);
}

// Offsets count code points (as Python does); JavaScript strings index UTF-16 units.
function utf16Index(text: string): (codePoint: number) => number {
  if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
  const starts: number[] = [];
  let unit = 0;
  for (const char of text) {
    starts.push(unit);
    unit += char.length;
  }
  starts.push(unit);
  return (i) => starts[i];
}
