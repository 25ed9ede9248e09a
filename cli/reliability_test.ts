// Bad input to `qa ask`, `qa predict` and `qa featurize`: each error names its cause (the file,
// flag or field), not whatever deeper library call happened to fail first.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { sharedPath } from "../test/shared.ts";
import { measurePeak } from "../test/peak_rss.ts";
import { withTmpfs } from "../test/tmpfs.ts";
import { readCheckpoint, writeCheckpoint } from "../lib/model/io/checkpoint.ts";

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

Deno.test("errors name their cause: the model, --max-length, the full disk, the context", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeFile(`${dir}/latin1.txt`, new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x2e]));
  await Deno.writeTextFile(`${dir}/empty.txt`, "");
  const cases: [string[], string][] = [
    [
      ["ask", "--model", dir, "--question", "Who?", "--context", "Ann."],
      `${dir}/config.json not found: ${dir} is not a Hugging Face checkpoint`,
    ],
    [
      [
        "predict",
        "--model",
        TINY,
        "--data",
        SAMPLE,
        "--out",
        `${dir}/p.json`,
        "--max-length",
        "600",
      ],
      `--max-length 600 is more than the model's 512 positions (max_position_embeddings in ` +
      `${TINY}/config.json)`,
    ],
    [
      ["ask", "--model", TINY, "--question", "Who?", "--context-file", `${dir}/latin1.txt`],
      `--context-file ${dir}/latin1.txt: not UTF-8 text`,
    ],
    [
      ["ask", "--model", TINY, "--question", "Who?", "--context-file", `${dir}/empty.txt`],
      `--context-file ${dir}/empty.txt: the context is empty`,
    ],
    [
      ["ask", "--model", TINY, "--question", "Who?", "--context", ""],
      "--context: the context is empty",
    ],
    [
      ["featurize", "--max-input-mb", "0.001", "--tokenizer", TINY, "--input", SAMPLE]
        .concat(["--mode", "train", "--out", `${dir}/f.jsonl`]),
      `${SAMPLE}: holds more than 0.001 MiB of text; --max-input-mb (or QA_MAX_INPUT_MB) raises`,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await qa(...args);
    assertEquals(run.code, 1, `${args.join(" ")}: ${run.stderr}`);
    assert(run.stderr.includes(`error: ${message}`), run.stderr);
  }
  await withTmpfs("the full-disk featurize test", { size: 200_000 }, async (disk) => {
    const out = `${disk}/features.jsonl`;
    const data = new URL("../data/squad-v1.1-train-sample.json", import.meta.url).pathname;
    const run = await qa(
      "featurize",
      "--tokenizer",
      TINY,
      "--input",
      data,
      "--mode",
      "train",
      "--out",
      out,
    );
    assertEquals(run.code, 1, run.stderr);
    assert(
      run.stderr.includes(`error: ${out}: cannot be written (No space left on device`),
      run.stderr,
    );
    assertEquals([...Deno.readDirSync(disk)], []);
  });
});

Deno.test("a gzip bomb stops at the input cap, naming the file, in bounded memory", async () => {
  const dir = await Deno.makeTempDir();
  const bomb = `${dir}/bomb.json.gz`;
  // 600 MB of zeros in about 600 KB.
  const zeros = new Uint8Array(1 << 20);
  let sent = 0;
  const body = new ReadableStream<BufferSource>({
    pull(controller) {
      controller.enqueue(zeros);
      if (++sent === 600) controller.close();
    },
  });
  await Deno.writeFile(bomb, body.pipeThrough(new CompressionStream("gzip")));
  assert((await Deno.stat(bomb)).size < 1 << 20);
  const cli = new URL("./qa.ts", import.meta.url).pathname;
  const run = await measurePeak([
    ...["run", "-A", cli, "featurize", "--tokenizer", TINY, "--input", bomb],
    ...["--mode", "train", "--out", `${dir}/f.jsonl`],
  ]);
  if (!run) return;
  assertEquals(run.code, 1, run.stderr);
  assert(run.stderr.includes(`error: ${bomb}: inflates to more than 256 MiB of text`), run.stderr);
  console.log(`peak RSS of the 600 MB gzip bomb: ${(run.peakBytes / 2 ** 20).toFixed(0)} MiB`);
  assert(run.peakBytes < 1.5e9, `peak RSS ${run.peakBytes} bytes`);
});

