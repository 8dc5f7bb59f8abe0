import type { DepthMap, Mask, RgbImage } from './types.js';
import { canny, distanceTransform } from './edges.js';
import { checkGrids } from './warp.js';

/** exp(-|dI|) for each summed 8-bit RGB step s, |dI| = s / (3 * 255) the mean channel step in [0, 1]. */
const EDGE_WEIGHT = Float64Array.from({ length: 3 * 255 + 1 }, (_, s) => Math.exp(-(s / (3 * 255))));

/**
 * Edge-aware smoothness (monodepth2 layers.py get_smooth_loss, applied as a metric): d = depth / (mean(depth) +
 * 1e-7) (monodepth2 normalises by the mean with that epsilon), then mean(|dx d| exp(-|dx I|)) +
 * mean(|dy d| exp(-|dy I|)), where |dI| is the mean over the RGB channels (in [0,1]) of the absolute difference of
 * horizontally / vertically adjacent pixels. Means run over all adjacent pairs of the full image. Lower is
 * smoother where the image is flat. Depth or disparity may be passed; the mean normalisation removes scale.
 */
export function edgeAwareSmoothness(depth: DepthMap, image: RgbImage): number {
  const { width: w, height: h, data } = depth;
  checkGrids('smoothness', w, h, [data, { length: image.data.length, channels: 3 }]);
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i];
  mean /= data.length;
  const scale = 1 / (mean + 1e-7);
  const rgb = image.data;
  // The summed channel step is an integer in [0, 765]: its weight exp(-step / 765) is looked up, not recomputed.
  const imageWeight = (i: number, j: number) =>
    EDGE_WEIGHT[Math.abs(rgb[3 * i] - rgb[3 * j]) + Math.abs(rgb[3 * i + 1] - rgb[3 * j + 1]) + Math.abs(rgb[3 * i + 2] - rgb[3 * j + 2])];
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (x + 1 < w) sx += Math.abs(data[i] - data[i + 1]) * scale * imageWeight(i, i + 1);
      if (y + 1 < h) sy += Math.abs(data[i] - data[i + w]) * scale * imageWeight(i, i + w);
    }
  }
  return sx / ((w - 1) * h) + sy / (w * (h - 1));
}

export interface DbeOptions {
  /** Pixels that count (finite, positive depth in both maps is always required). */
  mask?: Mask;
  /** Band around true edges in which predicted edges count, and the score when none does (iBims-1: 10 px). */
  maxDistance?: number;
  /** Canny parameters on depth normalised to [0, 1] (iBims-1: sigma sqrt 2, thresholds 0.1 / 0.2). */
  sigma?: number;
  low?: number;
  high?: number;
}

export interface DbeScores {
  /** Mean distance (px) of predicted edges within the band to the nearest true edge; lower is better. */
  dbe_acc: number;
  /** Mean distance (px) of true edges to the nearest predicted edge; lower is better. */
  dbe_comp: number;
  /** Edge pixel counts, so a reader can tell "no edges" from "perfect". */
  gtEdges: number;
  predEdges: number;
}

/** Min-max normalisation to [0, 1] over the valid pixels; invalid pixels become 0 (and are masked out of Canny). */
function normalise01(data: Float32Array, valid: Mask): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (!valid[i]) continue;
    lo = Math.min(lo, data[i]);
    hi = Math.max(hi, data[i]);
  }
  const out = new Float64Array(data.length);
  const range = hi - lo;
  for (let i = 0; i < data.length; i++) if (valid[i]) out[i] = range > 0 ? (data[i] - lo) / range : 0;
  return out;
}

/**
 * Depth boundary errors (iBims-1, Koch et al. 2018): both maps min-max normalised over the valid pixels, Canny
 * edges on each (canny() in edges.ts, invalid pixels masked), D_gt / D_est = Euclidean distance to the nearest
 * true / predicted edge; predicted edges with D_gt < maxDistance are kept; dbe_acc = sum(D_gt E_est) / sum(E_est),
 * dbe_comp = sum(D_est E_gt) / sum(E_gt). Both are maxDistance when no predicted edge falls in the band, and NaN
 * when the ground truth has no edge (skip the image in the mean). The prediction needs no alignment: the
 * normalisation removes scale and shift.
 */
export function depthBoundaryErrors(pred: DepthMap, gt: DepthMap, options: DbeOptions = {}): DbeScores {
  const { width: w, height: h } = gt;
  checkGrids('DBE', w, h, [gt.data, pred.data, ...(options.mask ? [options.mask] : [])]);
  const maxDistance = options.maxDistance ?? 10;
  const cannyOpts = { sigma: options.sigma ?? Math.SQRT2, low: options.low ?? 0.1, high: options.high ?? 0.2 };
  const valid = new Uint8Array(w * h);
  for (let i = 0; i < valid.length; i++) {
    const ok = Number.isFinite(pred.data[i]) && Number.isFinite(gt.data[i]) && gt.data[i] > 0;
    valid[i] = ok && (!options.mask || options.mask[i]) ? 1 : 0;
  }
  const gtEdges = canny(normalise01(gt.data, valid), w, h, { ...cannyOpts, mask: valid });
  const predEdges = canny(normalise01(pred.data, valid), w, h, { ...cannyOpts, mask: valid });
  const nGt = gtEdges.reduce((s, e) => s + e, 0);
  const nPred = predEdges.reduce((s, e) => s + e, 0);
  if (nGt === 0) return { dbe_acc: NaN, dbe_comp: NaN, gtEdges: 0, predEdges: nPred };
  const dGt = distanceTransform(gtEdges, w, h);
  const dPred = distanceTransform(predEdges, w, h);
  let accSum = 0;
  let accCount = 0;
  let compSum = 0;
  for (let i = 0; i < w * h; i++) {
    if (predEdges[i] && dGt[i] < maxDistance) {
      accSum += dGt[i];
      accCount++;
    }
    if (gtEdges[i]) compSum += dPred[i];
  }
  if (accCount === 0) return { dbe_acc: maxDistance, dbe_comp: maxDistance, gtEdges: nGt, predEdges: nPred };
  return { dbe_acc: accSum / accCount, dbe_comp: compSum / nGt, gtEdges: nGt, predEdges: nPred };
}
