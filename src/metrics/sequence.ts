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
 * One frame's moments, two passes over the frame (centred, so no digits are lost): computed as each frame is read,
 * while it is in cache, and combined over the sequence with combineMoments.
 */
export function frameMoments({ pred, gt }: SequenceFrame, maxDepth: number): FitMoments {
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    if (!isValid(g, maxDepth)) continue;
    n++;
    sx += clipPred(pred[i]);
    sy += 1 / (g + 1e-8);
  }
  if (n === 0) return { n: 0, mx: 0, my: 0, sxx: 0, sxy: 0 };
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < gt.length; i++) {
    const g = gt[i];
    if (!isValid(g, maxDepth)) continue;
    const dx = clipPred(pred[i]) - mx;
    sxx += dx * dx;
    sxy += dx * (1 / (g + 1e-8) - my);
  }
  return { n, mx, my, sxx, sxy };
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

/** Least squares of [p 1] x = 1 / (g + 1e-8) over the valid pixels of every frame. */
export function fitSequenceDisparity(frames: readonly SequenceFrame[], maxDepth: number): SequenceFit {
  return fitFromMoments(frames.map((f) => frameMoments(f, maxDepth)).reduce(combineMoments, { n: 0, mx: 0, my: 0, sxx: 0, sxy: 0 }));
}

/** The aligned depth of one frame: clip(1 / clip(scale * p + shift, 1e-3), 1e-3, max), in float64. */
export function alignedDepth(pred: Float32Array, fit: SequenceFit, maxDepth: number): Float64Array {
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

/** The nine metrics of one sequence after the fit (see the module comment for how each is averaged). */
export function sequenceMetrics(frames: readonly SequenceFrame[], fit: SequenceFit, maxDepth: number): SequenceMetrics {
  const sums = { abs_rel: 0, sq_rel: 0, rmse: 0, rmse_log: 0, d1: 0, d2: 0, d3: 0, silogTerm: 0 };
  let log10Sum = 0;
  let log10Count = 0;
  let used = 0;
  const { scale, shift } = fit;
  for (const { pred, gt } of frames) {
    let n = 0;
    let ar = 0, sr = 0, se = 0, sl = 0, el = 0, la = 0, c1 = 0, c2 = 0, c3 = 0;
    for (let i = 0; i < gt.length; i++) {
      const g = gt[i];
      if (!(g > MIN && g < maxDepth)) continue;
      // alignedDepth, inlined: this loop is the run's hot path.
      const a = scale * clipPred(pred[i]) + shift;
      const z = 1 / (a < MIN ? MIN : a);
      const p = z < MIN ? MIN : z > maxDepth ? maxDepth : z;
      const d = p - g;
      const e = Math.log(p / g);
      const r = p > g ? p / g : g / p;
      n++;
      ar += Math.abs(d) / g;
      sr += (d * d) / g;
      se += d * d;
      sl += e * e;
      el += e;
      la += Math.abs(e);
      if (r < T1) c1++;
      if (r < T2) c2++;
      if (r < T3) c3++;
    }
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
