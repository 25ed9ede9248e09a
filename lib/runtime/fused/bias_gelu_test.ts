// The fused gelu(x + b) and its gradients against the unfused tfjs ops on the same backend and
// against float64: on wasm, and on webgpu (needs a WebGPU adapter: llvmpipe in CI).
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { values, worst } from "../../../test/values.ts";
import { initBackend } from "../backend.ts";
import { biasGelu, biasGeluOps } from "./bias_gelu.ts";

/** erf in float64: its Taylor series below 3, erfc's continued fraction above. */
function erf64(x: number): number {
  const a = Math.abs(x);
  if (a >= 3) {
    let fraction = 0;
    for (let k = 60; k >= 1; k--) fraction = k / 2 / (a + fraction);
    return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + fraction));
  }
  let [sum, term] = [0, x];
  for (let n = 0; n < 100; n++) {
    sum += term / (2 * n + 1);
    term *= -x * x / (n + 1);
  }
  return sum * 2 / Math.sqrt(Math.PI);
}

/** Each case: the shape of x and the bound on a webgpu dispatch's first dimension. */
async function checkAgainstOps(cases: [number[], number][]) {
  for (const [shape, maxWorkgroupsX] of cases) {
    const n = shape[shape.length - 1];
    const size = tf.util.sizeFromShape(shape);
    // Wide enough to reach erf's clamp at |z/√2| = 4.
    const [xv, bv] = [values(size, n, 7), values(n, 3, 1)];
    const [x, b] = [tf.tensor(xv, shape), tf.tensor1d(bv)];
    const weights = tf.tensor(values(size, 11, 1), shape);
    const loss = (f: (x: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, b: tf.Tensor) =>
      f(x, b).mul(weights).sum();
    const fused = (x: tf.Tensor, b: tf.Tensor) => biasGelu(x, b, maxWorkgroupsX);
    const what = `[${shape}]`;

    // The unfused ops first: a failing shader would leave later results zero.
    const e = biasGeluOps(x, b);
    const [dxe, dbe] = tf.grads(loss(biasGeluOps))([x, b]);
    const [dxWanted, dbWanted] = [await dxe.data(), await dbe.data()];
    assert(dxWanted.some((v) => v !== 0), `${what} the ops' gradients are zero`);
    const a = fused(x, b);
    assertEquals(a.shape, e.shape);
    const fusedValues = await a.data();
    const valueError = worst(fusedValues, await e.data());
    assert(valueError <= 1e-5, `${what} values differ from the ops' by ${valueError}`);
    const exact = Array.from(xv, (v, i) => {
      const z = v + bv[i % n];
      return 0.5 * z * (1 + erf64(z * Math.SQRT1_2));
    });
    const exactError = worst(fusedValues, exact);
    assert(exactError <= 2e-6, `${what} values differ from float64's by ${exactError}`);
    const [dxa, dba] = tf.grads(loss(fused))([x, b]);
    assertEquals(dba.shape, [n]);
    const dxError = worst(await dxa.data(), dxWanted);
    assert(dxError <= 1e-5, `${what} gradients of x differ by ${dxError}`);
    const dbError = worst(await dba.data(), dbWanted);
    const dbScale = Math.max(1, ...dbWanted.map(Math.abs));
    assert(dbError <= 1e-5 * dbScale, `${what} gradients of b differ by ${dbError}`);
    tf.dispose([x, b, weights, a, e, dxa, dba, dxe, dbe]);
  }
}

Deno.test("wasm bias + GELU and its gradients equal the unfused tfjs ops", async () => {
  await initBackend("wasm");
  // Rows of a multiple of 4 floats take our kernels; [3, 7, 37] falls back to the ops.
  await checkAgainstOps([[[7, 36], 0], [[2, 5, 512], 0], [[3, 13, 132], 0], [[3, 7, 37], 0]]);
});

Deno.test("webgpu bias + GELU and its gradients equal the unfused tfjs ops", async () => {
  const started = await initBackend("webgpu").catch((e: Error) => e);
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  // The last spreads 3 × 700 × 37 floats over lines of 5 workgroups.
  await checkAgainstOps([[[7, 37], 1e9], [[2, 5, 512], 1e9], [[3, 13, 130], 1e9], [
    [3, 700, 37],
    5,
  ]]);
});
