// AdamW exactly as PyTorch's torch.optim.AdamW steps it, with Hugging Face's parameter groups.
import * as tf from "@tensorflow/tfjs";

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
  firstMoments: Map<string, tf.Tensor>;
  secondMoments: Map<string, tf.Tensor>;
}

/** Decoupled weight decay, then the Adam update with bias correction. */
export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  state: AdamWState = { step: 0, firstMoments: new Map(), secondMoments: new Map() };

  constructor(readonly parameters: Map<string, tf.Variable>, options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  /** The names of parameters trained without weight decay. */
  noDecayNames(): string[] {
    return [...this.parameters.keys()].filter((name) => !decays(name)).sort();
  }

  /** One update of every parameter that has a gradient, at learning rate `lr`. */
  step(grads: tf.NamedTensorMap, lr: number): void {
    const step = ++this.state.step;
    const correction1 = 1 - this.beta1 ** step;
    const correction2Sqrt = Math.sqrt(1 - this.beta2 ** step);
    for (const [name, parameter] of this.parameters) {
      const grad = grads[name];
      if (!grad) continue;
      const [m, v] = tf.tidy(() => {
        const m0 = this.state.firstMoments.get(name) ?? tf.zerosLike(parameter);
        const v0 = this.state.secondMoments.get(name) ?? tf.zerosLike(parameter);
        const m = m0.mul(this.beta1).add(grad.mul(1 - this.beta1));
        const v = v0.mul(this.beta2).add(grad.square().mul(1 - this.beta2));
        const decay = decays(name) ? 1 - lr * this.weightDecay : 1;
        const denominator = v.sqrt().div(correction2Sqrt).add(this.eps);
        parameter.assign(parameter.mul(decay).sub(m.div(denominator).mul(lr / correction1)));
        return [m, v];
      });
      this.state.firstMoments.get(name)?.dispose();
      this.state.secondMoments.get(name)?.dispose();
      this.state.firstMoments.set(name, m);
      this.state.secondMoments.set(name, v);
    }
  }

  /** Frees the moment tensors. */
  dispose(): void {
    for (const t of this.state.firstMoments.values()) t.dispose();
    for (const t of this.state.secondMoments.values()) t.dispose();
    this.state = { step: 0, firstMoments: new Map(), secondMoments: new Map() };
  }
}

/**
 * `torch.nn.utils.clip_grad_norm_`: the L2 norm of all gradients together, and the gradients scaled
 * by min(1, maxNorm / (norm + 1e-6)). The norm is the one before clipping, as the Trainer logs it.
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
  const scale = Math.min(1, maxNorm / (total + 1e-6));
  const clipped: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) clipped[name] = tf.tidy(() => g.mul(scale));
  return { grads: clipped, norm: total };
}
