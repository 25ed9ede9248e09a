// The TypeScript WordPiece (lib/tokenizer/wordpiece) against the Rust addon on the SQuAD v1.1
// dev pool: tokenizing every distinct question and context, and the tutorial's validation
// featurization end to end. Run: deno task bench:tokenizer (QA_BENCH_RUNS the repeats).
import { loadSquad } from "../lib/data/mod.ts";
import { prepareValidationFeatures } from "../lib/features/mod.ts";
import { type EngineName, QATokenizer } from "../lib/tokenizer/mod.ts";
import { setting } from "../lib/settings.ts";
import { sharedPath } from "../test/shared.ts";

const dataPath = sharedPath("data/squad/squad-v1.1-dev-articles-00-37.json");
const tokenizerPath = sharedPath("models/distilbert-base-uncased-distilled-squad");
const runs = setting("QA_BENCH_RUNS");

const { examples } = await loadSquad(dataPath);
const texts = [...new Set(examples.flatMap((e) => [e.question, e.context]))];
const megabytes = new TextEncoder().encode(texts.join("")).length / 1e6;

async function best(work: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let r = 0; r < runs; r++) {
    const started = performance.now();
    await work();
    fastest = Math.min(fastest, (performance.now() - started) / 1000);
  }
  return fastest;
}

console.log(
  `tokenizer: ${texts.length} distinct texts (${megabytes.toFixed(1)} MB), ` +
    `${examples.length} questions; best of ${runs}`,
);
console.log(`machine: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}`);
for (const engine of ["native", "wordpiece"] as EngineName[]) {
  const tokenizer = await QATokenizer.fromPretrained(tokenizerPath, { engine });
  await tokenizer.engine.tokenize(texts.slice(0, 500)); // warm-up
  const tokenize = await best(() => tokenizer.engine.tokenize(texts));
  const featurize = await best(() => prepareValidationFeatures(tokenizer, examples));
  console.log(
    `${engine.padEnd(10)} tokenize ${tokenize.toFixed(2)} s (${
      (megabytes / tokenize).toFixed(1)
    } MB/s)` +
      `  validation features ${featurize.toFixed(2)} s (${
        (examples.length / featurize).toFixed(0)
      } questions/s)`,
  );
}
