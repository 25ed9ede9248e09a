// Training and inference throughput of our models next to PyTorch, in one run, on the peer's
// shapes (batch 16 × 384 random token ids), at equal cores:
//   deno task bench:train [--shapes tiny,mini,distilbert] [--steps 2] [--workers N]
//     [--backend auto|wasm|cpu|webgpu] [--webgpu deno|dawn] [--blas auto|off|FILE]
// Per shape, alternating: ours in one thread (train, infer), in one thread on our own wasm SIMD
// kernels (`--blas off`, when the products ran on a BLAS; train), ours on N workers, one per core
// (train: gradient workers; infer: each worker runs its slice of the batch); then the peer,
// ../shared/peer/torch_qa_bench.py, on PyTorch as pip installs it (torch 2.13 with MKL/oneDNN:
// $QA_TRANSFORMERS_PYTHON, else tools/transformers_env.sh's Python) with 1 thread and with N
// threads; and, where present, Debian's PyTorch (`apt-get install -y python3-torch`; $QA_PEER_PYTHON
// or --peer-python, /usr/bin/python3) with N threads, an extra column. A peer whose Python is
// absent is skipped with a message. The table gives the ratios at equal cores: ours in one thread
// over PyTorch with 1 thread, ours on N workers over PyTorch with N threads, train and infer.
// With --backend webgpu ours runs on the GPU (no workers, whole batches), the table names the
// device and splits a step into GPU kernel time and the rest; --webgpu dawn (or QA_WEBGPU=dawn)
// runs it on Dawn (npm:webgpu). On a GPU machine `--peer-device cuda` runs the --peer-python
// peer on the GPU (tools/gpu_run.sh sets QA_PEER_PYTHON), alone.
// Each measurement runs in a process of its own (bench/train_measure.ts, the peer under a Python
// wrapper), so that each peak memory is its own.
// `distilbert` takes minutes a step: it gets micro-batches of 2, one timed step after a short
// warm-up, and the peer one step after its own warm-up step.
// The peer's allocator keeps freed memory in the process (the faster PyTorch here) unless
// --peer-malloc glibc: bench/peer_env.ts says why.
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { BLAS_ENV, OUR_KERNELS } from "../lib/runtime/mod.ts";
import { sharedPath } from "../test/shared.ts";
import type { Measurement } from "./train_measure.ts";
import { setting } from "../lib/settings.ts";
import { peerEnv } from "./peer_env.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    shapes: { type: "string", default: "tiny,mini,distilbert" },
    steps: { type: "string", default: "2" },
    batch: { type: "string", default: "16" },
    seq: { type: "string", default: "384" },
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
    // The peer's allocator: freed memory kept in the process (the faster peer), or glibc's default.
    "peer-malloc": { type: "string", default: "kept" },
  },
});
const peerEnvironment = peerEnv(values["peer-malloc"]!);
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

const cores = Number(values.workers);
const onCpu = values["peer-device"] === "cpu";
// The peers: PyTorch as pip installs it (1 thread, all cores), Debian's (all cores) where present;
// on a GPU, the --peer-python one alone.
const pipPython = onCpu ? await pipTorchPython() : undefined;
const debianPython = await torchPython(values["peer-python"]!, "PyTorch of --peer-python");
const peers = onCpu
  ? {
    pip: pipPython,
    debian: debianPython?.python === pipPython?.python ? undefined : debianPython,
  }
  : { pip: debianPython, debian: undefined };
const pipName = peers.pip == null ? "PyTorch" : `PyTorch ${peers.pip.version}`;
const debianName = peers.debian == null ? "other PyTorch" : `PyTorch ${peers.debian.version}`;
const N = String(cores);

const table: string[][] = [[
  "shape",
  `ours train/s: 1 thread / wasm kernels / ${N} workers`,
  `${pipName} train/s: 1 / ${N} threads`,
  `ours infer/s: 1 / ${N} workers`,
  `${pipName} infer/s: 1 / ${N} threads`,
  `ratio train: 1 / ${N} cores`,
  `ratio infer: 1 / ${N} cores`,
  `${debianName}, ${N} threads: train / infer`,
  `peak RSS: ours 1 / ${N} workers / PyTorch ${N}`,
]];

