/** End-to-end question answering: datasets and single questions through a trained model. */
export { type Answer, answerQuestion, type AskOptions } from "./ask.ts";
export {
  answersOf,
  type DatasetPredictions,
  predictDataset,
  type PredictOptions,
  scorePredictions,
} from "./predict.ts";
