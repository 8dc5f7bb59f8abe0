import { DepthkitError } from '../errors.js';
import type { Mask } from './types.js';

export type AlignMode = 'none' | 'median' | 'scale' | 'scale-shift';
export type AlignSpace = 'depth' | 'disparity';
/**
 * Which predictions the median alignment sees: finite positive ones (default), or every value under the mask,
 * 0, negative, ±Inf and NaN included, as monodepth2's np.median(pred_depth[mask]) does (one NaN makes it NaN).
 */
export type MedianPixels = 'finite' | 'all';
export const ALIGN_MODES: readonly AlignMode[] = ['none', 'median', 'scale', 'scale-shift'];
export const ALIGN_SPACES: readonly AlignSpace[] = ['depth', 'disparity'];

/**
 * A fitted alignment: aligned = scale * x + shift with x = depth or x = 1/depth (space). `space` is the space the
 * fit was done in, so `median` always reports 'depth'. `degenerate` is true when no fit was possible (no usable
 * pixel, or scale-shift on predictions without spread): the alignment is then the identity and applyAlignment
 * leaves the prediction unchanged. The caller decides whether to report or drop such an image.
 */
export interface Alignment {
  mode: AlignMode;
  space: AlignSpace;
  scale: number;
  shift: number;
  /** Pixels the fit used: valid ground truth with a finite, positive prediction. */
  pixels: number;
  degenerate: boolean;
}

/** One frame of a fit. Several samples make one fit over all their pixels (sequence scope). */
export interface AlignSample {
  pred: Float32Array;
  gt: Float32Array;
  mask: Mask;
}

/** Relative spread below which scale-shift is treated as having no information about the shift. */
const MIN_RELATIVE_VARIANCE = 1e-12;

function identity(mode: AlignMode, space: AlignSpace, pixels: number, degenerate: boolean): Alignment {
  return { mode, space, scale: 1, shift: 0, pixels, degenerate };
}

/** Pixels a fit may use: the mask says the ground truth is valid; predictions must be finite and positive. */
function usable(s: AlignSample, i: number): boolean {
  const p = s.pred[i];
  return s.mask[i] === 1 && p > 0 && p < Infinity && s.gt[i] > 0;
}

/**
 * Fits the alignment of predictions to ground truth over the usable pixels of all samples, before any clamping.
 * median: scale = median(g) / median(p) in depth space (monodepth2). scale: least squares s of s*x ≈ y.
 * scale-shift: least squares (s, t) of s*x + t ≈ y. x, y are depths, or inverse depths when space is 'disparity'.
 */
export function fitAlignment(samples: AlignSample[], mode: AlignMode, space: AlignSpace, medianPixels: MedianPixels = 'finite'): Alignment {
  for (const s of samples) {
    if (s.pred.length !== s.gt.length || s.mask.length !== s.gt.length) {
      throw new DepthkitError(`alignment sample sizes differ: pred ${s.pred.length}, gt ${s.gt.length}, mask ${s.mask.length}`);
    }
  }
  if (mode === 'none') return identity(mode, space, 0, false);
  if (mode === 'median') return fitMedian(samples, medianPixels === 'all' ? (s, i) => s.mask[i] === 1 : usable);
  const disparity = space === 'disparity';
  const raw = moments(samples, disparity, 0, 0);
  const n = raw.n;
  if (n === 0) return identity(mode, space, 0, true);
  if (mode === 'scale') return { mode, space, scale: raw.sxy / raw.sxx, shift: 0, pixels: n, degenerate: false };
  // Centred second pass: the one-pass formula n*Sxx - Sx^2 loses most digits on KITTI-sized depth sums.
  const mx = raw.sx / n;
  const my = raw.sy / n;
  const c = moments(samples, disparity, mx, my);
  if (!(c.sxx > MIN_RELATIVE_VARIANCE * n * mx * mx)) return identity(mode, space, n, true);
  const scale = c.sxy / c.sxx;
  return { mode, space, scale, shift: my - scale * mx, pixels: n, degenerate: false };
}

