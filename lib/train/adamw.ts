// AdamW exactly as PyTorch's torch.optim.AdamW steps it, with Hugging Face's parameter groups.
// On the host (wasm, cpu) the update is one plain loop over flat Float32Arrays (gradients and
// moments in parameter order): a dozen tfjs ops per parameter cost more than the arithmetic, and
// flat buffers are what gradient workers exchange anyway. On a GPU the moments live beside the
// weights as tensors (`stepOnDevice`), and the flat arrays are brought up to date only when asked
// (`syncFromDevice`, for checkpoints).
import * as tf from "@tensorflow/tfjs";
import { updateValues } from "../model/mod.ts";
import { type AdamWConstants, adamwUpdates } from "./adamw_device.ts";
import { type FlatLayout, flatLayout, part } from "./flat.ts";

/** AdamW settings; the defaults are the Trainer's. */
export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

/** Hugging Face's rule: no weight decay for biases and LayerNorm weights. */
export function decays(name: string): boolean {
  return !(name.endsWith(".bias") || /LayerNorm|layer_norm/.test(name));
}

/** The optimizer's state, as saved in a checkpoint. */
export interface AdamWState {
  step: number;
  /** First and second moments, flat in parameter order; null until the first step (zeros). */
  firstMoments: Float32Array | null;
  secondMoments: Float32Array | null;
}

/** Decoupled weight decay, then the Adam update with bias correction. */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Where each parameter's gradient and moments sit in the flat buffers. */
  readonly layout: FlatLayout;
  state: AdamWState = { step: 0, firstMoments: null, secondMoments: null };
  /** The moments as tensors on the device, once `stepOnDevice` has run. */
  #device: { first: tf.Variable[]; second: tf.Variable[] } | null = null;
  /** Whether `#device` is ahead of the flat moments in `state`. */
  #hostBehind = false;

  constructor(readonly parameters: Map<string, tf.Variable>, options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.layout = flatLayout(parameters);
  }

  /** The settings, to build an identical optimizer elsewhere (a gradient worker). */
  get options(): Required<AdamWOptions> {
    const { beta1, beta2, eps, weightDecay } = this;
    return { beta1, beta2, eps, weightDecay };
  }

  /** The names of parameters trained without weight decay. */
  noDecayNames(): string[] {
    return [...this.parameters.keys()].filter((name) => !decays(name)).sort();
  }

  /** The moments of parameter `name` (views into the flat state; zeros before the first step). */
  moments(name: string): { first: Float32Array; second: Float32Array } {
    this.#assertHostCurrent();
    const index = this.layout.names.indexOf(name);
    if (index < 0) throw new Error(`AdamW: no parameter ${name}`);
    const { first, second } = this.#flatMoments();
    return { first: part(this.layout, first, index), second: part(this.layout, second, index) };
  }

  /**
   * One update of every parameter at learning rate `lr`; `grads` is flat in `layout` order and
   * is multiplied by `gradScale` first (gradient clipping), in float32 as PyTorch does.
   */
  step(grads: Float32Array, lr: number, gradScale = 1): void {
    if (grads.length !== this.layout.size) {
      throw new Error(`AdamW: ${grads.length} gradient values for ${this.layout.size} parameters`);
    }
    this.#assertHostCurrent();
    this.#dropDeviceMoments(); // the flat ones move on; device copies would be stale
    const constants = this.#constants(++this.state.step, lr, gradScale);
    const { first, second } = this.#flatMoments();
    this.layout.names.forEach((name, i) => {
      const decay = this.#decay(name, lr);
      const moments = { m: part(this.layout, first, i), v: part(this.layout, second, i) };
      updateValues(this.parameters.get(name)!, (values) => {
        update(values, part(this.layout, grads, i), moments, { ...constants, decay });
      });
    });
  }

  /**
   * The same update with tensors on the backend's device: `grads` in `layout` order (a GPU keeps
   * gradients, moments and weights where they are; nothing is read back). The flat moments in
   * `state` fall behind until `syncFromDevice`.
   */
  stepOnDevice(grads: tf.Tensor[], lr: number, gradScale = 1): void {
    if (grads.length !== this.layout.names.length) {
      throw new Error(
        `AdamW: ${grads.length} gradients for ${this.layout.names.length} parameters`,
      );
    }
    const constants = this.#constants(++this.state.step, lr, gradScale);
    const { first, second } = this.#deviceMoments();
    adamwUpdates(this.layout.names.map((name, i) => ({
      param: this.parameters.get(name)!,
      grad: grads[i],
      m: first[i],
      v: second[i],
      constants: { ...constants, decay: this.#decay(name, lr) },
    })));
    this.#hostBehind = true;
  }

  /** Copies the device's moments into `state` (before a checkpoint reads them). */
  async syncFromDevice(): Promise<void> {
    if (!this.#hostBehind || this.#device == null) return;
    const { first, second } = this.#device;
    const flat = {
      first: new Float32Array(this.layout.size),
      second: new Float32Array(this.layout.size),
    };
    for (let i = 0; i < this.layout.names.length; i++) {
      const [m, v] = await Promise.all([first[i].data(), second[i].data()]);
      part(this.layout, flat.first, i).set(m as Float32Array);
      part(this.layout, flat.second, i).set(v as Float32Array);
    }
    this.state.firstMoments = flat.first;
    this.state.secondMoments = flat.second;
    this.#hostBehind = false;
  }

  /** Forgets the moments and the step count. */
  dispose(): void {
    this.state = { step: 0, firstMoments: null, secondMoments: null };
    this.#dropDeviceMoments();
    this.#hostBehind = false;
  }

  #dropDeviceMoments(): void {
    if (this.#device != null) tf.dispose([...this.#device.first, ...this.#device.second]);
    this.#device = null;
  }

  #constants(step: number, lr: number, gradScale: number): Omit<AdamWConstants, "decay"> {
    return {
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      stepSize: lr / (1 - this.beta1 ** step),
      correction2Sqrt: Math.sqrt(1 - this.beta2 ** step),
      gradScale,
    };
  }

  #decay(name: string, lr: number): number {
    return decays(name) ? 1 - lr * this.weightDecay : 1;
  }

  #assertHostCurrent(): void {
    if (this.#hostBehind) {
      throw new Error("AdamW: the moments are on the device; await syncFromDevice() first");
    }
  }

  // The moments as device tensors, made from the flat ones (zeros before the first step).
  #deviceMoments(): { first: tf.Variable[]; second: tf.Variable[] } {
    if (this.#device != null) return this.#device;
    const { first, second } = this.#flatMoments();
    const variables = (flat: Float32Array) =>
      this.layout.names.map((_, i) => {
        const initial = tf.tensor(part(this.layout, flat, i), this.layout.shapes[i]);
        const variable = tf.variable(initial, false);
        initial.dispose();
        return variable;
      });
    this.#device = { first: variables(first), second: variables(second) };
    return this.#device;
  }

  #flatMoments(): { first: Float32Array; second: Float32Array } {
    this.state.firstMoments ??= new Float32Array(this.layout.size);
    this.state.secondMoments ??= new Float32Array(this.layout.size);
    return { first: this.state.firstMoments, second: this.state.secondMoments };
  }
}

