// The on-device step (gradients, clipping and AdamW as tensors) against the host step (flat
// arrays), both on wasm: the same arithmetic, so the same steps to float32 rounding.
import { assert } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import type { TrainFeature } from "../features/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { disposeBatch, inputsOf, labelsOf, QuestionAnsweringModel } from "../model/mod.ts";
import { deviceTrainStep } from "./device_step.ts";
import { AdamW, trainStep } from "./mod.ts";

await initBackend("wasm");
const features = (await readGolden<TrainFeature>("public", "train_features.jsonl.gz")).slice(0, 24);
const load = () =>
  QuestionAnsweringModel.fromPretrained(sharedPath("golden/models/tiny-distilbert-init"), {
    log: () => {},
  });

function part(batch: TrainFeature[]) {
  return { inputs: inputsOf(batch), labels: labelsOf(batch), size: batch.length };
}

function worstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

Deno.test("deviceTrainStep gives trainStep's loss, norm, weights and moments (micro-batches too)", async () => {
  const [host, device] = [await load(), await load()];
  const hostAdam = new AdamW(host.weights, { weightDecay: 0.01 });
  const deviceAdam = new AdamW(device.weights, { weightDecay: 0.01 });
  for (let step = 0; step < 3; step++) {
    const batch = features.slice(step * 8, step * 8 + 8);
    const whole = part(batch);
    const halves = [part(batch.slice(0, 3)), part(batch.slice(3))];
    // A low clipping norm, so that clipping takes part.
    const a = trainStep(host, hostAdam, whole, 5e-4, 0.5);
    const b = await deviceTrainStep(device, deviceAdam, halves, 5e-4, 0.5);
    for (const p of [whole, ...halves]) disposeBatch(p.inputs, p.labels);
    assert(Math.abs(a.loss - b.loss) <= 1e-6 * a.loss, `step ${step}: ${a.loss} vs ${b.loss}`);
    assert(
      Math.abs(a.gradNorm - b.gradNorm) <= 1e-5 * a.gradNorm,
      `${a.gradNorm} vs ${b.gradNorm}`,
    );
  }
  let message = "";
  try {
    deviceAdam.moments("qa_outputs.weight");
  } catch (e) {
    message = (e as Error).message;
  }
  assert(message.includes("syncFromDevice"), message);
  await deviceAdam.syncFromDevice();
  // Two parameters have a gradient that is float noise (see model_test.ts), which Adam turns into
  // steps of ±lr: their weights are left out, their moments are not.
  const noise = ["qa_outputs.bias", "distilbert.transformer.layer.1.output_layer_norm.bias"];
  for (const name of hostAdam.layout.names) {
    const weights = noise.includes(name) ? 0 : worstDiff(
      await host.weights.get(name)!.data(),
      await device.weights.get(name)!.data(),
    );
    assert(weights <= 1e-5, `${name}: weights differ by ${weights}`);
    const [m, v] = [hostAdam.moments(name), deviceAdam.moments(name)];
    const first = worstDiff(m.first, v.first);
    const second = worstDiff(m.second, v.second);
    assert(first <= 1e-6 && second <= 1e-9, `${name}: moments differ by ${first}, ${second}`);
  }
  // After the sync the host path takes over from the same state.
  const next = part(features.slice(0, 8));
  const a = trainStep(host, hostAdam, next, 5e-4, 0.5);
  const b = trainStep(device, deviceAdam, next, 5e-4, 0.5);
  disposeBatch(next.inputs, next.labels);
  assert(
    Math.abs(a.loss - b.loss) <= 1e-6 * a.loss,
    `host step after sync: ${a.loss} vs ${b.loss}`,
  );
  for (const model of [host, device]) model.dispose();
  for (const optimizer of [hostAdam, deviceAdam]) optimizer.dispose();
});
