// The Trainer on the webgpu backend (software adapter in CI) against PyTorch's five golden steps:
// the whole step (gradients, clipping, AdamW) runs on the device. Fails, saying what to install,
// when there is no WebGPU adapter.
import { assert, assertEquals } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import type { TrainFeature } from "../features/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { readWeights } from "../model/io/checkpoint.ts";
import { QuestionAnsweringModel } from "../model/mod.ts";
import { defaultArguments, type LogEntry, Trainer } from "./mod.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);

interface Golden {
  train_log: { step: number; lr: number; loss: number; grad_norm: number }[];
}

Deno.test("webgpu: five Trainer steps give PyTorch's loss, grad norm and weights", async () => {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  assertEquals(started, "webgpu");
  const golden: Golden = JSON.parse(
    await Deno.readTextFile(sharedPath("golden/public/tiny-distilbert-golden.json")),
  );
  const features = await readGolden<TrainFeature>("public", "train_features.jsonl.gz");
  const model = await QuestionAnsweringModel.fromPretrained(
    sharedPath("golden/models/tiny-distilbert-init"),
    { log: () => {} },
  );
  // Golden step s trains on features [8s, 8s + 8): one epoch of 40 in file order.
  const args = {
    ...defaultArguments(await Deno.makeTempDir()),
    epochs: 1,
    batchSize: 8,
    learningRate: 5e-4,
    shuffle: false,
    loggingSteps: 1,
    workers: 2, // ignored on webgpu
  };
  const log: LogEntry[] = [];
  await new Trainer(model, args, features.slice(0, 40), [], { onLog: (e) => void log.push(e) })
    .train();
  assertEquals(log.map((e) => e.step), golden.train_log.map((e) => e.step + 1));
  golden.train_log.forEach((expected, i) => {
    const { lr, loss, grad_norm: norm } = log[i];
    assertEquals(lr, expected.lr);
    const lossError = Math.abs(loss! - expected.loss) / expected.loss;
    const normError = Math.abs(norm! - expected.grad_norm) / expected.grad_norm;
    assert(lossError <= 1e-4, `step ${i}: loss ${loss} vs ${expected.loss}`);
    assert(normError <= 1e-4, `step ${i}: grad norm ${norm} vs ${expected.grad_norm}`);
  });

  // The weights, but for the two whose gradient is float noise (see model_test.ts); the logits
  // after the steps (as model_test.ts checks them on wasm) follow from the weights.
  const expected = await readWeights(
    sharedPath("golden/public/tiny-distilbert-after5/model.safetensors"),
  );
  const noise = ["qa_outputs.bias", "distilbert.transformer.layer.1.output_layer_norm.bias"];
  for (const [name, variable] of model.weights) {
    if (noise.includes(name)) continue;
    const actual = await variable.data();
    const target = expected.get(name)!.data;
    let worst = 0;
    for (let i = 0; i < target.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - target[i]));
    }
    assert(worst <= 1e-5, `${name}: max abs difference ${worst}`);
  }
  model.dispose();
});
