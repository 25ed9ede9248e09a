// The Trainer: batches, the learning-rate schedule, AdamW steps, logging, evaluation loss,
// checkpoints and resuming, as Hugging Face's Trainer runs them.
import * as tf from "@tensorflow/tfjs";
import type { TrainFeature } from "../features/mod.ts";
import {
  disposeBatch,
  type FeatureLike,
  inputsOf,
  labelsOf,
  type QuestionAnsweringModel,
} from "../model/mod.ts";
import { AdamW } from "./adamw.ts";
import type { TrainingArguments } from "./args.ts";
import { loadTrainerState, saveTrainerCheckpoint, type TrainerState } from "./checkpoint.ts";
import { chooseEngine, type StepEngine } from "./engine.ts";
import type { LogEntry } from "./log.ts";
import { dropoutSeed, epochOrder } from "./order.ts";
import { autoMicroBatchSize } from "./micro_batch.ts";
import { linearSchedule } from "./schedule.ts";
import type { StepResult } from "./step.ts";

/** Hooks for a progress bar, a log file or a live chart. */
export interface TrainerCallbacks {
  /** After every optimizer step. */
  onStep?: (step: number, totalSteps: number, loss: number, featuresPerSecond: number) => void;
  /** Every logging step, every evaluation, and at the end. */
  onLog?: (entry: LogEntry) => void | Promise<void>;
  /** After a checkpoint is written. */
  onSave?: (folder: string) => void;
}

/** Thrown when a step's loss or gradient norm is NaN or infinite: the run diverged. */
export class NonFiniteError extends Error {
  constructor(message: string, readonly step: number, readonly lastCheckpoint?: string) {
    super(message);
    this.name = "NonFiniteError";
  }
}

/** Trains a QA model on train features, optionally reporting evaluation loss each epoch. */
export class Trainer {
  readonly optimizer: AdamW;
  state: TrainerState = { globalStep: 0, logHistory: [] };
  #order?: { epoch: number; indices: number[] };
  /** How steps run (device, gradient workers or this thread), chosen at the first step. */
  #engine?: StepEngine;
  #autoMicroBatchSize?: number;
  /** The newest checkpoint written or resumed from: where a diverged run can go back to. */
  #lastCheckpoint?: string;

  constructor(
    readonly model: QuestionAnsweringModel,
    readonly args: TrainingArguments,
    readonly trainFeatures: TrainFeature[],
    readonly evalFeatures: TrainFeature[] = [],
    readonly callbacks: TrainerCallbacks = {},
  ) {
    if (trainFeatures.length === 0) throw new Error("no training features");
    this.optimizer = new AdamW(model.weights, { weightDecay: args.weightDecay });
  }

  /** Optimizer steps per epoch. */
  get stepsPerEpoch(): number {
    return Math.ceil(this.trainFeatures.length / this.args.batchSize);
  }

  /** Optimizer steps of the whole run. */
  get totalSteps(): number {
    return this.args.maxSteps ?? this.stepsPerEpoch * this.args.epochs;
  }

