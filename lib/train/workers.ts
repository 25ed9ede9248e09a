// Data-parallel training: each worker thread (one wasm instance per core, since the wasm backend
// runs one thread) keeps a replica of the model and of AdamW. A step sends each worker only its
// slice of the batch; the gradients meet in shared memory, made once: each worker writes its
// gradients into a slot of its own, then each sums its range of every slot into the shared sum
// (the all-reduce, in parallel), this thread takes the norm of the sum for clipping, and every
// replica applies the same AdamW update from the shared sum, so they stay identical and no weights
// or gradients travel. Nothing is allocated per step: fresh pages cost a page fault each, a large
// part of a small model's step. Mathematically the same step as one thread doing the whole batch;
// with micro-batches cut the same way, the same bits.
import type { FeatureLike, QuestionAnsweringModel } from "../model/mod.ts";
import { blasChoice } from "../runtime/mod.ts";
import { type AdamW, clipFactor, gradientNorm } from "./adamw.ts";
import type { StepResult } from "./step.ts";
import type { OptimizerSnapshot, WorkerReply, WorkerRequest } from "./gradient_worker.ts";

/** The shared memory of a pool: a gradient slot per worker and their sum, in `layout` order. */
interface SharedGradients {
  slots: SharedArrayBuffer[];
  sum: SharedArrayBuffer;
}

/** A pool of workers holding replicas of one model and its optimizer. */
export class GradientWorkers {
  /** Replies awaited from each worker, in the order its requests were sent. */
  private readonly pending: {
    resolve: (reply: WorkerReply) => void;
    reject: (error: Error) => void;
  }[][];

  private constructor(
    private readonly workers: Worker[],
    private readonly shared: SharedGradients,
  ) {
    this.pending = workers.map(() => []);
    workers.forEach((worker, k) => {
      worker.onmessage = ({ data }: MessageEvent<WorkerReply>) => {
        const waiter = this.pending[k].shift();
        if (data.type === "error") waiter?.reject(new Error(`gradient worker: ${data.message}`));
        else waiter?.resolve(data);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        for (const waiter of this.pending[k].splice(0)) {
          waiter.reject(new Error(`gradient worker: ${event.message}`));
        }
      };
    });
  }

  /** Starts `count` workers with copies of `model`'s weights and `optimizer`'s state. */
  static async start(
    model: QuestionAnsweringModel,
    optimizer: AdamW,
    count: number,
    backend: "auto" | "wasm" | "cpu" = "auto",
  ): Promise<GradientWorkers> {
    const url = new URL("./gradient_worker.ts", import.meta.url);
    const workers = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
    const bytes = optimizer.layout.size * Float32Array.BYTES_PER_ELEMENT;
    const shared = {
      slots: workers.map(() => new SharedArrayBuffer(bytes)),
      sum: new SharedArrayBuffer(bytes),
    };
    const pool = new GradientWorkers(workers, shared);
    const weights = await model.weightArrays();
    const { step, firstMoments, secondMoments } = optimizer.state;
    const snapshot = { options: optimizer.options, step, firstMoments, secondMoments };
    try {
      await Promise.all(
        workers.map((_, k) =>
          pool.#ask(k, {
            type: "init",
            backend,
            blas: blasChoice(),
            config: model.config,
            weights,
            optimizer: snapshot,
            slots: shared.slots,
            sum: shared.sum,
            index: k,
          })
        ),
      );
    } catch (e) {
      pool.close();
      throw e;
    }
    return pool;
  }

  /** Number of workers. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * One optimizer step on every replica: mean loss and gradients of `batch` (shared out in
   * contiguous slices, each worker running micro-batches of at most `microBatchSize`), clipped
   * to `maxGradNorm` (0: no clipping), AdamW at `lr`. `seedAt(offset)` seeds the dropout of the
   * micro-batch that starts `offset` features into the batch (without it: unseeded masks).
   */
  async step(
    batch: FeatureLike[],
    microBatchSize: number,
    lr: number,
    maxGradNorm: number,
    seedAt?: (offset: number) => number,
  ): Promise<StepResult> {
    const share = Math.ceil(batch.length / this.workers.length);
    const replies = await Promise.all(
      this.workers.map((_, k) => {
        const features = batch.slice(k * share, (k + 1) * share);
        if (features.length === 0) return null;
        const dropoutSeeds: number[] = [];
        for (let from = 0; from < features.length; from += microBatchSize) {
          if (seedAt) dropoutSeeds.push(seedAt(k * share + from));
        }
        const total = batch.length;
        return this.#ask(k, { type: "gradients", features, microBatchSize, total, dropoutSeeds });
      }),
    );
    let loss = 0;
    for (const reply of replies) if (reply?.type === "gradients") loss += reply.loss;
    // The slots that hold gradients, in worker order: the sum adds them in this order.
    const slots = replies.flatMap((reply, k) => reply == null ? [] : [k]);
    const sum = new Float32Array(this.shared.sum);
    const range = Math.ceil(sum.length / this.workers.length);
    await Promise.all(this.workers.map((_, k) => {
      const [from, to] = [Math.min(sum.length, k * range), Math.min(sum.length, (k + 1) * range)];
      return this.#ask(k, { type: "reduce", slots, from, to });
    }));
    const gradNorm = gradientNorm(sum);
    const gradScale = clipFactor(gradNorm, maxGradNorm);
    await Promise.all(this.workers.map((_, k) => this.#ask(k, { type: "apply", lr, gradScale })));
    return { loss, gradNorm, lr };
  }

  /** Copies the replicas' weights and optimizer state into `model` and `optimizer`. */
  async copyTo(model: QuestionAnsweringModel, optimizer: AdamW): Promise<void> {
    const reply = await this.#ask(0, { type: "snapshot" });
    if (reply.type !== "snapshot") throw new Error(`gradient worker: unexpected ${reply.type}`);
    model.assignWeights(reply.weights);
    const snapshot: OptimizerSnapshot = reply.optimizer;
    optimizer.state = {
      step: snapshot.step,
      firstMoments: snapshot.firstMoments,
      secondMoments: snapshot.secondMoments,
    };
  }

  /** Stops the workers. */
  close(): void {
    for (const worker of this.workers) worker.terminate();
    for (const waiters of this.pending) {
      for (const waiter of waiters.splice(0)) waiter.reject(new Error("gradient workers closed"));
    }
  }

  #ask(k: number, request: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.pending[k].push({ resolve, reject });
      this.workers[k].postMessage(request);
    });
  }
}
