import os from 'node:os';
import { pairByStem, type DepthPair } from '../data/pairs.js';
import { readDepthMap } from '../io/depth-file.js';
import { evaluateImage, meanMetrics, METRIC_NAMES, type Metrics } from '../metrics/accuracy.js';
import { resolveCrop } from '../metrics/crop.js';
import { DepthkitError } from '../errors.js';
import type { DepthMap } from '../metrics/types.js';
import type { EvalProtocol } from './protocol.js';
import { mapConcurrent } from './concurrency.js';
import { PairPool } from './pair-pool.js';

export interface ImageRow extends Metrics {
  name: string;
  valid_pixels: number;
  /** 1 when the prediction was resized (bilinear) to the ground truth's size. */
  resized: number;
  align_scale: number;
  align_shift: number;
}

export interface FolderEvalResult {
  rows: ImageRow[];
  summary: Metrics & { count: number };
  /** Images dropped because their ground truth has no valid pixel (only with skipInvalid). */
  skipped: string[];
  unmatchedPred: string[];
  unmatchedGt: string[];
  resizedCount: number;
}

export interface FolderEvalOptions {
  predDir: string;
  gtDir: string;
  protocol: EvalProtocol;
  /** Drop images whose ground truth has no valid pixel instead of failing on them. */
  skipInvalid?: boolean;
  concurrency?: number;
  /** Worker threads reading and evaluating pairs (default: one per core when there are enough images; 0 = none). */
  workers?: number;
  onImage?: (row: ImageRow) => void;
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

/** Evaluates every prediction against the ground truth file with the same name stem. */
export async function evaluateFolder(opts: FolderEvalOptions): Promise<FolderEvalResult> {
  const { pairs, unmatchedPred, unmatchedGt } = await pairByStem(opts.predDir, opts.gtDir);
  if (pairs.length === 0) {
    throw new DepthkitError(
      `no prediction in ${opts.predDir} has a ground-truth file with the same name stem in ${opts.gtDir}`,
    );
  }
  const p = opts.protocol;
  const skipped: string[] = [];
  const workers = opts.workers ?? (pairs.length >= 8 ? os.availableParallelism() : 0);
  const pool = workers > 0 ? PairPool.start(workers) : undefined;
  const rowOf = async (pair: DepthPair): Promise<ImageRow> => {
    if (pool) return pool.evaluate(pair, p);
    const [pred, gt] = await Promise.all([readDepthMap(pair.pred, { scale: p.predScale }), readDepthMap(pair.gt, { scale: p.gtScale })]);
    return evaluatePair(pair.name, pred, gt, p);
  };
  const results = await mapConcurrent(pairs, opts.concurrency ?? Math.max(workers, 1) * 2, async (pair) => {
    const row = await rowOf(pair);
    if (row.valid_pixels === 0) {
      if (opts.skipInvalid) {
        skipped.push(pair.name);
        return undefined;
      }
      throw new DepthkitError(
        `ground truth has no valid pixel (${p.minDepth} < depth < ${p.maxDepth} inside crop ${p.crop}); use --skip-invalid to drop such images`,
        { file: pair.gt },
      );
    }
    opts.onImage?.(row);
    return row;
  }).finally(() => pool?.dispose());
  const rows = results.filter((r): r is ImageRow => r !== undefined);
  if (rows.length === 0) throw new DepthkitError(`no image in ${opts.gtDir} has valid ground truth`);
  return {
    rows,
    summary: { count: rows.length, ...meanMetrics(rows) },
    skipped: skipped.sort(),
    unmatchedPred,
    unmatchedGt,
    resizedCount: rows.filter((r) => r.resized).length,
  };
}
