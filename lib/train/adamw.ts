// AdamW exactly as PyTorch's torch.optim.AdamW steps it, with Hugging Face's parameter groups.
// The update is one plain loop over flat Float32Arrays (gradients and moments in parameter order):
// a dozen tfjs ops per parameter cost more than the arithmetic, and flat buffers are what gradient
// workers exchange anyway.
import * as tf from "@tensorflow/tfjs";
import { updateValues } from "../model/mod.ts";
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
    const step = ++this.state.step;
    const { first, second } = this.#flatMoments();
    const constants = {
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      stepSize: lr / (1 - this.beta1 ** step),
      correction2Sqrt: Math.sqrt(1 - this.beta2 ** step),
      gradScale,
    };
    this.layout.names.forEach((name, i) => {
      const decay = decays(name) ? 1 - lr * this.weightDecay : 1;
      const moments = { m: part(this.layout, first, i), v: part(this.layout, second, i) };
      updateValues(this.parameters.get(name)!, (values) => {
        update(values, part(this.layout, grads, i), moments, { ...constants, decay });
      });
    });
  }

  /** Forgets the moments and the step count. */
  dispose(): void {
    this.state = { step: 0, firstMoments: null, secondMoments: null };
  }

  #flatMoments(): { first: Float32Array; second: Float32Array } {
    this.state.firstMoments ??= new Float32Array(this.layout.size);
    this.state.secondMoments ??= new Float32Array(this.layout.size);
    return { first: this.state.firstMoments, second: this.state.secondMoments };
  }
}

interface UpdateConstants {
  beta1: number;
  beta2: number;
  eps: number;
  stepSize: number;
  correction2Sqrt: number;
  gradScale: number;
  decay: number;
}

// torch.optim.AdamW's single-tensor step for one parameter, in place.
function update(
  p: Float32Array,
  g: Float32Array,
  { m, v }: { m: Float32Array; v: Float32Array },
  c: UpdateConstants,
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

/** `clip_grad_norm_`'s factor: min(1, maxNorm / (norm + 1e-6)). */
export function clipFactor(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}

/**
 * `torch.nn.utils.clip_grad_norm_` on named tensors: the L2 norm of all gradients together, and
 * the gradients scaled by `clipFactor`. The norm is the one before clipping, as the Trainer logs
 * it.
 */
export function clipGradNorm(
  grads: tf.NamedTensorMap,
  maxNorm: number,
): { grads: tf.NamedTensorMap; norm: number } {
  const norm = tf.tidy(() => {
    const squares = Object.values(grads).map((g) => g.square().sum());
    return tf.addN(squares).sqrt();
  });
  const total = norm.dataSync()[0];
  norm.dispose();
  const scale = clipFactor(total, maxNorm);
  const clipped: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) clipped[name] = tf.tidy(() => g.mul(scale));
  return { grads: clipped, norm: total };
}
