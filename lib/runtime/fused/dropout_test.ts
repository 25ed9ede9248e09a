import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { dropout } from "./dropout.ts";

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`${backend} dropout: keeps 1 − rate of the values, scaled by 1 / (1 − rate)`, async () => {
    await initBackend(backend);
    const n = 1_000_000;
    const x = tf.randomNormal([n], 0, 1, "float32", 3);
    for (const rate of [0.1, 0.5]) {
      const out = dropout(x, rate);
      const [xs, ys] = [x.dataSync(), out.dataSync()];
      let dropped = 0;
      for (let i = 0; i < n; i++) {
        if (ys[i] === 0) dropped++;
        else assert.ok(Math.abs(ys[i] - xs[i] / (1 - rate)) <= 1e-6 * Math.abs(xs[i]) + 1e-7);
      }
      // The dropped fraction's standard deviation is √(rate(1 − rate)/n) ≤ 0.0005: 10σ.
      assert.ok(Math.abs(dropped / n - rate) < 0.005, `${rate}: dropped ${dropped / n}`);
      const again = dropout(x, rate);
      assert.notDeepEqual(
        again.dataSync().slice(0, 1000),
        ys.slice(0, 1000),
        "a new mask each call",
      );
      tf.dispose([out, again]);
    }
    x.dispose();
  });

  Deno.test(`${backend} dropout: the gradient is the mask; nothing is left allocated`, async () => {
    await initBackend(backend);
    const x = tf.variable(tf.randomNormal([4096], 0, 1, "float32", 5), true, `x-${backend}`);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => dropout(x, 0.25).sum() as tf.Scalar, [x]);
    // The gradient of each value is its mask: 0 or 1 / (1 − rate).
    const values = [...new Set(grads[x.name].dataSync())].sort();
    assert.deepEqual(values, [0, 1 / 0.75].map(Math.fround));
    tf.dispose([value, ...Object.values(grads)]);
    assert.equal(tf.memory().numTensors, before, "nothing left allocated");
    x.dispose();
  });
}
