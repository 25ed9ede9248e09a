// `qa train` as a careless or unlucky user runs it: a second run into the same folder, an
// unwritable or full output, staging a killed run left behind, bad numbers, a diverging run.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { sharedPath } from "../test/shared.ts";
import { withTmpfs } from "../test/tmpfs.ts";

const TINY = sharedPath("golden/models/tiny-distilbert-init");
const SAMPLE = new URL("../data/squad-v1.1-train-sample5-allennlp.json", import.meta.url).pathname;
const COMMON = [
  "--model",
  TINY,
  "--train",
  SAMPLE,
  "--batch-size",
  "2",
  "--workers",
  "1",
  "--max-length",
  "128",
  "--doc-stride",
  "32",
];

/** `qa train` on the tiny model and five questions, 4 steps, a checkpoint every 2. */
function train(output: string, ...more: string[]) {
  return qa(
    "train",
    ...COMMON,
    "--output",
    output,
    "--max-steps",
    "4",
    "--save-steps",
    "2",
    ...more,
  );
}

async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  return found.sort();
}

Deno.test("a second run into a used --output is refused unless --overwrite-output-dir", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out`;
  const first = await train(out, "--save-total-limit", "0");
  assertEquals(first.code, 0, first.stderr);
  const weights = await Deno.readFile(`${out}/model.safetensors`);

  const second = await train(out, "--seed", "7");
  assertEquals(second.code, 1, second.stderr);
  assert(second.stderr.includes(`--output ${out} already holds another run`), second.stderr);
  assert(second.stderr.includes("--overwrite-output-dir"), second.stderr);
  assert(!second.stderr.includes("model:"), `refused before loading: ${second.stderr}`);
  assertEquals(await Deno.readFile(`${out}/model.safetensors`), weights);

  // The old run's checkpoints go, so they neither mix with the new ones nor count toward the limit.
  await Deno.mkdir(`${out}/checkpoint-100`);
  const replaced = await train(out, "--seed", "7", "--overwrite-output-dir", "--save-steps", "1");
  assertEquals(replaced.code, 0, replaced.stderr);
  assert(replaced.stderr.includes(`removed ${out}/checkpoint-100`), replaced.stderr);
  assertEquals((await names(out)).filter((n) => n.startsWith("checkpoint-")), [
    "checkpoint-2",
    "checkpoint-3",
  ]);

  // --resume of one of its checkpoints continues the run in place.
  const resumed = await train(out, "--seed", "7", "--resume", `${out}/checkpoint-2`);
  assertEquals(resumed.code, 0, resumed.stderr);
  assert(resumed.stderr.includes("resumed from"), resumed.stderr);
});

Deno.test("--output the same as --model is refused: the input is never written over", async () => {
  const dir = await Deno.makeTempDir();
  const model = `${dir}/model`;
  await Deno.mkdir(model);
  for await (const entry of Deno.readDir(TINY)) {
    await Deno.copyFile(`${TINY}/${entry.name}`, `${model}/${entry.name}`);
  }
  const before = await Deno.readFile(`${model}/model.safetensors`);
  for (const flags of [[], ["--overwrite-output-dir"]]) {
    const run = await qa(
      "train",
      ...COMMON.slice(2),
      "--model",
      model,
      "--output",
      `${dir}/./model`,
      "--max-steps",
      "1",
      ...flags,
    );
    assertEquals(run.code, 1, run.stderr);
    assert(run.stderr.includes("is the folder --model reads"), run.stderr);
  }
  assertEquals(await Deno.readFile(`${model}/model.safetensors`), before);
});

Deno.test("an unwritable --output is found before the first step", async () => {
  await withTmpfs("the read-only --output test", { readOnly: true }, async (dir) => {
    const run = await train(`${dir}`);
    assertEquals(run.code, 1, run.stderr);
    assert(run.stderr.includes(`--output ${dir} is not writable`), run.stderr);
    assert(!run.stderr.includes("model:"), `refused before loading: ${run.stderr}`);
  });
});

Deno.test("staging of a dead run is removed at start, and a full disk leaves none", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/out`;
  await Deno.mkdir(`${out}/checkpoint-2.tmp-2147483646`, { recursive: true });
  await Deno.writeTextFile(`${out}/checkpoint-2.tmp-2147483646/model.safetensors`, "half");
  await Deno.writeTextFile(`${out}/model.safetensors.tmp-2147483645`, "half");
  const run = await train(out);
  assertEquals(run.code, 0, run.stderr);
  for (const stale of ["checkpoint-2.tmp-2147483646", "model.safetensors.tmp-2147483645"]) {
    assert(run.stderr.includes(`removed ${out}/${stale}: staging left by process`), run.stderr);
  }
  assert(!(await names(out)).some((n) => n.includes(".tmp-")), `${await names(out)}`);

  // 6 MB: room for the tokenizer files and one model (4 MB), not a checkpoint's AdamW moments.
  await withTmpfs("the full-disk checkpoint test", { size: 6 << 20 }, async (disk) => {
    const full = await train(`${disk}/out`);
    assertEquals(full.code, 1, full.stderr);
    assert(full.stderr.includes(`${disk}/out/checkpoint-2`), full.stderr);
    assert(/No space left on device/.test(full.stderr), full.stderr);
    assertEquals(await names(`${disk}/out`), []);
  });
});

