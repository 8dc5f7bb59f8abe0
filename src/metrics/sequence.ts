import { DepthkitError } from '../errors.js';

/**
 * Sequence-level accuracy as the video depth benchmarks compute it (Video Depth Anything benchmark/eval/eval.py
 * and metric.py, after DepthCrafter's benchmark): predictions are disparity, clipped to >= 1e-3; one least-squares
 * scale and shift maps them onto 1 / (gt + 1e-8) over every valid pixel of the whole sequence (valid: 1e-3 < gt <
 * max); the aligned disparity is clipped to >= 1e-3, inverted, and the depth clipped to [1e-3, max]. Metrics are
 * per frame over its valid pixels, frames without any dropped, then the mean over frames; log10 is pooled over the
 * sequence's valid pixels and silog is 100 sqrt(mean over frames of (mean e^2 - (mean e)^2)), as metric.py does.
 */

/** One frame: raw prediction (disparity unless converted) and ground-truth depth, the same size, row-major. */
export interface SequenceFrame {
  pred: Float32Array;
  gt: Float32Array;
}

export interface SequenceFit {
  scale: number;
  shift: number;
  /** Valid ground-truth pixels the fit used. */
  pixels: number;
}

export const SEQUENCE_METRICS = ['abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10', 'silog', 'd1', 'd2', 'd3'] as const;
export type SequenceMetricName = (typeof SEQUENCE_METRICS)[number];
export type SequenceMetrics = Record<SequenceMetricName, number> & { frames: number };

const MIN = 1e-3;
/** np.clip of a float32 array against the Python float 1e-3 compares in float32. */
const PRED_MIN = Math.fround(MIN);

const isValid = (g: number, max: number) => g > MIN && g < max;
const clipPred = (v: number) => (v < PRED_MIN ? PRED_MIN : v);

/** Centred first and second moments of one frame's fit pixels (x = clipped prediction, y = 1 / (g + 1e-8)). */
export interface FitMoments {
  n: number;
  mx: number;
  my: number;
  sxx: number;
  sxy: number;
}

/**
 * One frame's moments in one pass, computed as each frame is read while it is in cache and combined over the
 * sequence with combineMoments. Sums are taken about the frame's first valid pixel, so that no digits are lost to
 * cancellation when the values sit far from zero (and a constant prediction gives sxx = 0 exactly).
 */
export function frameMoments({ pred, gt }: SequenceFrame, maxDepth: number): FitMoments {
  let i = 0;
  while (i < gt.length && !isValid(gt[i], maxDepth)) i++;
  if (i === gt.length) return { n: 0, mx: 0, my: 0, sxx: 0, sxy: 0 };
  const x0 = clipPred(pred[i]);
  const y0 = 1 / (gt[i] + 1e-8);
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (; i < gt.length; i++) {
    const g = gt[i];
    if (!isValid(g, maxDepth)) continue;
    const dx = clipPred(pred[i]) - x0;
    const dy = 1 / (g + 1e-8) - y0;
    n++;
    sx += dx;
    sy += dy;
    sxx += dx * dx;
    sxy += dx * dy;
  }
  return { n, mx: x0 + sx / n, my: y0 + sy / n, sxx: Math.max(0, sxx - (sx * sx) / n), sxy: sxy - (sx * sy) / n };
}

/** Chan et al.'s pairwise update: the moments of the union of two pixel sets. */
export function combineMoments(a: FitMoments, b: FitMoments): FitMoments {
  if (a.n === 0) return b;
  if (b.n === 0) return a;
  const n = a.n + b.n;
  const dx = b.mx - a.mx;
  const dy = b.my - a.my;
  const f = (a.n * b.n) / n;
  return { n, mx: a.mx + (dx * b.n) / n, my: a.my + (dy * b.n) / n, sxx: a.sxx + b.sxx + dx * dx * f, sxy: a.sxy + b.sxy + dx * dy * f };
}

/** lstsq's solution of [x 1] (s, t) = y from the sequence's moments. */
export function fitFromMoments(m: FitMoments): SequenceFit {
  const { n, mx, my, sxx, sxy } = m;
  if (n === 0) throw new DepthkitError('no valid ground-truth pixel in the whole sequence: cannot fit scale and shift');
  // A constant prediction leaves the scale undetermined; lstsq's minimum-norm answer then puts it all in the shift.
  if (sxx === 0) return { scale: (mx * my) / (mx * mx + 1), shift: my / (mx * mx + 1), pixels: n };
  const scale = sxy / sxx;
  return { scale, shift: my - scale * mx, pixels: n };
}

