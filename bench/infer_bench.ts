// Inference features/s on the peer's shapes (batch 16 × 384 random ids), ours on TensorFlow.js
// (wasm, one thread, products as --blas auto chooses; forward passes of 8 features, 2 for
// distilbert) and on ONNX Runtime (whole batches) (the graph
// `qa export --onnx` writes, at 1 thread and at all cores), next to PyTorch as pip installs it
// (2.13, tools/transformers_env.sh's Python; the model of ../shared/peer/torch_qa_bench.py) at
// 1 thread and at all cores, in one run:
//   deno task bench:infer [--shapes tiny,mini,distilbert] [--steps 3] [--batch 16] [--seq 384]
// Without a Python with torch ($QA_TRANSFORMERS_PYTHON, else tools/transformers_env.sh) the peer
// is skipped with a message.
// The peer's allocator keeps freed memory in the process (the faster PyTorch here) unless
// --peer-malloc glibc: bench/peer_env.ts says why.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { type FeatureLike, OnnxQuestionAnsweringModel, predictLogits } from "../lib/model/mod.ts";
import { initBackend, onnxRuntimeVersion, productsEngine } from "../lib/runtime/mod.ts";
import { setting } from "../lib/settings.ts";
import { sharedPath } from "../test/shared.ts";
import { randomFeatures, shapeModel } from "./shape_model.ts";
import { peerEnv } from "./peer_env.ts";

const cores = navigator.hardwareConcurrency;
const { values } = parseArgs({
  args: Deno.args,
  options: {
    shapes: { type: "string", default: "tiny,mini,distilbert" },
    steps: { type: "string", default: "3" },
    batch: { type: "string", default: "16" },
    seq: { type: "string", default: "384" },
    // The peer's allocator: freed memory kept in the process (the faster peer), or glibc's default.
    "peer-malloc": { type: "string", default: "kept" },
  },
});
const peerEnvironment = peerEnv(values["peer-malloc"]!);
const [steps, batch, seq] = [values.steps, values.batch, values.seq].map(Number);

await initBackend("auto");
console.log(
  `bench:infer ${new Date().toISOString()}: batch ${batch} × ${seq} random ids, ${steps} timed ` +
    `batches after one warm-up; ${cores} cores, load ${Deno.loadavg().map((l) => l.toFixed(1))}; ` +
    `tfjs wasm (products on ${productsEngine()}), onnxruntime-node ${await onnxRuntimeVersion()}`,
);

const python = await peerPython();
const header = [
  "shape",
  "tfjs 1 thread",
  "onnxruntime 1 thread",
  `onnxruntime ${cores} threads`,
  "PyTorch 1 thread",
  `PyTorch ${cores} threads`,
  "ORT/PyTorch 1 thread",
  `ORT/PyTorch ${cores} threads`,
];
const rows: string[][] = [];
for (const shape of values.shapes!.split(",")) {
  const folder = await Deno.makeTempDir({ prefix: `qa-infer-bench-${shape}-` });
  const model = shapeModel(shape);
  await model.save(folder);
  await model.saveOnnx(folder);
  // tfjs keeps a forward pass's intermediates to its end: passes of 8 features (2 for distilbert,
  // whose 16 × 384 tokens overflow the 4 GB wasm heap), as bench:train's inference.
  const tfjs = await rate((f) => predictLogits(model, f, shape === "distilbert" ? 2 : 8));
  model.dispose();
  const ort: number[] = [];
  for (const threads of [1, cores]) {
    const onnx = await OnnxQuestionAnsweringModel.fromFolder(folder, threads);
    ort.push(await rate((f) => onnx.predictLogits(f, batch)));
    await onnx.dispose();
  }
  await Deno.remove(folder, { recursive: true });
  const peer = python ? await peerRates(python, shape) : null;
  const ratio = (ours: number, theirs?: number) => theirs ? `${(ours / theirs).toFixed(2)}×` : "-";
  const row = [
    shape,
    tfjs.toFixed(2),
    ort[0].toFixed(2),
    ort[1].toFixed(2),
    peer?.[0]?.toFixed(2) ?? "-",
    peer?.[1]?.toFixed(2) ?? "-",
    ratio(ort[0], peer?.[0]),
    ratio(ort[1], peer?.[1]),
  ];
  console.log(row.join("  "));
  rows.push(row);
}
console.log("\ninference features/s");
const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
for (const row of [header, ...rows]) {
  console.log(
    row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])).join("  "),
  );
}

/** Features/s of `run` over `steps` batches, after one warm-up batch. */
async function rate(run: (features: FeatureLike[]) => Promise<unknown>): Promise<number> {
  await run(randomFeatures(batch, seq));
  const batches = Array.from({ length: steps }, () => randomFeatures(batch, seq));
  const started = performance.now();
  for (const features of batches) await run(features);
  return steps * batch / ((performance.now() - started) / 1000);
}

/** PyTorch's inference features/s at 1 thread and at all cores (torch_qa_bench.py's model). */
async function peerRates(python: string, shape: string): Promise<[number, number] | null> {
  const script = [
    "import json, runpy, sys, time, torch",
    "bench = runpy.run_path(sys.argv[1])",
    "shape, batch, seq, steps, threads = sys.argv[2], *map(int, sys.argv[3:7])",
    "torch.set_num_threads(threads); torch.manual_seed(0)",
    "model = bench['QAModel'](*bench['SHAPES'][shape]).eval()",
    "ids = torch.randint(0, 30522, (batch, seq)); mask = torch.ones(batch, seq, dtype=torch.long)",
    "with torch.inference_mode():",
    "    model(ids, mask); t0 = time.perf_counter()",
    "    for _ in range(steps): model(ids, mask)",
    "print(json.dumps({'torch': torch.__version__, 'per_s': steps * batch / (time.perf_counter() - t0)}))",
  ].join("\n");
  const out: number[] = [];
  for (const threads of [1, cores]) {
    const args = ["-c", script, sharedPath("peer/torch_qa_bench.py"), shape];
    args.push(String(batch), String(seq), String(steps), String(threads));
    const run = await new Deno.Command(python, { args, env: peerEnvironment }).output();
    if (run.code !== 0) {
      console.log(`peer failed: ${new TextDecoder().decode(run.stderr).trim().split("\n").at(-1)}`);
      return null;
    }
    const result = JSON.parse(new TextDecoder().decode(run.stdout).trim().split("\n").at(-1)!);
    if (threads === 1) {
      console.log(`peer: PyTorch ${result.torch}, allocator: ${values["peer-malloc"]}`);
    }
    out.push(result.per_s);
  }
  return [out[0], out[1]];
}

/** $QA_TRANSFORMERS_PYTHON, else what tools/transformers_env.sh makes, else null (said why). */
async function peerPython(): Promise<string | null> {
  const given = setting("QA_TRANSFORMERS_PYTHON");
  if (given) return given;
  const tool = fileURLToPath(new URL("../tools/transformers_env.sh", import.meta.url));
  const run = await new Deno.Command("bash", { args: [tool], stderr: "inherit" }).output();
  const path = new TextDecoder().decode(run.stdout).trim();
  if (run.code === 0 && path) return path;
  console.log("peer skipped: no Python with torch (tools/transformers_env.sh made none)");
  return null;
}
