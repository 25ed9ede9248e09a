import { checkExample, type SquadExample } from "../data/mod.ts";
import type { QATokenizer } from "../tokenizer/mod.ts";
import { exampleChunks } from "./chunks.ts";
import { type FeatureOptions, tokenizeExamples } from "./tokenize.ts";
import { collectBatches, type FeatureResult, strictError } from "./result.ts";
import type { ValidationFeature } from "./types.ts";

/**
 * The tutorial's `prepare_validation_features`: every window keeps the id of its example, and
 * offsets outside the context are null so that postprocessing only picks context spans.
 */
export function prepareValidationFeatures(
  tokenizer: QATokenizer,
  examples: SquadExample[],
  options: FeatureOptions = {},
): Promise<FeatureResult<ValidationFeature>> {
  return collectBatches(validationFeatureBatches(tokenizer, examples, options));
}

/** `prepareValidationFeatures` one bounded chunk of examples at a time (`exampleChunks`). */
export async function* validationFeatureBatches(
  tokenizer: QATokenizer,
  examples: SquadExample[],
  options: FeatureOptions = {},
): AsyncGenerator<FeatureResult<ValidationFeature>> {
  const source = options.source ?? "examples";
  for (const [from, to] of exampleChunks(examples, options.batchSize ?? 1000)) {
    const chunk = examples.slice(from, to);
    // A wrong gold answer does not stop evaluation; an empty context does.
    const skipped = chunk.flatMap((e) => checkExample(e, source))
      .filter((p) => p.kind !== "answer_mismatch");
    const bad = new Set(skipped.map((p) => p.id));
    const usable = chunk.filter((e) => !bad.has(e.id));
    const batch = await tokenizeExamples(tokenizer, usable, options);
    skipped.push(...batch.problems);
    if (options.strict && skipped.length > 0) throw strictError(skipped, source);
    const { encoding, contextIndex } = batch;
    const features = encoding.input_ids.map((inputIds, w): ValidationFeature => {
      const sequenceIds = encoding.sequence_ids[w];
      return {
        example_id: usable[batch.sampleIndex[w]].id,
        input_ids: inputIds,
        attention_mask: encoding.attention_mask[w],
        token_type_ids: encoding.token_type_ids[w],
        offset_mapping: encoding.offset_mapping[w].map((o, k) =>
          sequenceIds[k] === contextIndex ? o : null
        ),
      };
    });
    options.onProgress?.(from + chunk.length, examples.length);
    yield { features, skipped };
  }
}
