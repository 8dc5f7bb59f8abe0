import { evaluateImage, METRIC_NAMES, type Metrics } from '../metrics/accuracy.js';
import { resolveCrop } from '../metrics/crop.js';
import type { DepthMap } from '../metrics/types.js';
import type { EvalProtocol } from './protocol.js';

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

/** One image's row under the protocol (crop from the ground truth's size); valid_pixels 0 means NaN metrics. */
export function evaluatePair(name: string, pred: DepthMap, gt: DepthMap, p: EvalProtocol): ImageRow {
  const crop = resolveCrop(p.crop, p.dataset ?? undefined, gt.width, gt.height);
  const r = evaluateImage(pred, gt, { minDepth: p.minDepth, maxDepth: p.maxDepth, crop, align: p.align, alignSpace: p.alignSpace });
  return {
    name,
    ...r.metrics,
    valid_pixels: r.valid_pixels,
    resized: r.resized ? 1 : 0,
    align_scale: r.alignment.scale,
    align_shift: r.alignment.shift,
  };
}
