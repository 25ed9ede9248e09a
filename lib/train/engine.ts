// How the trainer runs one optimizer step, chosen once per run: on the device (webgpu: gradients,
// clipping and AdamW stay on the GPU, device_step.ts), on gradient workers' replicas (wasm or cpu
// with `workers` > 1, workers.ts), or in this thread (step.ts, its gradients in a buffer kept
// from step to step). All three clip by `clipFactor`.
import * as tf from "@tensorflow/tfjs";
import type { TrainFeature } from "../features/mod.ts";
import { disposeBatch, type QuestionAnsweringModel } from "../model/mod.ts";
import { onDevice } from "../runtime/mod.ts";
import type { AdamW } from "./adamw.ts";
import { deviceTrainStep } from "./device_step.ts";
import { type MicroBatch, microBatches, type StepResult, trainStep } from "./step.ts";
import { GradientWorkers } from "./workers.ts";

/** One way of running optimizer steps on a model and its AdamW. */
export interface StepEngine {
  /** "device", "workers" or "host". */
  readonly name: string;
  /**
   * One step on `batch` at learning rate `lr`; `seedAt(offset)` seeds the dropout of the
   * micro-batch starting `offset` features in.
   */
  step(batch: TrainFeature[], lr: number, seedAt: (offset: number) => number): Promise<StepResult>;
  /** Brings the trainer's model and optimizer up to the engine's state (before reading them). */
  sync(): Promise<void>;
  /** Releases what the engine started (workers); its progress not synced is lost. */
  close(): void;
}

/** What every engine is given. */
export interface EngineOptions {
  model: QuestionAnsweringModel;
  optimizer: AdamW;
  /** Features per forward/backward pass. */
  microBatchSize: number;
  /** Clipping limit (0: none), applied by `clipFactor`. */
  maxGradNorm: number;
  /** Gradient workers wanted on wasm or cpu (1: none). */
  workers: number;
}

/** The engine for the current backend: device on webgpu, workers when asked for, else host. */
export function chooseEngine(options: EngineOptions): StepEngine {
  if (onDevice()) return new DeviceEngine(options);
  if (options.workers > 1) return new WorkersEngine(options);
  return new HostEngine(options);
}

/** `run` on `batch` cut into micro-batches as tensors, which are disposed after it. */
async function onMicroBatches(
  batch: TrainFeature[],
  size: number,
  seedAt: (offset: number) => number,
  run: (parts: MicroBatch[]) => StepResult | Promise<StepResult>,
): Promise<StepResult> {
  const parts = microBatches(batch, size, seedAt);
  try {
    return await run(parts);
  } finally {
    for (const part of parts) disposeBatch(part.inputs, part.labels);
  }
}

/** Steps on the GPU: the batch cut into micro-batches, then `deviceTrainStep`. */
class DeviceEngine implements StepEngine {
  readonly name = "device";

  constructor(private readonly options: EngineOptions) {}

  step(batch: TrainFeature[], lr: number, seedAt: (offset: number) => number) {
    const { model, optimizer, microBatchSize, maxGradNorm } = this.options;
    return onMicroBatches(
      batch,
      microBatchSize,
      seedAt,
      (parts) => deviceTrainStep(model, optimizer, parts, lr, maxGradNorm),
    );
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}
}

/**
 * Steps in this thread on the host (wasm, cpu), the gradients summed into one buffer kept from step
 * to step: fresh pages cost a page fault each, a large part of a small model's step. The buffer is
 * let go at `sync` (evaluation, checkpoints and the end come next and need the memory).
 */
class HostEngine implements StepEngine {
  readonly name = "host";
  #gradients: Float32Array | null = null;

  constructor(private readonly options: EngineOptions) {}

  step(batch: TrainFeature[], lr: number, seedAt: (offset: number) => number) {
    const { model, optimizer, microBatchSize, maxGradNorm } = this.options;
    const gradients = this.#gradients ??= new Float32Array(optimizer.layout.size);
    return onMicroBatches(
      batch,
      microBatchSize,
      seedAt,
      (parts) => trainStep(model, optimizer, parts, lr, maxGradNorm, gradients),
    );
  }

  sync(): Promise<void> {
    this.#gradients = null;
    return Promise.resolve();
  }

  close(): void {
    this.#gradients = null;
  }
}

/** Steps on gradient workers' replicas, started at the first step and copied back on `sync`. */
class WorkersEngine implements StepEngine {
  readonly name = "workers";
  #pool?: GradientWorkers;
  /** Whether the replicas are ahead of the trainer's model and optimizer. */
  #ahead = false;

  constructor(private readonly options: EngineOptions) {}

  async step(batch: TrainFeature[], lr: number, seedAt: (offset: number) => number) {
    const { model, optimizer, workers, microBatchSize, maxGradNorm } = this.options;
    const backend = tf.getBackend() as "wasm" | "cpu";
    this.#pool ??= await GradientWorkers.start(model, optimizer, workers, backend);
    this.#ahead = true;
    return await this.#pool.step(batch, microBatchSize, lr, maxGradNorm, seedAt);
  }

  async sync(): Promise<void> {
    if (!this.#pool || !this.#ahead) return;
    await this.#pool.copyTo(this.options.model, this.options.optimizer);
    this.#ahead = false;
  }

  close(): void {
    this.#pool?.close();
    this.#pool = undefined;
    this.#ahead = false;
  }
}
