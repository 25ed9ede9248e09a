// Training and inference throughput of our models next to the PyTorch peer, in one run, on the
// peer's shapes (batch 16 × 384 random token ids):
//   deno task bench:train [--shapes tiny,mini,distilbert] [--steps 2] [--threads 1]
//     [--backend auto|wasm|cpu|webgpu] [--webgpu deno|dawn] [--blas auto|off|FILE]
// On wasm the products run on the machine's OpenBLAS when it has one (lib/runtime/wasm/matmul_blas.ts);
// then one more measurement in one thread has them on our own wasm SIMD kernels (`--blas off`),
// and the table shows both.
// With --backend webgpu ours runs on the GPU (no gradient workers, whole batches), and the table
// names the device and splits a step into GPU kernel time and the rest; --webgpu dawn (or
// QA_WEBGPU=dawn) runs it on Dawn (npm:webgpu) instead of Deno's WebGPU.
// Each measurement runs in a process of its own (bench/train_measure.ts), so that each peak memory
// is its own: ours in one thread (training, then inference), ours on gradient workers (one per
// core), and the peer (../shared/peer/torch_qa_bench.py, which needs `apt-get install -y
// python3-torch libopenblas0-pthread`; without it our figures are printed alone). On a GPU machine
// `--peer-python` (or QA_PEER_PYTHON) names a python3 with CUDA PyTorch and `--peer-device cuda`
// runs the peer on the GPU (tools/gpu_run.sh sets QA_PEER_PYTHON).
// `distilbert` takes minutes a step: it gets micro-batches of 2, one timed step after a short
// warm-up, and the peer one step after its own warm-up step.
import { parseArgs } from "node:util";
import { BLAS_ENV, OUR_KERNELS } from "../lib/runtime/mod.ts";
import { sharedPath } from "../test/shared.ts";
import type { Measurement } from "./train_measure.ts";
import { setting } from "../lib/settings.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    shapes: { type: "string", default: "tiny,mini,distilbert" },
    steps: { type: "string", default: "2" },
    batch: { type: "string", default: "16" },
    seq: { type: "string", default: "384" },
    threads: { type: "string", default: "1" },
    // Default: 8, and 2 for distilbert (tfjs keeps every intermediate of the forward pass for the
    // gradients: 8 × 384 tokens of distilbert overflow the 4 GB wasm heap).
    "micro-batch": { type: "string" },
    workers: { type: "string", default: String(navigator.hardwareConcurrency) },
    backend: { type: "string", default: "auto" },
    webgpu: { type: "string", default: setting("QA_WEBGPU") },
    blas: { type: "string", default: setting("QA_BLAS") },
    "peer-python": {
      type: "string",
      default: setting("QA_PEER_PYTHON"),
    },
    "peer-device": { type: "string", default: "cpu" },
  },
});
const onGpu = values.backend === "webgpu";

/** A shape that takes minutes a step: fewer steps, a small warm-up. */
const SLOW = new Set(["distilbert"]);
const MICRO_BATCH: Record<string, number> = { distilbert: 2 };

function microBatch(shape: string): string {
  return values["micro-batch"] ?? (onGpu ? values.batch! : String(MICRO_BATCH[shape] ?? 8));
}

interface PeerResult {
  train_features_per_s: number;
  infer_features_per_s: number;
  peakRss: number;
}

const table: string[][] = [[
  "shape",
  "ours train/s",
  "wasm kernels",
  `${values.workers} workers`,
  "ours infer/s",
  "peak RSS",
  "workers RSS",
  "peer train/s",
  "peer infer/s",
  "peer RSS",
  "1-thread ratio",
  "wasm-kernels ratio",
  "best ratio",
]];

