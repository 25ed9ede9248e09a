// Sums over leading axes on webgpu (bias gradients; chunks of rows, then their sums) against a
// float64 loop; other sums stay tfjs's. Needs a WebGPU adapter (llvmpipe in CI).
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { values } from "../../../test/values.ts";
import { initBackend } from "../backend.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);

Deno.test("webgpu Sum over leading axes equals a loop, in one chunk or many, keepDims too", async () => {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  // [shape, leading axes summed]: one chunk of rows, 64 exactly, many with a partial last one.
  const cases: [number[], number[]][] = [[[5, 7], [0]], [[64, 3], [0]], [[3, 100, 67], [0, 1]], [
    [2, 384, 96],
    [0, 1],
  ], [[6144, 2], [0]]];
  for (const [shape, axes] of cases) {
    for (const keepDims of [false, true]) {
      const data = values(tf.util.sizeFromShape(shape), shape[0], 1);
      const rows = tf.util.sizeFromShape(shape.slice(0, axes.length));
      const cols = data.length / rows;
      const expected = new Float64Array(cols);
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) expected[c] += data[r * cols + c];
      }
      const x = tf.tensor(data, shape);
      const total = tf.sum(x, axes, keepDims);
      const kept = shape.slice(axes.length);
      assertEquals(total.shape, keepDims ? [...axes.map(() => 1), ...kept] : kept);
      const actual = await total.data();
      let worst = 0;
      expected.forEach((v, i) => worst = Math.max(worst, Math.abs(actual[i] - v)));
      assert(worst <= 1e-5 * Math.sqrt(rows), `[${shape}] over ${axes}: max abs error ${worst}`);
      tf.dispose([x, total]);
    }
  }
  // Not leading axes, or not float32: tfjs's own kernel.
  const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  assertEquals(Array.from(await tf.sum(x, 1).data()), [6, 15]);
  assertEquals(Array.from(await tf.sum(x.toInt(), 0).data()), [5, 7, 9]);
  assertEquals(Array.from(await tf.sum(x).data()), [21]);
  x.dispose();
});
