// BatchMatMul for the webgpu backend, in shaders that keep their accumulators in named scalar
// variables. tfjs-backend-webgpu's matmul shaders index private arrays at run time, which Deno's
// WebGPU (wgpu) compiles badly: 30-75× slower than on Dawn on an H100 (../shared/gpu/NOTES.md),
// and 4-7× slower than these shaders on the software adapter (llvmpipe) for attention's products.
//
// Two shaders. Products of at least 64 × 64 outputs (dense layers, their gradients, attention's
// scores) go through workgroup-memory tiles: 16 × 16 invocations share a BM × 8 tile of A and an
// 8 × BN tile of B (BM, BN = 64 or 128), each invocation computing TM × TN outputs 16 apart, so
// that a tile read from storage once serves 16 × TM (or TN) products; by default each invocation
// fetches its share of the next tile before multiplying this one ("-prefetch": on the H200 the
// step's products took 94 ms instead of 104, the loads' latency hidden). Narrow products (attention's
// [.., 384, 64] context and its gradients at small sizes, odd shapes) use the plain shader: each
// invocation computes TM consecutive rows × TN columns WX apart, reading A and B straight from
// storage.

import type { BatchMatMulAttrs, KernelConfig, KernelFunc, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import { sumRows } from "./column_sums_webgpu.ts";
import { KeyedProgram } from "./keyed_program.ts";
import type { WebGPUBackendLike } from "./webgpu_backend.ts";
import { MATMUL_SHADERS, type MatMulShader, setting } from "../../settings.ts";

/** Invocations per workgroup along the columns (x) and rows (y); outputs per invocation. */
interface Tiling {
  wx: number;
  wy: number;
  tm: number;
  tn: number;
}

/** Narrow outputs (attention's [.., 384, 8] products) use one column per invocation. */
export function tilingFor(n: number): Tiling {
  const tn = Math.min(4, Math.max(1, Math.ceil(n / 8)));
  return { wx: 8, wy: tn === 4 ? 4 : 8, tm: 8, tn };
}

/**
 * What both shaders are to tfjs: a WebGPUProgram reading A and B, writing [layers, m, n] with
 * workgroups along n (x), m (y) and the layers (z).
 */
abstract class ProductProgram extends KeyedProgram {
  variableNames = ["A", "B"];
  dispatchLayout = { x: [2], y: [1], z: [0] };
  abstract uniforms: string;
  abstract workgroupSize: [number, number, number];
  outputShape: number[] = [];
  dispatch: [number, number, number] = [1, 1, 1];

  constructor(readonly product: Product) {
    super();
  }

  get transposeA(): boolean {
    return this.product.transposeA;
  }

  get transposeB(): boolean {
    return this.product.transposeB;
  }

  abstract getUserCode(): string;
}

/** One BatchMatMul: batch products of op(A) [m, k] × op(B) [k, n]. */
interface Product {
  batch: number;
  m: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

/** The plain shader: out[b] = op(A[b]) × op(B[b]), batch 1 operands broadcast. */
class MatMulProgram extends ProductProgram {
  uniforms = "M : i32, N : i32, K : i32, batchA : i32, batchB : i32,";
  workgroupSize: [number, number, number];

  constructor(product: Product, readonly tiling: Tiling) {
    super(product);
    const { batch, m, n, transposeA, transposeB } = product;
    const { wx, wy, tm, tn } = tiling;
    this.outputShape = [batch, m, n];
    this.workgroupSize = [wx, wy, 1];
    this.dispatch = [Math.ceil(n / (wx * tn)), Math.ceil(m / (wy * tm)), batch];
    this.shaderKey = `qaMatMul_${transposeA}_${transposeB}_${wx}_${wy}_${tm}_${tn}`;
  }

  getUserCode(): string {
    const { wx, wy, tm, tn } = this.tiling;
    const rows = [...Array(tm).keys()];
    const cols = [...Array(tn).keys()];
    const pairs = rows.flatMap((i) => cols.map((j) => [i, j]));
    // Loads are clamped into the matrix; only the writes check bounds.
    const aBase = (i: number) =>
      this.transposeA ? `aOffset + min(row + ${i}, M - 1)` : `aOffset + min(row + ${i}, M - 1) * K`;
    const bBase = (j: number) =>
      this.transposeB
        ? `bOffset + min(col + ${j * wx}, N - 1) * K`
        : `bOffset + min(col + ${j * wx}, N - 1)`;
    const aAt = (i: number) => this.transposeA ? `A[a${i} + k * M]` : `A[a${i} + k]`;
    const bAt = (j: number) => this.transposeB ? `B[b${j} + k]` : `B[b${j} + k * N]`;
    return `
      fn main() {
        let M = uniforms.M;
        let N = uniforms.N;
        let K = uniforms.K;
        let batch = i32(workgroupId.z);
        let row = (i32(workgroupId.y) * ${wy} + i32(localId.y)) * ${tm};
        let col = i32(workgroupId.x) * ${wx * tn} + i32(localId.x);
        let aOffset = select(batch, 0, uniforms.batchA == 1) * M * K;
        let bOffset = select(batch, 0, uniforms.batchB == 1) * K * N;
        ${rows.map((i) => `let a${i} = ${aBase(i)};`).join("\n")}
        ${cols.map((j) => `let b${j} = ${bBase(j)};`).join("\n")}
        ${pairs.map(([i, j]) => `var c${i}_${j} = 0.0;`).join("\n")}
        for (var k = 0; k < K; k++) {
          ${rows.map((i) => `let x${i} = ${aAt(i)};`).join("\n")}
          ${cols.map((j) => `let y${j} = ${bAt(j)};`).join("\n")}
          ${pairs.map(([i, j]) => `c${i}_${j} = fma(x${i}, y${j}, c${i}_${j});`).join("\n")}
        }
        let out = batch * M * N;
        ${
      pairs.map(([i, j]) =>
        `if (row + ${i} < M && col + ${j * wx} < N) { ` +
        `result[out + (row + ${i}) * N + col + ${j * wx}] = c${i}_${j}; }`
      ).join("\n")
    }
      }`;
  }
}

/**
 * Which shader takes the products the tiles fit: "tiled" (each invocation's outputs 16 apart, 8
 * deep), "vec4" (each invocation's outputs side by side, read and summed as vec4, 16 deep), either
 * with "-prefetch" (the next tile's loads from storage issued before the products of this one, so
 * that their latency hides behind them), or "plain" for every product. QA_WEBGPU_MATMUL sets it
 * (the bench compares them on a GPU); `MATMUL_SHADERS` lists them, for tests and the bench.
 */
export { MATMUL_SHADERS, type MatMulShader };

let shader: MatMulShader | undefined;

/** The shader the products that follow go through (QA_WEBGPU_MATMUL until one is chosen). */
export function matMulShader(): MatMulShader {
  shader ??= setting("QA_WEBGPU_MATMUL");
  return shader;
}

/** Chooses the shader for the products that follow (tests run each). */
export function useMatMulShader(chosen: MatMulShader): void {
  shader = chosen;
}

/**
 * The tiled shader's outputs per invocation (TM rows × TN columns), and in how many parts it
 * splits k (each part's products summed afterwards; 1: not split).
 */
export interface TileShape {
  tm: 4 | 8;
  tn: 4 | 8;
  splits: number;
}

let forcedTile: TileShape | null | undefined;

/**
 * Forces the tile of the products that follow (null: the plain shader; undefined: `tileFor`
 * decides again). bench/matmul_tiles.ts times each candidate this way.
 */
export function forceTile(tile: TileShape | null | undefined): void {
  forcedTile = tile;
}

let forcedUnrolled: boolean | undefined;

/**
 * Forces the tiled shaders' steps along k written out (true) or in a loop (false) for the products
 * that follow; undefined: written out on a hardware adapter, a loop on a software one. The tests
 * check that both give the same bits.
 */
export function forceUnrolled(unrolled: boolean | undefined): void {
  forcedUnrolled = unrolled;
}

/** Enough workgroups to fill a large GPU (132 multiprocessors, two workgroups each). */
const TARGET_WORKGROUPS = 264;

/** Products at least this deep whose tiles are too few split k instead (weight gradients). */
const SPLIT_K_FROM = 2048;

/**
 * How many workgroups a split product aims at (QA_WEBGPU_SPLIT_FILL overrides): four waves of
 * TARGET_WORKGROUPS, as a split that just exceeds what the GPU runs at once (288 workgroups for
 * 264) leaves its second wave nearly empty. On the H200, 1,056 against 264 took DistilBERT's
 * weight gradients from 28.3 to 22.6 ms a step (105 → 109 examples/s, twice each).
 */
function splitFill(): number {
  return setting("QA_WEBGPU_SPLIT_FILL");
}

/**
 * The tile for an m × n × k product (batch products side by side), or null where the plain shader
 * serves better: 128-wide tiles where a side allows; where they are too few to fill the GPU, k
 * split into parts of at least 512 for a deep single product, else narrower tiles.
 */
export function tileFor(batch: number, m: number, n: number, k: number): TileShape | null {
  if (m < 64 || n < 64 || shader === "plain") return null;
  let tm: 4 | 8 = m >= 128 ? 8 : 4;
  let tn: 4 | 8 = n >= 128 ? 8 : 4;
  const workgroups = () => batch * Math.ceil(m / (16 * tm)) * Math.ceil(n / (16 * tn));
  if (batch === 1 && k >= SPLIT_K_FROM && workgroups() < TARGET_WORKGROUPS) {
    const splits = Math.min(Math.ceil(splitFill() / workgroups()), Math.floor(k / 512));
    return { tm, tn, splits };
  }
  while (workgroups() < TARGET_WORKGROUPS && (tm === 8 || tn === 8)) {
    if (tm === 8 && (tn === 4 || m >= n)) tm = 4;
    else tn = 4;
  }
  return { tm, tn, splits: 1 };
}

/** out[b] = op(A[b]) × op(B[b]) through workgroup-memory tiles; batch 1 operands broadcast. */
class TiledMatMulProgram extends ProductProgram {
  uniforms = "M : i32, N : i32, K : i32, batchA : i32, batchB : i32, kPart : i32,";
  workgroupSize: [number, number, number] = [16, 16, 1];

  readonly blocked = matMulShader().startsWith("vec4");
  readonly prefetch = matMulShader().endsWith("-prefetch");

  /**
   * `unrolled`: each tile's steps along k written out (what the GPU measurements were made with);
   * else a loop over them, which a software adapter compiles several times faster.
   */
  constructor(product: Product, readonly tile: TileShape, readonly unrolled: boolean) {
    super(product);
    const { batch, m, n, transposeA, transposeB } = product;
    // Split, the z of a workgroup is its part of k (batch 1), and the output holds each part's
    // products, [splits, m, n]; else z is the batch.
    const layers = tile.splits > 1 ? tile.splits : batch;
    this.outputShape = [layers, m, n];
    this.dispatch = [Math.ceil(n / (16 * tile.tn)), Math.ceil(m / (16 * tile.tm)), layers];
    this.shaderKey = `qaTiledMatMul_${transposeA}_${transposeB}_${tile.tm}_${tile.tn}_` +
      `${this.blocked}_${this.prefetch}_${tile.splits > 1}_${unrolled}`;
  }

  getUserCode(): string {
    const { tm, tn } = this.tile;
    const bm = 16 * tm;
    const bn = 16 * tn;
    const bk = this.blocked ? 16 : 8;
    const rows = [...Array(tm).keys()];
    const cols = [...Array(tn).keys()];
    const pairs = rows.flatMap((i) => cols.map((j) => [i, j]));
    // vec4 tiles are written a float at a time (one component of an element).
    const store = (tile: string, index: string) =>
      this.blocked ? `${tile}[(${index}) / 4][(${index}) % 4]` : `${tile}[${index}]`;
    // Loads: element e of a tile (e = t + 256 s) is row (of A; column of B) r, depth kk of it; the
    // index that runs along storage varies fastest across invocations, so that neighbours read
    // neighbouring elements. Each invocation's r and kk are fixed: worked out once.
    const slotsOf = (name: "A" | "B", side: number, along: boolean) => {
      const [x, origin, size] = name === "A" ? ["a", "row0", "M"] : ["b", "col0", "N"];
      return [...Array((side * bk) / 256).keys()].map((s) => {
        const [r, kk] = [`r${x}${s}`, `k${x}${s}`];
        const e = `(t + ${256 * s})`;
        const at = (k: string) =>
          along
            ? `(${k} + ${kk}) * ${size} + ${origin} + ${r}`
            : `(${origin} + ${r}) * K + ${k} + ${kk}`;
        const inside = (k: string) => `${origin} + ${r} < ${size} && ${k} + ${kk} < kEnd`;
        return {
          place: along
            ? `let ${r} = ${e} % ${side}; let ${kk} = ${e} / ${side};`
            : `let ${r} = ${e} / ${bk}; let ${kk} = ${e} % ${bk};`,
          fetch: (k: string) =>
            `select(0.0, ${name}[${x}Offset + select(0, ${at(k)}, ${inside(k)})], ${inside(k)})`,
          cell: store(`${name}s`, `${kk} * ${side} + ${r}`),
          reg: `p${x}${s}`,
        };
      });
    };
    // A's rows run along storage when it is transposed, B's columns when it is not.
    const slots = [...slotsOf("A", bm, this.transposeA), ...slotsOf("B", bn, !this.transposeB)];
    // One step along k: kk a number (unrolled) or the loop's variable.
    const at = (kk: number | "kk", size: number) =>
      typeof kk === "number" ? kk * size : `kk * ${size}`;
    const step = (kk: number | "kk") =>
      this.blocked ? this.blockedStep(kk) : `{
          ${rows.map((i) => `let x${i} = As[${at(kk, bm)} + ly + ${16 * i}];`).join(" ")}
          ${cols.map((j) => `let y${j} = Bs[${at(kk, bn)} + lx + ${16 * j}];`).join(" ")}
          ${pairs.map(([i, j]) => `c${i}_${j} = fma(x${i}, y${j}, c${i}_${j});`).join(" ")} }`;
    // The products of one tile: bk steps along k, written out or in a loop.
    const products = this.unrolled
      ? [...Array(bk).keys()].map(step).join("\n")
      : `for (var kk = 0; kk < ${bk}; kk++) ${step("kk")}`;
    // Without prefetch: load this tile, then multiply. With it: store the tile fetched during the
    // previous products, fetch the next one, multiply.
    const tileLoop = this.prefetch
      ? `${slots.map((x) => `var ${x.reg} = ${x.fetch("kBegin")};`).join("\n")}
        for (var k0 = kBegin; k0 < kEnd; k0 += ${bk}) {
          ${slots.map((x) => `${x.cell} = ${x.reg};`).join("\n")}
          workgroupBarrier();
          let kNext = k0 + ${bk};
          ${slots.map((x) => `${x.reg} = ${x.fetch("kNext")};`).join("\n")}
          ${products}
          workgroupBarrier();
        }`
      : `for (var k0 = kBegin; k0 < kEnd; k0 += ${bk}) {
          ${slots.map((x) => `${x.cell} = ${x.fetch("k0")};`).join("\n")}
          workgroupBarrier();
          ${products}
          workgroupBarrier();
        }`;
    const quads = [...Array(tn / 4).keys()];
    const accumulators = this.blocked
      ? rows.flatMap((i) => quads.map((q) => `var c${i}_${q} = vec4<f32>(0.0);`))
      : pairs.map(([i, j]) => `var c${i}_${j} = 0.0;`);
    // Where output (i, j) of an invocation lies, and its accumulator.
    const output = ([i, j]: number[]) =>
      this.blocked
        ? [`ly * ${tm} + ${i}`, `lx * ${tn} + ${j}`, `c${i}_${j >> 2}[${j & 3}]`]
        : [`ly + ${16 * i}`, `lx + ${16 * j}`, `c${i}_${j}`];
    const element = this.blocked ? "vec4<f32>" : "f32";
    return `
      var<workgroup> As : array<${element}, ${(bm * bk) / (this.blocked ? 4 : 1)}>;
      var<workgroup> Bs : array<${element}, ${(bn * bk) / (this.blocked ? 4 : 1)}>;
      fn main() {
        let M = uniforms.M;
        let N = uniforms.N;
        let K = uniforms.K;
        let z = i32(workgroupId.z);
        let batch = ${this.tile.splits > 1 ? "0" : "z"};
        let kBegin = ${this.tile.splits > 1 ? "z * uniforms.kPart" : "0"};
        let kEnd = min(K, kBegin + uniforms.kPart);
        let lx = i32(localId.x);
        let ly = i32(localId.y);
        let t = ly * 16 + lx;
        let row0 = i32(workgroupId.y) * ${bm};
        let col0 = i32(workgroupId.x) * ${bn};
        let aOffset = select(batch, 0, uniforms.batchA == 1) * M * K;
        let bOffset = select(batch, 0, uniforms.batchB == 1) * K * N;
        ${accumulators.join("\n")}
        ${slots.map((x) => x.place).join("\n")}
        ${tileLoop}
        let out = z * M * N;
        ${
      pairs.map(([i, j]) => {
        const [row, col, value] = output([i, j]);
        return `{ let row = row0 + ${row}; let col = col0 + ${col};
          if (row < M && col < N) { result[out + row * N + col] = ${value}; } }`;
      }).join("\n")
    }
      }`;
  }

  /**
   * One k of the vec4 shader: TM rows of A as vec4s, TN columns of B as vec4s, TM × TN/4 fmas; kk
   * a number (unrolled) or the loop's variable.
   */
  private blockedStep(kk: number | "kk"): string {
    const at = (size: number) => typeof kk === "number" ? kk * size : `kk * ${size}`;
    const { tm, tn } = this.tile;
    const rowQuads = [...Array(tm / 4).keys()];
    const quads = [...Array(tn / 4).keys()];
    const rows = [...Array(tm).keys()];
    return `{
          ${
      rowQuads.map((q) => `let x${q} = As[${at((16 * tm) / 4)} + ly * ${tm / 4} + ${q}];`).join(
        " ",
      )
    }
          ${
      quads.map((q) => `let y${q} = Bs[${at((16 * tn) / 4)} + lx * ${tn / 4} + ${q}];`).join(" ")
    }
          ${
      rows.flatMap((i) =>
        quads.map((q) => `c${i}_${q} = fma(vec4<f32>(x${i >> 2}[${i & 3}]), y${q}, c${i}_${q});`)
      ).join(" ")
    } }`;
  }
}

/**
 * The webgpu BatchMatMul on our shaders for float32 products whose batches are equal or 1;
 * `original` (the package's kernel) takes the rest.
 */
export function batchMatMulWebGPU(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const backend = args.backend as unknown as WebGPUBackendLike;
    const ra = a.shape.length;
    const rb = b.shape.length;
    const [m, k] = transposeA ? [a.shape[ra - 1], a.shape[ra - 2]] : a.shape.slice(-2);
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const [kB] = transposeB ? b.shape.slice(-1) : b.shape.slice(-2);
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = tf.util.sizeFromShape(outerA);
    const batchB = tf.util.sizeFromShape(outerB);
    const outer = outerA.length >= outerB.length ? outerA : outerB;
    const batch = Math.max(batchA, batchB);
    const tile = forcedTile !== undefined ? forcedTile : tileFor(batch, m, n, k);
    const product = { batch, m, n, transposeA, transposeB };
    const program = tile
      ? new TiledMatMulProgram(product, tile, forcedUnrolled ?? !backend.softwareAdapter)
      : new MatMulProgram(product, tilingFor(n));
    const sameBatches = batchA === batchB ||
      (batchA === 1 && tf.util.arraysEqual(outer, outerB)) ||
      (batchB === 1 && tf.util.arraysEqual(outer, outerA));
    const limit = backend.device.limits.maxComputeWorkgroupsPerDimension;
    if (
      a.dtype !== "float32" || b.dtype !== "float32" || k !== kB || !sameBatches ||
      batch * m * n * k === 0 || program.dispatch.some((d) => d > limit)
    ) {
      return original.kernelFunc(args);
    }
    const splits = tile?.splits ?? 1;
    // Each part of k a multiple of the tile's depth (16), so that the parts meet exactly.
    const kPart = Math.ceil(k / splits / 16) * 16;
    const values = tile ? [m, n, k, batchA, batchB, kPart] : [m, n, k, batchA, batchB];
    const uniforms = values.map((v) => ({ type: "int32", data: [v] }));
    const as3d = (t: TensorInfo, size: number) => ({ ...t, shape: [size, ...t.shape.slice(-2)] });
    const out = backend.runWebGPUProgram(
      program,
      [as3d(a, batchA), as3d(b, batchB)],
      "float32",
      uniforms,
    );
    if (splits === 1) return { ...out, shape: [...outer, m, n] };
    const total = sumRows(backend, out, [splits, m * n]);
    backend.disposeData(out.dataId);
    return { ...total, shape: [...outer, m, n] };
  };
  return { ...original, kernelFunc };
}
