// The fused webgpu AdamW (one dispatch per parameter, in place) against the same update in tfjs
// operations. Needs a WebGPU adapter (llvmpipe in CI).
import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "../../../test/assert.ts";
import { values } from "../../../test/values.ts";
import { adamwUpdate } from "../../train/adamw_device.ts";
import { initBackend } from "../backend.ts";
import { fusedAdamW, type FusedAdamWUpdate } from "./adamw_webgpu.ts";

const started = await initBackend("webgpu").catch((e: Error) => e);

/** A variable of its own (tf.variable shares its initial tensor's data until that is disposed). */
function variableOf(initial: tf.Tensor, trainable = true): tf.Variable {
  const variable = tf.variable(initial, trainable);
  initial.dispose();
  return variable;
}

function worstRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const scale = Math.max(Math.abs(expected[i]), 1e-3);
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  }
  return worst;
}

Deno.test("webgpu fused AdamW equals the tfjs-ops update (weights and moments, 3 steps)", async () => {
  if (started instanceof Error) {
    throw new Error(`the webgpu tests need a WebGPU adapter: ${started.message}`);
  }
  // A parameter of 12 workgroups dispatched 4 wide (two-dimensional), an odd one, a scalar.
  const shapes = [[3000], [37, 5], [1]];
  const make = () =>
    shapes.map((shape, k) => {
      const size = shape.reduce((a, b) => a * b);
      return {
        param: variableOf(tf.tensor(values(size, 10 + k, 0.1), shape)),
        m: variableOf(tf.zeros(shape), false),
        v: variableOf(tf.zeros(shape), false),
      };
    });
  const [fused, plain] = [make(), make()];
  for (let step = 1; step <= 3; step++) {
    const updates = (set: typeof fused): FusedAdamWUpdate[] =>
      set.map((tensors, k) => ({
        ...tensors,
        grad: tf.tensor(values(tensors.param.size, 100 * step + k, 0.01), tensors.param.shape),
        constants: {
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          stepSize: 1e-3 / (1 - 0.9 ** step),
          correction2Sqrt: Math.sqrt(1 - 0.999 ** step),
          gradScale: k === 1 ? 0.37 : 1,
          decay: k === 2 ? 1 : 1 - 1e-3 * 0.01,
        },
      }));
    const fusedUpdates = updates(fused);
    assertEquals(fusedAdamW(tf.backend(), fusedUpdates, 4), []);
    for (const u of updates(plain)) {
      adamwUpdate(u.param, u.grad, u.m, u.v, u.constants);
      u.grad.dispose();
    }
    for (const u of fusedUpdates) u.grad.dispose();
    // tfjs caches on the host what it has read: the next update must not leave that stale.
    await fused[0].param.data();
  }
  for (let k = 0; k < shapes.length; k++) {
    for (const key of ["param", "m", "v"] as const) {
      const [a, b] = [await fused[k][key].data(), await plain[k][key].data()];
      const error = worstRelative(a, b);
      assert(error <= 1e-6, `${shapes[k]} ${key}: relative difference ${error}`);
    }
    assert(
      (await fused[k].param.data()).some((x, i) =>
        x !== values(fused[k].param.size, 10 + k, 0.1)[i]
      ),
    );
  }
  tf.dispose([...fused, ...plain].flatMap((t) => [t.param, t.m, t.v]));
});

Deno.test("webgpu fused AdamW leaves a weight whose data is shared to the caller", () => {
  if (started instanceof Error) throw new Error(started.message);
  const param = variableOf(tf.ones([300]));
  const alias = param.clone(); // shares the data: an in-place write would change it too
  const update = {
    param,
    grad: tf.ones([300]),
    m: variableOf(tf.zeros([300]), false),
    v: variableOf(tf.zeros([300]), false),
    constants: {
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      stepSize: 1e-3,
      correction2Sqrt: 1,
      gradScale: 1,
      decay: 1,
    },
  };
  assertEquals(fusedAdamW(tf.backend(), [update]), [update]);
  tf.dispose([param, alias, update.grad, update.m, update.v]);
});