/** The fsync and rename calls of a `qa` run, in order, traced by strace; undefined without it. */
async function tracedQa(dir: string, ...args: string[]): Promise<string[] | undefined> {
  const trace = `${dir}/strace.txt`;
  const cli = new URL("./qa.ts", import.meta.url).pathname;
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("strace", {
      args: ["-f", "-y", "-e", "trace=fsync,fdatasync,rename,renameat,renameat2", "-o", trace]
        .concat([Deno.execPath(), "run", "-A", cli, ...args]),
      env: { NO_COLOR: "1" },
    }).output();
  } catch {
    return undefined;
  }
  const stderr = new TextDecoder().decode(output.stderr);
  if (/ptrace|PTRACE/.test(stderr)) return undefined;
  assertEquals(output.code, 0, stderr);
  const calls: string[] = [];
  for (const line of (await Deno.readTextFile(trace)).split("\n")) {
    const synced = /f(?:data)?sync\(\d+<([^>]+)>/.exec(line);
    const renamed = /rename(?:at2?)?\((?:[^"]*)"([^"]+)", (?:[^"]*)"([^"]+)"/.exec(line);
    if (synced) calls.push(`sync ${synced[1]}`);
    if (renamed) calls.push(`rename ${renamed[1]} ${renamed[2]}`);
  }
  return calls;
}

/** Every rename into `dir` follows a sync of the renamed file and precedes a sync of its folder. */
function assertDurable(calls: string[], dir: string): number {
  let checked = 0;
  calls.forEach((call, i) => {
    const [kind, from, to] = call.split(" ");
    if (kind !== "rename" || !to.startsWith(dir)) return;
    const folder = to.slice(0, to.lastIndexOf("/"));
    const fileSynced = calls.slice(0, i).some((c) =>
      c === `sync ${from}` || c.startsWith(`sync ${from}/`)
    );
    assert(fileSynced, `${from} renamed to ${to} without an fsync first`);
    assert(calls.slice(i + 1).includes(`sync ${folder}`), `${folder} not synced after ${to}`);
    checked++;
  });
  return checked;
}

Deno.test("models, checkpoints and every output file are synced, renamed, their folder synced", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const train = await tracedQa(
    dir,
    ...["train", "--model", TINY, "--train", SAMPLE, "--batch-size", "2", "--workers", "1"],
    ...["--max-length", "128", "--doc-stride", "32", "--max-steps", "4", "--save-steps", "2"],
    ...["--output", `${dir}/out`, "--log", `${dir}/out/log.jsonl`],
  );
  if (!train) {
    console.warn("skipped the fsync check: strace cannot run here");
    return;
  }
  // checkpoint-2's 8 files, the folder itself, the final model's 6 files.
  assertEquals(assertDurable(train, `${dir}/out`), 8 + 1 + 6);
  assert(train.includes(`sync ${dir}/out/log.jsonl`), "the log is synced");
  const predict = await tracedQa(
    dir,
    ...["predict", "--model", `${dir}/out`, "--data", SAMPLE, "--max-length", "128"],
    ...["--out", `${dir}/p/predictions.json`, "--nbest-out", `${dir}/p/nbest.json`],
    ...["--raw-logits", `${dir}/p/logits.jsonl.gz`],
  );
  assertEquals(assertDurable(predict!, `${dir}/p`), 3);
  const featurize = await tracedQa(
    dir,
    ...["featurize", "--tokenizer", TINY, "--input", SAMPLE, "--mode", "train"],
    ...["--out", `${dir}/f/features.jsonl`],
  );
  assertEquals(assertDurable(featurize!, `${dir}/f`), 1);
});

Deno.test("featurizing COVID-QA (long contexts) runs in bounded chunks: peak memory reported", async () => {
  const dir = await Deno.makeTempDir();
  const covid = sharedPath("data/qa/covid-qa-200423.json");
  const uncased = sharedPath("models/distilbert-base-uncased-distilled-squad");
  const cli = new URL("./qa.ts", import.meta.url).pathname;
  const run = await measurePeak([
    ...["run", "-A", cli, "featurize", "--tokenizer", uncased, "--input", covid],
    ...["--mode", "train", "--out", `${dir}/covid.jsonl.gz`],
  ]);
  if (!run) return;
  assertEquals(run.code, 0, run.stderr);
  assert(run.stdout.includes("1146 questions → 31783 features"), run.stdout);
  console.log(`peak RSS featurizing COVID-QA: ${(run.peakBytes / 2 ** 20).toFixed(0)} MiB`);
  assert(run.peakBytes < 1e9, `peak RSS ${run.peakBytes} bytes`);
});
