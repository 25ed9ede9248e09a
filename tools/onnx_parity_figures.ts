// The figures of docs/onnx.md#parity: for the tiny golden DistilBERT and BERT, exported with
// `saveOnnx`, the largest |ONNX Runtime − tfjs| over the 605 golden dev features, and for
// DistilBERT both engines against PyTorch's logits in the golden file; the file's size.
//   deno run -A tools/onnx_parity_figures.ts
import { readGolden } from "../test/golden.ts";
import { sharedPath } from "../test/shared.ts";
import { initBackend, onnxThreads, productsEngine } from "../lib/runtime/mod.ts";
import {
  OnnxQuestionAnsweringModel,
  predictLogits,
  QuestionAnsweringModel,
} from "../lib/model/mod.ts";

interface DevFeature {
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
  start_logits: number[];
  end_logits: number[];
}

type Rows = { startLogits: ArrayLike<number>[]; endLogits: ArrayLike<number>[] };

function maxAbsDiff(a: Rows, b: Rows): number {
  let worst = 0;
  for (const key of ["startLogits", "endLogits"] as const) {
    a[key].forEach((row, i) => {
      for (let j = 0; j < row.length; j++) worst = Math.max(worst, Math.abs(row[j] - b[key][i][j]));
    });
  }
  return worst;
}

await initBackend("auto");
const dev = await readGolden<DevFeature>("public", "dev_features_logits.jsonl.gz");
const pytorch = {
  startLogits: dev.map((f) => f.start_logits),
  endLogits: dev.map((f) => f.end_logits),
};
console.log(
  `${dev.length} features; tfjs products on ${productsEngine()}; ONNX Runtime ${onnxThreads()} threads`,
);
for (const kind of ["distilbert", "bert"]) {
  const model = await QuestionAnsweringModel.fromPretrained(
    sharedPath(`golden/models/tiny-${kind}-init`),
    { log: () => {} },
  );
  const folder = await Deno.makeTempDir({ prefix: "qa-onnx-figures-" });
  await model.save(folder);
  const path = await model.saveOnnx(folder);
  const onnx = await OnnxQuestionAnsweringModel.fromFolder(folder);
  const tfjs = await predictLogits(model, dev, 32);
  const ort = await predictLogits(onnx, dev, 32);
  const figures = [`max |ONNX Runtime − tfjs| ${maxAbsDiff(ort, tfjs).toExponential(2)}`];
  // The golden file holds the tiny DistilBERT's logits.
  if (kind === "distilbert") {
    figures.push(`max |ONNX Runtime − PyTorch| ${maxAbsDiff(ort, pytorch).toExponential(2)}`);
    figures.push(`max |tfjs − PyTorch| ${maxAbsDiff(tfjs, pytorch).toExponential(2)}`);
  }
  figures.push(`${((await Deno.stat(path)).size / 2 ** 20).toFixed(2)} MiB`);
  console.log(`tiny ${kind}: ${figures.join(", ")}`);
  await onnx.dispose();
  model.dispose();
  await Deno.remove(folder, { recursive: true });
}
