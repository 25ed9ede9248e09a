// `qa serve` under load next to transformers' pipeline("question-answering"), in one run, on the
// same saved model and the same SQuAD questions:
//   deno task bench:serve [--model DIR] [--requests 2000] [--concurrency 16] [--max-batch 16]
//     [--blas off,auto] [--workers 1,CORES] [--threads 1,CORES] [--engines tfjs,onnxruntime]
// Ours: `qa serve` in its own process (--backend wasm, each --blas and --workers in turn on
// --engine tfjs; each --workers on --engine onnxruntime, the model exported first with
// `qa export --onnx` into a temporary folder), driven over loopback HTTP by this process: p50/p99
// latency and requests/s, and the server's RSS before and after.
// The peer (bench/serve_peer.py) runs in process, no HTTP, one question per call and then batched
// by 16, at each torch thread count; the best is shown. It needs a transformers that still has the
// question-answering pipeline (4.57; 5.x removed it): $QA_TRANSFORMERS457_PYTHON, else
// tools/transformers457_env.sh when the tree has it, else $QA_TRANSFORMERS_PYTHON or
// tools/transformers_env.sh; without one it is skipped with a message. Its allocator keeps freed
// memory in the process unless --peer-malloc glibc (bench/peer_env.ts says why).
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { loadSquad } from "../lib/data/mod.ts";
import { describeLoad, quantile, runLoad } from "../lib/serve/load.ts";
import { startServeProcess } from "../test/serve_process.ts";
import { sharedPath } from "../test/shared.ts";
import { setting } from "../lib/settings.ts";
import { peerEnv } from "./peer_env.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    model: { type: "string", default: sharedPath("golden/models/tiny-distilbert-init") },
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "16" },
    "max-batch": { type: "string", default: "16" },
    blas: { type: "string", default: "off,auto" },
    workers: { type: "string", default: `1,${navigator.hardwareConcurrency}` },
    threads: { type: "string", default: `1,${navigator.hardwareConcurrency}` },
    engines: { type: "string", default: "tfjs,onnxruntime" },
    // The peer's allocator: freed memory kept in the process (the faster peer), or glibc's default.
    "peer-malloc": { type: "string", default: "kept" },
  },
});
const peerEnvironment = peerEnv(values["peer-malloc"]);
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const root = new URL("../", import.meta.url);
const sample = fileURLToPath(new URL("data/squad-v1.1-sample.json", root));
const pairs = (await loadSquad(sample)).examples.map(({ question, context }) => ({
  question,
  context,
}));

console.log(
  `bench:serve ${new Date().toISOString()} on ${Deno.hostname()} ` +
    `(${navigator.hardwareConcurrency} cores, load ${Deno.loadavg().map((l) => l.toFixed(1))})`,
);
console.log(`model ${values.model}; ${pairs.length} SQuAD v1.1 questions, in turn`);

const rows: string[][] = [];
const engines = values.engines.split(",");
const configs = engines.includes("tfjs")
  ? values.blas.split(",").flatMap((blas) =>
    values.workers.split(",").map((workers) => ({ engine: "tfjs", blas, workers }))
  )
  : [];
const exported = engines.includes("onnxruntime") ? await exportOnnx(values.model) : undefined;
if (exported) {
  configs.push(
    ...values.workers.split(",").map((workers) => ({
      engine: "onnxruntime",
      blas: "off",
      workers,
    })),
  );
}
for (const { engine, blas, workers } of configs) {
  const model = engine === "onnxruntime" ? exported! : values.model;
  const server = await startServeProcess([
    ...["--model", model, "--backend", "wasm", "--blas", blas, "--engine", engine],
    ...["--max-batch", values["max-batch"], "--workers", workers],
  ]);
  const name = engine === "onnxruntime"
    ? `qa serve --engine onnxruntime --workers ${workers}`
    : `qa serve --blas ${blas} --workers ${workers}`;
  try {
    const bodies = pairs.map((inputs) => ({ inputs }));
    await runLoad(server.url, bodies, { requests: 100, concurrency });
    const before = await server.rssMb();
    const run = await runLoad(server.url, bodies, { requests, concurrency });
    const after = await server.rssMb();
    console.log(`${name}: ${describeLoad(run)}; RSS ${before} → ${after} MB`);
    rows.push([
      `${name}, HTTP, ${concurrency} concurrent`,
      quantile(run.latencies, 0.5).toFixed(1),
      quantile(run.latencies, 0.99).toFixed(1),
      (requests / run.seconds).toFixed(1),
    ]);
  } finally {
    await server.stop();
  }
}

