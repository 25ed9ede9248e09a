// The gradient norm's Σ x² on webgpu (partial sums in one kernel for large tensors) against a
// float64 sum. Needs a WebGPU adapter (llvmpipe in CI).
import * as tf from "@tensorflow/tfjs";
import { assert } from "../../../test/assert.ts";
import { values } from "../../../test/values.ts";
import { initBackend } from "../backend.ts";
import { squaredSum } from "./squared_sum_webgpu.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);

Deno.test("webgpu Σ x² equals a float64 sum: small, at the threshold, odd sizes, strided", async () => {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  // Tfjs's ops; the threshold; an odd size; more than 65,536 × 256 floats (several per stride).
  for (const size of [1000, 65_536, 1_000_003, 17_000_011]) {
    const data = values(size, size % 97, 2);
    let expected = 0;
    for (const v of data) expected += v * v;
    const x = tf.tensor2d(data, [1, size]);
    const before = tf.memory().numTensors;
    const total = squaredSum(x);
    const actual = (await total.data())[0];
    assert(tf.memory().numTensors === before + 1, `size ${size}: tensors left behind`);
    assert(
      Math.abs(actual - expected) <= 1e-5 * expected,
      `size ${size}: ${actual} against ${expected}`,
    );
    tf.dispose([x, total]);
  }
});
