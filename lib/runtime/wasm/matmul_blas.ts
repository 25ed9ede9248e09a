// Float32 products on a native BLAS (OpenBLAS, Apple's Accelerate), called through Deno's FFI on
// the wasm backend's own heap: no copies, the library reads and writes the tensors where they lie.
//
// Our wasm SIMD products (matmul_kernel.ts) top out at what 128-bit vectors give, about 40
// GFLOP/s on one Zen 3 core; OpenBLAS's AVX2 kernels do about 70 on the same core. When the machine has one, the
// wasm backend's BatchMatMul uses it ("auto"); otherwise, or with "off", our kernels run.
// `QA_BLAS` (or `--blas`) chooses: auto, off, or a library file with `cblas_sgemm`.
// The library runs in one thread: our parallelism is the gradient workers, one per core.
import { setting } from "../../settings.ts";

/** Environment variable read when no choice is passed: auto, off or a library file. */
export const BLAS_ENV = "QA_BLAS";

/** auto (OpenBLAS or Accelerate if present), off (our wasm kernels), or a CBLAS library file. */
export type BlasChoice = string;

/** Libraries "auto" tries, in order. Not a plain libblas: that may be the slow reference BLAS. */
const AUTO_LIBRARIES = [
  "libopenblas.so.0",
  "libopenblas.so",
  "libopenblas.dylib",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/System/Library/Frameworks/Accelerate.framework/Accelerate",
];

const ROW_MAJOR = 101;
const NO_TRANSPOSE = 111;
const TRANSPOSE = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32", // order
      "i32", // transA
      "i32", // transB
      "i32", // m
      "i32", // n
      "i32", // k
      "f32", // alpha
      "pointer", // a
      "i32", // lda
      "pointer", // b
      "i32", // ldb
      "f32", // beta
      "pointer", // c
      "i32", // ldc
    ],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void", optional: true },
  openblas_get_config: { parameters: [], result: "pointer", optional: true },
} as const;

/** A loaded BLAS: what it is, and its single-precision product. */
export interface Blas {
  /** The file it was loaded from. */
  file: string;
  /** What it says it is (OpenBLAS's build string), else the file. */
  name: string;
  /**
   * out[m, n] = a[m, k] · b[k, n], all row-major float32 at byte offsets of `heap`; with
   * `transposeA`, `a` holds Aᵀ [k, m], with `transposeB`, `b` holds Bᵀ [n, k].
   */
  gemm(heap: ArrayBufferLike, ...args: ProductArgs): void;
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

let choice: BlasChoice | undefined;
let loaded: Blas | null = null;

/** The current choice (what gradient workers are told to use). */
export function blasChoice(): BlasChoice {
  return choice ?? setting("QA_BLAS");
}

/**
 * Chooses the products' library (default: `QA_BLAS`, else auto) and loads it; returns it, or
 * null when products stay on our wasm kernels. "auto" without FFI permission or without a library
 * is null; an explicit file that cannot be loaded, or has no `cblas_sgemm`, is an error naming it.
 */
export function selectBlas(wanted: BlasChoice = blasChoice()): Blas | null {
  if (wanted === choice) return loaded;
  const next = wanted === "off" ? null : wanted === "auto" ? loadFirst() : load(wanted);
  choice = wanted;
  loaded = next;
  return loaded;
}

/** The library products use now (null: our wasm kernels); chooses "auto" if nothing was chosen. */
export function activeBlas(): Blas | null {
  return choice === undefined ? selectBlas() : loaded;
}

function loadFirst(): Blas | null {
  for (const file of AUTO_LIBRARIES) {
    try {
      return load(file);
    } catch {
      // not there, not loadable, or no permission to load libraries: try the next
    }
  }
  return null;
}

const opened = new Map<string, Blas>();

/** `file` opened (once per process) as a Blas, or an error naming it. */
function load(file: string): Blas {
  let blas = opened.get(file);
  if (blas == null) opened.set(file, blas = open(file));
  return blas;
}

function open(file: string): Blas {
  let library: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    library = Deno.dlopen(file, SYMBOLS);
  } catch (err) {
    throw new Error(`BLAS library ${file} cannot be loaded: ${(err as Error).message}`);
  }
  const { cblas_sgemm, openblas_set_num_threads, openblas_get_config } = library.symbols;
  openblas_set_num_threads?.(1);
  const config = openblas_get_config?.();
  const name = config == null ? file : Deno.UnsafePointerView.getCString(config);
  return {
    file,
    name,
    gemm(heap, a, b, out, [m, k, n], transposeA, transposeB) {
      const base = Deno.UnsafePointer.of(heap);
      const at = (offset: number) => Deno.UnsafePointer.offset(base!, offset);
      cblas_sgemm(
        ROW_MAJOR,
        transposeA ? TRANSPOSE : NO_TRANSPOSE,
        transposeB ? TRANSPOSE : NO_TRANSPOSE,
        m,
        n,
        k,
        1,
        at(a),
        transposeA ? m : k,
        at(b),
        transposeB ? k : n,
        0,
        at(out),
        n,
      );
    },
  };
}
