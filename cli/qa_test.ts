// The CLI on the reference files: what it writes must equal the golden outputs.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { readGolden } from "../test/golden.ts";
import { sharedPath } from "../test/shared.ts";
import { parseJsonLines, readText } from "../lib/data/mod.ts";

const UNCASED = sharedPath("models/distilbert-base-uncased-distilled-squad");
const GOLDEN = (file: string) => sharedPath(`golden/public/${file}`);

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

Deno.test('qa postprocess --version-2-with-negative answers "" where the null score wins', async () => {
  // The golden logits never prefer [CLS] (v1 and v2 predictions agree there), so the first
  // question's features get a [CLS] score no span reaches.
  const dir = await Deno.makeTempDir();
  const rows = parseJsonLines(
    await readText(GOLDEN("dev_features_logits.jsonl.gz")),
    "logits",
  ) as { example_id: string; start_logits: number[]; end_logits: number[] }[];
  const id = rows[0].example_id;
  for (const row of rows.filter((r) => r.example_id === id)) {
    [row.start_logits[0], row.end_logits[0]] = [100, 100];
  }
  const features = `${dir}/features.jsonl`;
  await Deno.writeTextFile(features, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  const answers: Record<string, string>[] = [];
  for (const flags of [[], ["--version-2-with-negative"]]) {
    const out = `${dir}/predictions.json`;
    const examples = GOLDEN("dev_examples.jsonl.gz");
    const run = await qa(
      "postprocess",
      "--examples",
      examples,
      "--features",
      features,
      "--out",
      out,
      ...flags,
    );
    assertEquals(run.code, 0, run.stderr);
    answers.push(JSON.parse(await Deno.readTextFile(out)));
  }
  const [v1, v2] = answers;
  assert(v1[id] !== "", `without the flag ${id} keeps its best span`);
  assertEquals(v2[id], "");
  const others = Object.keys(v1).filter((k) => k !== id);
  assertEquals(others.filter((k) => v1[k] !== v2[k]), []);
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

Deno.test("qa train → predict → evaluate on the tiny model, with a resumable checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  const tiny = sharedPath("golden/models/tiny-distilbert-init");
  const sample = new URL("../data/squad-v2.0-sample.json", import.meta.url).pathname;
  const common = [
    "--model",
    tiny,
    "--train",
    sample,
    "--batch-size",
    "8",
    "--learning-rate",
    "5e-4",
  ];
  const run = await qa(
    "train",
    ...common,
    "--output",
    `${dir}/model`,
    "--max-steps",
    "4",
    "--save-steps",
    "2",
    "--logging-steps",
    "2",
    "--log",
    `${dir}/log.jsonl`,
    "--workers",
    "1",
    "--max-length",
    "256",
  );
  assertEquals(run.code, 0, run.stderr);
  // The tiny model's activations fit the wasm heap: whole batches.
  assert(run.stderr.includes("micro-batches of 8 features"), run.stderr);
  const log = (await Deno.readTextFile(`${dir}/log.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assertEquals(log.map((e) => e.step), [2, 4]);
  assert(log.every((e) => e.loss > 0 && e.grad_norm > 0 && e.lr > 0));
  for (const file of ["config.json", "model.safetensors", "tokenizer.json"]) {
    assert((await Deno.stat(`${dir}/model/${file}`)).isFile, file);
  }
  assert((await Deno.stat(`${dir}/model/checkpoint-2/optimizer.safetensors`)).isFile);

  const resumed = await qa(
    "train",
    ...common,
    "--output",
    `${dir}/resumed`,
    "--max-steps",
    "4",
    "--workers",
    "1",
    "--max-length",
    "256",
    "--resume",
    `${dir}/model/checkpoint-2`,
  );
  assertEquals(resumed.code, 0, resumed.stderr);
  assert(resumed.stderr.includes("resumed from"), resumed.stderr);

  const predict = await qa(
    "predict",
    "--model",
    `${dir}/model`,
    "--data",
    sample,
    "--out",
    `${dir}/predictions.json`,
    "--version-2-with-negative",
    "--raw-logits",
    `${dir}/logits.jsonl.gz`,
    "--max-length",
    "256",
  );
  assertEquals(predict.code, 0, predict.stderr);
  const predictions = JSON.parse(await Deno.readTextFile(`${dir}/predictions.json`));
  assertEquals(Object.keys(predictions).length, 145);
  const logits = parseJsonLines(await readText(`${dir}/logits.jsonl.gz`), "logits");
  const first = logits[0] as { start_logits: number[]; input_ids: number[] };
  assertEquals(first.start_logits.length, first.input_ids.length);
  // The raw logits decode to the same predictions through `qa postprocess`.
  const again = await qa(
    "postprocess",
    "--examples",
    sample,
    "--features",
    `${dir}/logits.jsonl.gz`,
    "--version-2-with-negative",
    "--out",
    `${dir}/again.json`,
  );
  assertEquals(again.code, 0, again.stderr);
  assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/again.json`)), predictions);
  const scored = await qa("evaluate", "--data", sample, "--predictions", `${dir}/predictions.json`);
  assertEquals(scored.code, 0, scored.stderr);
  assertEquals(JSON.parse(scored.stdout).total, 145);
});

Deno.test("qa train refuses a checkpoint that is not one, naming the file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/config.json`, '{"model_type": "gpt2"}');
  const tiny = sharedPath("golden/models/tiny-distilbert-init");
  await Deno.copyFile(`${tiny}/model.safetensors`, `${dir}/model.safetensors`);
  const sample = new URL("../data/squad-v2.0-sample.json", import.meta.url).pathname;
  const tokenizer = sharedPath("models/distilbert-base-uncased-distilled-squad");
  const run = await qa(
    "train",
    "--model",
    dir,
    "--tokenizer",
    tokenizer,
    "--train",
    sample,
    "--output",
    `${dir}/out`,
  );
  assertEquals(run.code, 1);
  assert(run.stderr.includes(`${dir}/config.json`), run.stderr);
  assert(run.stderr.includes("gpt2"), run.stderr);
});

Deno.test("qa ask answers from a context longer than one window, with offsets into it", async () => {
  const tiny = sharedPath("golden/models/tiny-distilbert-init");
  const dir = await Deno.makeTempDir();
  const filler = Array.from({ length: 150 }, (_, i) => `Sentence ${i} says little.`).join(" ");
  await Deno.writeTextFile(`${dir}/context.txt`, `${filler} The capital of France is Paris.`);
  const run = await qa(
    "ask",
    "--model",
    tiny,
    "--question",
    "What is the capital of France?",
    "--context-file",
    `${dir}/context.txt`,
    "--top-k",
    "3",
    "--handle-impossible-answer",
  );
  assertEquals(run.code, 0, run.stderr);
  const answers = JSON.parse(run.stdout) as {
    answer: string;
    score: number;
    start: number;
    end: number;
  }[];
  assertEquals(answers.length, 3);
  const context = await Deno.readTextFile(`${dir}/context.txt`);
  for (const a of answers) assertEquals(context.slice(a.start, a.end), a.answer);
  assert(answers[0].score >= answers[1].score && answers[1].score >= answers[2].score);
  const missing = await qa("ask", "--model", tiny, "--question", "Why?");
  assertEquals(missing.code, 1);
  assert(missing.stderr.includes("--context"), missing.stderr);
});
