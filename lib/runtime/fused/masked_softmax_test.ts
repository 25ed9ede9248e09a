// The fused webgpu softmax(scores + mask) and its gradient against the unfused tfjs ops on the
// same backend. Needs a WebGPU adapter (llvmpipe in CI).
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { values, worst } from "../../../test/values.ts";
import { initBackend } from "../backend.ts";
import { additiveMask, maskedSoftmax } from "./masked_softmax.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);

Deno.test("webgpu masked softmax and its gradient equal softmax(scores + mask) in tfjs ops", async () => {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  // [batch, heads, queries, keys] and the bound on the dispatch's first dimension: the last two
  // dispatch 40 and 1,032 workgroups over 2 × 20 and 2 × 516.
  const cases = [[2, 3, 5, 37, 1e9], [2, 2, 7, 96, 1e9], [1, 4, 3, 384, 1e9], [2, 4, 300, 3, 20], [
    1,
    1,
    66000,
    4,
    516,
  ]];
  for (const [batch, heads, queries, keys, maxWorkgroupsX] of cases) {
    const size = batch * heads * queries * keys;
    const scores = tf.tensor(values(size, keys, 8), [batch, heads, queries, keys]);
    // Padding at the end of each sequence, of a different length per batch element.
    const attention = tf.tensor2d(
      Array.from(
        { length: batch * keys },
        (_, i) => (i % keys < keys - 1 - (i / keys | 0) ? 1 : 0),
      ),
      [batch, keys],
      "int32",
    );
    const mask = additiveMask(attention);
    const weights = tf.tensor(values(size, 7, 1), scores.shape);
    const loss = (f: (s: tf.Tensor) => tf.Tensor) => (s: tf.Tensor) => f(s).mul(weights).sum();
    const fused = (s: tf.Tensor) => maskedSoftmax(s, mask, maxWorkgroupsX);
    const unfused = (s: tf.Tensor) => tf.softmax(s.add(mask), -1);
    const what = `[${batch}, ${heads}, ${queries}, ${keys}]`;

    const [a, b] = [fused(scores), unfused(scores)];
    assertEquals(a.shape, b.shape);
    const valueError = worst(await a.data(), await b.data());
    assert(valueError <= 1e-6, `${what} values differ by ${valueError}`);
    const [ga, gb] = [tf.grad(loss(fused))(scores), tf.grad(loss(unfused))(scores)];
    const gradError = worst(await ga.data(), await gb.data());
    assert(gradError <= 1e-6, `${what} gradients differ by ${gradError}`);
    const rowSums = await a.sum(-1).data();
    assert(rowSums.every((v) => Math.abs(v - 1) < 1e-5), `${what} rows do not sum to 1`);
    tf.dispose([scores, attention, mask, weights, a, b, ga, gb]);
  }
});
