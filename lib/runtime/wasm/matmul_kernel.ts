// A float32 matrix product on the wasm heap of tfjs-backend-wasm, with our micro-kernels
// (matmul_kernel_module.ts): B is packed into panels of 8 columns, a block of k at a time, and each panel
// is multiplied with blocks of 4 rows of A, the panel staying in the L1 cache and the rows of A in
// L2. About 1.5–2× XNNPACK's speed in tfjs-backend-wasm 4.22 on BERT's products.
import { COLUMNS, gemmModuleBytes, ROWS } from "./matmul_kernel_module.ts";
import { heapInstance, type WasmBackend } from "./wasm_internals.ts";

/**
 * Block sizes: steps of k per packed block (a panel of 512 × 8 floats is 16 KiB, for L1), rows
 * of A per packed block (96 × 512 floats, 192 KiB, for L2) and columns of B per packed block.
 * Tuned on BERT's products on an AMD EPYC (Zen 3); within ±5% of each other over 128–512.
 */
export const BLOCKS = { k: 512, m: 96, n: 512 };

type Kernel = (...args: number[]) => void;

/** Our module, instantiated on one backend's memory. */
interface Gemm {
  /** `ROWS` rows a block; then the rows left, by count (`rows[1]` … `rows[ROWS - 1]`). */
  block: Kernel;
  rows: Kernel[];
  packA: Kernel[];
  /** `packA` of whole blocks: A's rows apart (steps adjacent), or Aᵀ's (rows adjacent). */
  packBlockRows: Kernel;
  packBlockColumns: Kernel;
  pack: Kernel;
  packTransposed: Kernel;
}

const instances = new WeakMap<WasmBackend, Gemm>();
let bytes: Uint8Array<ArrayBuffer> | null | undefined;

/** The module's bytes for this engine: with fused multiply-add if it has relaxed SIMD. */
function moduleBytes(): Uint8Array<ArrayBuffer> | null {
  if (bytes === undefined) {
    bytes = [true, false].map(gemmModuleBytes).find((b) => WebAssembly.validate(b)) ?? null;
  }
  return bytes;
}

function instance(backend: WasmBackend): Gemm | null {
  let gemm = instances.get(backend);
  if (gemm == null) {
    const code = moduleBytes();
    const exports = code && heapInstance(backend, code);
    if (exports == null) return null;
    gemm = {
      block: exports.block,
      rows: Array.from({ length: ROWS }, (_, r) => exports[`rows${r}`]),
      packBlockRows: exports.packBlockRows,
      packBlockColumns: exports.packBlockColumns,
      packA: Array.from({ length: ROWS }, (_, r) => exports[`packA${r}`]),
      pack: exports.pack,
      packTransposed: exports.packTransposed,
    };
    instances.set(backend, gemm);
  }
  return gemm;
}

let enabled = true;

/** Switches our products on or off (XNNPACK's then), for benchmarks. */
export function enableGemm(on: boolean): void {
  enabled = on;
}

/** Whether `gemm` can compute an m × k × n product on this backend (and is switched on). */
export function gemmSupports(backend: WasmBackend, m: number, k: number, n: number): boolean {
  if (!enabled || m <= 0 || k <= 0 || n <= 0 || n % COLUMNS !== 0) return false;
  return instance(backend) != null;
}

/**
 * out[m, n] = a[m, k] · b[k, n], all row-major float32 at the given byte offsets of the wasm
 * heap (`out` must not overlap `a` or `b`); with `transposeA`, `a` holds Aᵀ [k, m], with
 * `transposeB`, `b` holds Bᵀ [n, k]. Check `gemmSupports` first.
 */
export function gemm(
  backend: WasmBackend,
  a: number,
  b: number,
  out: number,
  [m, k, n]: [number, number, number],
  transposeA = false,
  transposeB = false,
): void {
  const { block, rows, packA, packBlockRows, packBlockColumns, pack, packTransposed } = instance(
    backend,
  )!;
  const packBlocks = transposeA ? packBlockColumns : packBlockRows;
  const kBlock = Math.min(k, BLOCKS.k);
  const packedB = backend.wasm._malloc(kBlock * Math.min(n, BLOCKS.n) * 4);
  const packedA = backend.wasm._malloc(kBlock * Math.min(m, BLOCKS.m) * 4);
  // Byte strides of A's rows and of its steps of k.
  const [rowStride, kStride] = transposeA ? [4, m * 4] : [k * 4, 4];
  try {
    for (let j0 = 0; j0 < n; j0 += BLOCKS.n) {
      const panels = Math.min(BLOCKS.n, n - j0) / COLUMNS;
      for (let k0 = 0; k0 < k; k0 += BLOCKS.k) {
        const kc = Math.min(BLOCKS.k, k - k0);
        const accumulate = k0 > 0 ? 1 : 0;
        if (transposeB) packTransposed(b + (j0 * k + k0) * 4, k * 4, kc, panels, packedB);
        else pack(b + (k0 * n + j0) * 4, n * 4, kc, panels, packedB);
        for (let i0 = 0; i0 < m; i0 += BLOCKS.m) {
          const mc = Math.min(BLOCKS.m, m - i0);
          const blocks = Math.floor(mc / ROWS);
          const rest = mc % ROWS;
          const aBlock = a + i0 * rowStride + k0 * kStride;
          if (blocks > 0) packBlocks(aBlock, rowStride, kStride, kc, blocks, packedA);
          const restA = packedA + blocks * ROWS * kc * 4;
          const restRow = blocks * ROWS;
          if (rest > 0) {
            packA[rest](aBlock + restRow * rowStride, rowStride, kStride, kc, 1, restA);
          }
          for (let p = 0; p < panels; p++) {
            const panel = packedB + p * kc * COLUMNS * 4;
            const c = out + (i0 * n + j0 + p * COLUMNS) * 4;
            if (blocks > 0) block(packedA, panel, c, n * 4, kc, accumulate, blocks);
            if (rest > 0) rows[rest](restA, panel, c + restRow * n * 4, n * 4, kc, accumulate, 1);
          }
        }
      }
    }
  } finally {
    backend.wasm._free(packedA);
    backend.wasm._free(packedB);
  }
}