console.log(
  `batch ${values.batch} × ${values.seq} tokens; ` +
    (onGpu
      ? `ours: tfjs webgpu on ${values.webgpu}'s WebGPU, whole batches, Deno ${Deno.version.deno}; `
      : `ours: tfjs wasm, 1 thread or ${values.workers} gradient workers, ` +
        `Deno ${Deno.version.deno}; `) +
    `peer: PyTorch on ${
      values["peer-device"]
    }, ${values.threads} thread(s); ${navigator.hardwareConcurrency} cores, ` +
    `load average ${loadAverage()} at the start`,
);
for (const shape of values.shapes!.split(",")) {
  // On a GPU every shape is quick: a whole batch to warm up, the usual steps.
  const slow = SLOW.has(shape) && !onGpu;
  const steps = slow ? 1 : Number(values.steps);
  console.log(
    `${shape}: micro-batches of ${microBatch(shape)}, ${steps} timed step(s) after a warm-up` +
      (slow ? " of 2 features (ours) / one step (peer); this shape takes minutes" : ""),
  );
  const ours = await measureOurs(shape, "thread", steps, slow);
  if (ours?.products) console.log(`${shape}: products on ${ours.products}`);
  // With a BLAS, our own kernels are measured too (one thread, training only counts).
  const onBlas = ours?.products != null && ours.products !== OUR_KERNELS;
  const wasmKernels = onBlas ? await measureOurs(shape, "thread", steps, slow, "off") : null;
  const workers = onGpu ? null : await measureOurs(shape, "workers", steps, slow);
  if (ours?.device) {
    const [step, gpu] = [ours.stepMs ?? 0, ours.gpuMs];
    const split = gpu == null
      ? "(the adapter has no timestamp queries: GPU time not measured)"
      : `of which GPU kernels ${gpu.toFixed(0)} ms and host/other ${(step - gpu).toFixed(0)} ms`;
    console.log(
      `${shape} on webgpu (${ours.device}): ${fixed(ours.train)} train/s; a profiled step ` +
        `${step.toFixed(0)} ms (${ours.kernels} kernels), ${split}`,
    );
    const top = (ours.topKernels ?? []).map((k) => `${k.name} ×${k.count} ${k.ms.toFixed(1)} ms`);
    if (top.length > 0) console.log(`  GPU time by kernel: ${top.join(", ")}`);
    const products = (ours.topMatMuls ?? []).map((k) =>
      `${k.name} ×${k.count} ${k.ms.toFixed(1)} ms`
    );
    if (products.length > 0) console.log(`  BatchMatMul by input shapes: ${products.join(", ")}`);
  }
  const peer = await measurePeer(shape, steps);
  const ratio = (train: number) =>
    peer && train > 0 ? `${(train / peer.train_features_per_s).toFixed(2)}×` : "-";
  table.push([
    shape,
    fixed(ours?.train),
    fixed(wasmKernels?.train),
    fixed(workers?.train),
    fixed(ours?.infer),
    mib(ours?.peakRss),
    mib(workers?.peakRss),
    fixed(peer?.train_features_per_s),
    fixed(peer?.infer_features_per_s),
    mib(peer?.peakRss),
    ratio(ours?.train ?? 0),
    ratio(wasmKernels?.train ?? 0),
    ratio(Math.max(ours?.train ?? 0, workers?.train ?? 0)),
  ]);
}
console.log(
  `load average ${loadAverage()} at the end; ratios over the peer's train/s: ours in one thread ` +
    `(the goal's measure), in one thread on our wasm kernels (when the products ran on a BLAS), ` +
    `and the better of one thread and the workers`,
);
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table) {
  console.log(
    row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  "),
  );
}

function fixed(x: number | undefined): string {
  return x == null ? "-" : x.toFixed(2);
}

function mib(bytes: number | undefined): string {
  return bytes == null ? "-" : `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function loadAverage(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "?";
  }
}

async function measureOurs(
  shape: string,
  mode: "thread" | "workers",
  steps: number,
  slow: boolean,
  blas = values.blas!,
): Promise<Measurement | null> {
  const script = new URL("./train_measure.ts", import.meta.url).pathname;
  const args = ["run", "--allow-all", script, "--shape", shape, "--mode", mode];
  args.push("--backend", values.backend!, "--webgpu", values.webgpu!);
  args.push("--steps", String(steps), "--batch", values.batch!, "--seq", values.seq!);
  args.push("--micro-batch", microBatch(shape), "--workers", values.workers!);
  if (slow) args.push("--warmup", "2");
  const env = { [BLAS_ENV]: blas };
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), { args, env }).output();
  if (code !== 0) {
    console.error(`ours (${mode}, blas ${blas}) failed: ${errorLine(stderr)}`);
    return null;
  }
  return JSON.parse(lastLine(stdout));
}

// The peer, run under a Python wrapper that adds its peak memory to its JSON line.
async function measurePeer(shape: string, steps: number): Promise<PeerResult | null> {
  const script = sharedPath("peer/torch_qa_bench.py");
  const wrapper = [
    "import contextlib, io, json, resource, runpy, sys",
    "sys.argv = sys.argv[1:]",
    "out = io.StringIO()",
    "with contextlib.redirect_stdout(out): runpy.run_path(sys.argv[0], run_name='__main__')",
    "result = json.loads(out.getvalue().strip().splitlines()[-1])",
    "result['peakRss'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024",
    "print(json.dumps(result))",
  ].join("\n");
  const args = ["-c", wrapper, script, "--shape", shape, "--batch", values.batch!];
  args.push("--seq", values.seq!, "--steps", String(steps), "--threads", values.threads!);
  args.push("--device", values["peer-device"]!);
  try {
    const { code, stdout, stderr } = await new Deno.Command(values["peer-python"]!, { args })
      .output();
    if (code !== 0) {
      console.error(`peer failed: ${errorLine(stderr)}`);
      return null;
    }
    return JSON.parse(lastLine(stdout));
  } catch (e) {
    console.error(`peer not run: ${(e as Error).message}`);
    return null;
  }
}

// The line of a failed run's output that names the error (else its last line).
function errorLine(bytes: Uint8Array): string {
  const lines = new TextDecoder().decode(bytes).trim().split("\n");
  return lines.find((line) => /error/i.test(line)) ?? lines.at(-1) ?? "";
}

function lastLine(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes).trim().split("\n").at(-1) ?? "";
}
