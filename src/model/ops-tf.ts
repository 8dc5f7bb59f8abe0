import type * as tfTypes from '@tensorflow/tfjs';
import type { Ops } from './ops.js';

type Tf = typeof tfTypes;
type Tensor = tfTypes.Tensor;

/**
 * Ops on tfjs tensors. Constants are kept until dispose(); the caller wraps each forward pass in tf.tidy so that
 * intermediates are freed. Weights arrive in PyTorch layout and are reordered to what tfjs runs fastest once, on
 * first use: conv filters to [kh, kw, in, out], Linear weights to [in, out] (tfjs-wasm's matMul with transposeB is
 * ~10x slower than a plain one on a ViT-B layer).
 */
export class TfOps implements Ops<Tensor> {
  private readonly constants: Tensor[] = [];
  private readonly reordered = new WeakMap<Tensor, Tensor>();
  private readonly isConstant = new WeakSet<Tensor>();

  constructor(readonly tf: Tf) {}

  constant(_name: string, shape: number[], data: Float32Array): Tensor {
    // keep(): weights are often first touched inside a tidy() forward pass and must outlive it.
    const t = this.tf.keep(this.tf.tensor(data, shape, 'float32'));
    this.constants.push(t);
    this.isConstant.add(t);
    return t;
  }

  matMul(a: Tensor, b: Tensor, opts: { transposeB?: boolean } = {}): Tensor {
    const tf = this.tf;
    let transposeB = opts.transposeB ?? false;
    if (transposeB && b.rank === 2 && this.isConstant.has(b)) {
      b = this.reorder(b, [1, 0]);
      transposeB = false;
    }
    if (b.rank === 2 && a.rank !== 2) {
      const lead = a.shape.slice(0, -1);
      const flat = tf.reshape(a, [-1, a.shape[a.rank - 1]]);
      const out = tf.matMul(flat, b, false, transposeB);
      return tf.reshape(out, [...lead, out.shape[1]] as number[]);
    }
    return tf.matMul(a, b, false, transposeB);
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.tf.add(a, b);
  }

  sub(a: Tensor, b: Tensor): Tensor {
    return this.tf.sub(a, b);
  }

  mul(a: Tensor, b: Tensor): Tensor {
    return this.tf.mul(a, b);
  }

  scale(a: Tensor, s: number): Tensor {
    return this.tf.mul(a, this.tf.scalar(s));
  }

  layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
    const tf = this.tf;
    const axis = x.rank - 1;
    const { mean, variance } = tf.moments(x, axis, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, tf.scalar(eps)))), gamma), beta);
  }

  softmax(x: Tensor): Tensor {
    return this.tf.softmax(x);
  }

  quickGelu(x: Tensor): Tensor {
    return this.tf.mul(x, this.tf.sigmoid(this.tf.mul(x, this.tf.scalar(1.702))));
  }

  gelu(x: Tensor): Tensor {
    const tf = this.tf;
    return tf.mul(tf.mul(x, tf.scalar(0.5)), tf.add(tf.scalar(1), tf.erf(tf.mul(x, tf.scalar(Math.SQRT1_2)))));
  }

  relu(x: Tensor): Tensor {
    return this.tf.relu(x);
  }

  sigmoid(x: Tensor): Tensor {
    return this.tf.sigmoid(x);
  }

  reshape(x: Tensor, shape: number[]): Tensor {
    return this.tf.reshape(x, shape);
  }

  transpose(x: Tensor, perm: number[]): Tensor {
    return this.tf.transpose(x, perm);
  }

  concat(xs: Tensor[], axis: number): Tensor {
    return this.tf.concat(xs, axis);
  }

  slice(x: Tensor, begin: number[], size: number[]): Tensor {
    return this.tf.slice(x, begin, size);
  }

  conv2d(x: Tensor, weight: Tensor, bias: Tensor | undefined, opts: { stride: number; pad: number }): Tensor {
    const tf = this.tf;
    const filter = this.reorder(weight, [2, 3, 1, 0]); // [out,in,kh,kw] -> [kh,kw,in,out]
    const out = tf.conv2d(x as tfTypes.Tensor4D, filter as tfTypes.Tensor4D, opts.stride, opts.pad);
    return bias ? tf.add(out, bias) : out;
  }

  convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor, opts: { stride: number }): Tensor {
    const tf = this.tf;
    // tfjs wants [kh, kw, out, in]; PyTorch stores [in, out, kh, kw]. Neither flips the kernel.
    const filter = this.reorder(weight, [2, 3, 1, 0]);
    const [batch, h, w] = x.shape;
    const [kh, kw, outC] = filter.shape;
    const shape: [number, number, number, number] = [batch, (h - 1) * opts.stride + kh, (w - 1) * opts.stride + kw, outC];
    const out = tf.conv2dTranspose(x as tfTypes.Tensor4D, filter as tfTypes.Tensor4D, shape, opts.stride, 'valid');
    return tf.add(out, bias);
  }

  resizeBilinear(x: Tensor, size: { height: number; width: number }): Tensor {
    return this.tf.image.resizeBilinear(x as tfTypes.Tensor4D, [size.height, size.width], false, true);
  }

  broadcastBatch(x: Tensor, like: Tensor): Tensor {
    return this.tf.broadcastTo(x, [like.shape[0], ...x.shape.slice(1)]);
  }

  /** A weight in another axis order, computed once (each weight is only ever used in one order). */
  private reorder(weight: Tensor, perm: number[]): Tensor {
    // A trainable weight (a tf.Variable from a subclass's constant()) changes every step and needs its gradient:
    // transpose it inside the pass instead of caching.
    if (!this.isConstant.has(weight)) return this.tf.transpose(weight, perm);
    let f = this.reordered.get(weight);
    if (!f) {
      f = this.tf.keep(this.tf.transpose(weight, perm));
      this.reordered.set(weight, f);
      this.constants.push(f);
    }
    return f;
  }

  /** Frees every constant and cached filter. */
  dispose(): void {
    for (const t of this.constants) t.dispose();
    this.constants.length = 0;
  }
}
