import { alignFrames, emptyPool, evaluateFrames, pooledMetrics, type DepthRange, type PixelPool, type Pooling } from '../metrics/accuracy.js';
import type { AlignMode, AlignSpace, MedianPixels } from '../metrics/align.js';
import { temporalAlignmentError, type Intrinsics } from '../metrics/tae.js';
import type { TemporalFrame } from '../metrics/temporal.js';
import type { Mask } from '../metrics/types.js';
import type { DepthSource } from './depth-source.js';
import type { FrameLog } from './frame-log.js';
import { GT_PAIR_COLUMNS, MEAN_GT_COLUMNS, PAIR_COLUMNS, type Row } from './frame-row.js';

/** A frame kept for a sequence-level fit or TAE: its maps at the analysis size and its row, finished at the end. */
export interface Kept {
  index: number;
  pred: Float32Array;
  gt?: Float32Array;
  mask?: Mask;
  row: Row;
}

/** What one source keeps over the run: the maps (and rows) a sequence-level fit or TAE needs; other rows go to the frame log. */
export interface SourceState {
  source: DepthSource;
  space: AlignSpace;
  kept: Kept[];
  /** The last frame's depth, prepared for its pair with the next frame. */
  prev?: TemporalFrame;
  pooled: PixelPool;
}

export const sourceState = (source: DepthSource, space: AlignSpace | undefined): SourceState => ({
  source, space: space ?? (source.kind === 'disparity' ? 'disparity' : 'depth'), kept: [], pooled: emptyPool(),
});

export interface SequenceSettings {
  align: AlignMode;
  scope: 'frame' | 'sequence';
  range: DepthRange;
  poses?: Float64Array[];
  K?: Intrinsics;
  hasGt: boolean;
  taeZbuffer: boolean;
  medianPixels?: MedianPixels;
}

/**
 * Sequence-scope accuracy (metrics/accuracy.ts evaluateFrames: one fit over every kept frame) written into the kept
 * rows, and TAE on the maps that fit aligned; returns the TAE (NaN without poses).
 */
export function finishSequence(st: SourceState, p: SequenceSettings): number {
  if (st.kept.length === 0) return NaN;
  const opts = { ...p.range, align: p.align, alignSpace: st.space, medianPixels: p.medianPixels };
  const samples = p.hasGt ? st.kept.map((k) => ({ pred: k.pred, gt: k.gt!, mask: k.mask! })) : [];
  let aligned = st.kept.map((k) => k.pred);
  if (p.hasGt && p.scope === 'sequence') {
    const seq = evaluateFrames(samples, opts);
    aligned = seq.aligned;
    st.kept.forEach((k, i) => {
      const { valid_pixels, ...m } = seq.frames[i];
      Object.assign(k.row, m, { valid_pixels, align_scale: seq.alignment.scale, align_shift: seq.alignment.shift });
    });
  } else if (p.hasGt && p.poses && p.K) aligned = alignFrames(samples, opts).aligned;
  if (!p.poses || !p.K) return NaN;
  const { width, height } = st.prev!.depth;
  const depths = aligned.map((data) => ({ data, width, height }));
  const clamp = p.hasGt ? { min: p.range.minDepth, max: p.range.maxDepth } : undefined;
  return temporalAlignmentError(depths, st.kept.map((k) => p.poses![k.index]), p.K, { clamp, zbuffer: p.taeZbuffer }).tae;
}

export const summaryColumns = (hasGt: boolean) => ['model', 'video', 'frames', 'depth_kind', 'align_space', 'smoothness', ...(hasGt ? MEAN_GT_COLUMNS : []), ...PAIR_COLUMNS, ...(hasGt ? GT_PAIR_COLUMNS : []), 'tae'];

/** One source's row of summary.csv: the means of its logged rows (pooled log10/silog with --pool pixels) and TAE. */
export function summaryRow(st: SourceState, k: number, log: FrameLog, video: string, tae: number, hasGt: boolean, pool: Pooling): Row {
  const row: Row = { model: st.source.name, video, frames: log.count(k), depth_kind: st.source.kind, align_space: st.space };
  for (const col of summaryColumns(hasGt).slice(5, -1)) row[col] = log.mean(k, col);
  if (hasGt && pool === 'pixels') Object.assign(row, pooledMetrics(st.pooled));
  row.tae = tae;
  return row;
}
