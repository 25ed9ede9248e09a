// The webgpu backend on Deno's built-in WebGPU (or Dawn's, `./dawn.ts`, with QA_WEBGPU=dawn):
// finding an adapter, and tfjs-backend-webgpu with the two changes Deno needs.
//
// 1. Uploads. tfjs writes every tensor it uploads into a `mappedAtCreation` buffer. Deno's
//    WebGPU spends ~22 ms in each `getMappedRange()` of such a buffer while the GPU is busy, and a
//    training step makes hundreds of uploads (17 s/step on an H100 for DistilBERT, ../shared/gpu).
//    `queue.writeBuffer` does the same in the queue's order: it runs before the commands tfjs has
//    encoded but not yet submitted, which is right, since those never use a buffer that is free to
//    be handed out (tfjs returns a buffer to its pool only after the commands using it are
//    submitted).
// 2. Synchronous reads. tfjs reads GPU data synchronously through an OffscreenCanvas, which Deno
//    does not have; the error says what to use instead.

import * as tf from "@tensorflow/tfjs";
import { batchMatMulWebGPU } from "./matmul_webgpu.ts";
import { sumWebGPU } from "./column_sums_webgpu.ts";
import { setting } from "../../settings.ts";

/** What `findAdapter` found. */
export interface AdapterReport {
  /** The adapter's own description, e.g. "NVIDIA H100 80GB HBM3" or "llvmpipe (LLVM 15.0.6)". */
  description: string;
  /** A software adapter (llvmpipe): correct, but slower than wasm. */
  fallback: boolean;
}

/** What to install when there is no adapter (Debian; the GPU's own driver on a real GPU). */
export const WEBGPU_PACKAGES = "mesa-vulkan-drivers libvulkan1";

/** The WebGPU implementations: Deno's built-in one, or Dawn (`npm:webgpu`, a Node addon). */
export type WebGPUImplementation = "deno" | "dawn";

/** The environment variable that picks the implementation when no code or option does. */
export const WEBGPU_ENV = "QA_WEBGPU";

let chosen: WebGPUImplementation | null = null;
let adapterPromise: Promise<GPUAdapter | null> | null = null;

/**
 * Picks the WebGPU implementation of this process: "deno" or "dawn". Without a call, QA_WEBGPU
 * picks it, else "deno". Once an adapter has been asked for, only the same choice is accepted.
 */
export function selectWebGPU(name: string): void {
  const implementation = parseImplementation(name, "the WebGPU implementation");
  if (adapterPromise != null && implementation !== webgpuImplementation()) {
    throw new Error(
      `WebGPU already runs on ${webgpuImplementation()} in this process; cannot switch to ` +
        implementation,
    );
  }
  chosen = implementation;
}

/** The WebGPU implementation this process uses (or will use). */
export function webgpuImplementation(): WebGPUImplementation {
  chosen ??= setting("QA_WEBGPU");
  return chosen;
}

function parseImplementation(name: string, what: string): WebGPUImplementation {
  if (name === "deno" || name === "dawn") return name;
  throw new Error(`${what} must be "deno" or "dawn", got "${name}"`);
}

/**
 * The WebGPU adapter of this process (asked for once), or null when the runtime has no WebGPU or
 * the system no driver for it.
 */
export function requestAdapter(): Promise<GPUAdapter | null> {
  const implementation = webgpuImplementation();
  adapterPromise ??= quietly(async () => {
    if (implementation === "dawn") {
      const { requestDawnAdapter } = await import("./dawn.ts");
      return await requestDawnAdapter();
    }
    const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
    if (gpu == null) return null;
    return await gpu.requestAdapter({ powerPreference: "high-performance" });
  });
  return adapterPromise;
}

/** The adapter's description and whether it is a software one; null when there is none. */
export async function findAdapter(): Promise<AdapterReport | null> {
  const adapter = await requestAdapter();
  if (adapter == null) return null;
  return describe(adapter);
}

function describe(adapter: GPUAdapter): AdapterReport {
  // Deno 2.9 puts isFallbackAdapter on `info` (the current spec); older runtimes on the adapter.
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacy = (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const description = info.description || [info.vendor, info.architecture].join(" ").trim();
  // Dawn says isFallbackAdapter false for llvmpipe behind OpenGL ES, and names it in `device`.
  const software = /llvmpipe|lavapipe|swiftshader/i.test(`${description} ${info.device}`);
  const fallback = software || (info.isFallbackAdapter ?? legacy ?? false);
  return { description: description || "unknown adapter", fallback };
}

/**
 * Runs `f` with XDG_RUNTIME_DIR set (to a private folder under TMPDIR) when it is not: the Vulkan
 * loader's Wayland probe prints "error: XDG_RUNTIME_DIR is invalid or not set" to stderr twice per
 * adapter request otherwise, which reads like a failure but is not one.
 */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  await ensureRuntimeDir();
  return await f();
}

// Set once per process and never unset: changing the environment while driver or worker threads
// read it (C getenv is not synchronised with setenv) corrupted the heap now and then.
async function ensureRuntimeDir(): Promise<void> {
  if (Deno.env.get("XDG_RUNTIME_DIR") != null) return;
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const dir = `${tmp}/qa-finetune-xdg-${Deno.uid() ?? "user"}`;
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  Deno.env.set("XDG_RUNTIME_DIR", dir);
}

