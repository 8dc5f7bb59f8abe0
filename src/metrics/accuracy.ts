import { DepthkitError } from '../errors.js';
import type { DepthMap, Mask } from './types.js';
import type { CropRect } from './crop.js';
import { applyAlignment, fitAlignment, type AlignMode, type AlignSample, type AlignSpace, type Alignment, type MedianPixels } from './align.js';
import { placePrediction, type PredLayout } from './layout.js';
import type { ResizeGrid, ResizePrecision, ResizeSpace } from './resize.js';
import { validMask } from './mask.js';

export { validMask };
export type { PredLayout };

/** A NaN prediction becomes minDepth (BTS, ZoeDepth) or stays NaN and poisons the image's metrics (monodepth2). */
export type NanPolicy = 'min' | 'propagate';
/**
 * Averaging over images: every metric per image then the mean (image), or log10 pooled over every valid pixel of
 * every image and silog as 100 sqrt(mean over images of each image's log variance) (pixels: VDA metric.py).
 */
export type Pooling = 'image' | 'pixels';

export const METRIC_NAMES = ['abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10', 'silog', 'd1', 'd2', 'd3'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type Metrics = Record<MetricName, number>;
export const HIGHER_IS_BETTER: ReadonlySet<MetricName> = new Set<MetricName>(['d1', 'd2', 'd3']);

export interface DepthRange {
  minDepth: number;
  maxDepth: number;
  /** NaN predictions: 'min' (default) or 'propagate'. */
  nan?: NanPolicy;
}

/**
 * BTS/ZoeDepth prediction clamp: NaN and -Inf become minDepth, +Inf maxDepth, everything else is clamped to
 * [minDepth, maxDepth]. Writes into `out` (which may be `pred` itself) or a new array.
 */
export function sanitizePrediction(pred: Float32Array, range: DepthRange, out: Float32Array = new Float32Array(pred.length)): Float32Array {
  if (out.length !== pred.length) throw new DepthkitError(`sanitize target holds ${out.length} values, prediction ${pred.length}`);
  const { minDepth, maxDepth } = range;
  const keepNan = range.nan === 'propagate';
  for (let i = 0; i < pred.length; i++) {
    const v = pred[i];
    // A NaN fails both comparisons and lands on minDepth, unless it is to be kept.
    out[i] = v > maxDepth ? maxDepth : v >= minDepth || (keepNan && v !== v) ? v : minDepth;
  }
  return out;
}

function nanMetrics(): Metrics {
  return Object.fromEntries(METRIC_NAMES.map((k) => [k, NaN])) as Metrics;
}

let scratch = new Int32Array(0);
/** A reused index buffer (a fresh one an image is a page-faulted allocation as large as the depth map). */
function indexScratch(n: number): Int32Array {
  if (scratch.length < n) scratch = new Int32Array(n);
  return scratch;
}

/**
 * The per-image errors of the BTS/AdaBins/ZoeDepth convention over the masked pixels, summed in float64.
 * `pred` must be sanitized already, or `clamp` given: then each masked value is clamped on the fly exactly as
 * sanitizePrediction would, which saves a pass over the whole image. With no valid pixel every metric is NaN and
 * valid_pixels is 0: it is the caller who knows which file to name when reporting that.
 * One logarithm a pixel: r = p/g gives e = ln r, and max(g/p, p/g) < T is 1/T < r < T.
 * silog's variance of e is accumulated around the first pixel's e (shifted data): mean(e²) - mean(e)² taken
 * literally cancels catastrophically when e is nearly constant (a pure scale error), reading 4e-6 or NaN, not 0.
 */
export function computeMetrics(
  pred: Float32Array,
  gt: Float32Array,
  mask: Mask,
  clamp?: DepthRange,
): Metrics & { valid_pixels: number } {
  if (pred.length !== gt.length || mask.length !== gt.length) {
    throw new DepthkitError(`metric inputs differ in size: pred ${pred.length}, gt ${gt.length}, mask ${mask.length}`);
  }
  const lo = clamp ? clamp.minDepth : -Infinity;
  const hi = clamp ? clamp.maxDepth : Infinity;
  const keepNan = clamp?.nan === 'propagate';
  let n = 0;
  let absRel = 0;
  let sqRel = 0;
  let sq = 0;
  let e2 = 0;
  let shiftE = NaN;
  let s1 = 0;
  let s2 = 0;
  let absE = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  // The masked indices first, without a branch (a sparse mask mispredicts one a pixel), then the sums over them in
  // the same order as before.
  const index = indexScratch(gt.length);
  let count = 0;
  for (let i = 0; i < gt.length; i++) {
    index[count] = i;
    count += +(mask[i] !== 0);
  }
  for (let k = 0; k < count; k++) {
    const i = index[k];
    const g = gt[i];
    const v = pred[i];
    // Same clamp as sanitizePrediction (a no-op on sanitized input), rounded to float32 as that array would be.
    const p = v > hi ? Math.fround(hi) : v >= lo || (keepNan && v !== v) ? v : Math.fround(lo);
    const diff = g - p;
    const invG = 1 / g;
    // A true division, so that p = g gives r = 1 and e = 0 exactly.
    const r = p / g;
    const e = Math.log(r);
    if (n === 0) shiftE = e;
    n++;
    const es = e - shiftE;
    s1 += es;
    s2 += es * es;
    e2 += e * e;
    absE += Math.abs(e);
    absRel += Math.abs(diff) * invG;
    sqRel += diff * diff * invG;
    sq += diff * diff;
    d1 += +(r < 1.25) & +(r > 0.8);
    d2 += +(r < 1.5625) & +(r > 0.64);
    d3 += +(r < 1.953125) & +(r > 0.512);
  }
  if (n === 0) return { ...nanMetrics(), valid_pixels: 0 };
  const meanShifted = s1 / n;
  return {
    abs_rel: absRel / n,
    sq_rel: sqRel / n,
    rmse: Math.sqrt(sq / n),
    rmse_log: Math.sqrt(e2 / n),
    log10: (absE / n) * Math.LOG10E,
    silog: 100 * Math.sqrt(Math.max(s2 / n - meanShifted * meanShifted, 0)),
    d1: d1 / n,
    d2: d2 / n,
    d3: d3 / n,
    valid_pixels: n,
  };
}

/** Running sums of log10 / silog pooled over pixels (VDA metric.py), fed one image (frame) at a time. */
export interface PixelPool {
  pixels: number;
  log10: number;
  variance: number;
  images: number;
}

export const emptyPool = (): PixelPool => ({ pixels: 0, log10: 0, variance: 0, images: 0 });

/** Adds one image from its own log10, silog and valid pixel count; images without valid pixels are left out. */
export function addToPool(pool: PixelPool, m: { log10: number; silog: number; valid_pixels: number }): void {
  if (!(m.valid_pixels > 0)) return;
  pool.pixels += m.valid_pixels;
  pool.log10 += m.log10 * m.valid_pixels;
  pool.variance += (m.silog / 100) ** 2;
  pool.images++;
}

/** log10 over every pooled pixel; silog = 100 sqrt(mean over images of each image's variance of ln p - ln g). */
export function pooledMetrics(pool: PixelPool): { log10: number; silog: number } {
  return { log10: pool.log10 / pool.pixels, silog: 100 * Math.sqrt(pool.variance / pool.images) };
}

/**
 * The summary of a run under a pooling rule: the mean over images, with log10 and silog pooled for 'pixels'
 * (both follow from each image's own value and valid pixel count, so resumed and merged runs pool the same).
 */
export function summarizeMetrics(rows: (Metrics & { valid_pixels: number })[], pool: Pooling): Metrics {
  const out = meanMetrics(rows);
  if (pool === 'image') return out;
  const sums = emptyPool();
  for (const r of rows) addToPool(sums, r);
  return { ...out, ...pooledMetrics(sums) };
}

/** Arithmetic mean of each metric over images (per-image first, as every canonical script does). */
export function meanMetrics(rows: Metrics[]): Metrics {
  if (rows.length === 0) throw new DepthkitError('no image to average metrics over');
  const out = Object.fromEntries(METRIC_NAMES.map((k) => [k, 0])) as Metrics;
  for (const row of rows) for (const k of METRIC_NAMES) out[k] += row[k];
  for (const k of METRIC_NAMES) out[k] /= rows.length;
  return out;
}

export interface ImageEvalOptions extends DepthRange {
  /** The evaluation crop, or how to find it from the size of the ground truth evaluated (kb-crop-gt cuts it). */
  crop: CropRect | null | ((width: number, height: number) => CropRect | null);
  align: AlignMode;
  alignSpace: AlignSpace;
  /** A prediction of another size than its ground truth: default 'exact', which refuses it. */
  predLayout?: PredLayout;
  resizeGrid?: ResizeGrid;
  resizeSpace?: ResizeSpace;
  resizePrecision?: ResizePrecision;
  /** Caps mask the ground truth (default) or only clamp the prediction (every g > 0 counts). */
  gtCapMask?: boolean;
  medianPixels?: MedianPixels;
}

export interface ImageEval {
  metrics: Metrics;
  valid_pixels: number;
  alignment: Alignment;
  /** The prediction had another size than the ground truth and was resized (bilinear) to it. */
  resized: boolean;
}

/** Frames scored together: one alignment fitted over all of them (a single image is the case of one frame). */
export interface FramesEvalOptions extends DepthRange {
  align: AlignMode;
  alignSpace: AlignSpace;
  medianPixels?: MedianPixels;
}

/** One alignment fitted over the valid pixels of every frame, and each prediction aligned by it (not yet clamped). */
export function alignFrames(frames: AlignSample[], opts: FramesEvalOptions): { alignment: Alignment; aligned: Float32Array[] } {
  const alignment = fitAlignment(frames, opts.align, opts.alignSpace, opts.medianPixels);
  return { alignment, aligned: frames.map((f) => (opts.align === 'none' ? f.pred : applyAlignment(f.pred, alignment, opts.maxDepth))) };
}

/**
 * A sequence evaluated with one alignment (video `--align-scope sequence`, TAE's fit): the fit over every frame's
 * valid pixels, then each frame's metrics. evaluateImage is this on one frame.
 */
export function evaluateFrames(frames: AlignSample[], opts: FramesEvalOptions): { alignment: Alignment; aligned: Float32Array[]; frames: (Metrics & { valid_pixels: number })[] } {
  const { alignment, aligned } = alignFrames(frames, opts);
  return { alignment, aligned, frames: frames.map((f, i) => computeMetrics(aligned[i], f.gt, f.mask, opts)) };
}

/**
 * One prediction against its ground truth: lay the prediction onto the ground truth as the layout says (an error
 * when their sizes differ and it says nothing), mask valid pixels, fit and apply the alignment on them (before
 * clamping), clamp, compute the errors. valid_pixels 0 means the metrics are NaN (see computeMetrics).
 */
export function evaluateImage(pred: DepthMap, groundTruth: DepthMap, opts: ImageEvalOptions): ImageEval {
  if (groundTruth.data.length !== groundTruth.width * groundTruth.height) {
    throw new DepthkitError(`ground truth of ${groundTruth.width}x${groundTruth.height} holds ${groundTruth.data.length} values`);
  }
  if (pred.data.length !== pred.width * pred.height) throw new DepthkitError(`prediction of ${pred.width}x${pred.height} holds ${pred.data.length} values`);
  const placed = placePrediction(pred, groundTruth, {
    predLayout: opts.predLayout ?? 'exact', resizeGrid: opts.resizeGrid ?? 'half-pixel', resizeSpace: opts.resizeSpace ?? 'depth', resizePrecision: opts.resizePrecision,
  });
  const { pred: p, gt, pasted } = placed;
  const crop = typeof opts.crop === 'function' ? opts.crop(gt.width, gt.height) : opts.crop;
  const mask = validMask(gt, opts, crop, opts.gtCapMask ?? true);
  const frame = { pred: p, gt: gt.data, mask };
  if (pasted) {
    const { alignment, aligned } = alignFrames([frame], opts);
    // BTS clamps the crop-sized prediction and then pastes it: the zeros around it are never clamped.
    const canvas = sanitizePrediction(aligned[0], opts);
    for (let y = 0; y < gt.height; y++) {
      for (let x = 0; x < gt.width; x++) if (y < pasted.top || y >= pasted.bottom || x < pasted.left || x >= pasted.right) canvas[y * gt.width + x] = 0;
    }
    const { valid_pixels, ...metrics } = computeMetrics(canvas, gt.data, mask);
    return { metrics, valid_pixels, alignment, resized: false };
  }
  const r = evaluateFrames([frame], opts);
  const { valid_pixels, ...metrics } = r.frames[0];
  return { metrics, valid_pixels, alignment: r.alignment, resized: placed.resized };
}
