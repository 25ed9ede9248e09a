// Data-parallel gradients: each batch is split across worker threads (one wasm instance per core,
// since the wasm backend runs one thread), their gradients summed here, and the update applied
// once in the trainer's thread. Mathematically the same step as one thread doing the whole batch.
import * as tf from "@tensorflow/tfjs";
import type { FeatureLike, QuestionAnsweringModel } from "../model/mod.ts";
import type { Gradients } from "./step.ts";
import type { WorkerReply, WorkerRequest } from "./gradient_worker.ts";

/** A pool of gradient workers holding replicas of one model. */
export class GradientWorkers {
  private constructor(private readonly workers: Worker[]) {}

  /** Starts `count` workers with copies of `model`'s configuration and weights. */
  static async start(
    model: QuestionAnsweringModel,
    count: number,
    backend: "auto" | "wasm" | "cpu" = "auto",
  ): Promise<GradientWorkers> {
    const url = new URL("./gradient_worker.ts", import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
    const pool = new GradientWorkers(workers);
    const weights = await model.weightArrays();
    await Promise.all(
      workers.map((w) => pool.#ask(w, { type: "init", backend, config: model.config, weights })),
    );
    return pool;
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Mean loss and gradients of `batch` at the model's current weights, the batch shared out in
   * contiguous slices, each worker running micro-batches of at most `microBatchSize`.
   */
  async gradients(
    model: QuestionAnsweringModel,
    batch: FeatureLike[],
    microBatchSize: number,
  ): Promise<Gradients> {
    const weights = await model.weightArrays();
    const share = Math.ceil(batch.length / this.workers.length);
    const replies = await Promise.all(
      this.workers.map((worker, k) => {
        const features = batch.slice(k * share, (k + 1) * share);
        if (features.length === 0) return null;
        return this.#ask(worker, {
          type: "gradients",
          weights,
          features,
          microBatchSize,
          total: batch.length,
        });
      }),
    );
    let loss = 0;
    const sums = new Map<string, Float32Array>();
    for (const reply of replies) {
      if (reply?.type !== "gradients") continue;
      loss += reply.loss;
      for (const [name, grad] of reply.grads) {
        const sum = sums.get(name);
        if (!sum) sums.set(name, grad);
        else for (let i = 0; i < sum.length; i++) sum[i] += grad[i];
      }
    }
    const grads: tf.NamedTensorMap = {};
    for (const [name, sum] of sums) grads[name] = tf.tensor(sum, model.weights.get(name)!.shape);
    return { loss, grads };
  }

  /** Stops the workers. */
  close(): void {
    for (const worker of this.workers) worker.terminate();
  }

  #ask(worker: Worker, request: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      worker.onmessage = ({ data }: MessageEvent<WorkerReply>) => {
        if (data.type === "error") reject(new Error(`gradient worker: ${data.message}`));
        else resolve(data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(`gradient worker: ${event.message}`));
      };
      worker.postMessage(request);
    });
  }
}
