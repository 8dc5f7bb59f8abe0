import { evaluateImage, METRIC_NAMES, type ImageEvalOptions, type Metrics } from '../metrics/accuracy.js';
import { LayoutMismatch } from '../metrics/layout.js';
import { DepthkitError } from '../errors.js';
import { resolveCrop } from '../metrics/crop.js';
import type { DepthMap } from '../metrics/types.js';
import type { EvalProtocol } from './protocol.js';

/** What a folder or benchmark evaluation yields: its rows, their mean, and what was left out. */
export interface FolderEvalResult {
  rows: ImageRow[];
  summary: Metrics & { count: number };
  /** Images dropped because their ground truth has no valid pixel (only with skipInvalid). */
  skipped: string[];
  unmatchedPred: string[];
  unmatchedGt: string[];
  resizedCount: number;
}

/** One image's line of per_image.csv: what folder runs, benchmark runs, partial files and merges all share. */
export interface ImageRow extends Metrics {
  name: string;
  valid_pixels: number;
  /** 1 when the prediction was resized (bilinear) to the ground truth's size. */
  resized: number;
  align_scale: number;
  align_shift: number;
}

export const PER_IMAGE_COLUMNS = ['name', ...METRIC_NAMES, 'valid_pixels', 'resized', 'align_scale', 'align_shift'];
export const SUMMARY_COLUMNS = ['count', ...METRIC_NAMES];

/** The per-image settings of a protocol, as evaluateImage takes them (crop from the evaluated ground truth's size). */
export function imageEvalOptions(p: EvalProtocol): ImageEvalOptions {
  return {
    minDepth: p.minDepth, maxDepth: p.maxDepth, nan: p.nanPred, align: p.align, alignSpace: p.alignSpace,
    crop: (width, height) => resolveCrop(p.crop, p.dataset ?? undefined, width, height),
    predLayout: p.predLayout, resizeGrid: p.resizeGrid, resizeSpace: p.resizeSpace, resizePrecision: p.resizePrecision, gtCapMask: p.gtCapMask, medianPixels: p.medianPixels,
  };
}

/**
 * One image's row under the protocol; valid_pixels 0 means NaN metrics. A prediction the layout cannot place is
 * an error naming `file` (the prediction's file, or the image's name).
 */
export function evaluatePair(name: string, pred: DepthMap, gt: DepthMap, p: EvalProtocol, file: string = name): ImageRow {
  let r;
  try {
    r = evaluateImage(pred, gt, imageEvalOptions(p));
  } catch (err) {
    if (err instanceof LayoutMismatch) throw new DepthkitError(err.message, { file });
    throw err;
  }
  return {
    name,
    ...r.metrics,
    valid_pixels: r.valid_pixels,
    resized: r.resized ? 1 : 0,
    align_scale: r.alignment.scale,
    align_shift: r.alignment.shift,
  };
}
