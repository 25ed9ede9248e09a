import { checkExample, codePointLength, type SquadExample } from "../data/mod.ts";
import type { QATokenizer } from "../tokenizer/mod.ts";
import { exampleChunks } from "./chunks.ts";
import { type FeatureOptions, tokenizeExamples } from "./tokenize.ts";
import { collectBatches, type FeatureResult, strictError } from "./result.ts";
import type { Offset, TrainFeature } from "./types.ts";

/**
 * The tutorial's `prepare_train_features`: windows labelled with the token span of the first
 * answer, or with the CLS token when the window misses it or the question has no answer.
 * Examples whose answer does not match the context are skipped (an error with `strict`).
 */
export function prepareTrainFeatures(
  tokenizer: QATokenizer,
  examples: SquadExample[],
  options: FeatureOptions = {},
): Promise<FeatureResult<TrainFeature>> {
  return collectBatches(trainFeatureBatches(tokenizer, examples, options));
}

/**
 * `prepareTrainFeatures` one bounded chunk of examples at a time (`exampleChunks`), for streaming
 * to a file.
 */
export async function* trainFeatureBatches(
  tokenizer: QATokenizer,
  examples: SquadExample[],
  options: FeatureOptions = {},
): AsyncGenerator<FeatureResult<TrainFeature>> {
  const source = options.source ?? "examples";
  const cls = tokenizer.clsTokenId;
  for (const [from, to] of exampleChunks(examples, options.batchSize ?? 1000)) {
    const indices = range(from, to);
    const skipped = indices.flatMap((i) => checkExample(examples[i], source));
    const bad = new Set(skipped.map((p) => p.id));
    const usable = indices.filter((i) => !bad.has(examples[i].id));
    const batch = await tokenizeExamples(tokenizer, usable.map((i) => examples[i]), options);
    skipped.push(...batch.problems);
    if (options.strict && skipped.length > 0) throw strictError(skipped, source);
    const { encoding, contextIndex } = batch;
    const features = encoding.input_ids.map((inputIds, w): TrainFeature => {
      const sampleIndex = usable[batch.sampleIndex[w]];
      const example = examples[sampleIndex];
      const offsets = encoding.offset_mapping[w];
      const sequenceIds = encoding.sequence_ids[w];
      const [start, end] = answerTokenSpan(example, offsets, sequenceIds, contextIndex) ??
        [inputIds.indexOf(cls), inputIds.indexOf(cls)];
      return {
        example_id: example.id,
        sample_index: sampleIndex,
        input_ids: inputIds,
        attention_mask: encoding.attention_mask[w],
        offset_mapping: offsets,
        sequence_ids: sequenceIds,
        start_position: start,
        end_position: end,
        token_type_ids: encoding.token_type_ids[w],
      };
    });
    options.onProgress?.(indices[indices.length - 1] + 1, examples.length);
    yield { features, skipped };
  }
}

/**
 * The tokens `[start, end]` (inclusive) of the example's first answer inside one window, or null
 * when the window does not hold the whole answer (the feature is then labelled with `[CLS]`).
 * `offsets` are code-point offsets; `contextIndex` is the sequence id of the context (1 when the
 * question comes first).
 */
export function answerTokenSpan(
  example: SquadExample,
  offsets: Offset[],
  sequenceIds: (number | null)[],
  contextIndex: number,
): [number, number] | null {
  const { text, answer_start } = example.answers;
  if (answer_start.length === 0) return null;
  const startChar = answer_start[0];
  const endChar = startChar + codePointLength(text[0]);
  let first = 0;
  while (sequenceIds[first] !== contextIndex) first++;
  let last = sequenceIds.length - 1;
  while (sequenceIds[last] !== contextIndex) last--;
  if (!(offsets[first][0] <= startChar && offsets[last][1] >= endChar)) return null;
  while (first < offsets.length && offsets[first][0] <= startChar) first++;
  while (offsets[last][1] >= endChar) last--;
  return [first - 1, last + 1];
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, k) => from + k);
}
