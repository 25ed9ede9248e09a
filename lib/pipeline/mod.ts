/** End-to-end question answering: datasets and single questions through a trained model. */
export { type Answer, characterSpan, gatherAnswers, type GatherOptions } from "./answers.ts";
export { answerQuestion, answerQuestions, type AskOptions } from "./ask.ts";
export {
  listInputs,
  QuestionAnsweringInputError,
  type QuestionContext,
  type QuestionsContexts,
} from "./inputs.ts";
export { type PipelineOptions, QuestionAnsweringPipeline } from "./qa_pipeline.ts";
export { decodeWindow, type WindowDecoding, type WindowLimits, type WindowSpan } from "./spans.ts";
export {
  type PipelineWindow,
  pipelineWindows,
  type WindowSettings,
  windowSettings,
} from "./windows.ts";
export {
  answersOf,
  type DatasetPredictions,
  predictDataset,
  type PredictOptions,
  scorePredictions,
} from "./predict.ts";
export {
  answersSideBySide,
  type TransformersJsAnswer,
  transformersJsPipeline,
  type TransformersJsQuestionAnswerer,
} from "./transformers_js.ts";
