// Which engine computes wasm's matrix products, chosen by measuring: a library's presence says
// nothing of its speed (Debian's OpenBLAS 0.3.21 runs its SSE3 "Prescott" kernels on CPUs it does
// not know, slower than our wasm SIMD kernels). Each candidate is first checked against float64
// products (all four transposes, odd sizes); one that fails is never used. The verified ones are
// timed on a product shaped like a training step's (best of a few) and the fastest is kept.
// No tfjs here: library_probe.ts runs this in a child process on a plain buffer.

/** Memory the products read and write: the wasm backend's heap, or a plain buffer. */
export interface ProductHeap {
  /** Byte offset of `bytes` bytes of room. */
  malloc(bytes: number): number;
  free(offset: number): void;
  /** The memory now (the wasm heap's buffer changes when it grows). */
  buffer(): ArrayBufferLike;
}

/** A heap of `bytes` bytes on a plain ArrayBuffer; what is freed is reused once all is freed. */
export function plainHeap(bytes: number): ProductHeap {
  const memory = new ArrayBuffer(bytes);
  let top = 0, live = 0;
  return {
    malloc(size) {
      const offset = Math.ceil(top / 64) * 64;
      if (offset + size > bytes) throw new Error(`plain heap of ${bytes} bytes is full`);
      [top, live] = [offset + size, live + 1];
      return offset;
    },
    free() {
      if (--live === 0) top = 0;
    },
    buffer: () => memory,
  };
}

/** A product's operands, as byte offsets on the heap, its [m, k, n] and its transposes. */
export type ProductArgs = [
  a: number,
  b: number,
  out: number,
  shape: [number, number, number],
  transposeA: boolean,
  transposeB: boolean,
];

/** One engine that can compute products on the wasm heap. */
export interface EngineCandidate {
  /** What it is, for the backend line ("our wasm SIMD kernels", "OpenBLAS … Haswell"). */
  label: string;
  /** Whether it computes an m × k × n product (our kernels want n a multiple of 8). */
  supports(m: number, k: number, n: number): boolean;
  /** The product, with `gemm`'s arguments on the backend's heap. */
  product(...args: ProductArgs): void;
}

/** What measuring one candidate found: its speed, or why it may not be used. */
export interface EngineFigure {
  label: string;
  /** Best GFLOP/s on the probe; undefined when it failed verification. */
  gflops?: number;
  /** Why it was refused (the verification's finding). */
  refused?: string;
}

/** The chosen candidate (null: none verified) and every candidate's figure. */
export interface EngineChoice<C extends EngineCandidate = EngineCandidate> {
  chosen: C | null;
  figures: EngineFigure[];
  /** True when the figures are an earlier process's (engine_cache.ts), the choice verified again. */
  cached?: boolean;
}

/** The timed product [m, k, n]: a few hundred each way, as a layer's in a training step. */
export const PROBE_SHAPE: [number, number, number] = [384, 768, 384];
/** Timed repeats per candidate (the best counts). */
export const PROBE_REPEATS = 5;

/** Verification shapes: odd sizes, and one whose n suits our kernels. */
const CHECK_SHAPES: [number, number, number][] = [[5, 7, 3], [37, 131, 29], [33, 65, 40]];
const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [
  true,
  true,
]];

/**
 * Verifies each candidate, times the verified ones on `PROBE_SHAPE` and returns the fastest, with
 * every candidate's figure (its GFLOP/s, or why it was refused). With `time: false` the verified
 * ones are not timed (their GFLOP/s read 0) and the first is chosen.
 */
export function chooseEngine<C extends EngineCandidate>(
  heap: ProductHeap,
  candidates: C[],
  { time = true } = {},
): EngineChoice<C> {
  const figures: EngineFigure[] = [];
  let chosen: C | null = null;
  let best = -Infinity;
  for (const candidate of candidates) {
    const refused = verify(heap, candidate);
    if (refused != null) {
      figures.push({ label: candidate.label, refused });
      continue;
    }
    const gflops = time ? measure(heap, candidate) : 0;
    figures.push({ label: candidate.label, gflops });
    if (gflops > best) [best, chosen] = [gflops, candidate];
  }
  return { chosen, figures };
}

