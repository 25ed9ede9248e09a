/**
 * The TensorFlow.js compute backend for training and inference.
 *
 * `initBackend()` picks webgpu on a hardware GPU, else the wasm backend (XNNPACK, SIMD), and falls
 * back to the pure-JavaScript cpu backend when wasm cannot start; either way it first registers our
 * kernels (`./wasm/mod.ts`), which fill the gaps of the wasm backend for BERT training.
 */

// The full package, as the model code uses: it also registers the gradients and chained ops.
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import {
  activeBlas,
  type BlasChoice,
  blasChoiceSummary,
  OUR_KERNELS,
  registerCustomKernels,
  selectBlas,
} from "./wasm/mod.ts";
import {
  findAdapter,
  noAdapterMessage,
  registerWebGPU,
  selectWebGPU,
  type WebGPUImplementation,
  webgpuImplementation,
} from "./webgpu/webgpu.ts";

export { activeBlas, BLAS_ENV, type BlasChoice, blasChoice } from "./wasm/mod.ts";

/** Backends `initBackend` knows (no tfjs-node: see docs/speed.md). */
export type BackendName = "auto" | "wasm" | "cpu" | "webgpu";

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /**
   * Folder (path or file: URL) holding tfjs-backend-wasm's .wasm files; found if omitted. Only the
   * first start of wasm in a process reads it.
   */
  wasmDir?: string;
  /**
   * The WebGPU under "webgpu" (and "auto"): Deno's built-in one, or Dawn (`npm:webgpu`); the
   * QA_WEBGPU environment variable when omitted, else "deno". One per process.
   */
  webgpu?: WebGPUImplementation;
  /**
   * Where the wasm backend's matrix products run: "auto" (OpenBLAS or Accelerate through FFI when
   * the machine has it), "off" (our wasm SIMD kernels) or a CBLAS library file; the QA_BLAS
   * environment variable when omitted, else "auto". See `wasm/matmul_blas.ts`.
   */
  blas?: BlasChoice;
}

const WASM_FILE = "tfjs-backend-wasm-simd.wasm";

let wasmPathsSet = false;
/** Why tfjs failed to start wasm, once it has: it does not recover in the same process. */
let wasmFailure: string | null = null;
let fallbackLogged = false;

/**
 * Selects the compute backend and returns the name tfjs now uses ("webgpu", "wasm" or "cpu").
 *
 * - "auto" (default): webgpu when WebGPU has a hardware adapter (not a software one such as
 *   llvmpipe, which is slower than wasm), else wasm, or cpu if wasm fails to start (logged once,
 *   with the reason).
 * - "wasm" / "cpu": that backend, or an error.
 * - "webgpu": tfjs-backend-webgpu on Deno's WebGPU (or Dawn's: `options.webgpu`), any adapter (a
 *   software one too); an error saying what to install when there is none.
 */
export async function initBackend(
  name: BackendName = "auto",
  options: InitBackendOptions = {},
): Promise<string> {
  registerCustomKernels();
  silenceNodeBanner();
  if (options.webgpu != null) selectWebGPU(options.webgpu);
  if (options.blas != null) selectBlas(options.blas);
  switch (name) {
    case "cpu":
      return await useBackend("cpu");
    case "wasm":
      return await useWasm(options.wasmDir);
    case "auto":
      if ((await findAdapter())?.fallback === false) {
        try {
          return await useWebGPU();
        } catch (err) {
          console.warn(`webgpu backend unavailable, trying wasm: ${(err as Error).message}`);
        }
      }
      try {
        return await useWasm(options.wasmDir);
      } catch (err) {
        if (!fallbackLogged) {
          fallbackLogged = true;
          console.warn(`wasm backend unavailable, using cpu: ${(err as Error).message}`);
        }
        return await useBackend("cpu");
      }
    case "webgpu":
      return await useWebGPU();
    default:
      throw new Error(`unknown backend "${name}"; use "auto", "wasm", "cpu" or "webgpu"`);
  }
}

/**
 * `backend` (a name `initBackend` returned) and what runs under it, for logs: "webgpu on deno's
 * WebGPU", "wasm, products on OpenBLAS 0.3.21 …" or "wasm, products on our wasm SIMD kernels".
 */
