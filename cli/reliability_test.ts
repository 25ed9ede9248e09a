// Bad input to `qa ask`, `qa predict` and `qa featurize`: each error names its cause (the file,
// flag or field), not whatever deeper library call happened to fail first.
import { assert, assertEquals } from "../test/assert.ts";
import { qa } from "../test/cli.ts";
import { sharedPath } from "../test/shared.ts";
import { withTmpfs } from "../test/tmpfs.ts";
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
  const time = "/usr/bin/time";
  if (!(await Deno.stat(time).catch(() => undefined))) {
    console.warn(`skipped the peak-memory check: no ${time} here`);
    return;
  }
  const dir = await Deno.makeTempDir();
  const bomb = `${dir}/bomb.json.gz`;
  // 600 MB of zeros in about 600 KB.
  const zeros = new Uint8Array(1 << 20);
  const body = new ReadableStream<BufferSource>({
    pull(controller) {
      controller.enqueue(zeros);
      if (++sent === 600) controller.close();
    },
  });
  let sent = 0;
  await Deno.writeFile(bomb, body.pipeThrough(new CompressionStream("gzip")));
  assert((await Deno.stat(bomb)).size < 1 << 20);
  const cli = new URL("./qa.ts", import.meta.url).pathname;
  const args = ["-v", Deno.execPath(), "run", "-A", cli, "featurize", "--tokenizer", TINY];
  const output = await new Deno.Command(time, {
    args: [...args, "--input", bomb, "--mode", "train", "--out", `${dir}/f.jsonl`],
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assertEquals(output.code, 1, stderr);
  assert(stderr.includes(`error: ${bomb}: inflates to more than 256 MiB of text`), stderr);
  const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]);
  console.log(`peak RSS of the 600 MB gzip bomb: ${(peakKb / 1024).toFixed(0)} MiB`);
  assert(peakKb * 1024 < 1.5e9, `peak RSS ${peakKb} kB`);
});
