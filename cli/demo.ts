// `deno task demo`: the data path of the tutorial end to end on the shipped sample.
// (Fine-tuning a model arrives with lib/model and lib/train; until then the demo checks that
// labels made from the answers decode back to the answers and score 100.)
import { fileURLToPath } from "node:url";
import { loadSquad, showRandomElements } from "../lib/data/mod.ts";
import { prepareTrainFeatures, prepareValidationFeatures } from "../lib/features/mod.ts";
import { evaluateSquad } from "../lib/metric/mod.ts";
import { postprocessQaPredictions, predictionsV2 } from "../lib/postprocess/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import { exists } from "../lib/hub/mod.ts";
import { labelLogits } from "./oracle.ts";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const dataPath = Deno.env.get("QA_DEMO_DATA") ?? here("../data/squad-v2.0-sample.json");
// The uncased tokenizer from ../shared when it is there, else from the Hugging Face hub.
const shared = Deno.env.get("QA_SHARED") ?? here("../../shared");
const sharedTokenizer = `${shared}/models/distilbert-base-uncased-distilled-squad`;
const tokenizerPath = Deno.env.get("QA_TOKENIZER") ??
  (await exists(sharedTokenizer) ? sharedTokenizer : "distilbert-base-uncased");

console.log(`1. data: ${dataPath}`);
const dataset = await loadSquad(dataPath);
const unanswerable = dataset.examples.filter((e) => e.answers.text.length === 0).length;
console.log(
  `   ${dataset.examples.length} questions (${unanswerable} unanswerable), SQuAD ${dataset.version}`,
);
console.log(showRandomElements(dataset.examples, 3, { seed: 42 }).toString(110));

console.log(`2. tokenizer: ${tokenizerPath}`);
const tokenizer = await QATokenizer.fromPretrained(tokenizerPath);
const first = dataset.examples[0];
const encoded = await tokenizer.encode(first.question, first.context);
console.log(`   "${first.question}" + its context → ${encoded.input_ids[0].length} tokens`);

const options = { maxLength: 384, docStride: 128, source: dataset.source };
const train = await prepareTrainFeatures(tokenizer, dataset.examples, options);
const validation = await prepareValidationFeatures(tokenizer, dataset.examples, options);
console.log(
  `3. features (max_length 384, doc_stride 128): ${train.features.length} train, ` +
    `${validation.features.length} validation, ${train.skipped.length} question(s) skipped`,
);

if (train.features.length !== validation.features.length) {
  throw new Error(
    "the round trip needs the same windows in both modes: some questions were skipped",
  );
}
const { startLogits, endLogits } = labelLogits(train.features);
const predictions = postprocessQaPredictions(
  dataset.examples,
  validation.features,
  startLogits,
  endLogits,
  { clsTokenId: tokenizer.clsTokenId },
);
const metric = evaluateSquad(dataset.examples, predictionsV2(predictions), "2.0");
console.log("4. round trip: logits peaked at the train labels → n-best decoding → SQuAD v2 metric");
console.log(
  `   exact ${metric.exact.toFixed(2)}, f1 ${metric.f1.toFixed(2)} over ${metric.total} questions`,
);
const shown = predictions.find((p) => p.predictionV2 !== "")!;
const question = dataset.examples.find((e) => e.id === shown.id)!.question;
console.log(`   e.g. "${question}" → "${shown.predictionV2}"`);