function moments(samples: AlignSample[], disparity: boolean, mx: number, my: number) {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (const s of samples) {
    for (let i = 0; i < s.gt.length; i++) {
      if (!usable(s, i)) continue;
      const x = (disparity ? 1 / s.pred[i] : s.pred[i]) - mx;
      const y = (disparity ? 1 / s.gt[i] : s.gt[i]) - my;
      n++;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
  }
  return { n, sx, sy, sxx, sxy };
}

function fitMedian(samples: AlignSample[], counts: (s: AlignSample, i: number) => boolean): Alignment {
  let n = 0;
  let nan = false;
  for (const s of samples) {
    for (let i = 0; i < s.gt.length; i++) {
      if (!counts(s, i)) continue;
      n++;
      if (Number.isNaN(s.pred[i])) nan = true;
    }
  }
  if (n === 0) return identity('median', 'depth', 0, true);
  // numpy's median of an array holding NaN is NaN; the scale then makes every aligned value NaN.
  if (nan) return { mode: 'median', space: 'depth', scale: NaN, shift: 0, pixels: n, degenerate: false };
  const g = new Float32Array(n);
  const p = new Float32Array(n);
  let k = 0;
  for (const s of samples) {
    for (let i = 0; i < s.gt.length; i++) {
      if (!counts(s, i)) continue;
      g[k] = s.gt[i];
      p[k++] = s.pred[i];
    }
  }
  return { mode: 'median', space: 'depth', scale: medianInPlace(g) / medianInPlace(p), shift: 0, pixels: n, degenerate: false };
}

/**
 * Median as numpy defines it (mean of the two middle values for an even count), computed in float64. Reorders
 * `values`. Quickselect, O(n) expected; NaN values must not be present. Returns NaN for an empty array.
 */
export function medianInPlace(values: Float32Array | Float64Array): number {
  const n = values.length;
  if (n === 0) return NaN;
  const hi = n >> 1;
  select(values, hi);
  if (n % 2 === 1) return values[hi];
  // After selecting index hi, everything left of it is <= values[hi]: the lower middle is their maximum.
  let lower = values[0];
  for (let i = 1; i < hi; i++) if (values[i] > lower) lower = values[i];
  return (lower + values[hi]) / 2;
}

/** Moves the k-th smallest value to index k, smaller-or-equal values before it (Hoare partition, median of 3). */
function select(a: Float32Array | Float64Array, k: number): void {
  let lo = 0;
  let hi = a.length - 1;
  // Adversarial orders can make quickselect quadratic; past this many rounds a sort of the rest is cheaper.
  let rounds = 2 * Math.ceil(Math.log2(a.length + 1)) + 8;
  while (hi > lo) {
    if (rounds-- === 0) {
      a.subarray(lo, hi + 1).sort();
      return;
    }
    const mid = (lo + hi) >> 1;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) swap(a, i++, j--);
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Float32Array | Float64Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/**
 * Applies a fitted alignment, returning a new array. In disparity space the aligned disparity is clipped to at
 * least 1/maxDepth before inversion (MiDaS/Marigold), so a negative or zero disparity becomes maxDepth instead of a
 * negative depth. Non-finite results are left for the prediction clamp. Identity and degenerate fits copy.
 */
export function applyAlignment(pred: Float32Array, a: Alignment, maxDepth: number): Float32Array {
  const out = new Float32Array(pred.length);
  const { scale, shift } = a;
  if (a.mode === 'none' || a.degenerate) {
    out.set(pred);
  } else if (a.space === 'depth') {
    for (let i = 0; i < pred.length; i++) out[i] = scale * pred[i] + shift;
  } else {
    const minDisparity = 1 / maxDepth;
    for (let i = 0; i < pred.length; i++) {
      const d = scale * (1 / pred[i]) + shift;
      out[i] = 1 / (d < minDisparity ? minDisparity : d);
    }
  }
  return out;
}
