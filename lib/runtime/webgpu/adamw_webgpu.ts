// AdamW for the webgpu backend: one dispatch per parameter that updates the weight and both
// moments in place. In tfjs operations the same update is a dozen kernels per parameter, each
// with a new output buffer: about 1,200 dispatches per DistilBERT step, when a dispatch costs
// 40-130 µs of host time on Deno's WebGPU (../shared/gpu/NOTES.md).
//
// tfjs programs write one new output, so this is not a tfjs program: it is a compute pass of its
// own on the backend's device, over the tensors' buffers. Ordering with tfjs's work: the pending
// tfjs commands (which compute the gradients) are submitted first, then this pass, at once.

import type * as tf from "@tensorflow/tfjs";
import type { WebGPUBackendLike } from "./webgpu_backend.ts";

/** The numbers of one AdamW step for one parameter. */
export interface AdamWConstants {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 − β1^step). */
  stepSize: number;
  /** √(1 − β2^step). */
  correction2Sqrt: number;
  /** Gradient clipping's factor (1: none). */
  gradScale: number;
  /** 1 − lr · weight decay (1 for parameters without decay). */
  decay: number;
}

/** One parameter's update: the tensors and the numbers (see lib/train/adamw_device.ts). */
export interface FusedAdamWUpdate {
  param: tf.Variable;
  grad: tf.Tensor;
  m: tf.Variable;
  v: tf.Variable;
  constants: AdamWConstants;
}

const WORKGROUP = 256;

const SHADER = /* wgsl */ `
struct Constants {
  beta1 : f32, beta2 : f32, oneMinusBeta1 : f32, oneMinusBeta2 : f32,
  eps : f32, stepSize : f32, correction2Sqrt : f32, gradScale : f32,
  decay : f32, size : u32, rowLength : u32,
};
@group(0) @binding(0) var<storage, read_write> p : array<f32>;
@group(0) @binding(1) var<storage, read> g : array<f32>;
@group(0) @binding(2) var<storage, read_write> m : array<f32>;
@group(0) @binding(3) var<storage, read_write> v : array<f32>;
@group(0) @binding(4) var<uniform> c : Constants;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) id : vec3<u32>) {
  // Two-dimensional dispatch: a parameter may hold more than 65,535 workgroups of values.
  let i = id.y * c.rowLength + id.x;
  if (i >= c.size) { return; }
  // The operations and their order of tfjs's unfused update (adamw_device.ts).
  let grad = g[i] * c.gradScale;
  let nextM = m[i] * c.beta1 + grad * c.oneMinusBeta1;
  let nextV = v[i] * c.beta2 + (grad * grad) * c.oneMinusBeta2;
  let denominator = sqrt(nextV) / c.correction2Sqrt + c.eps;
  m[i] = nextM;
  v[i] = nextV;
  p[i] = p[i] * c.decay - (nextM / denominator) * c.stepSize;
}`;

const pipelines = new WeakMap<GPUDevice, GPUComputePipeline>();
/** A uniform buffer per parameter, kept: written once per step. */
const uniformBuffers = new WeakMap<tf.Variable, GPUBuffer>();

function pipelineOf(device: GPUDevice): GPUComputePipeline {
  let pipeline = pipelines.get(device);
  if (pipeline == null) {
    pipeline = device.createComputePipeline({
      layout: "auto",
      compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: "main" },
      label: "qaAdamW",
    });
    pipelines.set(device, pipeline);
  }
  return pipeline;
}

/**
 * Applies the updates it can on the webgpu backend `backend` and returns the ones it cannot
 * (not float32, or a weight whose data another tensor shares), for the caller to do with tfjs
 * operations. `maxWorkgroupsX` bounds the first dispatch dimension (the device limit by default).
 */
export function fusedAdamW(
  backendArg: unknown,
  updates: FusedAdamWUpdate[],
  maxWorkgroupsX?: number,
): FusedAdamWUpdate[] {
  const backend = backendArg as WebGPUBackendLike;
  const { device } = backend;
  const rest: FusedAdamWUpdate[] = [];
  const fusable = updates.filter((u) => {
    const tensors = [u.param, u.grad, u.m, u.v];
    const ok = tensors.every((t) => t.dtype === "float32" && t.size === u.param.size) &&
      [u.param, u.m, u.v].every((t) => backend.refCount(t.dataId) === 1);
    if (!ok) rest.push(u);
    return ok && u.param.size > 0;
  });
  if (fusable.length === 0) return rest;

  // tfjs's pending commands compute the gradients: they go first.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();

  const pipeline = pipelineOf(device);
  const encoder = device.createCommandEncoder({ label: "qaAdamW" });
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  const limit = maxWorkgroupsX ?? device.limits.maxComputeWorkgroupsPerDimension;
  for (const u of fusable) {
    const groups = Math.ceil(u.param.size / WORKGROUP);
    const [x, y] = [Math.min(groups, limit), Math.ceil(groups / Math.min(groups, limit))];
    const buffers = [u.param, u.grad, u.m, u.v].map((t) => {
      backend.uploadToGPU(t.dataId);
      return backend.tensorMap.get(t.dataId).resource as GPUBuffer;
    });
    const uniforms = uniformBufferOf(device, u.param);
    device.queue.writeBuffer(uniforms, 0, constantBytes(u.constants, u.param.size, x * WORKGROUP));
    const entries = [...buffers, uniforms].map((buffer, binding) => ({
      binding,
      resource: { buffer },
    }));
    pass.setBindGroup(
      0,
      device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }),
    );
    pass.dispatchWorkgroups(x, y);
    // Values tfjs cached on the host after a read are stale now.
    for (const t of [u.param, u.m, u.v]) backend.tensorMap.get(t.dataId).values = null;
  }
  pass.end();
  device.queue.submit([encoder.finish()]);
  return rest;
}

function uniformBufferOf(device: GPUDevice, param: tf.Variable): GPUBuffer {
  let buffer = uniformBuffers.get(param);
  if (buffer == null) {
    buffer = device.createBuffer({
      size: 48,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label: "qaAdamW constants",
    });
    uniformBuffers.set(param, buffer);
  }
  return buffer;
}

function constantBytes(
  c: FusedAdamWUpdate["constants"],
  size: number,
  rowLength: number,
): ArrayBuffer {
  const bytes = new ArrayBuffer(48);
  new Float32Array(bytes, 0, 9).set([
    c.beta1,
    c.beta2,
    1 - c.beta1,
    1 - c.beta2,
    c.eps,
    c.stepSize,
    c.correction2Sqrt,
    c.gradScale,
    c.decay,
  ]);
  new Uint32Array(bytes, 36, 2).set([size, rowLength]);
  return bytes;
}
