// The members of tfjs-backend-webgpu 4.22's WebGPUBackend that our webgpu kernels use (the
// package's own types are not imported: it is loaded only when the webgpu backend is chosen).
import type { TensorInfo } from "@tensorflow/tfjs-core";

/** A tfjs webgpu backend, as far as our kernels touch it. */
export interface WebGPUBackendLike {
  device: GPUDevice;
  /** The adapter is a software one (llvmpipe): shaders are compiled by LLVM on the CPU. */
  softwareAdapter?: boolean;
  /** Runs a tfjs WebGPUProgram on `inputs` into a new output. */
  runWebGPUProgram(
    program: unknown,
    inputs: TensorInfo[],
    outputDtype: string,
    uniforms?: { type: string; data: number[] }[],
  ): TensorInfo;
  tensorMap: {
    get(dataId: object): { values: unknown; resource?: unknown; dtype: string };
  };
  uploadToGPU(dataId: object): void;
  /** Frees a kernel's intermediate output. */
  disposeData(dataId: object): boolean;
  refCount(dataId: object): number;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}
