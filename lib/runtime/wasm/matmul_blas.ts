// Float32 products on a native BLAS (OpenBLAS, Apple's Accelerate), called through Deno's FFI on
// the wasm backend's own heap: no copies, the library reads and writes the tensors where they lie.
//
// Our wasm SIMD products (matmul_kernel.ts) top out at what 128-bit vectors give, about 40
// GFLOP/s on one Zen 3 core; OpenBLAS's AVX2 kernels do about 70 on the same core, but an OpenBLAS
// that does not know the CPU runs SSE3 kernels slower than ours. So "auto" measures: it loads the
// libraries it finds, verifies each and our kernels against float64 products, times them on a
// training-sized product (engine_choice.ts) and keeps the fastest, once per process, when the
// first product runs on the wasm backend (cached on disk per CPU and libraries: engine_cache.ts). "off" keeps our kernels; a library file is used as named.
// `QA_BLAS` (or `--blas`) chooses: auto, off, or a library file with `cblas_sgemm`.
// The library runs in one thread: our parallelism is the gradient workers, one per core.
import * as tf from "@tensorflow/tfjs-core";
import { setting } from "../../settings.ts";
import {
  chooseEngine,
  describeChoice,
  type EngineCandidate,
  type EngineChoice,
  type ProductArgs,
} from "./engine_choice.ts";
import { gemm, gemmSupports } from "./matmul_kernel.ts";
import { choiceKey, readCachedChoice, writeCachedChoice } from "./engine_cache.ts";
import { heapBuffer, type WasmBackend } from "./wasm_internals.ts";

/** Environment variable read when no choice is passed: auto, off or a library file. */
export const BLAS_ENV = "QA_BLAS";

/** auto (the fastest verified of our kernels and the libraries present), off (our wasm kernels), or a CBLAS library file. */
export type BlasChoice = string;

