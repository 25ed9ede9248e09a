/**
 * Timings of the wasm backend with its stock kernels ("before") and with ours ("after"; products
 * also on the machine's BLAS when it has one, lib/runtime/wasm/matmul_blas.ts):
 * the matmul shapes of BERT attention and feed-forward layers with each transpose, the embedding
 * gradient (UnsortedSegmentSum), and one BERT-base layer forward + backward at batch 8 × 128.
 *
 *   deno run --allow-all bench/kernels_bench.ts [--quick]
 *
 * --quick skips the BERT-base layer with the stock matmuls (about a minute).
 */

import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/runtime/mod.ts";
import { registerCustomKernels, selectBlas } from "../lib/runtime/wasm/mod.ts";
import {
  BERT_BASE_LAYER,
  probeBatch,
  probeLoss,
  probeParams,
  type ProbeSizes,
} from "../test/probe_model.ts";
import type { Product } from "./product.ts";
import {
  bodyBuilder,
  EMPTY_BLOCK,
  get,
  heapModuleBytes,
  i32,
  OP,
  set,
  SIMD,
  simd,
  store,
  V128,
} from "../lib/runtime/wasm/wasm_emit.ts";

const quick = Deno.args.includes("--quick");

/** Median milliseconds of `runs` calls of `f` (after one warm-up call). */
function time(f: () => tf.Tensor | tf.Tensor[], runs = 5): number {
  const once = () => {
    const t0 = performance.now();
    tf.dispose(f()); // wasm and cpu kernels are synchronous: the work is done on return
    return performance.now() - t0;
  };
  once();
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return times[Math.floor(runs / 2)];
}

const ms = (t: number) => `${t.toFixed(1).padStart(8)} ms`;

// Attention of DistilBERT at batch 32 × 384 is [32·12, 384, 64]; these are a quarter of the heads
// at half the head size ([32·4, 384, 32], as in the issue), then a dense layer of 8·384 tokens.
const PRODUCTS: Product[] = [
  {
    name: "scores q·kᵀ",
    a: [128, 384, 32],
    b: [128, 384, 32],
    transposeA: false,
    transposeB: true,
  },
  {
    name: "context p·v",
    a: [128, 384, 384],
    b: [128, 384, 32],
    transposeA: false,
    transposeB: false,
  },
  {
    name: "d p = dy·vᵀ",
    a: [128, 384, 32],
    b: [128, 384, 32],
    transposeA: false,
    transposeB: true,
  },
  {
    name: "d v = pᵀ·dy",
    a: [128, 384, 384],
    b: [128, 384, 32],
    transposeA: true,
    transposeB: false,
  },
  { name: "dense x·W", a: [3072, 128], b: [128, 512], transposeA: false, transposeB: false },
  { name: "dense x·Wᵀ", a: [3072, 128], b: [512, 128], transposeA: false, transposeB: true },
  { name: "d x = dy·Wᵀ", a: [3072, 512], b: [128, 512], transposeA: false, transposeB: true },
  { name: "d W = xᵀ·dy", a: [3072, 128], b: [3072, 512], transposeA: true, transposeB: false },
  {
    name: "dense [8,384,128]·W",
    a: [8, 384, 128],
    b: [128, 512],
    transposeA: false,
    transposeB: false,
  },
];

function productTimes(): number[] {
  return PRODUCTS.map(({ a, b, transposeA, transposeB }) => {
    const [x, y] = [tf.randomNormal(a), tf.randomNormal(b)];
    const t = time(() => tf.matMul(x, y, transposeA, transposeB));
    tf.dispose([x, y]);
    return t;
  });
}

/** Floating-point operations of a product: 2 · batch · m · k · n. */
function flops({ a, b, transposeA, transposeB }: Product): number {
  const [rows, depth] = a.slice(-2);
  const [m, k] = transposeA ? [depth, rows] : [rows, depth];
  const n = transposeB ? b.at(-2)! : b.at(-1)!;
  const batch = a.slice(0, -2).reduce((x, y) => x * y, 1);
  return 2 * batch * m * k * n;
}

/**
 * GFLOP/s of a wasm loop of nothing but fused multiply-adds on 12 independent accumulators (no
 * loads, so no bounds checks): what one core can do with 128-bit wasm SIMD, the products' ceiling.
 */
function fmaCeiling(): number {
  const accumulators = 12;
  const acc = Array.from({ length: accumulators }, (_, i) => 3 + i);
  const [count, x, y] = [0, 1, 2];
  const { body, emit } = bodyBuilder();
  for (const r of [x, y, ...acc]) emit(i32(r), simd(SIMD.i32x4Splat), set(r));
  emit([OP.loop, EMPTY_BLOCK]);
  for (let unrolled = 0; unrolled < 4; unrolled++) {
    for (const r of acc) emit(get(x), get(y), get(r), simd(SIMD.f32x4RelaxedMadd), set(r));
  }
  emit(get(count), i32(1), [OP.i32Sub], set(count), get(count), [OP.brIf, 0], [OP.end]);
  for (const r of acc) emit(i32(0), get(r), store(0)); // keep the results alive
  const bytes = heapModuleBytes([{
    name: "fma",
    params: 1,
    locals: [[2 + accumulators, V128]],
    body,
  }]);
  if (!WebAssembly.validate(bytes)) return NaN; // no relaxed SIMD
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const fma = exports.fma as (count: number) => void;
  for (let i = 0; i < 20_000; i++) fma(100); // until V8 has optimized it (no on-stack replacement)
  const [calls, steps] = [1000, 20_000];
  const started = performance.now();
  for (let i = 0; i < calls; i++) fma(steps);
  const seconds = (performance.now() - started) / 1000;
  return calls * steps * 4 * accumulators * 4 * 2 / seconds / 1e9;
}

