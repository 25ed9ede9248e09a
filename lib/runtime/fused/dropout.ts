// Dropout in one pass on the wasm backend. tf.dropout draws its uniform numbers in JavaScript and
// then runs four kernels (add, floor, div, mul), keeping each result for the gradient: about
// 120 ms and four copies of the attention probabilities per BERT layer at 8 × 384 tokens. This
// kernel draws a xorshift32 stream in wasm and writes the output and the scaled keep-mask (the
// gradient is dy · mask) together. Same law as tf.dropout: keep with probability 1 − rate, scale
// kept values by 1 / (1 − rate). On webgpu a kernel of its own draws the mask on the GPU
// (dropout_webgpu.ts).
import * as tf from "@tensorflow/tfjs";
import type { KernelFunc, NamedAttrMap, TensorInfo } from "@tensorflow/tfjs-core";
import {
  bodyBuilder,
  EMPTY_BLOCK,
  F32,
  f32Load,
  f32Store,
  get,
  heapModuleBytes,
  I32,
  i32,
  OP,
  set,
} from "../wasm/wasm_emit.ts";
import { heapInstance, heapOffset, type WasmBackend } from "../wasm/wasm_internals.ts";
import { dropoutWebgpu } from "../webgpu/dropout_webgpu.ts";
import { mulberry32 } from "../../data/random.ts";

const KERNEL = "QaDropout";

/**
 * `dropout(x, out, mask, size, threshold, scaleBits, seed)`: for each of `size` floats, the next
 * xorshift32 number keeps the value if its top 24 bits are ≥ `threshold`: mask = scale (the f32
 * with bits `scaleBits`) or 0, out = x · mask.
 */
function dropoutFunction() {
  const [x, out, mask, size, threshold, scaleBits, seed] = [0, 1, 2, 3, 4, 5, 6];
  const [end, kept] = [7, 8];
  const { body, emit } = bodyBuilder();
  const xorShift = (op: number, by: number) =>
    emit(get(seed), get(seed), i32(by), [op], [OP.i32Xor], set(seed));
  emit(get(x), get(size), i32(4), [OP.i32Mul], [OP.i32Add], set(end));
  emit([OP.loop, EMPTY_BLOCK]);
  xorShift(OP.i32Shl, 13);
  xorShift(OP.i32ShrU, 17);
  xorShift(OP.i32Shl, 5);
  emit(get(scaleBits), [OP.f32ReinterpretI32], [OP.f32Const, 0, 0, 0, 0]);
  emit(get(seed), i32(8), [OP.i32ShrU], get(threshold), [OP.i32GeU], [OP.select], set(kept));
  emit(get(mask), get(kept), f32Store(0));
  emit(get(out), get(x), f32Load(0), get(kept), [OP.f32Mul], f32Store(0));
  for (const pointer of [x, out, mask]) emit(get(pointer), i32(4), [OP.i32Add], set(pointer));
  emit(get(x), get(end), [OP.i32LtU], [OP.brIf, 0], [OP.end]);
  const locals: [number, number][] = [[1, I32], [1, F32]];
  return { name: "dropout", params: 7, locals, body };
}

let bytes: Uint8Array | null = null;

const kernelFunc: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x } = inputs as { x: TensorInfo };
  const { threshold, scaleBits, seed } = attrs as unknown as Record<string, number>;
  const wasm = backend as unknown as WasmBackend;
  bytes ??= heapModuleBytes([dropoutFunction()]);
  const out = wasm.makeOutput(x.shape, "float32");
  const mask = wasm.makeOutput(x.shape, "float32");
  const [xAt, outAt, maskAt] = [x, out, mask].map((t) => heapOffset(wasm, t));
  const size = tf.util.sizeFromShape(x.shape);
  heapInstance(wasm, bytes)!.dropout(xAt, outAt, maskAt, size, threshold, scaleBits, seed);
  return [out, mask];
};

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({ kernelName: KERNEL, backendName: "wasm", kernelFunc });
}

/**
 * The kernel under a custom gradient (dy · mask), so that the tape sees one output: tfjs builds
 * the gradient of a kernel's every output, and for the mask, which no op uses, that is a tensor of
 * zeros made in JavaScript and copied to the heap (about 100 MB per DistilBERT micro-batch of 2).
 */
function maskedDropout(x: tf.Tensor, attrs: NamedAttrMap): tf.Tensor {
  const run = (input: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, mask] = tf.engine().runKernel(KERNEL, { x: input }, attrs) as tf.Tensor[];
    save([mask]);
    return { value: out, gradFunc: (dy: tf.Tensor, [kept]: tf.Tensor[]) => tf.mul(dy, kept) };
  };
  return tf.customGrad(run as unknown as Parameters<typeof tf.customGrad>[0])(x);
}

// Where the masks' seeds come from: a seeded stream while the trainer runs a micro-batch,
// Math.random otherwise.
let stream: (() => number) | null = null;

/**
 * Makes the following dropout calls draw their masks from a stream seeded with `seed` (null:
 * unseeded again). The trainer seeds each micro-batch from the run's seed, the step and the
 * micro-batch's place in the batch, so that a run with the same seed repeats exactly and a resumed
 * run continues exactly (HF's Trainer gets the same by seeding torch and saving its RNG states).
 * Gradients reuse the forward's mask and draw nothing.
 */
export function seedDropout(seed: number | null): void {
  stream = seed === null ? null : mulberry32(seed);
}

/** A fresh 32-bit seed per call: a new mask each time, as tf.dropout draws. */
function freshSeed(): number {
  return ((stream ?? Math.random)() * 0x100000000) >>> 0;
}

/**
 * Inverted dropout of float32 `x` at `rate` (0 < rate < 1): one wasm pass where the backend is
 * wasm and exposes its heap, one webgpu kernel on webgpu (dropout_webgpu.ts), tf.dropout
 * elsewhere.
 */
export function dropout(x: tf.Tensor, rate: number): tf.Tensor {
  if (tf.getBackend() === "webgpu" && x.dtype === "float32" && x.size > 0) {
    return dropoutWebgpu(x, rate, freshSeed());
  }
  const backend = tf.backend() as unknown as WasmBackend;
  const onHeap = tf.getBackend() === "wasm" && x.dtype === "float32" && x.size > 0 &&
    heapInstance(backend, bytes ??= heapModuleBytes([dropoutFunction()])) != null;
  if (!onHeap) return tf.dropout(x, rate, undefined, stream ? freshSeed() : undefined);
  register();
  const scaleBits = new Int32Array(new Float32Array([1 / (1 - rate)]).buffer)[0];
  const attrs = {
    threshold: Math.round(rate * 2 ** 24),
    scaleBits,
    // xorshift32 needs a nonzero state.
    seed: freshSeed() | 1,
  };
  return maskedDropout(x, attrs as unknown as NamedAttrMap);
}
