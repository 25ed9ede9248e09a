import { type BatchEncoding, EncodeError, type QATokenizer } from "../tokenizer/mod.ts";
import { type ExampleProblem, pythonLstrip, type SquadExample } from "../data/mod.ts";

/** The tutorial's featurization settings. */
export interface FeatureOptions {
  /** Tokens per window, question and special tokens included (384). */
  maxLength?: number;
  /** Tokens shared by consecutive windows of a long context (128). */
  docStride?: number;
  /**
   * Examples tokenized per call (as `datasets.map(batched=True)` uses 1,000); fewer where their
   * contexts pass `MAX_CONTEXT_CHARS`.
   */
  batchSize?: number;
  /** File or URL of the examples, for messages. */
  source?: string;
  /** Fail on the first unusable example instead of skipping it. */
  strict?: boolean;
  /** Called after each batch with the examples done so far and the total (for a progress bar). */
  onProgress?: (done: number, total: number) => void;
}

/** The windows of a batch of examples, and the examples that could not be tokenized. */
export interface TokenizedBatch {
  encoding: BatchEncoding;
  /** Index, in the batch given, of the example each window comes from. */
  sampleIndex: number[];
  /** Whether the context is the second sequence (the tutorial's `pad_on_right`). */
  contextIndex: 0 | 1;
  problems: ExampleProblem[];
}

/**
 * Tokenizes question/context pairs the tutorial's way: question stripped on the left, only the
 * context truncated, overflowing windows with a stride, padded to `maxLength`, offsets kept.
 * Examples whose question leaves no room for the context are reported, not tokenized.
 */
export async function tokenizeExamples(
  tokenizer: QATokenizer,
  examples: SquadExample[],
  options: FeatureOptions,
): Promise<TokenizedBatch> {
  const padOnRight = tokenizer.paddingSide === "right";
  const problems: ExampleProblem[] = [];
  let kept = examples.map((_, i) => i);
  for (;;) {
    const questions = kept.map((i) => pythonLstrip(examples[i].question));
    const contexts = kept.map((i) => examples[i].context);
    try {
      const encoding = await tokenizer.encode(
        padOnRight ? questions : contexts,
        padOnRight ? contexts : questions,
        {
          truncation: padOnRight ? "only_second" : "only_first",
          maxLength: options.maxLength ?? 384,
          stride: options.docStride ?? 128,
          returnOverflowingTokens: true,
          padding: "max_length",
        },
      );
      const sampleIndex = encoding.overflow_to_sample_mapping.map((k) => kept[k]);
      return { encoding, sampleIndex, contextIndex: padOnRight ? 1 : 0, problems };
    } catch (e) {
      if (!(e instanceof EncodeError)) throw e;
      const failed = new Set(e.failures.keys());
      for (const [k, reason] of e.failures) {
        problems.push(tooLong(examples[kept[k]], reason, options));
      }
      kept = kept.filter((_, k) => !failed.has(k));
    }
  }
}

function tooLong(example: SquadExample, reason: string, options: FeatureOptions): ExampleProblem {
  return {
    source: options.source ?? "examples",
    id: example.id,
    kind: "question_too_long",
    problem:
      `the question leaves no room for the context with max_length ${options.maxLength ?? 384}` +
      ` and doc_stride ${options.docStride ?? 128} (tokenizer: ${reason})`,
  };
}