/** Embedding gradient of a 30522 × 128 table for 32 × 384 ids. */
function segmentSumTime(numSegments = 30522, runs = 5): number {
  const rows = tf.randomNormal([32 * 384, 128]);
  const ids = tf.randomUniform([32 * 384], 0, numSegments, "int32");
  const t = time(() => tf.unsortedSegmentSum(rows, ids as tf.Tensor1D, numSegments), runs);
  tf.dispose([rows, ids]);
  return t;
}

/** One forward + backward pass of the probe model (embeddings + one encoder layer + span head). */
function layerTime(s: ProbeSizes, runs: number): { ms: number; loss: number } {
  const params = probeParams(s);
  const batch = probeBatch(s);
  let loss = 0;
  const t = time(() => {
    const { value, grads } = tf.variableGrads(() => probeLoss(params, batch, s, 1));
    loss = value.dataSync()[0];
    return [value, ...Object.values(grads)];
  }, runs);
  tf.dispose([...Object.values(params), ...Object.values(batch)]);
  return { ms: t, loss };
}

console.log(`backend: ${await initBackend("wasm")} (${navigator.hardwareConcurrency} cores)\n`);

console.log(
  `FMA-only wasm loop (128-bit relaxed SIMD, one core): ${fmaCeiling().toFixed(1)} GFLOP/s\n`,
);
// "ours": our wasm kernels; "BLAS": the machine's OpenBLAS through FFI, when it has one.
const blas = selectBlas("auto");
console.log(
  "BatchMatMul                     stock         ours   speed-up   ours GFLOP/s" +
    (blas == null ? "" : "         BLAS   BLAS GFLOP/s"),
);
registerCustomKernels({ matMul: false, segmentSum: true });
const before = productTimes();
registerCustomKernels({ matMul: true, segmentSum: true });
selectBlas("off");
const after = productTimes();
selectBlas("auto");
const onBlas = blas == null ? [] : productTimes();
const gflops = (product: Product, t: number) => (flops(product) / t / 1e6).toFixed(1);
PRODUCTS.forEach((product, i) => {
  const { name, a, b, transposeA, transposeB } = product;
  const label = `${name} ${a.join("×")}${transposeA ? "ᵀ" : ""} · ${b.join("×")}${
    transposeB ? "ᵀ" : ""
  }`;
  const blasColumns = blas == null
    ? ""
    : `  ${ms(onBlas[i])}  ${gflops(product, onBlas[i]).padStart(13)}`;
  console.log(
    `${label}\n${"".padEnd(24)}${ms(before[i])}  ${ms(after[i])}  ${
      (before[i] / after[i]).toFixed(1).padStart(6)
    }×  ${gflops(product, after[i]).padStart(12)}${blasColumns}`,
  );
});
if (blas != null) console.log(`BLAS: ${blas.name}`);

console.log("\nUnsortedSegmentSum (gather gradient), 12288 rows of 128 into 30522 segments");
registerCustomKernels({ matMul: true, segmentSum: false });
try {
  segmentSumTime(30522, 1);
  console.log("  wasm stock: ran (unexpected)");
} catch (err) {
  console.log(`  wasm stock: ${(err as Error).message.split("\n")[0]}`);
}
registerCustomKernels({ matMul: true, segmentSum: true });
console.log(`  wasm ours:  ${ms(segmentSumTime())}`);
await initBackend("cpu");
registerCustomKernels({ matMul: true, segmentSum: false });
const stockCpu = segmentSumTime(10, 1);
console.log(
  `  cpu stock:  ${ms(stockCpu)} for only 10 segments (it is linear in the number of segments)`,
);
registerCustomKernels({ matMul: true, segmentSum: true });
console.log(`  cpu ours:   ${ms(segmentSumTime())}`);
await initBackend("wasm");

const s = BERT_BASE_LAYER;
console.log(
  `\nOne BERT-base layer (hidden ${s.hidden}, ${s.heads} heads, ffn ${s.ffn}) with embeddings ` +
    `(${s.vocab} words) and span head, forward + backward, batch ${s.batch} × ${s.seq}:`,
);
const ours = layerTime(s, 3);
console.log(
  `  ours:  ${ms(ours.ms)}  (loss ${ours.loss.toFixed(4)}; products on ${
    blas == null ? "our kernels" : "the BLAS"
  })`,
);
if (!quick) {
  registerCustomKernels({ matMul: false, segmentSum: true });
  const stockLayer = layerTime(s, 1);
  registerCustomKernels();
  console.log(`  stock matmuls: ${ms(stockLayer.ms)}  (loss ${stockLayer.loss.toFixed(4)})`);
}