let registered = false;

/**
 * Imports tfjs-backend-webgpu (which registers its kernels and a "webgpu" backend) and replaces
 * its backend factory with ours: the same backend on this process's adapter, uploading through
 * `queue.writeBuffer`; then puts our kernels in place of its BatchMatMul and (over leading
 * axes) Sum. The package is imported only here, so that no other backend choice pulls it in.
 */
export async function registerWebGPU(): Promise<void> {
  if (registered) return;
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  const stockMatMul = tf.getKernel(tf.BatchMatMul, "webgpu");
  if (stockMatMul == null) throw new Error("tfjs-backend-webgpu registered no BatchMatMul");
  tf.unregisterKernel(tf.BatchMatMul, "webgpu");
  tf.registerKernel(batchMatMulWebGPU(stockMatMul));
  const stockSum = tf.getKernel(tf.Sum, "webgpu");
  if (stockSum == null) throw new Error("tfjs-backend-webgpu registered no Sum");
  tf.unregisterKernel(tf.Sum, "webgpu");
  tf.registerKernel(sumWebGPU(stockSum));
  const QueueUploadBackend = queueUploadBackend(WebGPUBackend as unknown as BackendClass);
  if (tf.findBackendFactory("webgpu") != null) tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", async () => {
    const adapter = await requestAdapter();
    if (adapter == null) throw new Error(noAdapterMessage());
    const device = await adapter.requestDevice({
      requiredFeatures: adapter.features.has("timestamp-query") ? ["timestamp-query"] : [],
      requiredLimits: {
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
      },
    });
    device.lost.then((info) => {
      if (info.reason !== "destroyed") console.error(`WebGPU device lost: ${info.message}`);
    });
    const backend = new QueueUploadBackend(device, adapter.info);
    backend.softwareAdapter = describe(adapter).fallback;
    return backend as unknown as tf.KernelBackend;
  }, 1);
  registered = true;
}

/** Why there is no webgpu backend, and what to install. */
export function noAdapterMessage(): string {
  if (webgpuImplementation() === "dawn") {
    return "Dawn (npm:webgpu) found no adapter: it needs a Vulkan driver (the GPU's own) or " +
      "OpenGL ES 3.1 through EGL (Mesa's llvmpipe). On Debian/Ubuntu: apt-get install -y " +
      "libvulkan1 libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri, or the GPU vendor's driver";
  }
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (gpu == null) return "this runtime has no WebGPU (navigator.gpu is undefined)";
  return "navigator.gpu.requestAdapter() found no adapter: no Vulkan driver is installed. " +
    `On Debian/Ubuntu: apt-get install -y ${WEBGPU_PACKAGES} (the software adapter llvmpipe, ` +
    "or the GPU vendor's Vulkan driver)";
}

/** The members of tfjs-backend-webgpu 4.22's WebGPUBackend that the override uses. */
interface TensorData {
  values: ArrayLike<number> | null;
  dtype: string;
  shape: number[];
  resource?: unknown;
}

interface WebGPUBackendLike {
  device: GPUDevice;
  queue: GPUQueue;
  /** Set from the adapter: the kernels keep what LLVM compiles on a software adapter small. */
  softwareAdapter?: boolean;
  tensorMap: { get(dataId: object): TensorData };
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  uploadToGPU(dataId: object): void;
  readSync(dataId: object): unknown;
}

type BackendClass = new (device: GPUDevice, info?: GPUAdapterInfo) => WebGPUBackendLike;

const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST, as tfjs allocates

function queueUploadBackend(Base: BackendClass): BackendClass {
  return class QueueUploadBackend extends Base {
    override uploadToGPU(dataId: object): void {
      const data = this.tensorMap.get(dataId);
      if (data.resource != null || data.values == null) return super.uploadToGPU(dataId);
      const values = data.dtype === "float32"
        ? toTyped(Float32Array, data.values)
        : toTyped(Int32Array, data.values); // int32 and bool are 32-bit integers on the GPU
      const buffer = this.bufferManager.acquireBuffer(values.byteLength, STORAGE_USAGE);
      if (values.byteLength > 0) this.queue.writeBuffer(buffer, 0, values as BufferSource);
      data.values = null; // once uploaded, tfjs keeps no copy on the host
      data.resource = buffer;
    }

    override readSync(dataId: object): unknown {
      const data = this.tensorMap.get(dataId);
      if (data.values != null || data.dtype === "string") return data.values;
      throw new Error(
        "webgpu: a tensor on the GPU cannot be read synchronously under Deno (tfjs would need an " +
          "OffscreenCanvas); use `await tensor.data()` or `await tensor.array()` instead of " +
          "dataSync()/arraySync()",
      );
    }
  };
}

function toTyped<T extends Float32Array | Int32Array>(
  Type: { new (values: ArrayLike<number>): T; prototype: T },
  values: ArrayLike<number>,
): T {
  return values instanceof Type ? values : new Type(values);
}
