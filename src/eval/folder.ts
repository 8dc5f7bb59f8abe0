import os from 'node:os';
import { pairByStem, type DepthPair } from '../data/pairs.js';
import { readDepthMap } from '../io/depth-file.js';
import { summarizeMetrics, type Pooling } from '../metrics/accuracy.js';
import { DepthkitError } from '../errors.js';
import type { EvalProtocol } from './protocol.js';
import { evaluatePair, type FolderEvalResult, type ImageRow } from './image-row.js';
import { PairPool } from './pair-pool.js';
import { evaluateResumable, type PartialOptions, type RunHooks } from './resumable.js';

// Where the rest of depthkit has always imported them from.
export { evaluatePair, PER_IMAGE_COLUMNS, SUMMARY_COLUMNS, type ImageRow } from './image-row.js';

export interface FolderEvalOptions extends Omit<RunHooks, 'extras'> {
  predDir: string;
  gtDir: string;
  protocol: EvalProtocol;
  /** Drop images whose ground truth has no valid pixel instead of failing on them. */
  skipInvalid?: boolean;
  concurrency?: number;
  /** Worker threads reading and evaluating pairs (default: one per core when there are enough images; 0 = none). */
  workers?: number;
  /** Save progress to (and resume from) a partial file. */
  partial?: PartialOptions;
}

/**
 * A run's result from every image's row (in output order). An image without valid ground truth is dropped with
 * skipInvalid and otherwise refused with `invalid(row)`; checked once all rows are in, resumed ones included.
 */
export function resultFromRows(
  all: ImageRow[],
  o: { skipInvalid?: boolean; pool?: Pooling; invalid: (row: ImageRow) => DepthkitError; none: () => DepthkitError; unmatchedPred?: string[]; unmatchedGt?: string[] },
): FolderEvalResult {
  const invalid = all.filter((r) => r.valid_pixels === 0);
  if (invalid.length && !o.skipInvalid) throw o.invalid(invalid[0]);
  const rows = all.filter((r) => r.valid_pixels > 0);
  if (rows.length === 0) throw o.none();
  return {
    rows,
    summary: { count: rows.length, ...summarizeMetrics(rows, o.pool ?? 'image') },
    skipped: invalid.map((r) => r.name),
    unmatchedPred: o.unmatchedPred ?? [],
    unmatchedGt: o.unmatchedGt ?? [],
    resizedCount: rows.filter((r) => r.resized).length,
  };
}

/** Evaluates every prediction against the ground truth file with the same name stem. */
export async function evaluateFolder(opts: FolderEvalOptions): Promise<FolderEvalResult & { resumed: number }> {
  const { pairs, unmatchedPred, unmatchedGt } = await pairByStem(opts.predDir, opts.gtDir);
  if (pairs.length === 0) {
    throw new DepthkitError(
      `no prediction in ${opts.predDir} has a ground-truth file with the same name stem in ${opts.gtDir}`,
    );
  }
  const p = opts.protocol;
  const workers = opts.workers ?? (pairs.length >= 8 ? os.availableParallelism() : 0);
  const pool = workers > 0 ? PairPool.start(workers) : undefined;
  const rowOf = async (pair: DepthPair): Promise<ImageRow> => {
    if (pool) return pool.evaluate(pair, p);
    const [pred, gt] = await Promise.all([readDepthMap(pair.pred, { scale: p.predScale }), readDepthMap(pair.gt, { scale: p.gtScale })]);
    return evaluatePair(pair.name, pred, gt, p, pair.pred);
  };
  const { rows, resumed } = await evaluateResumable({
    items: pairs,
    nameOf: (pair) => pair.name,
    batchSize: 1,
    concurrency: opts.concurrency ?? Math.max(workers, 1) * 2,
    evaluate: async ([pair]) => [await rowOf(pair)],
    partial: opts.partial,
    signal: opts.signal,
    onStart: opts.onStart,
    onImage: opts.onImage,
    log: opts.log,
  }).finally(() => pool?.dispose());
  const gtOf = new Map(pairs.map((pair) => [pair.name, pair.gt]));
  const result = resultFromRows(rows, {
    skipInvalid: opts.skipInvalid,
    pool: p.pool,
    invalid: (row) => new DepthkitError(
      `ground truth has no valid pixel (${p.minDepth} < depth < ${p.maxDepth} inside crop ${p.crop}); use --skip-invalid to drop such images`,
      { file: gtOf.get(row.name) },
    ),
    none: () => new DepthkitError(`no image in ${opts.gtDir} has valid ground truth`),
    unmatchedPred,
    unmatchedGt,
  });
  return { ...result, resumed };
}
