// The webgpu dropout kernel: its law (kept fraction, scale, independence of neighbours), its
// gradient, every element of odd and two-dimensional dispatches, and no leaks. Needs a WebGPU
// adapter (llvmpipe in CI).
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { initBackend } from "../backend.ts";
import { dropout } from "../fused/dropout.ts";
import { dropoutWebgpu } from "./dropout_webgpu.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);

function needAdapter(): void {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
}

/** Deterministic nonzero values in [1, 2) and (−2, −1]: a dropped value shows as 0. */
function nonzero(n: number, seed: number): tf.Tensor {
  let s = seed;
  return tf.tensor1d(Float32Array.from({ length: n }, (_, i) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (1 + s / 2147483648) * (i % 3 === 0 ? -1 : 1);
  }));
}

/** Which elements `out` kept, after checking each is 0 or x / (1 − rate). */
function keptOf(xs: Float32Array, out: Float32Array, rate: number, what: string): Uint8Array {
  const kept = new Uint8Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    if (out[i] === 0) continue;
    const expected = xs[i] / (1 - rate);
    assert(
      Math.abs(out[i] - expected) <= 1e-6 * Math.abs(expected),
      `${what}: element ${i} is ${out[i]}, neither 0 nor ${expected}`,
    );
    kept[i] = 1;
  }
  return kept;
}

/** |observed − expected| within 5 standard deviations. */
function assertWithin(observed: number, expected: number, sigma: number, what: string): void {
  const deviations = Math.abs(observed - expected) / sigma;
  assert(deviations < 5, `${what}: ${observed} vs ${expected}, ${deviations.toFixed(1)}σ off`);
}

Deno.test("webgpu dropout keeps 1 − rate of independent elements, scaled by 1 / (1 − rate)", async () => {
  needAdapter();
  const n = 1_000_000;
  const x = nonzero(n, 3);
  const xs = await x.data() as Float32Array;
  for (const rate of [0.1, 0.25, 0.5, 0.9]) {
    const out = dropout(x, rate);
    const kept = keptOf(xs, await out.data() as Float32Array, rate, `rate ${rate}`);
    const keep = 1 - rate;
    const fraction = kept.reduce((a, b) => a + b, 0) / n;
    assertWithin(fraction, keep, Math.sqrt(keep * rate / n), `rate ${rate}: kept fraction`);
    // Pairs d apart (neighbours, across a workgroup, across rows of 256): both kept with
    // probability keep² if independent. Overlapping pairs share elements, hence the second term
    // of the variance of their count.
    for (const d of [1, 2, 255, 256, 1024]) {
      let both = 0;
      for (let i = 0; i + d < n; i++) both += kept[i] & kept[i + d];
      const pairs = n - d;
      const q = keep * keep;
      const variance = pairs * q * (1 - q) + 2 * (pairs - d) * (keep ** 3 - q * q);
      assertWithin(both / pairs, q, Math.sqrt(variance) / pairs, `rate ${rate}: pairs ${d} apart`);
    }
    const again = dropout(x, rate);
    const keptAgain = keptOf(xs, await again.data() as Float32Array, rate, `rate ${rate}, again`);
    let same = 0;
    for (let i = 0; i < n; i++) same += kept[i] === keptAgain[i] ? 1 : 0;
    // Two independent masks agree on an element with probability keep² + rate².
    const agree = keep * keep + rate * rate;
    assertWithin(same / n, agree, Math.sqrt(agree * (1 - agree) / n), `rate ${rate}: two calls`);
    tf.dispose([out, again]);
  }
  x.dispose();
});