/** "chosen: 14.2 vs OpenBLAS … 6.1 GFLOP/s; X refused: …", for the backend line. */
export function describeChoice(choice: EngineChoice): string {
  const timed = choice.figures.filter((f) => f.gflops != null)
    .sort((a, b) => b.gflops! - a.gflops!);
  const parts = timed.map((f, i) =>
    i === 0 ? f.gflops!.toFixed(1) : `${f.label} ${f.gflops!.toFixed(1)}`
  );
  const how = choice.cached ? "chosen by measuring, cached" : "chosen by measuring";
  let text = `${how}: ${parts.join(" vs ")} GFLOP/s`;
  for (const f of choice.figures) {
    if (f.refused != null) text += `; ${f.label} refused: ${f.refused}`;
  }
  return text;
}

/** Heap room for float32 arrays, freed by `free`. */
function allocate(heap: ProductHeap, ...lengths: number[]) {
  const offsets = lengths.map((length) => heap.malloc(length * 4));
  return { offsets, free: () => offsets.forEach((o) => heap.free(o)) };
}

function f32(heap: ProductHeap, offset: number, length: number): Float32Array {
  return new Float32Array(heap.buffer(), offset, length);
}

/** Why `candidate` may not be trusted (its worst error against float64), or undefined if it may. */
function verify(heap: ProductHeap, candidate: EngineCandidate): string | undefined {
  let checked = 0;
  for (const shape of CHECK_SHAPES) {
    const [m, k, n] = shape;
    if (!candidate.supports(m, k, n)) continue;
    for (const [transposeA, transposeB] of TRANSPOSES) {
      const a = pseudoRandom(m * k, m + k);
      const b = pseudoRandom(k * n, k + n + 1);
      const { offsets: [pa, pb, po], free } = allocate(heap, a.length, b.length, m * n);
      try {
        f32(heap, pa, a.length).set(a);
        f32(heap, pb, b.length).set(b);
        f32(heap, po, m * n).fill(NaN);
        try {
          candidate.product(pa, pb, po, shape, transposeA, transposeB);
        } catch (err) {
          return `it threw on ${shape.join("×")}: ${(err as Error).message}`;
        }
        const bad = firstWrong(f32(heap, po, m * n), a, b, shape, transposeA, transposeB);
        if (bad != null) {
          return `${shape.join("×")}${transposeA ? " Aᵀ" : ""}${transposeB ? " Bᵀ" : ""}: ${bad}`;
        }
        checked++;
      } finally {
        free();
      }
    }
  }
  return checked === 0 ? "it supports none of the verification shapes" : undefined;
}

/**
 * The first element of `out` beyond float32 rounding of a[m, k] · b[k, n] computed in float64
 * (bound: k ulps of the sum of |aᵢ·bᵢ|), described; undefined when all are within it.
 */
function firstWrong(
  out: Float32Array,
  a: Float32Array,
  b: Float32Array,
  [m, k, n]: [number, number, number],
  transposeA: boolean,
  transposeB: boolean,
): string | undefined {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0, magnitude = 0;
      for (let p = 0; p < k; p++) {
        const x = (transposeA ? a[p * m + i] : a[i * k + p]) *
          (transposeB ? b[j * k + p] : b[p * n + j]);
        sum += x;
        magnitude += Math.abs(x);
      }
      const got = out[i * n + j];
      if (!(Math.abs(got - sum) <= (k + 2) * 2 ** -23 * magnitude + 1e-30)) {
        return `out[${i}, ${j}] = ${got}, float64 says ${sum}`;
      }
    }
  }
  return undefined;
}

/** Best GFLOP/s of `candidate` over `PROBE_REPEATS` products of `PROBE_SHAPE` (after a warm-up). */
function measure(heap: ProductHeap, candidate: EngineCandidate): number {
  const [m, k, n] = PROBE_SHAPE;
  const { offsets: [pa, pb, po], free } = allocate(heap, m * k, k * n, m * n);
  try {
    f32(heap, pa, m * k).set(pseudoRandom(m * k, 1));
    f32(heap, pb, k * n).set(pseudoRandom(k * n, 2));
    candidate.product(pa, pb, po, PROBE_SHAPE, false, false);
    let best = Infinity;
    for (let r = 0; r < PROBE_REPEATS; r++) {
      const start = performance.now();
      candidate.product(pa, pb, po, PROBE_SHAPE, false, false);
      best = Math.min(best, performance.now() - start);
    }
    return (2 * m * k * n) / (Math.max(best, 1e-3) * 1e6);
  } finally {
    free();
  }
}

/** `length` values in [-1, 1) from a linear congruential sequence seeded by `seed`. */
function pseudoRandom(length: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 1073741824 - 1;
  });
}
