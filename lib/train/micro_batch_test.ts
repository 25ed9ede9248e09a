import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../test/assert.ts";
import { initBackend } from "../runtime/mod.ts";
import {
  disposeBatch,
  inputsOf,
  labelsOf,
  parseConfig,
  QuestionAnsweringModel,
} from "../model/mod.ts";
import { activationBytesPerFeature, autoMicroBatchSize } from "./micro_batch.ts";

/** A DistilBERT config of the given shape (the bench's shapes). */
function distilbert(layers: number, dim: number, heads: number) {
  return parseConfig({
    model_type: "distilbert",
    vocab_size: 30522,
    n_layers: layers,
    dim,
    n_heads: heads,
    hidden_dim: 4 * dim,
    max_position_embeddings: 512,
  }, "shape");
}

/** Bytes of the wasm backend's heap (it grows and never shrinks). */
function heapBytes(): number {
  const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
  return backend.wasm.HEAPU8.buffer.byteLength;
}

/** Forward + backward with dropout over `count` random features of `length` tokens. */
function gradientsOf(model: QuestionAnsweringModel, count: number, length: number): void {
  const features = Array.from({ length: count }, (_, i) => ({
    input_ids: Array.from({ length }, (_, t) => (t * 7919 + i * 104729) % 30522),
    attention_mask: new Array(length).fill(1),
    start_position: i,
    end_position: i + 3,
  }));
  const inputs = inputsOf(features);
  const labels = labelsOf(features);
  const { value, grads } = tf.variableGrads(() => model.loss(inputs, labels, true) as tf.Scalar);
  tf.dispose([value, grads]);
  disposeBatch(inputs, labels);
}

Deno.test("the heap a feature takes stays within the estimate the micro-batch size rests on", async () => {
  await initBackend("wasm");
  const config = distilbert(2, 128, 2);
  const model = QuestionAnsweringModel.fromConfig(config, { seed: 0 });
  gradientsOf(model, 1, 384);
  const before = heapBytes();
  gradientsOf(model, 12, 384);
  // The heap grows by 20% more than asked for, at most 96 MiB more (emscripten's defaults).
  const perFeature = (heapBytes() - before - 96 * 2 ** 20) / 11;
  const estimate = activationBytesPerFeature(config, 384);
  assert(perFeature > 0, "twelve features grew the heap beyond one feature's");
  assert(perFeature <= estimate, `${perFeature} bytes a feature > estimate ${estimate}`);
  assert(perFeature > estimate / 2, `estimate ${estimate} is far above ${perFeature}`);
  model.dispose();
});

Deno.test("auto micro-batches: what fits the wasm heap, whole batches elsewhere", () => {
  const size = (layers: number, dim: number, heads: number, parameters: number, backend = "wasm") =>
    autoMicroBatchSize(distilbert(layers, dim, heads), parameters, 384, 16, backend);
  assertEquals(size(2, 128, 2, 4.4e6), 16); // tiny: the whole batch
  assertEquals(size(4, 256, 4, 11.1e6), 10); // mini: 10 × 0.3 GB
  assertEquals(size(6, 768, 12, 66.4e6), 2); // distilbert: 3 features overflow the heap
  assertEquals(size(24, 1024, 16, 335e6), 1); // BERT-large: never less than one
  assertEquals(size(6, 768, 12, 66.4e6, "webgpu"), 16);
  assertEquals(size(6, 768, 12, 66.4e6, "cpu"), 16);
  const short = autoMicroBatchSize(distilbert(6, 768, 12), 66.4e6, 128, 32, "wasm");
  assert(short > 2, `128-token features take a third of the memory, got ${short}`);
});
