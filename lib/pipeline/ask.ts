// One question about one context, like transformers' pipeline("question-answering").
import type { QuestionAnsweringModel } from "../model/mod.ts";
import { softmax } from "../postprocess/mod.ts";
import type { QATokenizer } from "../tokenizer/mod.ts";
import { predictDataset } from "./predict.ts";

/** An answer with its place in the context (code point offsets) and a probability-like score. */
export interface Answer {
  answer: string;
  /** Softmax of this span's score over the n-best spans (and the null answer, if allowed). */
  score: number;
  start: number;
  end: number;
}

/** Options of `answerQuestion`. */
export interface AskOptions {
  /** How many answers to return, best first (1). */
  topK?: number;
  /** Allow "" when the no-answer score beats every span (SQuAD v2 models). */
  handleImpossibleAnswer?: boolean;
  maxAnswerLength?: number;
  maxLength?: number;
  docStride?: number;
}

/** Answers `question` from `context` (any length: long contexts are read in strided windows). */
export async function answerQuestion(
  model: QuestionAnsweringModel,
  tokenizer: QATokenizer,
  question: string,
  context: string,
  options: AskOptions = {},
): Promise<Answer[]> {
  if (context.trim() === "") throw new Error("the context is empty");
  const example = {
    id: "question",
    title: "",
    question,
    context,
    answers: { text: [], answer_start: [] },
  };
  const { predictions, skipped } = await predictDataset(model, tokenizer, [example], {
    maxLength: options.maxLength,
    docStride: options.docStride,
    maxAnswerLength: options.maxAnswerLength,
  });
  if (skipped.length > 0) throw new Error(skipped[0].problem);
  const [prediction] = predictions;
  const spans = prediction.nbest.map((c) => ({
    answer: c.text,
    score: c.score,
    start: c.offsets[0],
    end: c.offsets[1],
  }));
  if (options.handleImpossibleAnswer) {
    spans.push({ answer: "", score: prediction.nullScore, start: 0, end: 0 });
  }
  const probabilities = softmax(spans.map((s) => s.score));
  return spans
    .map((span, i) => ({ ...span, score: probabilities[i] }))
    .sort((a, b) => b.score - a.score)
    .slice(0, options.topK ?? 1);
}
