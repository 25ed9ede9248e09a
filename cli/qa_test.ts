// The CLI on the reference files: what it writes must equal the golden outputs.
import { assert, assertEquals } from "../test/assert.ts";
import { readGolden } from "../test/golden.ts";
import { sharedPath } from "../test/shared.ts";
import { parseJsonLines, readText } from "../lib/data/mod.ts";

const UNCASED = sharedPath("models/distilbert-base-uncased-distilled-squad");
const GOLDEN = (file: string) => sharedPath(`golden/public/${file}`);

async function qa(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = new URL("./qa.ts", import.meta.url).pathname;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", cli, ...args],
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("qa featurize writes the reference train and validation features", async () => {
  const dir = await Deno.makeTempDir();
  for (
    const [mode, examples, golden] of [
      ["train", "train_examples.jsonl.gz", "train_features.jsonl.gz"],
      ["validation", "dev_examples.jsonl.gz", "dev_features.jsonl.gz"],
    ]
  ) {
    const out = `${dir}/${mode}.jsonl.gz`;
    const run = await qa(
      "featurize",
      "--tokenizer",
      UNCASED,
      "--input",
      GOLDEN(examples),
      "--mode",
      mode,
      "--out",
      out,
    );
    assertEquals(run.code, 0, run.stderr);
    const written = parseJsonLines(await readText(out), out);
    assertEquals(written, await readGolden("public", golden));
  }
});

Deno.test("qa postprocess and evaluate reproduce the reference predictions and metric", async () => {
  const dir = await Deno.makeTempDir();
  const golden = await readGolden<{ id: string; prediction_v1: string; prediction_v2: string }>(
    "public",
    "dev_postprocess.jsonl.gz",
  );
  for (const v2 of [false, true]) {
    const out = `${dir}/predictions-${v2}.json`;
    const flags = v2 ? ["--version-2-with-negative", "--nbest-out", `${dir}/nbest.json`] : [];
    const run = await qa(
      "postprocess",
      "--examples",
      GOLDEN("dev_examples.jsonl.gz"),
      "--features",
      GOLDEN("dev_features_logits.jsonl.gz"),
      "--out",
      out,
      ...flags,
    );
    assertEquals(run.code, 0, run.stderr);
    const predictions = JSON.parse(await Deno.readTextFile(out));
    const expected = Object.fromEntries(
      golden.map((g) => [g.id, v2 ? g.prediction_v2 : g.prediction_v1]),
    );
    assertEquals(predictions, expected);
  }
  const nbest = JSON.parse(await Deno.readTextFile(`${dir}/nbest.json`));
  assertEquals(Object.keys(nbest).length, golden.length);
  const run = await qa(
    "evaluate",
    "--data",
    GOLDEN("dev_examples.jsonl.gz"),
    "--predictions",
    `${dir}/predictions-true.json`,
  );
  assertEquals(run.code, 0, run.stderr);
  const summary = JSON.parse(await Deno.readTextFile(GOLDEN("summary.json")));
  const metric = JSON.parse(run.stdout);
  for (
    const [key, value] of Object.entries(
      summary.dev_postprocess_metric_v2 as Record<string, number>,
    )
  ) {
    assert(Math.abs(metric[key] - value) <= 1e-9, `${key}: ${metric[key]} vs ${value}`);
  }
});

Deno.test("bad input: the message names the file; a failed run keeps the earlier output", async () => {
  const dir = await Deno.makeTempDir();
  const broken = `${dir}/broken.json`;
  await Deno.writeTextFile(broken, '{"data": [{"title": "x", "paragraphs": [');
  const out = `${dir}/features.jsonl`;
  await Deno.writeTextFile(out, "earlier run\n");
  const run = await qa(
    "featurize",
    "--tokenizer",
    UNCASED,
    "--input",
    broken,
    "--mode",
    "train",
    "--out",
    out,
  );
  assertEquals(run.code, 1);
  assert(run.stderr.includes(`${broken}: malformed JSON`), run.stderr);
  assertEquals(await Deno.readTextFile(out), "earlier run\n");

  const covid = sharedPath("data/qa/covid-qa-200423.json");
  const strict = await qa(
    "featurize",
    "--tokenizer",
    UNCASED,
    "--input",
    covid,
    "--mode",
    "train",
    "--strict",
    "--out",
    out,
  );
  assertEquals(strict.code, 1);
  assert(strict.stderr.includes(`${covid}: question `), strict.stderr);
  assertEquals(await Deno.readTextFile(out), "earlier run\n");
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
    "broken.json",
    "features.jsonl",
  ]);

  const notTokenizer = await qa(
    "featurize",
    "--tokenizer",
    dir,
    "--input",
    covid,
    "--mode",
    "train",
    "--out",
    out,
  );
  assertEquals(notTokenizer.code, 1);
  assert(notTokenizer.stderr.includes("not a tokenizer folder"), notTokenizer.stderr);
});

Deno.test("qa featurize skips and counts the mismatched answers of COVID-QA", async () => {
  const out = `${await Deno.makeTempDir()}/covid.jsonl.gz`;
  const covid = sharedPath("data/qa/covid-qa-200423.json");
  const run = await qa(
    "featurize",
    "--tokenizer",
    UNCASED,
    "--input",
    covid,
    "--mode",
    "train",
    "--out",
    out,
  );
  assertEquals(run.code, 0, run.stderr);
  assert(run.stderr.includes("skipped 234 question(s): 234 answer mismatch"), run.stderr);
  assert(run.stdout.includes("1146 questions"), run.stdout);
});
