// One measurement of bench/train_bench.ts, in a process of its own so that its peak memory is its
// own: training (and, in this thread, inference) features/s of one shape, printed as one JSON line.
//   deno run -A bench/train_measure.ts --shape mini --mode thread|workers [--steps 2] [--warmup 16]
//     [--backend auto|wasm|cpu|webgpu]   (QA_BLAS=off: wasm's products on our kernels, not BLAS)
// On webgpu the whole step stays on the GPU (deviceTrainStep), and one more profiled step splits
// its time into GPU kernel time (timestamp queries) and the rest (host work, waiting).
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import {
  type BackendName,
  blasChoice,
  initBackend,
  onDevice,
  productsEngine,
} from "../lib/runtime/mod.ts";
import { findAdapter, selectWebGPU, webgpuImplementation } from "../lib/runtime/webgpu/webgpu.ts";
import { deviceTrainStep } from "../lib/train/device_step.ts";
import { disposeBatch, type FeatureLike } from "../lib/model/mod.ts";
import { randomFeatures, shapeModel, SHAPES } from "./shape_model.ts";
import type { InferReply, InferRequest } from "./infer_worker.ts";
import { AdamW, GradientWorkers, microBatches, trainStep } from "../lib/train/mod.ts";
import { setting } from "../lib/settings.ts";

/** What one measurement prints. */
export interface Measurement {
  shape: string;
  mode: "thread" | "workers";
  workers: number;
  train: number;
  /** Inference features/s: in this thread, or on `workers` workers. */
  infer?: number;
  /** Peak resident memory of the process (all its threads), bytes. */
  peakRss: number;
  /** The backend that ran, and on webgpu the adapter's name. */
  backend?: string;
  /** wasm: what ran the matrix products (the BLAS's name, or our wasm kernels). */
  products?: string;
  device?: string;
  /** webgpu: one profiled step's wall time and the GPU time of its tfjs kernels, ms. */
  stepMs?: number;
  gpuMs?: number;
  /** webgpu: the profiled step's tfjs kernels (dispatches), and the costliest by GPU time. */
  kernels?: number;
  topKernels?: { name: string; count: number; ms: number }[];
  /** webgpu: the costliest BatchMatMul input shapes (name: the shapes). */
  topMatMuls?: { name: string; count: number; ms: number }[];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      shape: { type: "string", default: "mini" },
      mode: { type: "string", default: "thread" },
      steps: { type: "string", default: "2" },
      // Features of the untimed warm-up step (a whole batch by default).
      warmup: { type: "string" },
      batch: { type: "string", default: "16" },
      seq: { type: "string", default: "384" },
      "micro-batch": { type: "string", default: "8" },
      workers: { type: "string", default: String(navigator.hardwareConcurrency) },
      backend: { type: "string", default: "auto" },
      webgpu: { type: "string", default: setting("QA_WEBGPU") },
    },
  });
  const batch = Number(values.batch);
  const settings = {
    shape: values.shape!,
    steps: Number(values.steps),
    warmup: Number(values.warmup ?? batch),
    batch,
    seq: Number(values.seq),
    // The wasm heap holds at most 2 GB: a batch runs as micro-batches (the same step).
    micro: Math.min(batch, Number(values["micro-batch"])),
  };
  if (!(settings.shape in SHAPES)) throw new Error(`unknown shape ${settings.shape}`);
  selectWebGPU(values.webgpu!);
  const backend = await initBackend(values.backend as BackendName);
  const result = values.mode === "workers"
    ? await measureWorkers(settings, Number(values.workers))
    : await measureThread(settings);
  const adapter = backend === "webgpu" ? (await findAdapter())?.description : undefined;
  const device = adapter && `${adapter} (${webgpuImplementation()}'s WebGPU)`;
  const products = backend === "wasm" ? productsEngine() : undefined;
  console.log(JSON.stringify({ ...result, backend, device, products }));
  Deno.exit(0); // workers may still be winding down
}

interface Settings {
  shape: string;
  steps: number;
  warmup: number;
  batch: number;
  seq: number;
  micro: number;
}

/** Features/s of `run` over `steps` calls of `size` features, after one warm-up call. */
async function rate(
  run: (features: FeatureLike[]) => unknown,
  s: Settings,
): Promise<number> {
  await run(randomFeatures(s.warmup, s.seq));
  const batches = Array.from({ length: s.steps }, () => randomFeatures(s.batch, s.seq));
  const started = performance.now();
  for (const features of batches) await run(features);
  return s.steps * s.batch / ((performance.now() - started) / 1000);
}

