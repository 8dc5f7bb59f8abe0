import type { DepthMap, Mask } from '../metrics/types.js';
import { DepthkitError } from '../errors.js';
import { validMask } from '../metrics/mask.js';

export interface GtRange {
  /** Ground truth must be above this (exclusive); default 0. */
  minDepth?: number;
  /** Ground truth must be below this (exclusive); default no cap. */
  maxDepth?: number;
  /** Crop or other validity mask, 1 = use; default every pixel. */
  mask?: Mask;
}

/** Which ground-truth pixels count, the way the metrics count them: min < g < max (strict), inside the mask. */
export function gtValidity(gt: DepthMap, range: GtRange = {}): Mask {
  const { mask } = range;
  if (mask && mask.length !== gt.data.length) throw new DepthkitError(`mask holds ${mask.length} values, ground truth ${gt.data.length}`);
  const valid = validMask(gt, { minDepth: range.minDepth ?? 0, maxDepth: range.maxDepth ?? Infinity }, null);
  if (mask) for (let i = 0; i < valid.length; i++) valid[i] &= mask[i] ? 1 : 0;
  return valid;
}

/**
 * Per-pixel abs-rel error |p - g| / g where the ground truth is valid, NaN elsewhere (and where the prediction is
 * not finite), so the mean of the finite values is the image's abs_rel when `pred` is the clamped prediction.
 */
export function absRelErrorMap(pred: Float32Array, gt: Float32Array, valid: Mask): Float32Array {
  if (pred.length !== gt.length || valid.length !== gt.length) {
    throw new DepthkitError(`error map needs maps of one size (prediction ${pred.length}, ground truth ${gt.length}, mask ${valid.length})`);
  }
  const out = new Float32Array(gt.length);
  for (let i = 0; i < out.length; i++) out[i] = valid[i] ? Math.abs(pred[i] - gt[i]) / gt[i] : NaN;
  return out;
}
