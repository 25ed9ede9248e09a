// The view commands: `qa chart` on the log of a real (short) training run, `qa evaluate --breakdown`.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { readGolden } from "../test/golden.ts";
import { sharedPath } from "../test/shared.ts";

const GOLDEN = (file: string) => sharedPath(`golden/public/${file}`);

Deno.test("qa chart draws the loss of a qa train log as SVG, PNG and vega-lite JSON", async () => {
  const dir = await Deno.makeTempDir();
  const sample = new URL("../data/squad-v2.0-sample.json", import.meta.url).pathname;
  const train = await qa(
    "train",
    "--model",
    sharedPath("golden/models/tiny-distilbert-init"),
    "--train",
    sample,
    "--eval",
    sample,
    "--output",
    `${dir}/model`,
    "--max-steps",
    "4",
    "--batch-size",
    "8",
    "--logging-steps",
    "1",
    "--workers",
    "1",
    "--max-length",
    "128",
    "--doc-stride",
    "32",
    "--log",
    `${dir}/log.jsonl`,
  );
  assertEquals(train.code, 0, train.stderr);
  const log = (await Deno.readTextFile(`${dir}/log.jsonl`)).trim().split("\n").map((line) =>
    JSON.parse(line)
  );
  const losses = log.filter((e) => e.loss !== undefined);
  assertEquals(losses.map((e) => e.step), [1, 2, 3, 4]);

  for (const out of ["loss.svg", "loss.png", "loss.vl.json"]) {
    const run = await qa("chart", "--log", `${dir}/log.jsonl`, "--out", `${dir}/${out}`);
    assertEquals(run.code, 0, run.stderr);
    assert(
      run.stdout.startsWith(`training loss: ${losses[0].loss.toFixed(4)} (step 1) → `),
      run.stdout,
    );
    assert(run.stderr.includes(`wrote ${dir}/${out}`), run.stderr);
  }
  const spec = JSON.parse(await Deno.readTextFile(`${dir}/loss.vl.json`));
  assertEquals(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
  const points = spec.data.values as { series: string; step: number; loss: number }[];
  assertEquals(
    points.filter((p) => p.series === "training loss").map((p) => [p.step, p.loss]),
    losses.map((e) => [e.step, e.loss]),
  );
  const evals = log.filter((e) => e.eval_loss !== undefined);
  assert(evals.length > 0, "the run logged an eval loss");
  assertEquals(
    points.filter((p) => p.series === "eval loss").map((p) => [p.step, p.loss]),
    evals.map((e) => [e.step, e.eval_loss]),
  );
  const svg = await Deno.readTextFile(`${dir}/loss.svg`);
  assert(svg.startsWith("<svg") && svg.includes("optimizer step"), svg.slice(0, 100));
  const png = await Deno.readFile(`${dir}/loss.png`);
  assertEquals([...png.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
});

Deno.test("qa chart: a bad log or file name is an error naming it, and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/log.jsonl`, '{"step": 1, "epoch": 1, "loss": 2}\nnot json\n');
  const bad = await qa("chart", "--log", `${dir}/log.jsonl`, "--out", `${dir}/loss.svg`);
  assertEquals(bad.code, 1);
  assert(bad.stderr.includes(`${dir}/log.jsonl: line 2: malformed JSON`), bad.stderr);
  const pdf = await qa("chart", "--log", `${dir}/log.jsonl`, "--out", `${dir}/loss.pdf`);
  assertEquals(pdf.code, 1);
  assert(pdf.stderr.includes(`${dir}/loss.pdf: unknown chart format`), pdf.stderr);
  await Deno.writeTextFile(`${dir}/empty.jsonl`, '{"step": 1, "epoch": 1}\n');
  const empty = await qa("chart", "--log", `${dir}/empty.jsonl`, "--out", `${dir}/loss.svg`);
  assertEquals(empty.code, 1);
  assert(empty.stderr.includes(`${dir}/empty.jsonl: no loss in the log`), empty.stderr);
  assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["empty.jsonl", "log.jsonl"]);
});

Deno.test("qa evaluate --breakdown prints the groups under the official scores", async () => {
  const dir = await Deno.makeTempDir();
  const golden = await readGolden<{ id: string; prediction_v2: string }>(
    "public",
    "dev_postprocess.jsonl.gz",
  );
  const predictions = `${dir}/predictions.json`;
  await Deno.writeTextFile(
    predictions,
    JSON.stringify(Object.fromEntries(golden.map((g) => [g.id, g.prediction_v2]))),
  );
  const run = await qa(
    "evaluate",
    "--data",
    GOLDEN("dev_examples.jsonl.gz"),
    "--predictions",
    predictions,
    "--breakdown",
    "--breakdown-chart",
    `${dir}/breakdown.svg`,
  );
  assertEquals(run.code, 0, run.stderr);
  const [json, table] = run.stdout.split("\n\n");
  const scores = JSON.parse(json);
  const row = (dimension: string, group: string) => {
    const line = table.split("\n").find((l) =>
      l.startsWith(`│ ${dimension.padEnd(13)} │ ${group} `)
    );
    assert(line, `${dimension} ${group} in\n${table}`);
    return line.split("│").map((cell) => cell.trim()).slice(3, 6);
  };
  const fixed = (x: number) => x.toFixed(2);
  assertEquals(row("overall", "all"), [
    String(scores.total),
    fixed(scores.exact),
    fixed(scores.f1),
  ]);
  assertEquals(row("answerability", "has answer"), [
    String(scores.HasAns_total),
    fixed(scores.HasAns_exact),
    fixed(scores.HasAns_f1),
  ]);
  assertEquals(row("answerability", "no answer"), [
    String(scores.NoAns_total),
    fixed(scores.NoAns_exact),
    fixed(scores.NoAns_f1),
  ]);
  for (const word of ["what", "who", "when", "where", "which", "how"]) row("question word", word);
  const svg = await Deno.readTextFile(`${dir}/breakdown.svg`);
  assert(svg.includes("by question word"), "the chart was written");
});
