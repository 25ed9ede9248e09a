// A worker thread of bench/train_measure.ts's inference on all cores: its own wasm instance (one
// core) holding the shape's model (the same seed, so the same weights as every other worker); it
// runs the forward pass of the features it is sent, in micro-batches, and answers when done.
import * as tf from "@tensorflow/tfjs";
import { disposeBatch, type FeatureLike } from "../lib/model/mod.ts";
import { initBackend } from "../lib/runtime/mod.ts";
import { microBatches } from "../lib/train/mod.ts";
import { shapeModel } from "./shape_model.ts";

/** What the measurement sends: the model to build, then features to run. */
export type InferRequest =
  | { type: "init"; shape: string; blas: string }
  | { type: "infer"; features: FeatureLike[]; micro: number };

/** One reply per request: done, or the error. */
export type InferReply = { type: "done" } | { type: "error"; message: string };

const scope = self as unknown as {
  onmessage: (event: MessageEvent<InferRequest>) => void;
  postMessage: (message: InferReply) => void;
};

let model: ReturnType<typeof shapeModel> | undefined;

scope.onmessage = async ({ data }) => {
  try {
    if (data.type === "init") {
      await initBackend("wasm", { blas: data.blas });
      model = shapeModel(data.shape);
    } else {
      for (const { inputs, labels } of microBatches(data.features, data.micro)) {
        const logits = tf.tidy(() => model!.forward(inputs, false).startLogits);
        await logits.data();
        logits.dispose();
        disposeBatch(inputs, labels);
      }
    }
    scope.postMessage({ type: "done" });
  } catch (e) {
    scope.postMessage({ type: "error", message: (e as Error).stack ?? String(e) });
  }
};
