import type { Ops } from '../ops.js';
import { OnnxGraph, type OnnxValue } from './graph.js';

/**
 * Ops that record ONNX opset-17 nodes instead of computing: running the model definition (depth-graph.ts) through
 * this class yields the ONNX graph of the very same model. Shapes are tracked statically (-1 = the batch axis) so
 * that reshape, slice and the layout transposes can be checked and sized while emitting.
 */

function broadcast(a: number[], b: number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1 && x !== -1 && y !== -1) throw new Error(`cannot broadcast [${a.join(',')}] with [${b.join(',')}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

const NCHW = [0, 3, 1, 2];
const NHWC = [0, 2, 3, 1];
const TO_END = 2 ** 62; // a Slice end past the axis means "to the end"; 2^62 is exact as a double and as int64

function samePerm(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class OnnxEmitter implements Ops<OnnxValue> {
  readonly graph = new OnnxGraph();
  private readonly transposedWeights = new Map<string, OnnxValue>();
  private readonly weightData = new Map<string, { shape: number[]; data: Float32Array }>();
  private readonly fedConstants = new Map<string, OnnxValue>();

  /** Makes the constant `name` a float32 graph input instead (its value is fed at run time). */
  feedConstant(name: string, shape: number[]): void {
    this.fedConstants.set(name, this.graph.input(name, shape, 'float32'));
  }

  constant(name: string, shape: number[], data: Float32Array): OnnxValue {
    const fed = this.fedConstants.get(name);
    if (fed) return fed;
    let unique = name;
    for (let i = 1; this.graph.hasInitialiser(unique); i++) unique = `${name}#${i}`;
    this.weightData.set(unique, { shape, data });
    return this.graph.initialiser(unique, shape, data);
  }

  matMul(a: OnnxValue, b: OnnxValue, opts: { transposeB?: boolean } = {}): OnnxValue {
    const bt = opts.transposeB ? this.transposeLast(b) : b;
    const [m, k] = a.shape.slice(-2);
    const [k2, n] = bt.shape.slice(-2);
    if (k !== k2) throw new Error(`matMul: inner sizes ${k} and ${k2} differ`);
    const lead = broadcast(a.shape.slice(0, -2), bt.shape.slice(0, -2));
    return this.graph.node('MatMul', [a, bt], [...lead, m, n]);
  }

  /** B^T: a weight is transposed once here (so the file holds [in, out]); an activation gets a Transpose node. */
  private transposeLast(b: OnnxValue): OnnxValue {
    const w = this.weightData.get(b.name);
    if (!w || w.shape.length !== 2) {
      const perm = b.shape.map((_, i) => i);
      perm.push(...perm.splice(-2).reverse());
      return this.transpose(b, perm);
    }
    let t = this.transposedWeights.get(b.name);
    if (!t) {
      const [rows, cols] = w.shape;
      const data = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[c * rows + r] = w.data[r * cols + c];
      t = this.graph.initialiser(`${b.name}^T`, [cols, rows], data);
      this.transposedWeights.set(b.name, t);
    }
    return t;
  }

  add(a: OnnxValue, b: OnnxValue): OnnxValue {
    return this.graph.node('Add', [a, b], broadcast(a.shape, b.shape));
  }

  sub(a: OnnxValue, b: OnnxValue): OnnxValue {
    return this.graph.node('Sub', [a, b], broadcast(a.shape, b.shape));
  }

  mul(a: OnnxValue, b: OnnxValue): OnnxValue {
    return this.graph.node('Mul', [a, b], broadcast(a.shape, b.shape));
  }

  scale(a: OnnxValue, s: number): OnnxValue {
    return this.graph.node('Mul', [a, this.graph.scalar(s)], a.shape);
  }

  layerNorm(x: OnnxValue, gamma: OnnxValue, beta: OnnxValue, eps: number): OnnxValue {
    return this.graph.node('LayerNormalization', [x, gamma, beta], x.shape, { axis: -1, epsilon: { float: eps } });
  }

  softmax(x: OnnxValue): OnnxValue {
    return this.graph.node('Softmax', [x], x.shape, { axis: -1 });
  }

  quickGelu(x: OnnxValue): OnnxValue {
    return this.mul(x, this.sigmoid(this.scale(x, 1.702)));
  }

  /** Opset 17 has no Gelu node (it came in 20): 0.5 x (1 + erf(x / sqrt 2)). */
  gelu(x: OnnxValue): OnnxValue {
    const erf = this.graph.node('Erf', [this.scale(x, Math.SQRT1_2)], x.shape);
    return this.mul(this.scale(x, 0.5), this.graph.node('Add', [erf, this.graph.scalar(1)], x.shape));
  }

  relu(x: OnnxValue): OnnxValue {
    return this.graph.node('Relu', [x], x.shape);
  }

  sigmoid(x: OnnxValue): OnnxValue {
    return this.graph.node('Sigmoid', [x], x.shape);
  }

  reshape(x: OnnxValue, shape: number[]): OnnxValue {
    const known = shape.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const total = x.shape.includes(-1) ? -1 : x.shape.reduce((a, d) => a * d, 1);
    const out = shape.map((d) => (d === -1 && total !== -1 ? total / known : d));
    return this.graph.node('Reshape', [x, this.graph.int64(shape)], out);
  }

  transpose(x: OnnxValue, perm: number[]): OnnxValue {
    // Peephole: a transpose that undoes the one before it (NHWC -> NCHW -> NHWC around consecutive convs) vanishes.
    const prev = this.graph.producer(x);
    if (prev?.opType === 'Transpose') {
      const p = prev.attributes.perm as number[];
      if (samePerm(perm.map((i) => p[i]), p.map((_, i) => i))) return { name: prev.inputs[0], shape: perm.map((i) => x.shape[i]) };
    }
    return this.graph.node('Transpose', [x], perm.map((i) => x.shape[i]), { perm });
  }

  concat(xs: OnnxValue[], axis: number): OnnxValue {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((a, x) => (a < 0 || x.shape[axis] < 0 ? -1 : a + x.shape[axis]), 0);
    return this.graph.node('Concat', xs, shape, { axis });
  }

  /** tfjs semantics: size -1 runs to the end of the axis. */
  slice(x: OnnxValue, begin: number[], size: number[]): OnnxValue {
    const axes: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const shape = x.shape.map((d, i) => {
      if (begin[i] === 0 && size[i] === -1) return d;
      axes.push(i);
      starts.push(begin[i]);
      ends.push(size[i] === -1 ? TO_END : begin[i] + size[i]);
      return size[i] === -1 ? d - begin[i] : size[i];
    });
    const g = this.graph;
    return g.node('Slice', [x, g.int64(starts), g.int64(ends), g.int64(axes)], shape);
  }

  conv2d(x: OnnxValue, weight: OnnxValue, bias: OnnxValue | undefined, opts: { stride: number; pad: number }): OnnxValue {
    const [b, h, w] = x.shape;
    const [out, , kh, kw] = weight.shape;
    const oh = Math.floor((h + 2 * opts.pad - kh) / opts.stride) + 1;
    const ow = Math.floor((w + 2 * opts.pad - kw) / opts.stride) + 1;
    const y = this.graph.node('Conv', [this.transpose(x, NCHW), weight, bias], [b, out, oh, ow], {
      kernel_shape: [kh, kw],
      strides: [opts.stride, opts.stride],
      pads: [opts.pad, opts.pad, opts.pad, opts.pad],
    });
    return this.transpose(y, NHWC);
  }

  convTranspose2d(x: OnnxValue, weight: OnnxValue, bias: OnnxValue, opts: { stride: number }): OnnxValue {
    const [b, h, w] = x.shape;
    const [, out, kh, kw] = weight.shape;
    const y = this.graph.node('ConvTranspose', [this.transpose(x, NCHW), weight, bias], [b, out, (h - 1) * opts.stride + kh, (w - 1) * opts.stride + kw], {
      kernel_shape: [kh, kw],
      strides: [opts.stride, opts.stride],
    });
    return this.transpose(y, NHWC);
  }

  resizeBilinear(x: OnnxValue, size: { height: number; width: number }): OnnxValue {
    const g = this.graph;
    const nchw = this.transpose(x, NCHW);
    const [b, c] = nchw.shape;
    // Sizes must name every axis; the batch is only known at run time, so it is read off the input's shape.
    const lead = g.node('Shape', [nchw], [4], { end: 2 });
    const sizes = g.node('Concat', [lead, g.int64([size.height, size.width])], [4], { axis: 0 });
    const y = g.node('Resize', [nchw, undefined, undefined, sizes], [b, c, size.height, size.width], {
      mode: 'linear',
      coordinate_transformation_mode: 'half_pixel',
    });
    return this.transpose(y, NHWC);
  }

  broadcastBatch(x: OnnxValue, like: OnnxValue): OnnxValue {
    const g = this.graph;
    const batch = g.node('Shape', [like], [1], { end: 1 });
    const shape = g.node('Concat', [batch, g.int64(x.shape.slice(1))], [x.shape.length], { axis: 0 });
    return g.node('Expand', [x, shape], [like.shape[0], ...x.shape.slice(1)]);
  }

  /** uint8 RGB NHWC -> (x / 255 - mean) / std in float32, the same normalisation as normaliseFrames. */
  normalisedInput(name: string, height: number, width: number, norm: { mean: number[]; std: number[] }): OnnxValue {
    const g = this.graph;
    const pixels = g.input(name, [-1, height, width, 3], 'uint8');
    const f = g.node('Cast', [pixels], pixels.shape, { to: 1 });
    const shift = g.initialiser(g.fresh('mean255'), [3], Float32Array.from(norm.mean, (m) => m * 255));
    const inv = g.initialiser(g.fresh('inv_std255'), [3], Float32Array.from(norm.std, (s) => 1 / (255 * s)));
    return this.mul(this.sub(f, shift), inv);
  }
}
