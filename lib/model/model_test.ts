// Parity with PyTorch: forward logits, five Trainer steps, and saved checkpoints.
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../test/assert.ts";
import { readGolden } from "../../test/golden.ts";
import { sharedPath } from "../../test/shared.ts";
import { engineName, PRODUCT_ENGINES, withProducts } from "../../test/matmul_engines.ts";
import { AdamW, linearSchedule, trainStep } from "../train/mod.ts";
import { initBackend } from "../runtime/mod.ts";
import { readWeights } from "./io/checkpoint.ts";
import { disposeBatch, inputsOf, labelsOf, predictLogits, QuestionAnsweringModel } from "./mod.ts";

await initBackend("auto");
// The parity tests run with wasm's products on the machine's BLAS (when it has one) and on our
// wasm kernels; the other tests use the default.

interface TinyGolden {
  forward_init: { start_logits: number[][]; end_logits: number[][] };
  train_log: {
    step: number;
    lr: number;
    loss: number;
    grad_norm: number;
    no_decay_params: string[] | null;
  }[];
  after_start_logits: number[][];
  after_end_logits: number[][];
}

type Feature = {
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
  start_position: number;
  end_position: number;
};

const trainFeatures = await readGolden<Feature>("public", "train_features.jsonl.gz");
const silent = { log: () => {} };

function maxAbsDiff(actual: ArrayLike<number>[], expected: number[][]): number {
  let worst = 0;
  expected.forEach((row, i) =>
    row.forEach((v, j) => worst = Math.max(worst, Math.abs(actual[i][j] - v)))
  );
  return worst;
}

// Logits are defined up to a constant per row (softmax is shift-invariant); compare them centred.
function centred(rows: ArrayLike<number>[]): number[][] {
  return rows.map((row) => {
    const values = Array.from(row);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return values.map((v) => v - mean);
  });
}

for (const [kind, products] of PRODUCT_ENGINES.flatMap((p) => [["distilbert", p], ["bert", p]])) {
  const on = `products on ${engineName(products)}`;
  const golden: TinyGolden = JSON.parse(
    await Deno.readTextFile(sharedPath(`golden/public/tiny-${kind}-golden.json`)),
  );
  const checkpoint = sharedPath(`golden/models/tiny-${kind}-init`);

  Deno.test(`tiny ${kind}, ${on}: forward logits equal PyTorch's (max abs ≤ 1e-4)`, () =>
    withProducts(products, async () => {
      const model = await QuestionAnsweringModel.fromPretrained(checkpoint, silent);
      const logits = await predictLogits(model, trainFeatures.slice(0, 16), 16);
      assert(maxAbsDiff(logits.startLogits, golden.forward_init.start_logits) <= 1e-4);
      assert(maxAbsDiff(logits.endLogits, golden.forward_init.end_logits) <= 1e-4);
      model.dispose();
    }));

  Deno.test(`tiny ${kind}, ${on}: five Trainer steps give PyTorch's lr, loss and grad norm`, () =>
    withProducts(products, async () => {
      const model = await QuestionAnsweringModel.fromPretrained(checkpoint, silent);
      const optimizer = new AdamW(model.weights, { weightDecay: 0.01 });
      assertEquals(optimizer.noDecayNames(), golden.train_log[0].no_decay_params);
      const schedule = linearSchedule(5e-4, 5);
      for (const expected of golden.train_log) {
        const batch = trainFeatures.slice(expected.step * 8, expected.step * 8 + 8);
        const inputs = inputsOf(batch);
        const labels = labelsOf(batch);
        const part = { inputs, labels, size: batch.length };
        const result = trainStep(model, optimizer, part, schedule(expected.step), 1.0);
        disposeBatch(inputs, labels);
        assertEquals(result.lr, expected.lr);
        assert(
          Math.abs(result.loss - expected.loss) <= 1e-4 * expected.loss,
          `loss ${result.loss}`,
        );
        const normError = Math.abs(result.gradNorm - expected.grad_norm) / expected.grad_norm;
        assert(normError <= 1e-4, `grad norm ${result.gradNorm} vs ${expected.grad_norm}`);
      }
      const after = await predictLogits(model, trainFeatures.slice(40, 48), 8);
      assert(maxAbsDiff(centred(after.startLogits), centred(golden.after_start_logits)) <= 1e-4);
      assert(maxAbsDiff(centred(after.endLogits), centred(golden.after_end_logits)) <= 1e-4);
      if (kind === "distilbert") await compareWeightsAfterFiveSteps(model);
      optimizer.dispose();
      model.dispose();
    }));
}

