// Does an evaluation-loss pass change the predictions that follow it in the same process? This
// runs predict → eval loss → predict on one loaded model, compares the logits and prints both v2
// (or v1) scores: what `qa train`'s closing evaluation would say of the model. On the H200 it showed
// the GPU and the training state blameless when `qa train` and `qa predict` disagreed (the cause:
// `qa predict` ignored --version-2-with-negative, fixed since).
//   deno run -A tools/eval_consistency.ts MODEL_DIR DATA [--backend webgpu]
import { parseArgs } from "node:util";
import { loadSquad } from "../lib/data/mod.ts";
import { prepareTrainFeatures } from "../lib/features/mod.ts";
import { type BackendName, initBackend } from "../lib/runtime/mod.ts";
import { QuestionAnsweringModel } from "../lib/model/mod.ts";
import { predictDataset, scorePredictions } from "../lib/pipeline/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import { defaultArguments, Trainer } from "../lib/train/mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: { backend: { type: "string", default: "webgpu" } },
});
const [modelDir, dataPath] = positionals;
await initBackend(values.backend as BackendName);
const tokenizer = await QATokenizer.fromPretrained(modelDir);
const data = await loadSquad(dataPath);
const model = await QuestionAnsweringModel.fromPretrained(modelDir);
const versionTwo = data.version.startsWith("2");

const first = await predictDataset(model, tokenizer, data.examples);
const evalSet = await prepareTrainFeatures(tokenizer, data.examples, {});
const trainer = new Trainer(model, defaultArguments("tmp/x"), evalSet.features, evalSet.features);
const evalLoss = await trainer.evaluate();
const second = await predictDataset(model, tokenizer, data.examples);

let worst = 0;
let differing = 0;
first.logits.startLogits.forEach((row, i) => {
  let rowWorst = 0;
  row.forEach((v, j) => {
    const d = Math.max(
      Math.abs(v - second.logits.startLogits[i][j]),
      Math.abs(first.logits.endLogits[i][j] - second.logits.endLogits[i][j]),
    );
    rowWorst = Math.max(rowWorst, d);
  });
  if (rowWorst > 0) differing++;
  worst = Math.max(worst, rowWorst);
});
console.log(JSON.stringify({
  evalLoss,
  before: scorePredictions(data.examples, first.predictions, versionTwo),
  after: scorePredictions(data.examples, second.predictions, versionTwo),
  logitsMaxAbsDifference: worst,
  featuresDiffering: differing,
  features: first.features.length,
}));