Deno.test("every numeric flag is checked, and the message names the flag", async () => {
  const out = `${await Deno.makeTempDir()}/out`;
  const cases: [string, string, string][] = [
    ["--seed", "abc", "--seed must be an integer ≥ 0, got abc"],
    ["--save-steps", "abc", "--save-steps must be an integer ≥ 0, got abc"],
    ["--save-steps", "-1", "--save-steps must be an integer ≥ 0, got -1"],
    ["--save-total-limit", "abc", "--save-total-limit must be an integer ≥ 0, got abc"],
    ["--save-total-limit", "1.5", "--save-total-limit must be an integer ≥ 0, got 1.5"],
    ["--epochs", "Infinity", "--epochs must be a positive number, got Infinity"],
    ["--warmup-ratio", "2", "--warmup-ratio must be a number from 0 to 1, got 2"],
  ];
  for (const [flag, value, message] of cases) {
    const run = await qa("train", ...COMMON, "--output", out, flag, value);
    assertEquals(run.code, 1, `${flag} ${value}: ${run.stderr}`);
    assert(run.stderr.includes(message), `${flag} ${value}: ${run.stderr}`);
  }
});

Deno.test("--resume checks trainer_state.json's fields and names a transformers checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  const checkpoint = `${dir}/checkpoint-2`;
  await Deno.mkdir(checkpoint);
  for await (const entry of Deno.readDir(TINY)) {
    await Deno.copyFile(`${TINY}/${entry.name}`, `${checkpoint}/${entry.name}`);
  }
  const state = `${checkpoint}/trainer_state.json`;
  const cases: [unknown, string][] = [
    [{ global_step: "abc", log_history: [], args: {} }, `"global_step" must be an integer ≥ 0`],
    [{ global_step: -2, log_history: [], args: {} }, `"global_step" must be an integer ≥ 0`],
    [{ global_step: 2, log_history: {}, args: {} }, `"log_history" must be a list`],
    // transformers' Trainer writes no args there (they are in training_args.bin).
    [{ global_step: 2, log_history: [], best_metric: null }, "transformers Trainer checkpoint"],
  ];
  for (const [content, message] of cases) {
    await Deno.writeTextFile(state, JSON.stringify(content));
    const run = await train(dir, "--resume", checkpoint);
    assertEquals(run.code, 1, run.stderr);
    assert(run.stderr.includes(`${state}: `) && run.stderr.includes(message), run.stderr);
    assert(!run.stderr.includes("TypeError"), run.stderr);
  }
});

Deno.test("a diverging run stops at the first NaN, naming the step and the last checkpoint", async () => {
  const out = `${await Deno.makeTempDir()}/out`;
  const run = await qa(
    "train",
    ...COMMON,
    "--output",
    out,
    "--max-steps",
    "4",
    "--save-steps",
    "1",
    "--learning-rate",
    "1e30",
  );
  assertEquals(run.code, 1, run.stderr);
  assert(
    run.stderr.includes(`step 2: the loss is NaN`) &&
      run.stderr.includes(`the last good checkpoint is ${out}/checkpoint-1`),
    run.stderr,
  );
  assertEquals(await names(out), ["checkpoint-1"]);
});

Deno.test("checkpoints carry the tokenizer; a resumed run's log holds each step once", async () => {
  const out = `${await Deno.makeTempDir()}/out`;
  const log = `${out}/log.jsonl`;
  const first = await train(out, "--logging-steps", "1", "--log", log);
  assertEquals(first.code, 0, first.stderr);
  const ask = await qa(
    "ask",
    "--model",
    `${out}/checkpoint-2`,
    "--question",
    "Who?",
    "--context",
    "Ann.",
  );
  assertEquals(ask.code, 0, ask.stderr);
  const { answer, start, end } = JSON.parse(ask.stdout);
  assertEquals("Ann.".slice(start, end), answer);

  const resumed = await train(
    out,
    "--logging-steps",
    "1",
    "--log",
    log,
    "--resume",
    `${out}/checkpoint-2`,
  );
  assertEquals(resumed.code, 0, resumed.stderr);
  const steps = (await Deno.readTextFile(log)).trim().split("\n").map((line) =>
    JSON.parse(line).step
  );
  assertEquals(steps, [1, 2, 3, 4]);
});

Deno.test("kill -9 mid-run, then --resume in place: the same model as an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  const args = (out: string) => [
    ...["run", "-A", new URL("./qa.ts", import.meta.url).pathname, "train", ...COMMON],
    ...["--output", out, "--max-steps", "12", "--save-steps", "2", "--save-total-limit", "0"],
  ];
  const whole = await qa(...args(`${dir}/whole`).slice(3));
  assertEquals(whole.code, 0, whole.stderr);

  const out = `${dir}/killed`;
  const child = new Deno.Command(Deno.execPath(), {
    args: args(out),
    stdout: "null",
    stderr: "null",
  }).spawn();
  while (!(await Deno.stat(`${out}/checkpoint-4`).catch(() => undefined))) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill("SIGKILL");
  await child.status;
  const left = await names(out);
  assert(!left.includes("model.safetensors"), `killed before the end: ${left}`);
  const last = left.filter((n) => /^checkpoint-\d+$/.test(n))
    .sort((a, b) => Number(a.slice(11)) - Number(b.slice(11))).at(-1)!;
  const resumed = await qa(...args(out).slice(3), "--resume", `${out}/${last}`);
  assertEquals(resumed.code, 0, resumed.stderr);
  assert(!(await names(out)).some((n) => n.includes(".tmp-")), `${await names(out)}`);
  assertEquals(
    await Deno.readFile(`${out}/model.safetensors`),
    await Deno.readFile(`${dir}/whole/model.safetensors`),
  );
});
