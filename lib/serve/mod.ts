/**
 * Serving a question-answering model: the Hugging Face Inference API's question-answering contract
 * over HTTP (`POST /`), requests batched into shared forward passes, and a page at `/` that asks
 * and explains.
 */
export { DEFAULT_SERVE_OPTIONS, QAServer, type ServeOptions } from "./server.ts";
export {
  DEFAULT_OPTIONS,
  parseQARequest,
  type QARequest,
  RequestError,
  type RequestLimits,
} from "./request.ts";
export {
  Batcher,
  type BatcherOptions,
  type BatchRunner,
  type Job,
  QueueFullError,
} from "./batcher.ts";
export {
  type AnswerFunction,
  type AnswerJob,
  answerRunner,
  optionsKey,
  pipelineAnswer,
} from "./answerer.ts";
export { AnswerWorkers, type AnswerWorkersOptions } from "./answer_workers.ts";
export { explainAnswer, type Explanation, type WindowSummary } from "./explain.ts";
