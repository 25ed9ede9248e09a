// Bad input to `qa ask`, `qa predict` and `qa featurize`: each error names its cause (the file,
// flag or field), not whatever deeper library call happened to fail first.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { sharedPath } from "../test/shared.ts";
import { readCheckpoint, writeCheckpoint } from "../lib/model/checkpoint.ts";

const TINY = sharedPath("golden/models/tiny-distilbert-init");
const SAMPLE = new URL("../data/squad-v1.1-train-sample5-allennlp.json", import.meta.url).pathname;

Deno.test("qa ask and predict name the weight file and tensor holding NaN", async () => {
  const dir = await Deno.makeTempDir();
  const { config, weights } = await readCheckpoint(TINY);
  const name = "distilbert.transformer.layer.0.ffn.lin1.weight";
  weights.get(name)!.data[3] = NaN;
  weights.get(name)!.data[5] = Infinity;
  await writeCheckpoint(dir, config, weights, { tokenizerFolder: TINY });
  const message = `${dir}/model.safetensors: tensor "${name}" holds 2 non-finite value(s)`;
  const ask = await qa("ask", "--model", dir, "--question", "Who?", "--context", "Ann did.");
  assertEquals(ask.code, 1, ask.stderr);
  assert(ask.stderr.includes(message), ask.stderr);
  const predict = await qa("predict", "--model", dir, "--data", SAMPLE, "--out", `${dir}/p.json`);
  assertEquals(predict.code, 1, predict.stderr);
  assert(predict.stderr.includes(message), predict.stderr);
});
