/**
 * Our webgpu matmul shaders on the products of one DistilBERT training step (batch 16 × 384),
 * each product under every tile candidate: TM × TN outputs per invocation (4 or 8), k split in
 * parts (single products), the four tiled shaders (tiled, vec4, either with prefetch), and the
 * plain shader. Prints, per product, the time of the tile `tileFor` picks and of the best
 * candidate, and both summed over a step (each product as often as a step makes it): where to look
 * for a better tile rule on a GPU. Products timed alone take longer than inside a training step
 * (on the H200 up to 5×), so `bench:train` settles a rule.
 *
 *   deno run -A bench/matmul_tiles.ts [--webgpu deno|dawn] [--tokens 6144] [--hidden 768]
 *     [--runs 5] [--json FILE]
 *
 * --tokens and --hidden shrink the products for a dry run on the software adapter (e.g. 128 and
 * 128: the feed-forward is 4 × hidden wide, heads are 64 wide). --json writes every candidate's
 * time, per product.
 */

import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { initBackend } from "../lib/runtime/mod.ts";
import {
  forceTile,
  MATMUL_SHADERS,
  type MatMulShader,
  matMulShader,
  tileFor,
  type TileShape,
  useMatMulShader,
} from "../lib/runtime/webgpu/matmul_webgpu.ts";
import { findAdapter, type WebGPUImplementation } from "../lib/runtime/mod.ts";
import type { Product } from "./product.ts";
import { setting } from "../lib/settings.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    webgpu: { type: "string", default: setting("QA_WEBGPU") },
    tokens: { type: "string", default: "6144" },
    hidden: { type: "string", default: "768" },
    runs: { type: "string", default: "5" },
    json: { type: "string" },
  },
});
await initBackend("webgpu", { webgpu: values.webgpu as WebGPUImplementation });
const adapter = await findAdapter();
const chosen = matMulShader();

/** A product of a step, made `perStep` times a step. */
interface StepProduct extends Product {
  perStep: number;
}

const T = Number(values.tokens);
const H = Number(values.hidden);
const [F, LAYERS, HEADS, D] = [4 * H, 6, H / 64, 64];
const S = Math.min(384, T);
const B = (T / S) * HEADS;
const dense = (name: string, a: number[], b: number[], tA: boolean, tB: boolean, n: number) => ({
  name,
  a,
  b,
  transposeA: tA,
  transposeB: tB,
  perStep: n * LAYERS,
});
const PRODUCTS: StepProduct[] = [
  dense("q,k,v,o x·W", [T, H], [H, H], false, false, 4),
  dense("q,k,v,o dy·Wᵀ", [T, H], [H, H], false, true, 4),
  dense("q,k,v,o xᵀ·dy", [T, H], [T, H], true, false, 4),
  dense("ffn1 x·W", [T, H], [H, F], false, false, 1),
  dense("ffn1 dy·Wᵀ", [T, F], [H, F], false, true, 1),
  dense("ffn1 xᵀ·dy", [T, H], [T, F], true, false, 1),
  dense("ffn2 x·W", [T, F], [F, H], false, false, 1),
  dense("ffn2 dy·Wᵀ", [T, H], [F, H], false, true, 1),
  dense("ffn2 xᵀ·dy", [T, F], [T, H], true, false, 1),
  dense("scores q·kᵀ, dp", [B, S, D], [B, S, D], false, true, 2),
  dense("context p·v, dq", [B, S, S], [B, S, D], false, false, 2),
  dense("dv, dk pᵀ·dy", [B, S, S], [B, S, D], true, false, 2),
];

/** The candidates for a product: every tile, split where it is a single product, and plain. */
function candidates(batch: number, k: number): [string, MatMulShader, TileShape | null][] {
  const list: [string, MatMulShader, TileShape | null][] = [["plain", "plain", null]];
  const splitsOf = batch === 1 ? [1, 2, 3, 4, 6, 8].filter((s) => k / s >= 256) : [1];
  for (const shader of MATMUL_SHADERS.filter((name) => name !== "plain")) {
    for (const tm of [4, 8] as const) {
      for (const tn of [4, 8] as const) {
        for (const splits of splitsOf) {
          const tile = { tm, tn, splits };
          list.push([`${shader} ${tileName(tile)}`, shader, tile]);
        }
      }
    }
  }
  return list;
}

