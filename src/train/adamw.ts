import type * as tfTypes from '@tensorflow/tfjs';
import type { Tensor } from '../io/safetensors.js';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAMW_DEFAULTS: AdamWOptions = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2 };

/**
 * Decoupled weight decay applies to decoder weights (convolutions and FiLM matrices) only: biases are offsets, and
 * mirror is an input sequence to the frozen text tower whose scale CLIP's layer norms already fix.
 */
export const decays = (name: string): boolean => name.startsWith('decoder.') && name.endsWith('.weight');

/** Adam moments and step: what a resumed run needs to continue exactly. */
export interface AdamWState {
  step: number;
  moments: Map<string, Tensor>;
}

/**
 * AdamW (Loshchilov & Hutter) as PyTorch writes it: w <- w * (1 - lr * wd), then the bias-corrected Adam step
 * w <- w - lr * m_hat / (sqrt(v_hat) + eps). tfjs's own Adam has no decoupled decay, and its state is not easily
 * saved, hence this one.
 */
export class AdamW {
  step = 0;
  private readonly m = new Map<string, tfTypes.Variable>();
  private readonly v = new Map<string, tfTypes.Variable>();

  constructor(
    private readonly tf: typeof tfTypes,
    private readonly params: ReadonlyMap<string, tfTypes.Variable>,
    private readonly o: AdamWOptions = ADAMW_DEFAULTS,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  apply(grads: Record<string, tfTypes.Tensor>, lr: number): void {
    const { tf, o } = this;
    this.step++;
    const bc1 = 1 - o.beta1 ** this.step;
    const bc2 = 1 - o.beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads[name];
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, o.beta1), tf.mul(g, 1 - o.beta1)));
        v.assign(tf.add(tf.mul(v, o.beta2), tf.mul(tf.square(g), 1 - o.beta2)));
        const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), o.eps));
        const decayed = decays(name) ? tf.mul(p, 1 - lr * o.weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(update, lr)));
      }
    });
  }

  /** Async: WebGPU in Node has no synchronous read (dataSync throws without OffscreenCanvas). */
  async state(): Promise<AdamWState> {
    const moments = new Map<string, Tensor>();
    for (const [name, p] of this.params) {
      moments.set(`m.${name}`, { shape: p.shape, data: (await this.m.get(name)!.data()) as Float32Array });
      moments.set(`v.${name}`, { shape: p.shape, data: (await this.v.get(name)!.data()) as Float32Array });
    }
    return { step: this.step, moments };
  }

  load(state: AdamWState): void {
    for (const name of this.params.keys()) {
      for (const [key, table] of [[`m.${name}`, this.m], [`v.${name}`, this.v]] as const) {
        const t = state.moments.get(key)!;
        this.tf.tidy(() => table.get(name)!.assign(this.tf.tensor(t.data, t.shape, 'float32')));
      }
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