  /** Features per forward/backward pass: as given, or ("auto") the most that fit the backend. */
  get microBatchSize(): number {
    const { microBatchSize, batchSize } = this.args;
    if (microBatchSize !== "auto") return microBatchSize ?? batchSize;
    this.#autoMicroBatchSize ??= autoMicroBatchSize(
      this.model.config,
      this.model.numParameters(),
      this.trainFeatures[0].input_ids.length,
      batchSize,
      tf.getBackend(),
    );
    return this.#autoMicroBatchSize;
  }

  /** Continues from a checkpoint folder written by this trainer: weights, AdamW, step, log. */
  async resumeFrom(folder: string): Promise<void> {
    this.close();
    this.state = await loadTrainerState(folder, this.model, this.optimizer, this.args);
    this.#lastCheckpoint = folder;
  }

  /** Runs the remaining steps; returns the log. */
  async train(): Promise<LogEntry[]> {
    const schedule = linearSchedule(
      this.args.learningRate,
      this.totalSteps,
      Math.ceil(this.totalSteps * this.args.warmupRatio),
    );
    try {
      await this.#run(schedule);
      await this.#syncFromReplicas();
    } finally {
      this.close();
    }
    return this.state.logHistory;
  }

  async #run(schedule: (step: number) => number): Promise<void> {
    let window = { loss: 0, steps: 0, features: 0, seconds: 0, gradNorm: 0 };
    while (this.state.globalStep < this.totalSteps) {
      const step = this.state.globalStep;
      const epoch = Math.floor(step / this.stepsPerEpoch);
      const batch = this.#batch(step);
      const started = performance.now();
      const result = await this.#step(batch, schedule(step), step);
      const seconds = (performance.now() - started) / 1000;
      this.#checkFinite(step + 1, result);
      this.state.globalStep = step + 1;
      window = {
        loss: window.loss + result.loss,
        steps: window.steps + 1,
        features: window.features + batch.length,
        seconds: window.seconds + seconds,
        gradNorm: result.gradNorm,
      };
      this.callbacks.onStep?.(step + 1, this.totalSteps, result.loss, batch.length / seconds);
      const last = this.state.globalStep === this.totalSteps;
      if (this.state.globalStep % this.args.loggingSteps === 0 || last) {
        await this.#log({
          step: this.state.globalStep,
          epoch: this.state.globalStep / this.stepsPerEpoch,
          lr: result.lr,
          loss: window.loss / window.steps,
          grad_norm: window.gradNorm,
          features_per_second: window.features / window.seconds,
        });
        window = { loss: 0, steps: 0, features: 0, seconds: 0, gradNorm: 0 };
      }
      const endOfEpoch = this.state.globalStep % this.stepsPerEpoch === 0 || last;
      if (endOfEpoch && this.evalFeatures.length > 0) {
        await this.#syncFromReplicas();
        await this.#log({
          step: this.state.globalStep,
          epoch: epoch + 1,
          eval_loss: await this.evaluate(),
        });
      }
      if (this.args.saveSteps > 0 && this.state.globalStep % this.args.saveSteps === 0 && !last) {
        await this.saveCheckpoint();
      }
    }
  }

  // A non-finite loss or gradient norm ends the run: every later step would be NaN too.
  #checkFinite(step: number, result: StepResult): void {
    if (Number.isFinite(result.loss) && Number.isFinite(result.gradNorm)) return;
    const last = this.#lastCheckpoint
      ? `the last good checkpoint is ${this.#lastCheckpoint}`
      : "no checkpoint was written before it";
    throw new NonFiniteError(
      `step ${step}: the loss is ${result.loss} and the gradient norm ${result.gradNorm}; ` +
        `training stopped there (try a lower --learning-rate); ${last}`,
      step,
      this.#lastCheckpoint,
    );
  }

  // One optimizer step, by the engine chosen for this run.
  async #step(batch: TrainFeature[], lr: number, step: number): Promise<StepResult> {
    this.#engine ??= chooseEngine({
      model: this.model,
      optimizer: this.optimizer,
      microBatchSize: this.microBatchSize,
      maxGradNorm: this.args.maxGradNorm,
      workers: this.args.workers ?? 1,
    });
    return await this.#engine.step(
      batch,
      lr,
      (offset) => dropoutSeed(this.args.seed, step, offset),
    );
  }

  // Brings `model` and `optimizer` up to the engine's state (for evaluation, checkpoints, the end).
  async #syncFromReplicas(): Promise<void> {
    await this.#engine?.sync();
  }

  /** Stops the engine's gradient workers, if any were started (their progress not copied back). */
  close(): void {
    this.#engine?.close();
    this.#engine = undefined;
  }

  /** Mean QA loss over the evaluation features, without dropout. */
  async evaluate(features: FeatureLike[] = this.evalFeatures): Promise<number> {
    let total = 0;
    for (let from = 0; from < features.length; from += this.args.evalBatchSize) {
      const batch = features.slice(from, from + this.args.evalBatchSize);
      const inputs = inputsOf(batch);
      const labels = labelsOf(batch);
      const loss = this.model.loss(inputs, labels, false);
      total += (await loss.data())[0] * batch.length;
      loss.dispose();
      disposeBatch(inputs, labels);
    }
    return total / features.length;
  }

  /** Writes `checkpoint-<step>/` and drops the oldest beyond `saveTotalLimit`. */
  async saveCheckpoint(): Promise<string> {
    await this.#syncFromReplicas();
    const folder = await saveTrainerCheckpoint(this.args, this.model, this.optimizer, this.state);
    this.#lastCheckpoint = folder;
    this.callbacks.onSave?.(folder);
    return folder;
  }

  #batch(step: number): TrainFeature[] {
    const epoch = Math.floor(step / this.stepsPerEpoch);
    if (this.#order?.epoch !== epoch) {
      const { seed, shuffle } = this.args;
      this.#order = { epoch, indices: epochOrder(this.trainFeatures.length, epoch, seed, shuffle) };
    }
    const from = (step % this.stepsPerEpoch) * this.args.batchSize;
    return this.#order.indices.slice(from, from + this.args.batchSize)
      .map((i) => this.trainFeatures[i]);
  }

  async #log(entry: LogEntry): Promise<void> {
    this.state.logHistory.push(entry);
    await this.callbacks.onLog?.(entry);
  }
}