// torch.optim.AdamW's single-tensor step for one parameter, in place.
function update(
  p: Float32Array,
  g: Float32Array,
  { m, v }: { m: Float32Array; v: Float32Array },
  c: AdamWConstants,
): void {
  const { beta1, beta2, eps, stepSize, correction2Sqrt, gradScale, decay } = c;
  for (let i = 0; i < p.length; i++) {
    const grad = gradScale === 1 ? g[i] : Math.fround(g[i] * gradScale);
    m[i] = beta1 * m[i] + (1 - beta1) * grad;
    v[i] = beta2 * v[i] + (1 - beta2) * grad * grad;
    const decayed = Math.fround(p[i] * decay);
    p[i] = decayed - stepSize * m[i] / (Math.sqrt(v[i]) / correction2Sqrt + eps);
  }
}

/** The L2 norm of all gradients together (flat), as `clip_grad_norm_` reports it. */
export function gradientNorm(grads: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < grads.length; i++) sum += grads[i] * grads[i];
  return Math.sqrt(sum);
}

/**
 * The clipping rule, in one place for every step engine: `clip_grad_norm_`'s factor
 * min(1, maxGradNorm / (norm + 1e-6)) by which the gradients are scaled; a `maxGradNorm` of 0 (or
 * Infinity) clips nothing (factor 1), as the Trainer's `max_grad_norm`.
 */
export function clipFactor(norm: number, maxGradNorm: number): number {
  const limit = maxGradNorm > 0 ? maxGradNorm : Infinity;
  return Math.min(1, limit / (norm + 1e-6));
}
