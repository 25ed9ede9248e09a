// Float32 products on a native BLAS (OpenBLAS, BLIS, Apple's Accelerate), called through Deno's FFI
// on the wasm backend's own heap: no copies, the library reads and writes the tensors where they lie.
//
// Our wasm SIMD products (matmul_kernel.ts) top out at what 128-bit vectors give, about 40
// GFLOP/s on one Zen 3 core; OpenBLAS's AVX2 kernels do about 70 on the same core, but an OpenBLAS
// that does not know the CPU runs SSE3 kernels slower than ours. So "auto" measures, once per
// process, when the wasm backend starts: each library it finds (OpenBLAS as the environment's
// OPENBLAS_CORETYPE has it, as it detects the CPU, and told the best core type the CPU supports) is
// verified against float64 products and timed in a child process of its own (library_probe.ts),
// our kernels in this one (engine_choice.ts), and the fastest verified engine is kept (cached on
// disk per CPU and library files: engine_cache.ts). Only the chosen library is then loaded here;
// for a core type, OPENBLAS_CORETYPE is set once, just before that load, and stays set for the
// process. "off" keeps our kernels; a library file is used as named. `QA_BLAS` (or `--blas`)
// chooses: auto, off, or a library file with `cblas_sgemm`.
// The library runs in one thread: our parallelism is the gradient workers, one per core.
import * as tf from "@tensorflow/tfjs-core";
import { setting } from "../../settings.ts";
import {
  chooseEngine,
  describeChoice,
  type EngineCandidate,
  type EngineChoice,
  type EngineFigure,
  type ProductArgs,
} from "./engine_choice.ts";
import { gemm, gemmSupports } from "./matmul_kernel.ts";
import {
  type CachedChoice,
  choiceKey,
  readCachedChoice,
  writeCachedChoice,
} from "./engine_cache.ts";
import { bestCoreType, type Blas, libraryIdentity, openBlas, shortName } from "./blas_library.ts";
import { probeLibrary } from "./library_probe.ts";
import { heapBuffer, type WasmBackend, wasmHeap } from "./wasm_internals.ts";

export { bestCoreType, type Blas, type ProductArgs };

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

/** A candidate of auto's in this process: a library, or our kernels (`blas` null). */
type Candidate = EngineCandidate & { blas: Blas | null };

/** A library file auto measured: the file, and the core type OpenBLAS was told (if any). */
type Library = NonNullable<CachedChoice["library"]>;

/**
 * Auto's measurement on `backend`: each library of `files` found on disk (each file once), as it
 * detects the CPU and, for an OpenBLAS that detects a lesser core, told `bestCoreType()`, verified
 * and timed in child processes (library_probe.ts); our kernels verified and timed here. The
 * fastest verified engine is loaded in this process and verified again; the chosen library (null:
 * our kernels) and every figure. Without a library, or without permission to load libraries or
 * start the probes (--allow-ffi, --allow-run), nothing is measured. A choice cached for this CPU
 * and these library files (engine_cache.ts) is loaded and verified again, not timed; a new one is
 * cached.
 */
export function measureAuto(
  backend: WasmBackend,
  files: string[] = AUTO_LIBRARIES,
): { chosen: Blas | null; choice: EngineChoice } {
  const ours: Candidate = {
    label: OUR_KERNELS,
    blas: null,
    supports: (m, k, n) => gemmSupports(backend, m, k, n),
    product: (...args) => gemm(backend, ...args),
  };
  const libraries = findLibraries(files);
  if (libraries.length === 0) return { chosen: null, choice: { chosen: ours, figures: [] } };
  const key = autoKey(files);
  const cached = readCachedChoice(key);
  if (cached != null) {
    const { chosen, library } = cached;
    const candidate = chosen === OUR_KERNELS ? ours : library == null // an entry of an older version
      ? null
      : inProcess(backend, chosen, library);
    if (candidate != null && verified(backend, candidate)) {
      const choice = { chosen: candidate, figures: cached.figures, cached: true };
      return { chosen: candidate.blas, choice };
    }
  }
  const measured: { figure: EngineFigure; library?: Library }[] = [];
  for (const file of libraries) {
    for (const library of probeVariants(file)) measured.push(library);
  }
  if (gemmSupports(backend, 8, 8, 8)) {
    measured.push({ figure: chooseEngine(wasmHeap(backend), [ours]).figures[0] });
  }
  const figures = measured.map((m) => m.figure);
  const fastest = measured.filter((m) => m.figure.gflops != null)
    .sort((a, b) => b.figure.gflops! - a.figure.gflops!);
  for (const { figure, library } of fastest) {
    const candidate = library == null ? ours : inProcess(backend, figure.label, library);
    if (candidate == null || !verified(backend, candidate)) continue;
    writeCachedChoice(key, { chosen: figure.label, library, figures });
    return { chosen: candidate.blas, choice: { chosen: candidate, figures } };
  }
  return { chosen: null, choice: { chosen: null, figures } };
}