/** Libraries "auto" measures. Not a plain libblas: that may be the slow reference BLAS. */
export const AUTO_LIBRARIES = [
  "libopenblas.so.0",
  "libopenblas.so",
  "libblis.so.4",
  "libblis.so",
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

export type { ProductArgs };

/** What our wasm SIMD kernels are called in the backend line and among auto's candidates. */
export const OUR_KERNELS = "our wasm SIMD kernels";

let choice: BlasChoice | undefined;
let loaded: Blas | null = null;
/** Auto's measured choice, once made (auto waits for the wasm backend to measure on). */
let measured: EngineChoice | undefined;
/** The library auto chose (null: our kernels), valid once `measured` is set. */
let autoBlas: Blas | null = null;

/**
 * The current choice (what gradient workers are told to use): for auto, once the wasm backend
 * runs, what its measurement chose ("off" or the library's file), so workers do not measure again.
 */
export function blasChoice(): BlasChoice {
  const wanted = choice ?? setting("QA_BLAS");
  if (wanted === "auto") activeBlas(); // measures now if the wasm backend runs
  if (wanted === "auto" && measured != null) return autoBlas?.file ?? "off";
  return wanted;
}

/**
 * Chooses the products' library (default: `QA_BLAS`, else auto) and loads it; returns it, or
 * null when products stay on our wasm kernels. "auto" measures once the wasm backend runs (null
 * until then); without FFI permission or without a library it is null. An explicit file that
 * cannot be loaded, or has no `cblas_sgemm`, is an error naming it.
 */
export function selectBlas(wanted: BlasChoice = choice ?? setting("QA_BLAS")): Blas | null {
  if (wanted === choice) return activeBlas();
  const next = wanted === "off" ? null : wanted === "auto" ? autoBlas : load(wanted);
  choice = wanted;
  loaded = next;
  return activeBlas();
}

/** The library products use now (null: our wasm kernels); chooses "auto" if nothing was chosen. */
export function activeBlas(): Blas | null {
  if (choice === undefined) return selectBlas();
  if (choice === "auto" && measured == null) {
    const backend = tf.engine().registry["wasm"] as unknown as WasmBackend | undefined;
    if (backend == null) return null;
    const { chosen, choice: result } = measureAuto(backend);
    measured = result;
    loaded = autoBlas = chosen;
  }
  return loaded;
}

/** Auto's measurement (kept for the process), or undefined before it ran. */
export function autoChoice(): EngineChoice | undefined {
  return measured;
}

/** How auto chose (the candidates' GFLOP/s, refusals), or undefined when it did not measure. */
export function blasChoiceSummary(): string | undefined {
  return choice === "auto" && measured != null && measured.figures.length > 1
    ? describeChoice(measured)
    : undefined;
}

/** A candidate of auto's: a library, or our kernels (`blas` null). */
type Candidate = EngineCandidate & { blas: Blas | null };

/**
 * Auto's measurement on `backend`: the libraries of `files` that load (each once), and our
 * kernels, verified and timed; the chosen library (null: our kernels) and the figures. Without a
 * library nothing is measured. A choice cached for this CPU and these libraries
 * (engine_cache.ts) is reused after verifying it again; a new one is cached.
 */
export function measureAuto(
  backend: WasmBackend,
  files: string[] = AUTO_LIBRARIES,
): { chosen: Blas | null; choice: EngineChoice } {
  const libraries = new Map<string, Blas>();
  const add = (blas: Blas | null) => {
    if (blas != null && !libraries.has(blas.name)) libraries.set(blas.name, blas);
  };
  for (const file of files) {
    try {
      add(load(file));
    } catch {
      // not there, not loadable, or no permission to load libraries: not a candidate
    }
  }
  for (const blas of [...libraries.values()]) add(withBestCore(blas));
  const ours: Candidate = {
    label: OUR_KERNELS,
    blas: null,
    supports: (m, k, n) => gemmSupports(backend, m, k, n),
    product: (...args) => gemm(backend, ...args),
  };
  if (libraries.size === 0) return { chosen: null, choice: { chosen: ours, figures: [] } };
  const candidates: Candidate[] = [...libraries.values()].map((blas) => ({
    label: shortName(blas),
    blas,
    supports: () => true,
    product: (...args) => blas.gemm(heapBuffer(backend)!, ...args),
  }));
  if (gemmSupports(backend, 8, 8, 8)) candidates.push(ours);
  const key = choiceKey(
    candidates.map((c) => c.blas == null ? c.label : `${c.blas.name} (${source(c.blas)})`),
  );
  const cached = readCachedChoice(key);
  const reused = candidates.find((c) => c.label === cached?.chosen);
  if (cached != null && reused != null) {
    // Timed before on this machine with these libraries: verified again, not timed.
    const again = chooseEngine(backend, [reused], { time: false });
    if (again.chosen != null) {
      const choice = { chosen: reused, figures: cached.figures, cached: true };
      return { chosen: reused.blas, choice };
    }
  }
  const result = chooseEngine(backend, candidates);
  if (result.chosen != null) {
    writeCachedChoice(key, { chosen: result.chosen.label, figures: result.figures });
  }
  return { chosen: result.chosen?.blas ?? null, choice: result };
}

/** The file a library came from (for a core-typed copy of OpenBLAS: the original's). */
function source(blas: Blas): string {
  return copies.get(blas.file) ?? blas.file;
}

/** Core-typed copies of OpenBLAS: the copy's file → the original's. */
const copies = new Map<string, string>();

/** "OpenBLAS 0.3.21 Haswell" for OpenBLAS's long build string; other libraries' names as they are. */
function shortName(blas: Blas): string {
  const openblas = blas.name.match(/^OpenBLAS (\S+) .*?(\w+) MAX_THREADS/);
  return openblas == null ? blas.name : `OpenBLAS ${openblas[1]} ${openblas[2]}`;
}

/**
 * OpenBLAS `blas` told the best core type this CPU supports (`OPENBLAS_CORETYPE`: SkylakeX with
 * AVX-512, Haswell with AVX2 and FMA) when it detected another: a copy of its file loaded under
 * that variable (the library reads it once, when loaded; another file is another library). Null when it is not OpenBLAS, already
 * runs that core, or the copy cannot be made or loaded.
 */
function withBestCore(blas: Blas): Blas | null {
  const core = bestCoreType();
  if (core == null || !blas.name.startsWith("OpenBLAS") || blas.name.includes(` ${core} `)) {
    return null;
  }
  const key = `${blas.file}@${core}`;
  if (opened.has(key)) return opened.get(key)!;
  try {
    const path = Deno.realPathSync(findLibrary(blas.file));
    const copy = Deno.makeTempFileSync({ prefix: `openblas-${core}-`, suffix: ".so" });
    Deno.copyFileSync(path, copy);
    const before = Deno.env.get("OPENBLAS_CORETYPE");
    Deno.env.set("OPENBLAS_CORETYPE", core);
    try {
      opened.set(key, open(copy));
      copies.set(copy, blas.file);
    } finally {
      if (before == null) Deno.env.delete("OPENBLAS_CORETYPE");
      else Deno.env.set("OPENBLAS_CORETYPE", before);
      // Loaded, the copy is no longer needed on disk; loading its path again (the gradient
      // workers, threads of this process) finds the library already loaded.
      Deno.removeSync(copy);
    }
    return opened.get(key)!;
  } catch {
    return null;
  }
}

/**
 * The best OpenBLAS core type /proc/cpuinfo's flags allow, or null (none known, or unreadable:
 * Deno lets only --allow-all read /proc, as the `qa` commands run).
 */
export function bestCoreType(): string | null {
  let flags: Set<string>;
  try {
    const line = Deno.readTextFileSync("/proc/cpuinfo").match(/^flags\s*:(.*)$/m);
    if (line == null) return null;
    flags = new Set(line[1].trim().split(/\s+/));
  } catch {
    return null;
  }
  if (["avx512f", "avx512vl", "avx512bw", "avx512dq"].every((f) => flags.has(f))) return "SkylakeX";
  if (flags.has("avx2") && flags.has("fma")) return "Haswell";
  return null;
}

/** A library name's file on disk (a bare soname searched in the usual directories). */
function findLibrary(file: string): string {
  if (file.includes("/")) return file;
  for (
    const dir of ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/lib"]
  ) {
    try {
      Deno.statSync(`${dir}/${file}`);
      return `${dir}/${file}`;
    } catch {
      // not here
    }
  }
  throw new Error(`${file} not found`);
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
  const name = config != null
    ? Deno.UnsafePointerView.getCString(config)
    : /blis/i.test(file)
    ? `BLIS (${file})`
    : file;
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
