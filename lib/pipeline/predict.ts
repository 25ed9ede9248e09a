// Questions in, answers out, for a whole dataset: validation features → logits → n-best
// decoding (the tutorial's evaluation section as one call).
import type { ExampleProblem, SquadExample } from "../data/mod.ts";
import {
  type FeatureOptions,
  prepareValidationFeatures,
  type ValidationFeature,
} from "../features/mod.ts";
import { evaluateSquad } from "../metric/mod.ts";
import { type FeatureLogits, type InferenceModel, predictLogits } from "../model/mod.ts";
import {
  postprocessQaPredictions,
  predictionsV1,
  predictionsV2,
  type QaPrediction,
} from "../postprocess/mod.ts";
import type { QATokenizer } from "../tokenizer/mod.ts";

/** Options of `predictDataset`. */
export interface PredictOptions extends FeatureOptions {
  batchSize?: number;
  nBestSize?: number;
  maxAnswerLength?: number;
  onBatch?: (done: number, total: number) => void;
}

/** Everything a prediction run produced. */
export interface DatasetPredictions {
  features: ValidationFeature[];
  logits: FeatureLogits;
  predictions: QaPrediction[];
  skipped: ExampleProblem[];
}

/** Predicts the answer of every example. */
export async function predictDataset(
  model: InferenceModel,
  tokenizer: QATokenizer,
  examples: SquadExample[],
  options: PredictOptions = {},
): Promise<DatasetPredictions> {
  const { features, skipped } = await prepareValidationFeatures(tokenizer, examples, options);
  const logits = await predictLogits(model, features, options.batchSize ?? 32, options.onBatch);
  const predictions = postprocessQaPredictions(
    examples,
    features,
    logits.startLogits,
    logits.endLogits,
    {
      clsTokenId: tokenizer.clsTokenId,
      nBestSize: options.nBestSize,
      maxAnswerLength: options.maxAnswerLength,
    },
  );
  return { features, logits, predictions, skipped };
}

/** The answers map to write or score: v2 (may abstain) or v1 (always answers). */
export function answersOf(
  predictions: QaPrediction[],
  versionTwo: boolean,
): Record<string, string> {
  return versionTwo ? predictionsV2(predictions) : predictionsV1(predictions);
}

/** SQuAD v1.1 or v2.0 scores of predictions against the examples' gold answers. */
export function scorePredictions(
  examples: SquadExample[],
  predictions: QaPrediction[],
  versionTwo: boolean,
): Record<string, number> {
  const { missing: _, ...scores } = evaluateSquad(
    examples,
    answersOf(predictions, versionTwo),
    versionTwo ? "2.0" : "1.1",
    { warn: () => {} },
  );
  return scores as Record<string, number>;
}
