// Featurization throughput over the SQuAD v1.1 dev pool, train and validation modes.
// Run: deno task bench   (QA_SHARED overrides where ../shared is; QA_BENCH_RUNS the repeats)
import { loadSquad } from "../lib/data/mod.ts";
import { prepareTrainFeatures, prepareValidationFeatures } from "../lib/features/mod.ts";
import { QATokenizer } from "../lib/tokenizer/mod.ts";
import { sharedPath } from "../test/shared.ts";
import { setting } from "../lib/settings.ts";

const dataPath = sharedPath("data/squad/squad-v1.1-dev-articles-00-37.json");
const tokenizerPath = sharedPath("models/distilbert-base-uncased-distilled-squad");
const runs = setting("QA_BENCH_RUNS");

const { examples } = await loadSquad(dataPath);
const tokenizer = await QATokenizer.fromPretrained(tokenizerPath);
await prepareTrainFeatures(tokenizer, examples.slice(0, 200)); // warm-up

console.log(`featurize: ${examples.length} questions, max_length 384, doc_stride 128`);
console.log(`machine: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`);
for (const mode of ["train", "validation"] as const) {
  const prepare = mode === "train" ? prepareTrainFeatures : prepareValidationFeatures;
  let best = Infinity;
  let features = 0;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    features = (await prepare(tokenizer, examples)).features.length;
    best = Math.min(best, (performance.now() - started) / 1000);
  }
  const qps = (examples.length / best).toFixed(0);
  const fps = (features / best).toFixed(0);
  console.log(`${mode.padEnd(10)} ${best.toFixed(2)} s  ${qps} questions/s  ${fps} features/s`);
}
console.log(
  "reference (Python tokenizers, tutorial train featurization, 16 cores): ~3,900 questions/s",
);
