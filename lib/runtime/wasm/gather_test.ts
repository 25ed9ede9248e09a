import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { registerCustomKernels } from "./mod.ts";

await initBackend("wasm");

/** tf.gather with our kernel and with the stock one. */
function both(f: () => tf.Tensor): [Float32Array, Float32Array, number[]] {
  registerCustomKernels({ matMul: true, segmentSum: true, gather: true });
  const ours = f();
  registerCustomKernels({ matMul: true, segmentSum: true, gather: false });
  const stock = f();
  registerCustomKernels();
  const result: [Float32Array, Float32Array, number[]] = [
    ours.dataSync() as Float32Array,
    stock.dataSync() as Float32Array,
    ours.shape,
  ];
  assert.deepEqual(ours.shape, stock.shape);
  tf.dispose([ours, stock]);
  return result;
}

Deno.test("wasm GatherV2 copies table rows as the stock kernel does, other axes too", () => {
  const table = tf.randomNormal([50, 3, 4], 0, 1, "float32", 5);
  const ids = tf.tensor2d([[0, 49, 7], [7, 7, 1]], [2, 3], "int32");
  const [ours, stock, shape] = both(() => tf.gather(table, ids));
  assert.deepEqual(shape, [2, 3, 3, 4]);
  assert.deepEqual(ours, stock);
  // Axis 1 is the stock kernel's.
  const [alongColumns, stockColumns] = both(() =>
    tf.gather(table, tf.tensor1d([2, 0], "int32"), 1)
  );
  assert.deepEqual(alongColumns, stockColumns);
  tf.dispose([table, ids]);
});

Deno.test("wasm GatherV2 names an id outside the table and leaves nothing allocated", () => {
  const table = tf.zeros([10, 8]);
  const ids = tf.tensor1d([3, 10], "int32");
  const before = tf.memory().numTensors;
  const bytes = tf.memory().numBytes;
  assert.throws(() => tf.gather(table, ids), /index 10 is not in \[0, 9\] \(row 1 of the ids\)/);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(tf.memory().numBytes, bytes);
  tf.dispose([table, ids]);
});
