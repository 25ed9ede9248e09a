// A worker thread that holds a replica of the model and of AdamW (see workers.ts). Each worker has
// its own TensorFlow.js wasm instance, so N workers use N cores. Per step it receives only its
// share of the batch and writes its gradients into its shared slot; then it sums its range of the
// slots into the shared sum; then it applies the same AdamW update as every other replica from the
// sum. Its weights and moments go back only when the trainer asks for them.
import { disposeBatch, QuestionAnsweringModel } from "../model/mod.ts";
import type { FeatureLike } from "../model/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import { AdamW, type AdamWOptions } from "./adamw.ts";
import { addScaled } from "./flat.ts";
import { accumulateGradients, microBatches } from "./step.ts";

type Arrays = Map<string, { shape: number[]; data: Float32Array }>;

/** A replica's optimizer: its settings and state (moments flat in parameter order). */
export interface OptimizerSnapshot {
  options: Required<AdamWOptions>;
  step: number;
  firstMoments: Float32Array | null;
  secondMoments: Float32Array | null;
}

/** Messages the trainer sends. */
export type WorkerRequest =
  | {
    type: "init";
    backend: "auto" | "wasm" | "cpu";
    /** The trainer's BLAS choice (its products the same as the trainer's own). */
    blas: string;
    config: ModelConfig;
    weights: Arrays;
    optimizer: OptimizerSnapshot;
    /** Every worker's gradients, and their sum (shared memory, `layout` order). */
    slots: SharedArrayBuffer[];
    sum: SharedArrayBuffer;
    /** This worker's place among `slots`. */
    index: number;
  }
  | {
    type: "gradients";
    features: FeatureLike[];
    microBatchSize: number;
    total: number;
    /** Dropout seed of each micro-batch (none: unseeded masks). */
    dropoutSeeds: number[];
  }
  | {
    type: "reduce";
    /** The shared slots of the workers that ran, in worker order. */
    slots: number[];
    /** The part of the sum this worker adds up: elements [from, to). */
    from: number;
    to: number;
  }
  | { type: "apply"; lr: number; gradScale: number }
  | { type: "snapshot" };

/** Messages a worker answers with, one per request. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "gradients"; loss: number }
  | { type: "reduced" }
  | { type: "applied" }
  | { type: "snapshot"; weights: Arrays; optimizer: OptimizerSnapshot }
  | { type: "error"; message: string };

let replica: {
  model: QuestionAnsweringModel;
  optimizer: AdamW;
  /** Every worker's gradients (this one writes `slots[index]`) and their sum: shared. */
  slots: Float32Array[];
  index: number;
  sum: Float32Array;
} | undefined;

const scope = self as unknown as {
  onmessage: (event: MessageEvent<WorkerRequest>) => void;
  postMessage: (message: WorkerReply, transfer?: Transferable[]) => void;
};

scope.onmessage = async ({ data }) => {
  try {
    if (data.type === "init") {
      await initBackend(data.backend, { blas: data.blas });
      const model = QuestionAnsweringModel.fromWeights(data.config, data.weights, {
        log: () => {},
      });
      const optimizer = new AdamW(model.weights, data.optimizer.options);
      optimizer.state = {
        step: data.optimizer.step,
        firstMoments: data.optimizer.firstMoments,
        secondMoments: data.optimizer.secondMoments,
      };
      const slots = data.slots.map((buffer) => new Float32Array(buffer));
      replica = { model, optimizer, slots, index: data.index, sum: new Float32Array(data.sum) };
      scope.postMessage({ type: "ready" });
    } else if (data.type === "gradients") {
      scope.postMessage({ type: "gradients", loss: gradients(data) });
    } else if (data.type === "reduce") {
      reduce(data);
      scope.postMessage({ type: "reduced" });
    } else if (data.type === "apply") {
      replica!.optimizer.step(replica!.sum, data.lr, data.gradScale);
      scope.postMessage({ type: "applied" });
    } else {
      const { model, optimizer } = replica!;
      const { step, firstMoments, secondMoments } = optimizer.state;
      const snapshot = { options: optimizer.options, step, firstMoments, secondMoments };
      scope.postMessage({
        type: "snapshot",
        weights: await model.weightArrays(),
        optimizer: snapshot,
      });
    }
  } catch (e) {
    scope.postMessage({ type: "error", message: (e as Error).stack ?? String(e) });
  }
};

// Writes this worker's gradients into its slot; returns its part of the loss.
function gradients(request: Extract<WorkerRequest, { type: "gradients" }>): number {
  const { features, microBatchSize, total, dropoutSeeds } = request;
  const { model, optimizer, slots, index } = replica!;
  const parts = microBatches(
    features,
    microBatchSize,
    (from) => dropoutSeeds[from / microBatchSize],
  );
  try {
    return accumulateGradients(model, parts, total, optimizer.layout, slots[index]).loss;
  } finally {
    for (const part of parts) disposeBatch(part.inputs, part.labels);
  }
}

// sum[from, to) = the slots' values added in worker order, in float32 (one thread's order of
// adding the same micro-batches).
function reduce({ slots: which, from, to }: Extract<WorkerRequest, { type: "reduce" }>): void {
  const sum = replica!.sum.subarray(from, to);
  const parts = which.map((k) => replica!.slots[k].subarray(from, to));
  sum.set(parts[0]);
  for (const values of parts.slice(1)) addScaled(sum, values, 1);
}
