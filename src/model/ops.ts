/**
 * The operations the model definition is written against. T is an opaque tensor handle: TfOps computes with tfjs
 * tensors, an ONNX emitter records graph nodes. Every op maps onto a standard ONNX opset-17 node with static shapes
 * except the leading batch dimension (reshape targets may use -1 only there).
 *
 * Layouts: activations are channels-last (NHWC for images, [B, N, C] for token sequences). Weights keep PyTorch's
 * layouts so that checkpoint tensors and ONNX initialisers need no reordering: Linear [out, in], Conv2d
 * [out, in, kh, kw], ConvTranspose2d [in, out, kh, kw].
 */
export interface Ops<T> {
  /** A named constant (weight or precomputed table). */
  constant(name: string, shape: number[], data: Float32Array): T;
  /** Batched matrix product over the last two axes; `b` may be 2-D (shared across the batch). */
  matMul(a: T, b: T, opts?: { transposeB?: boolean }): T;
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  scale(a: T, s: number): T;
  /** Normalises over the last axis. */
  layerNorm(x: T, gamma: T, beta: T, eps: number): T;
  softmax(x: T): T;
  quickGelu(x: T): T;
  /** GELU in its exact erf form (PyTorch nn.GELU(), HF "gelu"). */
  gelu(x: T): T;
  relu(x: T): T;
  sigmoid(x: T): T;
  reshape(x: T, shape: number[]): T;
  transpose(x: T, perm: number[]): T;
  concat(xs: T[], axis: number): T;
  slice(x: T, begin: number[], size: number[]): T;
  /** NHWC input, weight [out, in, kh, kw], symmetric zero padding. */
  conv2d(x: T, weight: T, bias: T | undefined, opts: { stride: number; pad: number }): T;
  /** NHWC input, weight [in, out, kh, kw], no padding: output is (H - 1) * stride + k. */
  convTranspose2d(x: T, weight: T, bias: T, opts: { stride: number }): T;
  /** Bilinear resize with half-pixel centres (ONNX Resize, coordinate_transformation_mode half_pixel). */
  resizeBilinear(x: T, size: { height: number; width: number }): T;
  /** Repeats x along the batch axis to match `like`'s batch size (ONNX Expand with Shape). */
  broadcastBatch(x: T, like: T): T;
}
