// AdamW updates of tensors where they are (a GPU under webgpu), without reading them back: one
// fused dispatch per parameter on webgpu (runtime/webgpu/adamw_webgpu.ts), tfjs operations
// elsewhere. Same arithmetic as the host loop in adamw.ts, in float32 operations as PyTorch's
// single-tensor AdamW.
import * as tf from "@tensorflow/tfjs";
import { onDevice } from "../runtime/mod.ts";
import {
  type AdamWConstants,
  fusedAdamW,
  type FusedAdamWUpdate,
} from "../runtime/webgpu/adamw_webgpu.ts";

export type { AdamWConstants };

/**
 * p ← p·decay − stepSize · m / (√v / correction2Sqrt + eps), after m ← β1·m + (1 − β1)·g and
 * v ← β2·v + (1 − β2)·g², with g the gradient times `gradScale`. Assigns `param`, `m` and `v`.
 */
export function adamwUpdate(
  param: tf.Variable,
  grad: tf.Tensor,
  m: tf.Variable,
  v: tf.Variable,
  c: AdamWConstants,
): void {
  tf.tidy(() => {
    const g = c.gradScale === 1 ? grad : grad.mul(c.gradScale);
    const nextM = m.mul(c.beta1).add(g.mul(1 - c.beta1));
    const nextV = v.mul(c.beta2).add(g.square().mul(1 - c.beta2));
    const denominator = nextV.sqrt().div(c.correction2Sqrt).add(c.eps);
    const decayed = c.decay === 1 ? param : param.mul(c.decay);
    const nextParam = decayed.sub(nextM.div(denominator).mul(c.stepSize));
    m.assign(nextM);
    v.assign(nextV);
    param.assign(nextParam);
  });
}

/** Applies every update: fused on webgpu, with `adamwUpdate` for the rest. */
export function adamwUpdates(updates: FusedAdamWUpdate[]): void {
  const rest = onDevice() ? fusedAdamW(tf.backend(), updates) : updates;
  for (const { param, grad, m, v, constants } of rest) adamwUpdate(param, grad, m, v, constants);
}
