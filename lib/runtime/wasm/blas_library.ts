// A CBLAS library (OpenBLAS, BLIS, Apple's Accelerate) opened through Deno's FFI: its
// single-precision product `cblas_sgemm`, called with pointers into a heap (the wasm backend's, or
// a plain buffer in the probe child, library_probe.ts). No tfjs here: the probe imports this file.
import type { ProductArgs } from "./engine_choice.ts";

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

/**
 * `file` opened as a Blas, in one thread (our parallelism is the gradient workers), or an error
 * naming it. OpenBLAS reads `OPENBLAS_CORETYPE` when the process first loads it, never again.
 */
export function openBlas(file: string): Blas {
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

/** "OpenBLAS 0.3.21 Haswell" for OpenBLAS's long build string; other libraries' names as they are. */
export function shortName(name: string): string {
  const openblas = name.match(/^OpenBLAS (\S+) .*?(\w+) MAX_THREADS/);
  return openblas == null ? name : `OpenBLAS ${openblas[1]} ${openblas[2]}`;
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

const LIBRARY_DIRS = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
  "/lib",
];

/**
 * What identifies `file` on disk for auto's cache: its real path, size and modification time (a
 * bare soname searched in the usual folders); null when it is not found there. A file that
 * cannot be read (no permission, or macOS's Accelerate, which lives in the system's shared cache)
 * is identified by its name alone.
 */
export function libraryIdentity(file: string): string | null {
  const paths = file.includes("/") ? [file] : LIBRARY_DIRS.map((dir) => `${dir}/${file}`);
  for (const path of paths) {
    try {
      const real = Deno.realPathSync(path);
      const { size, mtime } = Deno.statSync(real);
      return `${real} ${size} ${mtime?.toISOString() ?? ""}`.trim();
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      return file; // not ours to read: the name stands for it
    }
  }
  return file.includes("/") && Deno.build.os === "darwin" ? file : null;
}
