import type * as tfTypes from '@tensorflow/tfjs';

/**
 * Scale-invariant log loss in the BTS / AdaBins form: alpha * sqrt(mean(g^2) - lambda * mean(g)^2), g = ln p - ln d
 * over the valid pixels of the whole batch (pooled, as BTS does). lambda 0.85 keeps some absolute-scale error in
 * the loss (lambda 1 would be fully scale-invariant, which a metric-depth model cannot use); alpha 10 scales it.
 */
export interface SilogOptions {
  lambda: number;
  alpha: number;
  /** Predictions are floored here before the log, so that a saturated sigmoid cannot give -inf. */
  minDepth: number;
}

export const SILOG_DEFAULTS: SilogOptions = { lambda: 0.85, alpha: 10, minDepth: 1e-3 };

/** ln(depth) where depth > 0 (valid) and 0 elsewhere, plus the mask and the valid count. */
export function logTargets(depth: Float32Array): { logGt: Float32Array; mask: Float32Array; count: number } {
  const logGt = new Float32Array(depth.length);
  const mask = new Float32Array(depth.length);
  let count = 0;
  for (let i = 0; i < depth.length; i++) {
    if (depth[i] > 0) {
      logGt[i] = Math.log(depth[i]);
      mask[i] = 1;
      count++;
    }
  }
  return { logGt, mask, count };
}

export function silogLoss(tf: typeof tfTypes, pred: tfTypes.Tensor, logGt: tfTypes.Tensor, mask: tfTypes.Tensor, count: number, o: SilogOptions = SILOG_DEFAULTS): tfTypes.Scalar {
  const g = tf.mul(tf.sub(tf.log(tf.maximum(pred, o.minDepth)), logGt), mask);
  const m1 = tf.div(tf.sum(g), count);
  const m2 = tf.div(tf.sum(tf.square(g)), count);
  // The floor keeps sqrt's gradient finite at a perfect fit.
  return tf.mul(tf.sqrt(tf.maximum(tf.sub(m2, tf.mul(o.lambda, tf.square(m1))), 1e-12)), o.alpha) as tfTypes.Scalar;
}

/** The same loss in float64 over plain arrays (for tests and the reference script's cross-check). */
export function silogLossArray(pred: Float32Array, depth: Float32Array, o: SilogOptions = SILOG_DEFAULTS): number {
  let s1 = 0;
  let s2 = 0;
  let n = 0;
  for (let i = 0; i < pred.length; i++) {
    if (!(depth[i] > 0)) continue;
    const g = Math.log(Math.max(pred[i], o.minDepth)) - Math.log(depth[i]);
    s1 += g;
    s2 += g * g;
    n++;
  }
  return o.alpha * Math.sqrt(Math.max(s2 / n - o.lambda * (s1 / n) ** 2, 1e-12));
}
