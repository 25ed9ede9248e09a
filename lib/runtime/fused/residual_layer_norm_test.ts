// The fused webgpu LayerNorm(x + residual) and its gradients against the unfused tfjs ops on the
// same backend, and its values against a float64 loop. Needs a WebGPU adapter (llvmpipe in CI).
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { worst } from "../../../test/values.ts";
import { initBackend } from "../backend.ts";
import { residualLayerNorm, residualLayerNormOps } from "./residual_layer_norm.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);

/** Deterministic values in [offset - scale, offset + scale). */
function values(n: number, seed: number, scale: number, offset = 0): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return offset + (s / 1073741824 - 1) * scale;
  });
}

/** LayerNorm(x + r)·gamma + beta over rows of n, in float64. */
function layerNorm64(
  x: Float32Array,
  r: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
): Float64Array {
  const n = gamma.length;
  const y = new Float64Array(x.length);
  for (let base = 0; base < x.length; base += n) {
    const z = Array.from({ length: n }, (_, j) => x[base + j] + r[base + j]);
    const mean = z.reduce((a, v) => a + v, 0) / n;
    const variance = z.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
    const rstd = 1 / Math.sqrt(variance + eps);
    z.forEach((v, j) => y[base + j] = (v - mean) * rstd * gamma[j] + beta[j]);
  }
  return y;
}

Deno.test("webgpu residual LayerNorm and its gradients equal the unfused tfjs ops", async () => {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  // Shape of x, eps, and the bound on the dispatch's first dimension: the last puts 300 rows on
  // lines of 2 workgroups.
  const cases: [number[], number, number][] = [
    [[7, 37], 1e-12, 1e9],
    [[2, 5, 128], 1e-12, 1e9],
    [[3, 13, 130], 1e-5, 1e9],
    [[3, 100, 67], 1e-12, 2],
  ];
  for (const [shape, eps, maxWorkgroupsX] of cases) {
    const n = shape[shape.length - 1];
    const size = tf.util.sizeFromShape(shape);
    // An offset as in hidden states, so that the mean matters.
    const [xv, rv] = [values(size, n, 3, 0.5), values(size, 5, 1)];
    const [gv, bv] = [values(n, 7, 0.5, 1), values(n, 9, 0.2)];
    const [x, r] = [tf.tensor(xv, shape), tf.tensor(rv, shape)];
    const [gamma, beta] = [tf.tensor1d(gv), tf.tensor1d(bv)];
    const weights = tf.tensor(values(size, 11, 1), shape);
    type Norm = (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.Tensor;
    const loss = (f: Norm) => (x: tf.Tensor, r: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      f(x, r, g, b).mul(weights).sum();
    const fused: Norm = (x, r, g, b) => residualLayerNorm(x, r, g, b, eps, maxWorkgroupsX);
    const unfused: Norm = (x, r, g, b) => residualLayerNormOps(x, r, g, b, eps);
    const what = `[${shape}]`;

    // The unfused ops first: a failing shader would leave later results zero.
    const inputs = [x, r, gamma, beta];
    const e = unfused(x, r, gamma, beta);
    const expected = tf.grads(loss(unfused))(inputs);
    const wanted = await Promise.all(expected.map((t) => t.data()));
    const a = fused(x, r, gamma, beta);
    assertEquals(a.shape, shape);
    const fusedValues = await a.data();
    const valueError = worst(fusedValues, await e.data());
    assert(valueError <= 1e-5, `${what} values differ from the ops' by ${valueError}`);
    const exactError = worst(fusedValues, layerNorm64(xv, rv, gv, bv, eps));
    assert(exactError <= 1e-5, `${what} values differ from float64's by ${exactError}`);

    const got = tf.grads(loss(fused))(inputs);
    for (const [i, name] of ["x", "residual", "gamma", "beta"].entries()) {
      assertEquals(got[i].shape, inputs[i].shape);
      const want = wanted[i];
      assert(want.some((v) => v !== 0), `${what} the ops' gradients of ${name} are zero`);
      const scale = Math.max(1, ...want.map(Math.abs));
      const error = worst(await got[i].data(), want);
      assert(error <= 1e-5 * scale, `${what} gradients of ${name} differ by ${error}`);
    }
    tf.dispose([...inputs, weights, a, e, ...got, ...expected]);
  }
});