/** Training and inference in this thread (one wasm instance, one core; or the GPU). */
async function measureThread(s: Settings): Promise<Measurement> {
  const model = shapeModel(s.shape);
  const optimizer = new AdamW(model.weights, { weightDecay: 0.01 });
  // As the trainer's host engine: the gradients in one buffer kept while training.
  let gradients: Float32Array | undefined = new Float32Array(optimizer.layout.size);
  const step = async (features: FeatureLike[]) => {
    const parts = microBatches(features, s.micro);
    if (onDevice()) await deviceTrainStep(model, optimizer, parts, 2e-5, 1);
    else trainStep(model, optimizer, parts, 2e-5, 1, gradients);
    for (const { inputs, labels } of parts) disposeBatch(inputs, labels);
  };
  const train = await rate(step, s);
  const profiled = onDevice() ? await profileStep(step, s) : {};
  gradients = undefined;
  // Inference in the same micro-batches: tf.tidy keeps a forward pass's intermediates to its end.
  const infer = await rate(async (features) => {
    for (const { inputs, labels } of microBatches(features, s.micro)) {
      const logits = tf.tidy(() => model.forward(inputs, false).startLogits);
      await logits.data();
      logits.dispose();
      disposeBatch(inputs, labels);
    }
  }, s);
  model.dispose();
  return {
    shape: s.shape,
    mode: "thread",
    workers: 1,
    train,
    infer,
    peakRss: peakRss(),
    ...profiled,
  };
}

/**
 * One step under tf.profile: its wall time and the GPU time of its tfjs kernels (timestamp
 * queries; undefined where the adapter has none). Profiling ends a compute pass after each kernel, so the
 * wall time is longer than an unprofiled step's; the fused AdamW pass is not a tfjs kernel and
 * counts as host time.
 */
async function profileStep(
  step: (features: FeatureLike[]) => Promise<void>,
  s: Settings,
): Promise<Pick<Measurement, "stepMs" | "gpuMs" | "kernels" | "topKernels" | "topMatMuls">> {
  const features = randomFeatures(s.batch, s.seq);
  const started = performance.now();
  const info = await tf.profile(() => step(features));
  const stepMs = performance.now() - started;
  let gpuMs: number | undefined;
  const byName = new Map<string, { name: string; count: number; ms: number }>();
  const byShapes = new Map<string, { name: string; count: number; ms: number }>();
  const add = (map: typeof byName, name: string, ms: number) => {
    const entry = map.get(name) ?? { name, count: 0, ms: 0 };
    map.set(name, { ...entry, count: entry.count + 1, ms: entry.ms + ms });
  };
  for (const kernel of info.kernels) {
    const ms = await kernel.kernelTimeMs;
    if (typeof ms !== "number") continue;
    gpuMs = (gpuMs ?? 0) + ms;
    add(byName, kernel.name, ms);
    if (kernel.name === "BatchMatMul") add(byShapes, JSON.stringify(kernel.inputShapes), ms);
  }
  const top = (map: typeof byName) => [...map.values()].sort((a, b) => b.ms - a.ms).slice(0, 8);
  return {
    stepMs,
    gpuMs,
    kernels: info.kernels.length,
    topKernels: top(byName),
    topMatMuls: top(byShapes),
  };
}

/**
 * Training on `count` gradient workers (replicas, one wasm instance per core), then inference on
 * `count` workers, each running the forward pass of its slice of the batch.
 */
async function measureWorkers(s: Settings, count: number): Promise<Measurement> {
  const model = shapeModel(s.shape);
  const optimizer = new AdamW(model.weights, { weightDecay: 0.01 });
  const pool = await GradientWorkers.start(model, optimizer, count, "wasm");
  const train = await rate((features) => pool.step(features, s.micro, 2e-5, 1), s);
  pool.close();
  model.dispose();
  const infer = await measureInferWorkers(s, count);
  return { shape: s.shape, mode: "workers", workers: count, train, infer, peakRss: peakRss() };
}

/** Inference features/s on `count` workers (bench/infer_worker.ts), a batch shared out evenly. */
async function measureInferWorkers(s: Settings, count: number): Promise<number> {
  const url = new URL("./infer_worker.ts", import.meta.url);
  const workers = Array.from({ length: count }, () => new Worker(url, { type: "module" }));
  const ask = (worker: Worker, request: InferRequest) =>
    new Promise<void>((resolve, reject) => {
      worker.onmessage = ({ data }: MessageEvent<InferReply>) =>
        data.type === "done" ? resolve() : reject(new Error(`inference worker: ${data.message}`));
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new Error(`inference worker: ${event.message}`));
      };
      worker.postMessage(request);
    });
  try {
    const init = { type: "init" as const, shape: s.shape, blas: blasChoice() };
    await Promise.all(workers.map((worker) => ask(worker, init)));
    return await rate((features) => {
      const share = Math.ceil(features.length / count);
      return Promise.all(workers.map((worker, k) => {
        const slice = features.slice(k * share, (k + 1) * share);
        return slice.length === 0
          ? null
          : ask(worker, { type: "infer", features: slice, micro: s.micro });
      }));
    }, s);
  } finally {
    workers.forEach((worker) => worker.terminate());
  }
}

// The kernel's high-water mark of resident memory (Linux); elsewhere the current RSS.
function peakRss(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    if (kib) return Number(kib) * 1024;
  } catch {
    // not Linux
  }
  return Deno.memoryUsage().rss;
}
