// The parity figures docs/parity.md "The golden tests" quotes, for each products engine on wasm (the
// machine's BLAS, then our wasm kernels): the largest differences from the golden files of the
// forward logits, the five Trainer steps' loss and grad norm (relative), and the DistilBERT
// weights after them (the two shift-only tensors left out; see lib/model/model_test.ts).
//   deno run -A tools/parity_figures.ts
import { readGolden } from "../test/golden.ts";
import { sharedPath } from "../test/shared.ts";
import { PRODUCT_ENGINES } from "../test/matmul_engines.ts";
import { AdamW, linearSchedule, trainStep } from "../lib/train/mod.ts";
import { initBackend, productsEngine } from "../lib/runtime/mod.ts";
import { readWeights } from "../lib/model/io/checkpoint.ts";
import { selectBlas } from "../lib/runtime/wasm/mod.ts";
import {
  disposeBatch,
  type FeatureLike,
  inputsOf,
  labelsOf,
  predictLogits,
  QuestionAnsweringModel,
} from "../lib/model/mod.ts";

const SHIFT_ONLY = ["qa_outputs.bias", "distilbert.transformer.layer.1.output_layer_norm.bias"];

await initBackend("wasm");
const features = await readGolden<FeatureLike>("public", "train_features.jsonl.gz");

for (const engine of PRODUCT_ENGINES) {
  selectBlas(engine);
  for (const kind of ["distilbert", "bert"]) {
    const golden = JSON.parse(
      await Deno.readTextFile(sharedPath(`golden/public/tiny-${kind}-golden.json`)),
    );
    const model = await QuestionAnsweringModel.fromPretrained(
      sharedPath(`golden/models/tiny-${kind}-init`),
      { log: () => {} },
    );
    const logits = await predictLogits(model, features.slice(0, 16), 16);
    let forward = 0;
    golden.forward_init.start_logits.forEach((row: number[], i: number) =>
      row.forEach((v, j) => forward = Math.max(forward, Math.abs(logits.startLogits[i][j] - v)))
    );
    const optimizer = new AdamW(model.weights, { weightDecay: 0.01 });
    const schedule = linearSchedule(5e-4, 5);
    let [loss, norm] = [0, 0];
    for (const expected of golden.train_log) {
      const batch = features.slice(expected.step * 8, expected.step * 8 + 8);
      const [inputs, labels] = [inputsOf(batch), labelsOf(batch)];
      const part = { inputs, labels, size: batch.length };
      const result = trainStep(model, optimizer, part, schedule(expected.step), 1.0);
      disposeBatch(inputs, labels);
      loss = Math.max(loss, Math.abs(result.loss - expected.loss) / expected.loss);
      norm = Math.max(norm, Math.abs(result.gradNorm - expected.grad_norm) / expected.grad_norm);
    }
    let weights = 0;
    if (kind === "distilbert") {
      const after = await readWeights(
        sharedPath("golden/public/tiny-distilbert-after5/model.safetensors"),
      );
      for (const [name, variable] of model.weights) {
        if (SHIFT_ONLY.includes(name)) continue;
        const [actual, target] = [await variable.data(), after.get(name)!.data];
        for (let i = 0; i < target.length; i++) {
          weights = Math.max(weights, Math.abs(actual[i] - target[i]));
        }
      }
    }
    const e = (x: number) => x.toExponential(1);
    console.log(
      `${productsEngine()} · tiny ${kind}: forward ${e(forward)}, loss ${e(loss)}` +
        `, grad norm ${e(norm)}` + (kind === "distilbert" ? `, weights after 5 ${e(weights)}` : ""),
    );
    optimizer.dispose();
    model.dispose();
  }
}
