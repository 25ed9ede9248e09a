// One question about one context, like transformers' pipeline("question-answering").
import type { QuestionAnsweringModel } from "../model/mod.ts";
import { prepareValidationFeatures } from "../features/mod.ts";
import { predictLogits } from "../model/mod.ts";
import { postprocessQaPredictions, softmax } from "../postprocess/mod.ts";
import type { QATokenizer } from "../tokenizer/mod.ts";

/**
 * An answer, its place in the context as JavaScript string indices (`context.slice(start, end)`
 * is the answer, whatever the characters), and a probability-like score.
 */
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
  const { features, skipped } = await prepareValidationFeatures(tokenizer, [example], {
    maxLength: options.maxLength,
    docStride: options.docStride,
  });
  if (skipped.length > 0) throw new Error(skipped[0].problem);
  const logits = await predictLogits(model, features);
  // As transformers' pipeline does: only context tokens (and [CLS], the "no answer") compete
  // for the n-best places, so padding cannot crowd out the spans.
  features.forEach((feature, i) => {
    const cls = feature.input_ids.indexOf(tokenizer.clsTokenId);
    feature.offset_mapping.forEach((offset, k) => {
      if (offset === null && k !== cls) logits.startLogits[i][k] = logits.endLogits[i][k] = -1e4;
    });
  });
  const [prediction] = postprocessQaPredictions(
    [example],
    features,
    logits.startLogits,
    logits.endLogits,
    {
      clsTokenId: tokenizer.clsTokenId,
      maxAnswerLength: options.maxAnswerLength,
    },
  );
  const index = utf16Index(context);
  const spans = prediction.nbest.map((c) => ({
    answer: c.text,
    score: c.score,
    start: index(c.offsets[0]),
    end: index(c.offsets[1]),
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