/** "8×4", "8×8 k/3": outputs per invocation and the parts of k; "plain" for the plain shader. */
function tileName(tile: TileShape | null): string {
  if (!tile) return "plain";
  return `${tile.tm}×${tile.tn}${tile.splits > 1 ? ` k/${tile.splits}` : ""}`;
}

/**
 * GPU milliseconds of one product (timestamp queries, all its dispatches: a split product's sum
 * too): the median of `runs` queued back to back, so that the GPU stays busy as in a training
 * step, after a round that compiles the shader. Wall-clock time would measure the read-back of
 * the output (tens of MB) more than the product.
 */
async function time(a: tf.Tensor, b: tf.Tensor, p: StepProduct): Promise<number> {
  const runs = Number(values.runs);
  const round = async () => {
    const info = await tf.profile(() =>
      Array.from({ length: runs }, () => tf.matMul(a, b, p.transposeA, p.transposeB))
    );
    tf.dispose(info.result as tf.Tensor[]);
    const times: number[] = [];
    for (const kernel of info.kernels) {
      const ms = await kernel.kernelTimeMs;
      if (typeof ms !== "number") throw new Error("this adapter gives no GPU timestamps");
      if (kernel.name === "BatchMatMul") times.push(ms);
    }
    return times.sort((x, y) => x - y)[times.length >> 1];
  };
  await round();
  return await round();
}

const ms = (t: number) => t.toFixed(3).padStart(8);
console.log(
  `matmul tiles on ${values.webgpu}'s WebGPU (${adapter?.description}), ${T} tokens, ` +
    `GPU time, median of ${values.runs}`,
);
console.log(
  `${"product".padEnd(18)} ${"a".padEnd(14)} ${"b".padEnd(14)} ×step  tileFor (picks)          ` +
    `best (candidate)          TFLOP/s best`,
);
const all: Record<string, Record<string, number>> = {};
let pickedTotal = 0;
let bestTotal = 0;
for (const p of PRODUCTS) {
  const a = tf.randomNormal(p.a);
  const b = tf.randomNormal(p.b);
  const batch = p.a.length === 3 ? p.a[0] : 1;
  const [m, k] = p.transposeA ? [p.a.at(-1)!, p.a.at(-2)!] : [p.a.at(-2)!, p.a.at(-1)!];
  const n = p.transposeB ? p.b.at(-2)! : p.b.at(-1)!;
  useMatMulShader(chosen);
  const picked = tileFor(batch, m, n, k); // on the chosen shader (QA_WEBGPU_MATMUL)
  const pickedMs = await time(a, b, p);
  let best: [string, number] = ["", Infinity];
  for (const [name, shader, tile] of candidates(batch, k)) {
    useMatMulShader(shader);
    forceTile(tile);
    const t = await time(a, b, p);
    (all[p.name] ??= {})[name] = t;
    if (t < best[1]) best = [name, t];
  }
  forceTile(undefined);
  useMatMulShader(chosen);
  tf.dispose([a, b]);
  pickedTotal += pickedMs * p.perStep;
  bestTotal += best[1] * p.perStep;
  const pickedName = tileName(picked);
  const tflops = (2 * batch * m * n * k) / (best[1] * 1e9);
  console.log(
    `${p.name.padEnd(18)} ${JSON.stringify(p.a).padEnd(14)} ${JSON.stringify(p.b).padEnd(14)} ` +
      `${String(p.perStep).padStart(5)} ${ms(pickedMs)} (${pickedName.padEnd(10)}) ` +
      `${ms(best[1])} (${best[0].padEnd(14)}) ${tflops.toFixed(1).padStart(6)}`,
  );
}
console.log(
  `one step's products: tileFor's tiles ${pickedTotal.toFixed(1)} ms, ` +
    `the best per product ${bestTotal.toFixed(1)} ms`,
);
if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(all, null, 1));