Deno.test("webgpu dropout: the same seed gives the same mask; its gradient is dy · mask", async () => {
  needAdapter();
  const n = 50_001;
  const [x, dy] = [nonzero(n, 5), nonzero(n, 6)];
  const rate = 0.3;
  const seed = 0xdeadbeef;
  const mask = dropoutWebgpu(tf.onesLike(x), rate, seed);
  const out = dropoutWebgpu(x, rate, seed);
  assertEquals(await out.data(), await x.mul(mask).data(), "x · mask");
  const masks = [...new Set(await mask.data())].sort();
  assertEquals(masks, [0, 1 / (1 - rate)].map(Math.fround));
  const other = dropoutWebgpu(tf.onesLike(x), rate, seed + 1);
  assert((await other.sub(mask).abs().sum().data())[0] > 0, "another seed, another mask");

  const grad = tf.grad((t: tf.Tensor) => dropoutWebgpu(t, rate, seed))(x, dy);
  assertEquals(await grad.data(), await dy.mul(mask).data(), "gradient dy · mask");

  // Through dropout(), whose seed is new each call: the gradient's zeros are the output's.
  const kept: tf.Tensor[] = [];
  const gradOfPublic = tf.grad((t: tf.Tensor) => {
    const y = dropout(t, rate);
    kept.push(tf.keep(y.clone()));
    return y;
  })(x, dy);
  const [ys, gs, dys] = [await kept[0].data(), await gradOfPublic.data(), await dy.data()];
  for (let i = 0; i < n; i++) {
    const expected = ys[i] === 0 ? 0 : Math.fround(dys[i] * Math.fround(1 / (1 - rate)));
    assert(Math.abs(gs[i] - expected) <= 1e-6 * Math.abs(expected), `gradient ${i}: ${gs[i]}`);
  }
  tf.dispose([x, dy, mask, out, other, grad, gradOfPublic, ...kept]);
});

/** The kernel's draw for element `i` (pcg_hash twice, as its WGSL), to check every element. */
function keptByHash(i: number, seed: number, threshold: number): boolean {
  const pcg = (v: number) => {
    const state = (Math.imul(v, 747796405) + 2891336453) >>> 0;
    const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
    return ((word >>> 22) ^ word) >>> 0;
  };
  return pcg((pcg(i) ^ seed) >>> 0) >= threshold;
}

Deno.test("webgpu dropout covers every element of odd sizes and two-dimensional dispatches", async () => {
  needAdapter();
  const rate = 0.5;
  const seed = 12345;
  const threshold = 2 ** 31;
  const limit = (tf.backend() as unknown as { device: GPUDevice }).device.limits
    .maxComputeWorkgroupsPerDimension;
  // [size, bound on the dispatch's first dimension]: odd sizes in one line of workgroups, then
  // lines of 3 and 7 workgroups with a partial last line, then more workgroups than one
  // dimension of the device holds.
  const cases = [[1, Infinity], [255, Infinity], [257, Infinity], [100_003, Infinity]];
  cases.push([100_003, 3], [1_000_001, 7], [(limit + 1) * 256 + 3, Infinity]);
  for (const [size, maxWorkgroupsX] of cases) {
    const ones = tf.ones([size]);
    const out = dropoutWebgpu(ones, rate, seed, maxWorkgroupsX);
    const values = await out.data();
    let wrong = -1;
    for (let i = 0; i < size && wrong < 0; i++) {
      if (values[i] !== (keptByHash(i, seed, threshold) ? 2 : 0)) wrong = i;
    }
    assert(wrong < 0, `size ${size} by ${maxWorkgroupsX}: element ${wrong} is ${values[wrong]}`);
    tf.dispose([ones, out]);
  }
});

Deno.test("webgpu dropout leaves no tensors behind, forward or backward", async () => {
  needAdapter();
  const x = tf.variable(nonzero(4099, 7), true, "dropout-webgpu-x");
  const before = tf.memory().numTensors;
  for (let call = 0; call < 3; call++) {
    const { value, grads } = tf.variableGrads(() => dropout(x, 0.25).sum() as tf.Scalar, [x]);
    await grads[x.name].data();
    tf.dispose([value, ...Object.values(grads)]);
    assertEquals(tf.memory().numTensors, before, `tensors after call ${call + 1}`);
  }
  x.dispose();
});
