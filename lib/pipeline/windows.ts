// How transformers' pipeline("question-answering") reads a question and its context: the pair
// tokenized as given (the question is not stripped), only the context truncated, in overlapping
// windows of `maxLength` tokens sharing `docStride` tokens; each token keeps its offsets and word.
import type { Offset } from "../features/mod.ts";
import { EncodeError, type QATokenizer } from "../tokenizer/mod.ts";
import { QuestionAnsweringInputError, type QuestionContext } from "./inputs.ts";

/** How to cut contexts into windows. */
export interface WindowSettings {
  /** Tokens per window, question and special tokens included. */
  maxLength: number;
  /** Tokens shared by consecutive windows of a long context. */
  docStride: number;
}

/** One window of one input, as the model reads it. */
export interface PipelineWindow {
  /** Index of the input the window comes from. */
  input: number;
  input_ids: number[];
  attention_mask: number[];
  /** Empty where the tokenizer gives a model no token types (DistilBERT's): the model takes 0s. */
  token_type_ids: number[];
  /** Code-point offsets into the context of its context tokens; null for every other token. */
  offsets: (Offset | null)[];
  /** The word (in the context) of each context token; null for every other token. */
  wordIds: (number | null)[];
  /** Where [CLS] is: its probability is the "no answer" one. */
  cls: number;
}

/**
 * transformers' defaults: `maxLength` the smaller of the tokenizer's limit and 384, `docStride`
 * the smaller of half of it and 128; a stride longer than the window is refused.
 */
export function windowSettings(
  tokenizer: QATokenizer,
  options: { maxLength?: number; docStride?: number },
): WindowSettings {
  const maxLength = options.maxLength ?? Math.min(tokenizer.config.modelMaxLength, 384);
  const docStride = options.docStride ?? Math.min(Math.floor(maxLength / 2), 128);
  for (const [name, value] of [["maxLength", maxLength], ["docStride", docStride]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (docStride > maxLength) {
    throw new RangeError(`docStride (${docStride}) is larger than maxLength (${maxLength})`);
  }
  return { maxLength, docStride };
}

/**
 * The windows of every input, input by input. An input whose question leaves no room for its
 * context throws a `QuestionAnsweringInputError` naming it.
 */
export async function pipelineWindows(
  tokenizer: QATokenizer,
  inputs: readonly QuestionContext[],
  settings: WindowSettings,
): Promise<PipelineWindow[]> {
  if (inputs.length === 0) return [];
  const questionFirst = tokenizer.paddingSide === "right";
  const questions = inputs.map((i) => i.question);
  const contexts = inputs.map((i) => i.context);
  const encoding = await tokenizer.encode(
    questionFirst ? questions : contexts,
    questionFirst ? contexts : questions,
    {
      truncation: questionFirst ? "only_second" : "only_first",
      maxLength: settings.maxLength,
      stride: settings.docStride,
      returnOverflowingTokens: true,
      padding: "max_length",
    },
  ).catch((e) => {
    if (!(e instanceof EncodeError)) throw e;
    const [index, reason] = e.failures.entries().next().value!;
    throw new QuestionAnsweringInputError(
      index,
      `the question leaves no room for the context with max_length ${settings.maxLength} and ` +
        `doc_stride ${settings.docStride} (tokenizer: ${reason})`,
    );
  });
  const contextIndex = questionFirst ? 1 : 0;
  const clsId = tokenizer.clsTokenId;
  // transformers' pipeline passes the model only the tokenizer's `model_input_names`.
  const withTypes = tokenizer.config.modelInputNames.includes("token_type_ids");
  return encoding.input_ids.map((ids, w) => {
    const cls = ids.indexOf(clsId);
    if (cls < 0) throw new Error(`${tokenizer.folder}: its windows hold no [CLS] token`);
    const inContext = encoding.sequence_ids[w].map((s) => s === contextIndex);
    return {
      input: encoding.overflow_to_sample_mapping[w],
      input_ids: ids,
      attention_mask: encoding.attention_mask[w],
      token_type_ids: !withTypes
        ? []
        : questionFirst
        ? pairTypes(encoding.sequence_ids[w], encoding.attention_mask[w])
        : encoding.token_type_ids[w],
      offsets: encoding.offset_mapping[w].map((o, k) => inContext[k] ? o : null),
      wordIds: encoding.word_ids[w].map((word, k) => inContext[k] ? word : null),
      cls,
    };
  });
}

// Type 1 for the context and the [SEP] that ends it, 0 before, in every window, as transformers
// 4.57's tokenizer call (tokenizers 0.22) gives them. Our features for training keep what the
// reference post-processor gives the context of overflow windows, 0 (see WindowOptions).
function pairTypes(sequenceIds: (number | null)[], attentionMask: number[]): number[] {
  const last = attentionMask.lastIndexOf(1);
  return sequenceIds.map((s, k) => s === 1 || k === last ? 1 : 0);
}
