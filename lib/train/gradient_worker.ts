// A worker thread that holds a replica of the model and of AdamW (see workers.ts). Each worker has
// its own TensorFlow.js wasm instance, so N workers use N cores. Per step it receives only its
// share of the batch and, later, the summed gradients, to which it applies the same AdamW update as
// every other replica; its weights and moments go back only when the trainer asks for them.
import { disposeBatch, QuestionAnsweringModel } from "../model/mod.ts";
import type { FeatureLike } from "../model/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import type { ModelConfig } from "../model/config.ts";
import { AdamW, type AdamWOptions } from "./adamw.ts";
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
  }
  | {
    type: "gradients";
    features: FeatureLike[];
    microBatchSize: number;
    total: number;
    /** Dropout seed of each micro-batch (none: unseeded masks). */
    dropoutSeeds: number[];
  }
  | { type: "apply"; grads: Float32Array; lr: number; gradScale: number }
  | { type: "snapshot" };

/** Messages a worker answers with, one per request. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "gradients"; loss: number; grads: Float32Array }
  | { type: "applied" }
  | { type: "snapshot"; weights: Arrays; optimizer: OptimizerSnapshot }
  | { type: "error"; message: string };

let replica: { model: QuestionAnsweringModel; optimizer: AdamW } | undefined;

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
      replica = { model, optimizer };
      scope.postMessage({ type: "ready" });
    } else if (data.type === "gradients") {
      const { loss, grads } = gradients(data);
      scope.postMessage({ type: "gradients", loss, grads }, [grads.buffer as ArrayBuffer]);
    } else if (data.type === "apply") {
      replica!.optimizer.step(data.grads, data.lr, data.gradScale);
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

function gradients(request: Extract<WorkerRequest, { type: "gradients" }>) {
  const { features, microBatchSize, total, dropoutSeeds } = request;
  const { model, optimizer } = replica!;
  const parts = microBatches(
    features,
    microBatchSize,
    (from) => dropoutSeeds[from / microBatchSize],
  );
  try {
    return accumulateGradients(model, parts, total, optimizer.layout);
  } finally {
    for (const part of parts) disposeBatch(part.inputs, part.labels);
  }
}
