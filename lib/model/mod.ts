/** DistilBERT and BERT question-answering models on TensorFlow.js, with Hugging Face checkpoints. */
export { type InitOptions, type LoadOptions, QuestionAnsweringModel } from "./model.ts";
export { DEFAULT_SEED, initialWeights } from "./init.ts";
export type { EncoderInputs } from "./encoders.ts";
export { parameterShapes } from "./encoders.ts";
export { type SpanLabels, type SpanLogits, spanLoss } from "./qa_model.ts";
export { type FeatureLogits, predictLogits } from "./infer.ts";
export { disposeBatch, type FeatureLike, inputsOf, labelsOf } from "./batch.ts";
export type { ModelConfig } from "./config.ts";
export { parseConfig, readConfig } from "./config.ts";
export { readValues, updateValues } from "./values.ts";
export { isConfigOnlyFolder, readCheckpoint } from "./io/checkpoint.ts";
export { seedDropout } from "../runtime/mod.ts";
export {
  describeEngine,
  type EngineName,
  type EngineOptions,
  ENGINES,
  type InferenceModel,
  loadInferenceModel,
  parseEngine,
  resolveEngine,
} from "./engine.ts";
export {
  ONNX_FILE,
  ONNX_OPSET,
  onnxInputNames,
  onnxModel,
  OnnxQuestionAnsweringModel,
  writeOnnx,
} from "./onnx/mod.ts";
