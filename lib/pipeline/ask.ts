// Questions about contexts, like transformers' pipeline("question-answering") (4.57, the last
// release that has it): each context is read in strided windows (windows.ts), all windows of all
// questions go through the model in batches, each window proposes its best spans scored
// P(start) × P(end) (spans.ts), and a question's answers gather them (answers.ts).
import { type InferenceModel, predictLogits } from "../model/mod.ts";
import type { QATokenizer } from "../tokenizer/mod.ts";
import { type Answer, gatherAnswers } from "./answers.ts";
import { checkInputs, QuestionAnsweringInputError, type QuestionContext } from "./inputs.ts";
import { decodeWindow } from "./spans.ts";
import { pipelineWindows, windowSettings } from "./windows.ts";

/** Options of `answerQuestions`, with transformers' pipeline defaults. */
export interface AskOptions {
  /** How many answers to return per question, best first (1); transformers' `top_k`. */
  topK?: number;
  /** Let the empty answer ("", start 0, end 0) compete with the spans (false). */
  handleImpossibleAnswer?: boolean;
  /** Longest answer in tokens (15); transformers' `max_answer_len`. */
  maxAnswerLength?: number;
  /**
   * Tokens per window, question and special tokens included; transformers' `max_seq_len`
   * (the smaller of the tokenizer's limit and 384).
   */
  maxLength?: number;
  /** Tokens shared by consecutive windows of a long context (the smaller of maxLength/2 and 128). */
  docStride?: number;
  /**
   * Widen an answer that starts or ends inside a word to the whole word (true), as
   * transformers' `align_to_words`; false keeps the tokens' own characters.
   */
  alignToWords?: boolean;
  /** Windows per forward pass (8). */
  batchSize?: number;
}

/**
 * Answers each `{question, context}` (contexts of any length). The windows of all inputs go
 * through the model together, `batchSize` at a time; each input gets the answers it would get
 * alone, up to `topK` of them, best first. Bad input (not a string, empty, a question with no
 * room left for the context) throws a `QuestionAnsweringInputError` naming the input's index.
 */
export async function answerQuestions(
  model: InferenceModel,
  tokenizer: QATokenizer,
  inputs: readonly QuestionContext[],
  options: AskOptions = {},
): Promise<Answer[][]> {
  const checked = checkInputs(inputs);
  const topK = positiveInteger("topK", options.topK ?? 1);
  const maxAnswerLength = positiveInteger("maxAnswerLength", options.maxAnswerLength ?? 15);
  const alignToWords = options.alignToWords ?? true;
  const windows = await pipelineWindows(tokenizer, checked, windowSettings(tokenizer, options));
  const byInput = checked.map((): number[] => []);
  windows.forEach((window, w) => byInput[window.input].push(w));
  byInput.forEach((mine, i) => {
    if (!mine.some((w) => windows[w].offsets.some((o) => o !== null))) {
      throw new QuestionAnsweringInputError(
        i,
        "the context has no tokens (the tokenizer drops all its characters)",
      );
    }
  });
  const logits = await predictLogits(model, windows, options.batchSize ?? 8);
  // Aligning to words can make spans one; transformers asks each window for more of them then.
  const candidates = alignToWords ? topK * 2 + 10 : topK;
  const decoded = windows.map((window, w) =>
    decodeWindow(window, logits.startLogits[w], logits.endLogits[w], {
      candidates,
      maxAnswerLength,
    })
  );
  return checked.map(({ context }, i) =>
    gatherAnswers(
      context,
      byInput[i].map((w) => windows[w]),
      byInput[i].map((w) => decoded[w]),
      { topK, handleImpossibleAnswer: options.handleImpossibleAnswer ?? false, alignToWords },
    )
  );
}

/**
 * Answers one question about one context: `answerQuestions` for a single input, its answers best
 * first (`topK` of them).
 */
export async function answerQuestion(
  model: InferenceModel,
  tokenizer: QATokenizer,
  question: string,
  context: string,
  options: AskOptions = {},
): Promise<Answer[]> {
  const [answers] = await answerQuestions(model, tokenizer, [{ question, context }], options);
  return answers;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}