// qa_outputs.bias and the last output LayerNorm bias have a gradient that is zero in exact
// arithmetic (a softmax over positions does not change when every logit moves by the same
// amount). What PyTorch and we compute for them is float rounding noise, far below Adam's eps, so
// Adam turns it into steps of about ±lr with signs neither side controls. For those two we check
// that the gradient is indeed noise and the weights stay within the summed learning rates.
async function compareWeightsAfterFiveSteps(model: QuestionAnsweringModel): Promise<void> {
  const expected = await readWeights(
    sharedPath("golden/public/tiny-distilbert-after5/model.safetensors"),
  );
  const shiftOnly = new Set([
    "qa_outputs.bias",
    "distilbert.transformer.layer.1.output_layer_norm.bias",
  ]);
  for (const [name, variable] of model.weights) {
    const actual = await variable.data();
    const target = expected.get(name)!.data;
    let worst = 0;
    for (let i = 0; i < target.length; i++) {
      worst = Math.max(worst, Math.abs(actual[i] - target[i]));
    }
    const bound = shiftOnly.has(name) ? 2 * (5e-4 + 4e-4 + 3e-4 + 2e-4 + 1e-4) : 1e-5;
    assert(worst <= bound, `${name}: max abs difference ${worst} > ${bound}`);
  }
  const batch = trainFeatures.slice(0, 8);
  const inputs = inputsOf(batch);
  const labels = labelsOf(batch);
  const names = new Map([...model.weights].map(([n, v]) => [v.name, n]));
  const { value, grads } = tf.variableGrads(() => model.loss(inputs, labels, true), [
    ...model.weights.values(),
  ]);
  for (const [variableName, grad] of Object.entries(grads)) {
    if (shiftOnly.has(names.get(variableName)!)) {
      assert(
        tf.max(tf.abs(grad)).dataSync()[0] < 1e-6,
        `${names.get(variableName)} gradient is not ~0`,
      );
    }
  }
  tf.dispose([value, ...Object.values(grads)]);
  disposeBatch(inputs, labels);
}

Deno.test("tiny distilbert: logits on the golden dev features match dev_features_logits", async () => {
  const model = await QuestionAnsweringModel.fromPretrained(
    sharedPath("golden/models/tiny-distilbert-init"),
    silent,
  );
  const golden = await readGolden<Feature & { start_logits: number[]; end_logits: number[] }>(
    "public",
    "dev_features_logits.jsonl.gz",
  );
  const logits = await predictLogits(model, golden, 32);
  assertEquals(logits.startLogits.length, 605);
  assert(maxAbsDiff(logits.startLogits, golden.map((f) => f.start_logits)) <= 1e-4);
  assert(maxAbsDiff(logits.endLogits, golden.map((f) => f.end_logits)) <= 1e-4);
  model.dispose();
});

Deno.test("save → load gives identical logits and HF's tensor names, dtypes and shapes", async () => {
  const source = sharedPath("golden/models/tiny-bert-init");
  const model = await QuestionAnsweringModel.fromPretrained(source, silent);
  const folder = await Deno.makeTempDir();
  await model.save(folder, { tokenizerFolder: source });
  const reloaded = await QuestionAnsweringModel.fromPretrained(folder, silent);
  const batch = trainFeatures.slice(0, 4);
  const a = await predictLogits(model, batch);
  const b = await predictLogits(reloaded, batch);
  assertEquals(a, b);
  const original = await Deno.readFile(`${source}/model.safetensors`);
  const saved = await Deno.readFile(`${folder}/model.safetensors`);
  assertEquals(saved, original);
  for (const file of ["config.json", "tokenizer.json", "vocab.txt"]) {
    assert((await Deno.stat(`${folder}/${file}`)).isFile, file);
  }
  model.dispose();
  reloaded.dispose();
});

Deno.test("a base checkpoint gets a new QA head, with transformers' warning", async () => {
  const source = sharedPath("golden/models/tiny-distilbert-init");
  const base = await Deno.makeTempDir();
  const weights = await readWeights(`${source}/model.safetensors`);
  weights.delete("qa_outputs.weight");
  weights.delete("qa_outputs.bias");
  const { writeCheckpoint } = await import("./io/checkpoint.ts");
  const { readConfig } = await import("./config.ts");
  await writeCheckpoint(base, await readConfig(`${source}/config.json`), weights, {
    tokenizerFolder: source,
  });
  const messages: string[] = [];
  const model = await QuestionAnsweringModel.fromPretrained(base, { log: (m) => messages.push(m) });
  assertEquals(messages.length, 1);
  assert(
    messages[0].includes("newly initialized: ['qa_outputs.weight', 'qa_outputs.bias']"),
    messages[0],
  );
  assertEquals(model.weights.get("qa_outputs.weight")!.shape, [2, 32]);
  model.dispose();
});

Deno.test("a checkpoint whose shapes do not fit its config names the tensor", async () => {
  const source = sharedPath("golden/models/tiny-distilbert-init");
  const folder = await Deno.makeTempDir();
  await Deno.copyFile(`${source}/model.safetensors`, `${folder}/model.safetensors`);
  const config = JSON.parse(await Deno.readTextFile(`${source}/config.json`));
  await Deno.writeTextFile(
    `${folder}/config.json`,
    JSON.stringify({ ...config, dim: 64, hidden_dim: 128 }),
  );
  let message = "";
  try {
    await QuestionAnsweringModel.fromPretrained(folder, silent);
  } catch (e) {
    message = (e as Error).message;
  }
  assert(
    message.includes("distilbert.embeddings.word_embeddings.weight has shape [30522,32]"),
    message,
  );
});