/** The aligned depth of one frame: clip(1 / clip(scale * p + shift, 1e-3), 1e-3, max), in float64. */
export function alignedDepth(pred: Float32Array, fit: Pick<SequenceFit, 'scale' | 'shift'>, maxDepth: number): Float64Array {
  const out = new Float64Array(pred.length);
  for (let i = 0; i < pred.length; i++) {
    const d = fit.scale * clipPred(pred[i]) + fit.shift;
    const z = 1 / (d < MIN ? MIN : d);
    out[i] = z < MIN ? MIN : z > maxDepth ? maxDepth : z;
  }
  return out;
}

const T1 = 1.25;
const T2 = 1.25 ** 2;
const T3 = 1.25 ** 3;

/** One frame's sums after the fit: its valid pixels and the per-pixel terms every metric averages. */
export interface FrameSums {
  n: number;
  ar: number;
  sr: number;
  se: number;
  sl: number;
  el: number;
  la: number;
  c1: number;
  c2: number;
  c3: number;
}

/** One frame's pass of sequenceMetrics: independent of the other frames once the fit is known (so it runs in workers). */
export function frameSums({ pred, gt }: SequenceFrame, fit: Pick<SequenceFit, 'scale' | 'shift'>, maxDepth: number): FrameSums {
  const { scale, shift } = fit;
  let n = 0;
  let ar = 0, sr = 0, se = 0, sl = 0, el = 0, la = 0, c1 = 0, c2 = 0, c3 = 0;
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    if (!(g > MIN && g < maxDepth)) continue;
    // alignedDepth, inlined: this loop is the run's hot path (one log and, for half the pixels, one more division).
    const x = pred[i];
    const a = scale * (x < PRED_MIN ? PRED_MIN : x) + shift;
    const z = 1 / (a < MIN ? MIN : a);
    const p = z < MIN ? MIN : z > maxDepth ? maxDepth : z;
    const d = p - g;
    const q = p / g;
    const e = Math.log(q);
    const r = q > 1 ? q : g / p;
    n++;
    ar += Math.abs(d) / g;
    sr += (d * d) / g;
    se += d * d;
    sl += e * e;
    el += e;
    la += Math.abs(e);
    if (r < T1) {
      c1++;
      c2++;
      c3++;
    } else if (r < T2) {
      c2++;
      c3++;
    } else if (r < T3) c3++;
  }
  return { n, ar, sr, se, sl, el, la, c1, c2, c3 };
}

/** The nine metrics from every frame's sums, in frame order (see the module comment for how each is averaged). */
export function metricsFromSums(frames: readonly FrameSums[]): SequenceMetrics {
  const sums = { abs_rel: 0, sq_rel: 0, rmse: 0, rmse_log: 0, d1: 0, d2: 0, d3: 0, silogTerm: 0 };
  let log10Sum = 0;
  let log10Count = 0;
  let used = 0;
  for (const { n, ar, sr, se, sl, el, la, c1, c2, c3 } of frames) {
    if (n === 0) continue;
    used++;
    // |log10 p - log10 g| = |ln(p / g)| / ln 10.
    log10Sum += la / Math.LN10;
    log10Count += n;
    sums.abs_rel += ar / n;
    sums.sq_rel += sr / n;
    sums.rmse += Math.sqrt(se / n);
    sums.rmse_log += Math.sqrt(sl / n);
    sums.silogTerm += sl / n - (el * el) / (n * n);
    sums.d1 += c1 / n;
    sums.d2 += c2 / n;
    sums.d3 += c3 / n;
  }
  if (used === 0) throw new DepthkitError('no frame of the sequence has a valid ground-truth pixel');
  return {
    abs_rel: sums.abs_rel / used,
    sq_rel: sums.sq_rel / used,
    rmse: sums.rmse / used,
    rmse_log: sums.rmse_log / used,
    log10: log10Sum / log10Count,
    silog: 100 * Math.sqrt(sums.silogTerm / used),
    d1: sums.d1 / used,
    d2: sums.d2 / used,
    d3: sums.d3 / used,
    frames: used,
  };
}