const python = await peerPython();
if (python) {
  const questions = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(questions, JSON.stringify(pairs));
  const peer = await new Deno.Command(python, {
    args: [
      fileURLToPath(new URL("bench/serve_peer.py", root)),
      values.model,
      questions,
      String(requests),
      values.threads,
    ],
    env: { TRANSFORMERS_VERBOSITY: "error", HF_HUB_OFFLINE: "1", ...peerEnvironment },
  }).output();
  const out = new TextDecoder().decode(peer.stdout).trim();
  if (peer.code !== 0 || !out) {
    console.log(`peer failed:\n${new TextDecoder().decode(peer.stderr)}`);
  } else {
    const runs = out.split("\n").map((line) => JSON.parse(line));
    for (const r of runs) console.log(`peer: ${JSON.stringify(r)}`);
    const best = runs.reduce((a, b) => (b.single_per_s > a.single_per_s ? b : a));
    const batched = runs.reduce((a, b) => (b.batched16_per_s > a.batched16_per_s ? b : a));
    rows.push([
      `transformers ${best.transformers} pipeline, in process, 1 per call, ${best.threads} threads`,
      best.p50_ms.toFixed(1),
      best.p99_ms.toFixed(1),
      best.single_per_s.toFixed(1),
    ]);
    rows.push([
      `transformers ${batched.transformers} pipeline, in process, batch_size 16, ` +
      `${batched.threads} threads`,
      "",
      "",
      batched.batched16_per_s.toFixed(1),
    ]);
  }
}

console.log(`\n${requests} questions each`);
const header = ["", "p50 ms", "p99 ms", "questions/s"];
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
for (const row of [header, ...rows]) {
  console.log(
    row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  "),
  );
}

if (exported) await Deno.remove(exported, { recursive: true });

/** The model saved with onnx/model.onnx in a temporary folder (`qa export --onnx`). */
async function exportOnnx(model: string): Promise<string> {
  const folder = await Deno.makeTempDir({ prefix: "qa-serve-bench-onnx-" });
  const cli = fileURLToPath(new URL("cli/qa.ts", root));
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", cli, "export", "--model", model, "--onnx", folder],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (run.code !== 0) throw new Error(`qa export --onnx ${folder} failed`);
  return folder;
}

// A Python whose transformers has pipeline("question-answering"), or undefined (said why).
async function peerPython(): Promise<string | undefined> {
  const candidates: (() => Promise<string | undefined>)[] = [
    () => Promise.resolve(setting("QA_TRANSFORMERS457_PYTHON")),
    () => envScript("tools/transformers457_env.sh"),
    () => Promise.resolve(Deno.env.get("QA_TRANSFORMERS_PYTHON")),
    () => envScript("tools/transformers_env.sh"),
  ];
  for (const candidate of candidates) {
    const python = await candidate();
    if (!python) continue;
    const probe = await new Deno.Command(python, {
      args: [
        "-c",
        'from transformers.pipelines import SUPPORTED_TASKS\nassert "question-answering" in SUPPORTED_TASKS',
      ],
      stderr: "null",
      stdout: "null",
    }).output().catch(() => undefined);
    if (probe?.code === 0) return python;
    console.log(`peer: ${python} has no question-answering pipeline (transformers 5.x removed it)`);
  }
  console.log(
    "peer skipped: no Python with transformers 4.x (set QA_TRANSFORMERS457_PYTHON, or run " +
      "tools/transformers457_env.sh where the tree has it)",
  );
  return undefined;
}

async function envScript(script: string): Promise<string | undefined> {
  const path = fileURLToPath(new URL(script, root));
  if (!(await Deno.stat(path).then(() => true, () => false))) return undefined;
  const run = await new Deno.Command("bash", { args: [path], stderr: "inherit" }).output();
  const python = new TextDecoder().decode(run.stdout).trim();
  return run.code === 0 && python ? python : undefined;
}
