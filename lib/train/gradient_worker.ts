// A worker thread that computes gradients for its share of each batch (see workers.ts). Each
// worker has its own TensorFlow.js wasm instance, so N workers use N cores.
import * as tf from "@tensorflow/tfjs";
import type { FeatureLike } from "../model/mod.ts";
import { disposeBatch, inputsOf, labelsOf, QuestionAnsweringModel } from "../model/mod.ts";
import { initBackend } from "../model/backend.ts";
import type { ModelConfig } from "../model/config.ts";
import { accumulateGradients, type MicroBatch } from "./step.ts";

type Arrays = Map<string, { shape: number[]; data: Float32Array }>;

/** Messages the trainer sends. */
export type WorkerRequest =
  | { type: "init"; backend: "auto" | "wasm" | "cpu"; config: ModelConfig; weights: Arrays }
  | {
    type: "gradients";
    weights: Map<string, { data: Float32Array }>;
    features: FeatureLike[];
    microBatchSize: number;
    total: number;
  };

/** Messages a worker answers with. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "gradients"; loss: number; grads: Map<string, Float32Array> }
  | { type: "error"; message: string };

let model: QuestionAnsweringModel | undefined;

const scope = self as unknown as {
  onmessage: (event: MessageEvent<WorkerRequest>) => void;
  postMessage: (message: WorkerReply, transfer?: Transferable[]) => void;
};

scope.onmessage = async ({ data }) => {
  try {
    if (data.type === "init") {
      await initBackend(data.backend);
      model = QuestionAnsweringModel.fromWeights(data.config, data.weights, { log: () => {} });
      scope.postMessage({ type: "ready" });
    } else {
      model!.assignWeights(data.weights);
      const parts: MicroBatch[] = [];
      for (let from = 0; from < data.features.length; from += data.microBatchSize) {
        const features = data.features.slice(from, from + data.microBatchSize);
        parts.push({
          inputs: inputsOf(features),
          labels: labelsOf(features),
          size: features.length,
        });
      }
      const { loss, grads } = accumulateGradients(model!, parts, data.total);
      for (const part of parts) disposeBatch(part.inputs, part.labels);
      const arrays = new Map<string, Float32Array>();
      for (const [name, grad] of Object.entries(grads)) {
        arrays.set(name, grad.dataSync() as Float32Array);
      }
      tf.dispose(Object.values(grads));
      scope.postMessage(
        { type: "gradients", loss, grads: arrays },
        [...arrays.values()].map((a) => a.buffer as ArrayBuffer),
      );
    }
  } catch (e) {
    scope.postMessage({ type: "error", message: (e as Error).stack ?? String(e) });
  }
};
