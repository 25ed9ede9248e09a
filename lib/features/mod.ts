/** Feature preparation: the tutorial's `prepare_train_features` and `prepare_validation_features`. */
export type { Offset, TrainFeature, ValidationFeature } from "./types.ts";
export { type FeatureOptions, type TokenizedBatch, tokenizeExamples } from "./tokenize.ts";
export { exampleChunks, MAX_CONTEXT_CHARS } from "./chunks.ts";
export { collectBatches, type FeatureResult, strictError } from "./result.ts";
export { answerTokenSpan, prepareTrainFeatures, trainFeatureBatches } from "./train.ts";
export { prepareValidationFeatures, validationFeatureBatches } from "./validation.ts";