console.log(
  `batch ${values.batch} × ${values.seq} tokens; ` +
    (onGpu
      ? `ours: tfjs webgpu on ${values.webgpu}'s WebGPU, whole batches, Deno ${Deno.version.deno}; `
      : `ours: tfjs wasm, 1 thread or ${values.workers} gradient workers, ` +
        `Deno ${Deno.version.deno}; `) +
    (peers.pip == null ? "peer: none" : `peer: ${pipName} on ${values["peer-device"]}`) +
    `, allocator ${values["peer-malloc"]}` +
    (peers.debian == null ? "" : ` and ${debianName}`) +
    `; ${navigator.hardwareConcurrency} cores, ` +
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
  const pip1 = onCpu ? await measurePeer(peers.pip, shape, steps, 1) : null;
  const pipN = await measurePeer(peers.pip, shape, steps, onCpu ? cores : 1);
  const debian = await measurePeer(peers.debian, shape, steps, cores);
  const ratio = (ours?: number, peer?: number) =>
    ours != null && peer != null && ours > 0 ? `${(ours / peer).toFixed(2)}×` : "-";
  table.push([
    shape,
    [ours?.train, wasmKernels?.train, workers?.train].map(fixed).join(" / "),
    [pip1?.train_features_per_s, pipN?.train_features_per_s].map(fixed).join(" / "),
    [ours?.infer, workers?.infer].map(fixed).join(" / "),
    [pip1?.infer_features_per_s, pipN?.infer_features_per_s].map(fixed).join(" / "),
    `${ratio(ours?.train, pip1?.train_features_per_s)} / ` +
    ratio(workers?.train, pipN?.train_features_per_s),
    `${ratio(ours?.infer, pip1?.infer_features_per_s)} / ` +
    ratio(workers?.infer, pipN?.infer_features_per_s),
    [debian?.train_features_per_s, debian?.infer_features_per_s].map(fixed).join(" / "),
    [ours?.peakRss, workers?.peakRss, pipN?.peakRss].map(gib).join(" / "),
  ]);
}
console.log(
  `load average ${loadAverage()} at the end; ratios at equal cores: ours in one thread over ` +
    `${pipName} with 1 thread, ours on ${N} workers over it with ${N} threads ("-": not measured)`,
);
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table) {
  console.log(
    row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  "),
  );
}

function fixed(x: number | undefined): string {
  return x == null ? "-" : x < 100 ? x.toFixed(2) : x.toFixed(0);
}

function gib(bytes: number | undefined): string {
  return bytes == null ? "-" : `${(bytes / 2 ** 30).toFixed(1)} GiB`;
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

/** A Python whose torch runs the peer, and torch's version. */
interface TorchPython {
  python: string;
  version: string;
}

/** `python` with its torch version, or undefined (said why: `what` names it). */
async function torchPython(python: string, what: string): Promise<TorchPython | undefined> {
  let probe: Deno.CommandOutput | undefined;
  try {
    const args = ["-c", "import torch; print(torch.__version__)"];
    probe = await new Deno.Command(python, { args, stderr: "null" }).output();
  } catch {
    // not there, or not runnable: said below
  }
  if (probe?.code === 0) return { python, version: new TextDecoder().decode(probe.stdout).trim() };
  console.log(`${what} skipped: ${python} ${probe == null ? "cannot be run" : "has no torch"}`);
  return undefined;
}

/** PyTorch as pip installs it: $QA_TRANSFORMERS_PYTHON, else tools/transformers_env.sh's. */
async function pipTorchPython(): Promise<TorchPython | undefined> {
  let python = setting("QA_TRANSFORMERS_PYTHON");
  if (python == null) {
    const script = fileURLToPath(new URL("../tools/transformers_env.sh", import.meta.url));
    console.log(`PyTorch as pip installs it: bash tools/transformers_env.sh (a venv, made once)`);
    const run = await new Deno.Command("bash", { args: [script], stderr: "inherit" }).output()
      .catch(() => undefined);
    python = run?.code === 0 ? new TextDecoder().decode(run.stdout).trim() : undefined;
  }
  if (!python) {
    console.log(
      "PyTorch as pip installs it skipped: no Python with torch (set QA_TRANSFORMERS_PYTHON, or " +
        "give tools/transformers_env.sh its python3.11 and wheels)",
    );
    return undefined;
  }
  return await torchPython(python, "PyTorch as pip installs it");
}

// The peer with `threads` threads, under a Python wrapper that adds its peak memory to its JSON
// line; null when there is no such peer, or it failed (said why).
async function measurePeer(
  peer: TorchPython | undefined,
  shape: string,
  steps: number,
  threads: number,
): Promise<PeerResult | null> {
  if (peer == null) return null;
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
  args.push("--seq", values.seq!, "--steps", String(steps), "--threads", String(threads));
  args.push("--device", values["peer-device"]!);
  try {
    const { code, stdout, stderr } = await new Deno.Command(peer.python, {
      args,
      env: peerEnvironment,
    })
      .output();
    if (code !== 0) {
      console.error(`peer ${peer.version} (${threads} threads) failed: ${errorLine(stderr)}`);
      return null;
    }
    return JSON.parse(lastLine(stdout));
  } catch (e) {
    console.error(`peer ${peer.version} not run: ${(e as Error).message}`);
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
