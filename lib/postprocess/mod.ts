/** Post-processing: from start/end logits to answer texts, n-best lists and prediction files. */
export {
  type Candidate,
  clsIndex,
  featureCandidates,
  rankCandidates,
  type SpanLimits,
  topKIndices,
} from "./nbest.ts";
export {
  featuresByExample,
  type GoldenRow,
  type NbestEntry,
  nbestJson,
  type NbestJsonEntry,
  type PostprocessOptions,
  postprocessQaPredictions,
  predictionsV1,
  predictionsV2,
  type QaPrediction,
  softmax,
  toGoldenRow,
} from "./predictions.ts";
export { type FeaturesWithLogits, readFeaturesWithLogits } from "./read.ts";
