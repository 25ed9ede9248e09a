/**
 * The compute runtime: which TensorFlow.js backend runs (`initBackend`), the kernels we add to it
 * (`wasm/`: matrix products on BLAS or our SIMD kernels, gathers, sums; `webgpu/`: WGSL kernels and
 * the adapter), and the fused operations the layers call (`fused/`), each with a path per backend.
 * Nothing here knows about BERT: the model (`lib/model`) imports this, never the reverse.
 *
 * `fused/` holds the operations with a path per backend (a WGSL kernel on webgpu, a wasm kernel or
 * plain tfjs ops elsewhere, one gradient for all): they belong to neither `wasm/` nor `webgpu/`
 * alone, so they sit beside both, where the layers find them.
 */
export {
  activeBlas,
  type BackendName,
  BLAS_ENV,
  type BlasChoice,
  blasChoice,
  describeBackend,
  initBackend,
  type InitBackendOptions,
  onDevice,
  OUR_KERNELS,
  productsEngine,
} from "./backend.ts";
export {
  findAdapter,
  selectWebGPU,
  WEBGPU_ENV,
  type WebGPUImplementation,
  webgpuImplementation,
} from "./webgpu/webgpu.ts";
export { registerCustomKernels, segmentSum, selectBlas } from "./wasm/mod.ts";
export { biasGelu } from "./fused/bias_gelu.ts";
export { dropout, seedDropout } from "./fused/dropout.ts";
export { additiveMask, maskedSoftmax } from "./fused/masked_softmax.ts";
export { residualLayerNorm } from "./fused/residual_layer_norm.ts";
export {
  type FloatOutput,
  type IdsInput,
  loadOnnxRuntime,
  onnxRuntimeVersion,
  OnnxSession,
  onnxThreads,
} from "./onnx/session.ts";