export function describeBackend(backend: string): string {
  if (backend === "webgpu") return `webgpu on ${webgpuImplementation()}'s WebGPU`;
  if (backend !== "wasm") return backend;
  const engine = productsEngine();
  const summary = blasChoiceSummary();
  return `wasm, products on ${engine}${summary == null ? "" : ` (${summary})`}`;
}

/** What `productsEngine` says when wasm's products run on our own kernels. */
export { OUR_KERNELS };

/** What runs wasm's matrix products now: the BLAS's name, or `OUR_KERNELS`. */
export function productsEngine(): string {
  return activeBlas()?.name ?? OUR_KERNELS;
}

/**
 * Whether the running backend keeps tensors on a device (webgpu): reading them back is then
 * asynchronous only (`await t.data()`), and training keeps its state there.
 */
export function onDevice(): boolean {
  return tf.getBackend() === "webgpu";
}

async function useBackend(name: string): Promise<string> {
  // When a backend fails to start, tfjs logs the cause itself (console.warn).
  if (!(await tf.setBackend(name))) {
    throw new Error(`tfjs could not start the ${name} backend (its warning above says why)`);
  }
  await tf.ready();
  return tf.getBackend();
}

async function useWebGPU(): Promise<string> {
  if ((await findAdapter()) == null) throw new Error(`backend "webgpu": ${noAdapterMessage()}`);
  await registerWebGPU();
  return await useBackend("webgpu");
}

async function useWasm(wasmDir?: string): Promise<string> {
  if (wasmFailure != null) throw new Error(wasmFailure);
  if (typeof WebAssembly !== "object") throw new Error("this runtime has no WebAssembly");
  if (!wasmPathsSet) {
    setWasmPaths(wasmDir == null ? findWasmDir() : checkWasmDir(toDirUrl(wasmDir)));
    wasmPathsSet = true;
  }
  let backend: string;
  try {
    backend = await useBackend("wasm");
  } catch (err) {
    wasmFailure = (err as Error).message;
    throw err;
  }
  // The products' engine is chosen now, as the backend starts (before any gradient worker):
  // auto measures here, and may set OPENBLAS_CORETYPE before it loads OpenBLAS (matmul_blas.ts).
  activeBlas();
  return backend;
}

/**
 * The folder of tfjs-backend-wasm's .wasm files, as a file: URL ending in "/": next to the
 * package's main module as Deno resolves it, else in the node_modules folder of this checkout.
 */
function findWasmDir(): string {
  const tried: string[] = [];
  try {
    const main = import.meta.resolve("@tensorflow/tfjs-backend-wasm");
    if (main.startsWith("file:")) return checkWasmDir(new URL("./", main).href);
    tried.push(`${main} (not a file)`);
  } catch (err) {
    tried.push(`import.meta.resolve: ${(err as Error).message}`);
  }
  const local = new URL("../../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
  try {
    return checkWasmDir(local.href);
  } catch (err) {
    tried.push((err as Error).message);
  }
  throw new Error(`cannot find ${WASM_FILE}: ${tried.join("; ")}`);
}

function toDirUrl(dir: string): string {
  const url = new URL(dir, `file://${Deno.cwd()}/`).href;
  return url.endsWith("/") ? url : url + "/";
}

function checkWasmDir(dirUrl: string): string {
  const file = new URL(WASM_FILE, dirUrl);
  try {
    Deno.statSync(file);
  } catch {
    throw new Error(`${file.pathname} not found`);
  }
  return dirUrl;
}

/**
 * tfjs-backend-cpu prints "Hi, looks like you are running TensorFlow.js in Node.js. To speed things
 * up dramatically, install our node backend..." on its first tensor when IS_NODE is true (it is,
 * under Deno). Turning IS_NODE off would change how tfjs and Emscripten load files, so instead the
 * cpu backend is told it has already been used.
 */
function silenceNodeBanner(): void {
  const cpu = tf.findBackend("cpu") as unknown as { firstUse?: boolean } | null;
  if (cpu != null) cpu.firstUse = false;
}
