// The exported graph on ONNX Runtime against our TensorFlow.js forward pass: the golden dev
// features (605 windows of 384 tokens) of the tiny DistilBERT and BERT, other batch sizes and
// lengths (the axes are dynamic), the file's declared inputs and outputs, `auto`'s choice, and the
// errors for a missing file and a ragged batch.
import { join } from "node:path";
import { assert, assertEquals, assertRejects } from "../../../test/assert.ts";
import { readGolden } from "../../../test/golden.ts";
import { sharedPath } from "../../../test/shared.ts";
import { initBackend } from "../../runtime/mod.ts";
import {
  loadInferenceModel,
  OnnxQuestionAnsweringModel,
  predictLogits,
  QuestionAnsweringModel,
  resolveEngine,
} from "../mod.ts";
import type { FeatureLogits } from "../batch.ts";

await initBackend("auto");

interface DevFeature {
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
  start_logits: number[];
  end_logits: number[];
}

const dev = await readGolden<DevFeature>("public", "dev_features_logits.jsonl.gz");
const silent = { log: () => {} };

function maxAbsDiff(
  a: FeatureLogits,
  b: { startLogits: ArrayLike<number>[]; endLogits: ArrayLike<number>[] },
): number {
  let worst = 0;
  for (const key of ["startLogits", "endLogits"] as const) {
    a[key].forEach((row, i) =>
      row.forEach((v, j) => worst = Math.max(worst, Math.abs(v - b[key][i][j])))
    );
  }
  return worst;
}

/** A copy of a tiny golden model with onnx/model.onnx written beside it. */
async function exported(kind: string): Promise<{ folder: string; model: QuestionAnsweringModel }> {
  const model = await QuestionAnsweringModel.fromPretrained(
    sharedPath(`golden/models/tiny-${kind}-init`),
    silent,
  );
  const folder = await Deno.makeTempDir({ prefix: `qa-onnx-${kind}-` });
  await model.save(folder);
  await model.saveOnnx(folder);
  return { folder, model };
}

for (const kind of ["distilbert", "bert"]) {
  Deno.test(`tiny ${kind}: ONNX Runtime logits = tfjs logits (≤ 1e-4) on the 605 golden dev features`, async () => {
    const { folder, model } = await exported(kind);
    const onnx = await OnnxQuestionAnsweringModel.fromFolder(folder);
    const ours = await predictLogits(model, dev, 32);
    const theirs = await predictLogits(onnx, dev, 32);
    assertEquals(theirs.startLogits.length, dev.length);
    const diff = maxAbsDiff(theirs, ours);
    assert(diff <= 1e-4, `max |ONNX Runtime - tfjs| = ${diff}`);
    if (kind === "distilbert") {
      // The golden file holds PyTorch's logits of this very model.
      const pytorch = {
        startLogits: dev.map((f) => f.start_logits),
        endLogits: dev.map((f) => f.end_logits),
      };
      const fromPytorch = maxAbsDiff(theirs, pytorch);
      assert(fromPytorch <= 1e-4, `max |ONNX Runtime - PyTorch| = ${fromPytorch}`);
    }
    await onnx.dispose();
    model.dispose();
    await Deno.remove(folder, { recursive: true });
  });

  Deno.test(`tiny ${kind}: the graph takes any batch size and length, and says its inputs`, async () => {
    const { folder, model } = await exported(kind);
    const onnx = await OnnxQuestionAnsweringModel.fromFolder(folder, 1);
    const expected = kind === "bert"
      ? ["input_ids", "attention_mask", "token_type_ids"]
      : ["input_ids", "attention_mask"];
    assertEquals([...onnx.session.inputNames], expected);
    assertEquals([...onnx.session.outputNames], ["start_logits", "end_logits"]);
    for (const [batch, length] of [[1, 7], [3, 40], [5, 130]]) {
      // Real windows cut short, with padding at the end of all but the first.
      const features = dev.slice(0, batch).map((f, i) => {
        const kept = Math.max(2, length - 3 * i);
        return {
          input_ids: f.input_ids.slice(0, length).map((id, j) => j < kept ? id : 0),
          attention_mask: Array.from({ length }, (_, j) => j < kept ? 1 : 0),
          token_type_ids: f.token_type_ids.slice(0, length).map((t, j) => j < kept ? t : 0),
        };
      });
      const ours = await predictLogits(model, features, batch);
      const theirs = await predictLogits(onnx, features, batch);
      assertEquals(theirs.startLogits.map((r) => r.length), features.map(() => length));
      const diff = maxAbsDiff(theirs, ours);
      assert(diff <= 1e-4, `[${batch}, ${length}]: max |ONNX Runtime - tfjs| = ${diff}`);
    }
    await onnx.dispose();
    model.dispose();
    await Deno.remove(folder, { recursive: true });
  });
}

Deno.test("auto takes ONNX Runtime where the folder has onnx/model.onnx, else tfjs", async () => {
  const { folder, model } = await exported("distilbert");
  assertEquals(await resolveEngine(folder, "auto"), "onnxruntime");
  const loaded = await loadInferenceModel(folder, { log: () => {} });
  assert(loaded instanceof OnnxQuestionAnsweringModel);
  await loaded.dispose();
  assertEquals(await resolveEngine(folder, "tfjs"), "tfjs");
  await Deno.remove(join(folder, "onnx"), { recursive: true });
  assertEquals(await resolveEngine(folder, "auto"), "tfjs");
  const fallback = await loadInferenceModel(folder, { log: () => {} });
  assert(fallback instanceof QuestionAnsweringModel);
  fallback.dispose();
  const missing = await assertRejects(() => loadInferenceModel(folder, { engine: "onnxruntime" }));
  assert(
    String(missing).includes(`${folder}: no onnx/model.onnx`) &&
      String(missing).includes("qa export --onnx"),
    String(missing),
  );
  model.dispose();
  await Deno.remove(folder, { recursive: true });
});

Deno.test("a batch of features of different lengths is refused, naming the feature", async () => {
  const { folder, model } = await exported("distilbert");
  const onnx = await OnnxQuestionAnsweringModel.fromFolder(folder, 1);
  const ragged = [dev[0], { ...dev[1], input_ids: dev[1].input_ids.slice(0, 100) }];
  const error = await assertRejects(() => predictLogits(onnx, ragged, 2));
  assertEquals(String(error), "Error: feature 1: input_ids has 100 tokens, the batch 384");
  await onnx.dispose();
  model.dispose();
  await Deno.remove(folder, { recursive: true });
});

Deno.test("a file that is not ONNX is refused, naming it", async () => {
  const { folder, model } = await exported("distilbert");
  const path = join(folder, "onnx", "model.onnx");
  await Deno.writeTextFile(path, "not a model");
  const error = await assertRejects(() => OnnxQuestionAnsweringModel.fromFolder(folder, 1));
  assert(String(error).startsWith(`Error: ${path}: ONNX Runtime cannot open it`), String(error));
  model.dispose();
  await Deno.remove(folder, { recursive: true });
});
