// A library's products verified and timed in a child process of its own (`deno run` of this file,
// bounded by `timeout` where the machine has it): OpenBLAS reads OPENBLAS_CORETYPE once, when a
// process first loads it, so each core type is measured in its own process with the variable in
// its environment; and a library that crashes or hangs takes the child down, not the caller.
//   deno run --no-config --allow-ffi lib/runtime/wasm/library_probe.ts FILE
// prints one JSON line: the library's name and its figure (GFLOP/s, or why it was refused), or why
// it could not be loaded.
import { openBlas, shortName } from "./blas_library.ts";
import { chooseEngine, type EngineFigure, plainHeap, type ProductArgs } from "./engine_choice.ts";

/** Seconds a probe may run (Deno's start included) before it is killed and its library refused. */
export const PROBE_TIMEOUT_S = 60;

/** What a probe found: the library's name and figure, or why it is not a candidate. */
export interface LibraryProbe {
  /** Its build string (OpenBLAS) or file, as `openBlas` names it. */
  name?: string;
  /** Its GFLOP/s, or why it was refused (failed verification, crashed, ran too long). */
  figure?: EngineFigure;
  /** Why it could not be loaded (not there, no cblas_sgemm): not a candidate at all. */
  missing?: string;
}

/**
 * OPENBLAS_CORETYPE for a probe or a load: a core type, null to remove the variable (OpenBLAS
 * detects the CPU), undefined to leave the environment as it is.
 */
export type CoreTypeSetting = string | null | undefined;

/**
 * Verifies and times library `file` in a child process with OPENBLAS_CORETYPE as `coreType`
 * says. Throws when no child may be started (no --allow-run).
 */
export function probeLibrary(
  file: string,
  coreType: CoreTypeSetting,
  timeoutS = PROBE_TIMEOUT_S,
): LibraryProbe {
  const label = coreType == null ? file : `${file} (OPENBLAS_CORETYPE=${coreType})`;
  const script = new URL(import.meta.url).pathname;
  const deno = [Deno.execPath(), "run", "--no-config", "--allow-ffi", script, file];
  const { code, stdout, stderr } = run(deno, childEnv(coreType), timeoutS);
  const lines = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim().split("\n");
  if (code === 124) return { figure: { label, refused: `its probe ran past ${timeoutS} s` } };
  if (code !== 0) {
    const why = lines(stderr).findLast((line) => line.trim() !== "") ?? "";
    return { figure: { label, refused: `its probe exited with code ${code}: ${why}` } };
  }
  try {
    return JSON.parse(lines(stdout).at(-1)!);
  } catch {
    return { figure: { label, refused: `its probe printed no result: ${lines(stdout).at(-1)}` } };
  }
}

/** This process's environment with OPENBLAS_CORETYPE as `coreType` says. */
function childEnv(coreType: CoreTypeSetting): Record<string, string> {
  const env = Deno.env.toObject();
  if (coreType !== undefined) delete env.OPENBLAS_CORETYPE;
  if (coreType != null) env.OPENBLAS_CORETYPE = coreType;
  return env;
}

/** `command` under `timeout` (coreutils) when there is one, else as it is. */
function run(command: string[], env: Record<string, string>, timeoutS: number) {
  const options = { env, clearEnv: true, stdin: "null" as const };
  try {
    const args = ["-k", "5", String(timeoutS), ...command];
    return new Deno.Command("timeout", { ...options, args }).outputSync();
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
    return new Deno.Command(command[0], { ...options, args: command.slice(1) }).outputSync();
  }
}

/** The child: `file` loaded, verified on a plain buffer and timed. */
function probe(file: string): LibraryProbe {
  let blas;
  try {
    blas = openBlas(file);
  } catch (err) {
    return { missing: (err as Error).message };
  }
  const heap = plainHeap(16 << 20);
  const candidate = {
    label: shortName(blas.name),
    supports: () => true,
    product: (...args: ProductArgs) => blas.gemm(heap.buffer(), ...args),
  };
  return { name: blas.name, figure: chooseEngine(heap, [candidate]).figures[0] };
}

if (import.meta.main) console.log(JSON.stringify(probe(Deno.args[0])));
