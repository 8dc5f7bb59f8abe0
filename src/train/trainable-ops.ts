import type * as tfTypes from '@tensorflow/tfjs';
import { TfOps } from '../model/ops-tf.js';
import { conv2dFilterGrad, convTransposeFilterGrad, type Nhwc } from './conv-grad.js';

type Tensor = tfTypes.Tensor;
type Tensor4D = tfTypes.Tensor4D;
type CustomArgs = [Tensor, Tensor, (saved: Tensor[]) => void];

/** The weights training changes: mirror and the decoder. Everything else (CLIP) stays a frozen constant. */
export const isTrainable = (name: string): boolean => name === 'mirror' || name.startsWith('decoder.');

const nhwc = (t: Tensor): Nhwc => ({ data: t.dataSync() as Float32Array, shape: t.shape as Nhwc['shape'] });

/**
 * TfOps whose trainable weights are tf.Variables, so that the one model definition (depth-graph.ts) is also the
 * one that is trained; the optimizer assigns to them in place. Convolutions with a trainable weight get a custom
 * gradient: the input gradient from tfjs's kernels, the filter gradient from conv-grad.ts (see there why).
 */
export class TrainableTfOps extends TfOps {
  readonly variables = new Map<string, tfTypes.Variable>();
  private readonly trainable = new WeakSet<Tensor>();
  /** tfjs's own filter-gradient kernels (WebGPU: fast on the device, and its tensors have no synchronous read). */
  private readonly native: boolean;

  constructor(tf: typeof tfTypes, opts: { nativeFilterGrads?: boolean } = {}) {
    super(tf);
    this.native = opts.nativeFilterGrads ?? false;
  }

  override constant(name: string, shape: number[], data: Float32Array): Tensor {
    if (!isTrainable(name)) return super.constant(name, shape, data);
    const init = this.tf.tensor(data, shape, 'float32');
    const v = this.tf.variable(init, true);
    init.dispose();
    this.variables.set(name, v);
    this.trainable.add(v);
    return v;
  }

  override conv2d(x: Tensor, weight: Tensor, bias: Tensor | undefined, opts: { stride: number; pad: number }): Tensor {
    if (this.native || !this.trainable.has(weight) || opts.stride !== 1) return super.conv2d(x, weight, bias, opts);
    const tf = this.tf;
    const [, , kh, kw] = weight.shape;
    const pad = opts.pad;
    const conv = tf.customGrad((...args) => {
      const [input, filter, save] = args as CustomArgs;
      save([input, filter]);
      return {
        value: tf.conv2d(input as Tensor4D, filter as Tensor4D, 1, pad),
        gradFunc: (dy, [xs, f]) => [
          tf.conv2dTranspose(dy as Tensor4D, f as Tensor4D, xs.shape as [number, number, number, number], 1, pad),
          tf.tensor(conv2dFilterGrad(nhwc(xs), nhwc(dy as Tensor), kh, kw, pad), f.shape),
        ],
      };
    });
    const y = conv(x, tf.transpose(weight, [2, 3, 1, 0])); // [out,in,kh,kw] -> [kh,kw,in,out]
    return bias ? tf.add(y, bias) : y;
  }

  override convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor, opts: { stride: number }): Tensor {
    if (this.native || !this.trainable.has(weight)) return super.convTranspose2d(x, weight, bias, opts);
    const tf = this.tf;
    const [, outC, kh, kw] = weight.shape;
    const s = opts.stride;
    const [batch, h, w] = x.shape;
    const shape: [number, number, number, number] = [batch, (h - 1) * s + kh, (w - 1) * s + kw, outC];
    const deconv = tf.customGrad((...args) => {
      const [input, filter, save] = args as CustomArgs;
      save([input, filter]);
      return {
        value: tf.conv2dTranspose(input as Tensor4D, filter as Tensor4D, shape, s, 'valid'),
        gradFunc: (dy, [xs, f]) => [
          tf.conv2d(dy as Tensor4D, f as Tensor4D, s, 'valid'),
          tf.tensor(convTransposeFilterGrad(nhwc(xs), nhwc(dy as Tensor), kh, kw, s), f.shape),
        ],
      };
    });
    return tf.add(deconv(x, tf.transpose(weight, [2, 3, 1, 0])), bias); // [in,out,kh,kw] -> [kh,kw,out,in]
  }

  override dispose(): void {
    super.dispose();
    for (const v of this.variables.values()) v.dispose();
    this.variables.clear();
  }
}
