// Sum over leading axes (x [rows, ...cols] → [...cols]) for the wasm backend: what a bias's and a
// LayerNorm weight's gradients are. The stock kernel transposes the input to bring those axes last
// and then sums, two passes with a strided one; this adds each row into the sums with SIMD, in
// the same order (row 0 first), so the results are the same bits.
import type { KernelConfig, KernelFunc, SumAttrs, TensorInfo } from "@tensorflow/tfjs-core";
import * as tf from "@tensorflow/tfjs-core";
import {
  bodyBuilder,
  EMPTY_BLOCK,
  get,
  heapModuleBytes,
  I32,
  i32,
  load,
  OP,
  set,
  SIMD,
  simd,
  store,
} from "./wasm_emit.ts";
import { heapInstance, heapOffset, type WasmBackend } from "./wasm_internals.ts";

/**
 * `columnSums(x, rows, groups, out)`: out[c] = Σ_r x[r, c] for c in 0..4·groups (rows of x are
 * 4·groups floats); `out` is overwritten.
 */
function columnSumsFunction() {
  const [x, rows, groups, out] = [0, 1, 2, 3];
  const [at, left, end] = [4, 5, 6];
  const { body, emit } = bodyBuilder();
  const rowEnd = [...get(out), ...get(groups), ...i32(16), OP.i32Mul, OP.i32Add];
  emit(rowEnd, set(end));
  // out = row 0, then out += each further row.
  emit(get(out), set(at), [OP.loop, EMPTY_BLOCK]);
  emit(get(at), get(x), load(0), store(0));
  emit(get(x), i32(16), [OP.i32Add], set(x), get(at), i32(16), [OP.i32Add], set(at));
  emit(get(at), get(end), [OP.i32LtU], [OP.brIf, 0], [OP.end]);
  emit(get(rows), i32(1), [OP.i32Sub], set(left));
  emit(get(left), [OP.if, EMPTY_BLOCK], [OP.loop, EMPTY_BLOCK]); // over rows 1..
  emit(get(out), set(at), [OP.loop, EMPTY_BLOCK]); // over the row
  emit(get(at), get(at), load(0), get(x), load(0), simd(SIMD.f32x4Add), store(0));
  emit(get(x), i32(16), [OP.i32Add], set(x), get(at), i32(16), [OP.i32Add], set(at));
  emit(get(at), get(end), [OP.i32LtU], [OP.brIf, 0], [OP.end]);
  emit(get(left), i32(1), [OP.i32Sub], set(left));
  emit(get(left), [OP.i32Eqz], [OP.i32Eqz], [OP.brIf, 0], [OP.end], [OP.end]);
  return { name: "columnSums", params: 4, locals: [[3, I32]] as [number, number][], body };
}

let bytes: Uint8Array | null = null;

/**
 * The wasm Sum kernel: float32 sums over leading axes whose rows are a multiple of 4 floats go to
 * our loop; everything else to `original`.
 */
export function sumWasm(original: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const backend = args.backend as unknown as WasmBackend;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length < rank && axes.every((a, i) => a === i);
    const columns = tf.util.sizeFromShape(x.shape.slice(axes.length));
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    bytes ??= heapModuleBytes([columnSumsFunction()]);
    const exports = heapInstance(backend, bytes);
    if (
      x.dtype !== "float32" || !leading || columns % 4 !== 0 || columns === 0 || rows === 0 ||
      !exports
    ) {
      return original.kernelFunc(args);
    }
    const kept = x.shape.slice(axes.length);
    const shape = keepDims ? [...new Array(axes.length).fill(1), ...kept] : kept;
    const out = backend.makeOutput(shape, "float32");
    exports.columnSums(heapOffset(backend, x), rows, columns / 4, heapOffset(backend, out));
    return out;
  };
  return { ...original, kernelFunc };
}
