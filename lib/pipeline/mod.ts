/** End-to-end question answering: datasets and single questions through a trained model. */
export { type Answer, answerQuestion, answerQuestions, type AskOptions } from "./ask.ts";
export { QuestionAnsweringInputError, type QuestionContext } from "./inputs.ts";
export { type PipelineOptions, QuestionAnsweringPipeline } from "./qa_pipeline.ts";
export { decodeWindow, type WindowDecoding, type WindowLimits, type WindowSpan } from "./spans.ts";
export {
  answersOf,
  type DatasetPredictions,
  predictDataset,
  type PredictOptions,
  scorePredictions,
} from "./predict.ts";
