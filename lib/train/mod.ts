/** Training: Hugging Face Trainer semantics (AdamW, linear schedule, clipping, checkpoints). */
export {
  AdamW,
  type AdamWOptions,
  type AdamWState,
  clipFactor,
  decays,
  gradientNorm,
} from "./adamw.ts";
export { addScaled, type FlatLayout, flatLayout, part } from "./flat.ts";
export { defaultArguments, type TrainingArguments } from "./args.ts";
export { loadTrainerState, saveTrainerCheckpoint, type TrainerState } from "./checkpoint.ts";
export { dropoutSeed, epochOrder } from "./order.ts";
export {
  type OutputDirOptions,
  OVERWRITE_FLAG,
  prepareOutputDir,
  probeWritable,
} from "./output_dir.ts";
export { processAlive, removeStaleStaging, stagingPath, type StaleStaging } from "./staging.ts";
export { linearSchedule } from "./schedule.ts";
export { activationBytesPerFeature, autoMicroBatchSize, WASM_HEAP_BYTES } from "./micro_batch.ts";
export {
  accumulateGradients,
  applyGradients,
  type Gradients,
  type MicroBatch,
  microBatches,
  type StepResult,
  trainStep,
} from "./step.ts";
export { GradientWorkers } from "./workers.ts";
export { chooseEngine, type EngineOptions, type StepEngine } from "./engine.ts";
export type { LogEntry } from "./log.ts";
export { NonFiniteError, Trainer, type TrainerCallbacks } from "./trainer.ts";