/** The key auto's choice for `files` is cached under: the CPU and each library file found. */
export function autoKey(files: string[] = AUTO_LIBRARIES): string {
  const found = environmentCoreType();
  const libraries = findLibraries(files).map((file) => libraryIdentity(file)!);
  const told = found == null ? [] : [`OPENBLAS_CORETYPE=${found}`];
  return choiceKey([...libraries, ...told, OUR_KERNELS]);
}

/** The files of `files` on disk, each real file once; none without --allow-ffi and --allow-run. */
function findLibraries(files: string[]): string[] {
  const granted = (name: "ffi" | "run") => Deno.permissions.querySync({ name }).state === "granted";
  if (!granted("ffi") || !granted("run")) return [];
  const seen = new Set<string>();
  return files.filter((file) => {
    const identity = libraryIdentity(file);
    if (identity == null || seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}

/**
 * `file`'s figures from its probes (none when it cannot be loaded): as the environment has it;
 * then, for OpenBLAS, as it detects the CPU (when the environment sets OPENBLAS_CORETYPE) and
 * told `bestCoreType()`, each core OpenBLAS ends up running measured once.
 */
function probeVariants(file: string): { figure: EngineFigure; library: Library }[] {
  const found = environmentCoreType();
  let first;
  try {
    first = probeLibrary(file, found);
  } catch {
    return []; // no child may be started here: the library is not measured
  }
  if (first.missing != null) return [];
  const variants: { figure: EngineFigure; library: Library }[] = [
    { figure: first.figure!, library: { file } },
  ];
  if (!first.name?.startsWith("OpenBLAS")) return variants;
  const names = new Set([first.name]);
  const best = bestCoreType();
  const others: (string | null)[] = found == null ? [] : [null];
  if (best != null && best !== found) others.push(best);
  for (const coreType of others) {
    if (coreType != null && [...names].some((name) => name.includes(` ${coreType} `))) continue;
    const probe = probeLibrary(file, coreType);
    if (probe.figure == null || names.has(probe.name!)) continue;
    if (probe.name != null) names.add(probe.name);
    variants.push({ figure: probe.figure, library: { file, coreType } });
  }
  return variants;
}

/**
 * Library `file` loaded in this process, with OPENBLAS_CORETYPE as `coreType` says, as candidate
 * `label`; null when it cannot be loaded, or is not what was measured (OpenBLAS loaded here before
 * with another core type: it runs the core it chose at its first load).
 */
function inProcess(
  backend: WasmBackend,
  label: string,
  { file, coreType }: Library,
): Candidate | null {
  let blas: Blas;
  try {
    blas = load(file, coreType);
  } catch {
    return null;
  }
  if (shortName(blas.name) !== label) return null;
  return {
    label,
    blas,
    supports: () => true,
    product: (...args) => blas.gemm(heapBuffer(backend)!, ...args),
  };
}

/** Whether `candidate` computes float64's products here (engine_choice.ts's verification). */
function verified(backend: WasmBackend, candidate: Candidate): boolean {
  return chooseEngine(wasmHeap(backend), [candidate], { time: false }).chosen != null;
}

/** OPENBLAS_CORETYPE as this process found it (read before it sets its own), once. */
let foundCoreType: { value: string | undefined } | undefined;

function environmentCoreType(): string | undefined {
  if (foundCoreType == null) {
    let value: string | undefined;
    try {
      value = Deno.env.get("OPENBLAS_CORETYPE") || undefined;
    } catch {
      // no permission to read the environment: as if unset
    }
    foundCoreType = { value };
  }
  return foundCoreType.value;
}

/** Whether this process has set OPENBLAS_CORETYPE (it does so once). */
let coreTypeSet = false;

const opened = new Map<string, Blas>();

/**
 * `file` opened (once per process and core type) as a Blas, or an error naming it. A `coreType`
 * other than undefined sets (or removes) OPENBLAS_CORETYPE first, once per process: setenv is not
 * safe while other threads read the environment, and this runs as the wasm backend starts, before
 * gradient workers. The variable then stays so: OpenBLAS reads it at its first load only, and
 * workers, threads of this process, find the library loaded.
 */
function load(file: string, coreType?: string | null): Blas {
  const key = coreType === undefined ? file : `${file}@${coreType}`;
  let blas = opened.get(key);
  if (blas == null) {
    if (
      coreType !== undefined && !coreTypeSet && (coreType ?? undefined) !== environmentCoreType()
    ) {
      coreTypeSet = true;
      if (coreType == null) Deno.env.delete("OPENBLAS_CORETYPE");
      else Deno.env.set("OPENBLAS_CORETYPE", coreType);
    }
    opened.set(key, blas = openBlas(file));
  }
  return blas;
}
