import { addToPool, evaluateImage, METRIC_NAMES, type NanPolicy, type PixelPool, type Pooling } from '../metrics/accuracy.js';
import type { AlignMode, AlignSpace, MedianPixels } from '../metrics/align.js';
import { depthBoundaryErrors, edgeAwareSmoothness } from '../metrics/spatial.js';
import { tccPair, temporalPair, type TemporalFrame } from '../metrics/temporal.js';
import type { PairFlows } from '../metrics/warp.js';
import type { DepthMap, Mask, RgbImage } from '../metrics/types.js';
import { flowMagnitude } from './pair-flows.js';

export type Row = Record<string, string | number>;

export const PAIR_COLUMNS = ['opw', 'rtc_101', 'rtc_105', 'flicker', 'flow_mag'];
export const GT_COLUMNS = [...METRIC_NAMES, 'valid_pixels', 'dbe_acc', 'dbe_comp', 'align_scale', 'align_shift'];
/** Pair metrics that need ground truth (after PAIR_COLUMNS). */
export const GT_PAIR_COLUMNS = ['tcc'];
/** Summary columns: per-frame alignment parameters are not averaged. */
export const MEAN_GT_COLUMNS = GT_COLUMNS.filter((c) => !c.startsWith('align_'));

export const frameColumns = (hasGt: boolean) => ['model', 'frame', 'time', 'smoothness', ...(hasGt ? GT_COLUMNS : []), ...PAIR_COLUMNS, ...(hasGt ? GT_PAIR_COLUMNS : [])];

export interface AccuracySettings {
  minDepth: number;
  maxDepth: number;
  nan?: NanPolicy;
  gtCapMask?: boolean;
  medianPixels?: MedianPixels;
  align: AlignMode;
  space: AlignSpace;
}

/** What `video` takes of a resolved protocol: mask, median, NaN, TAE and pooling rules, and the record naming the script. */
export interface VideoConventions extends Pick<AccuracySettings, 'nan' | 'gtCapMask' | 'medianPixels'> {
  taeZbuffer: boolean;
  pool: Pooling;
  record: Record<string, string>;
}

/** Adds a finished row's log10 / silog to its source's pixel pool (`--pool pixels`). */
export const poolRow = (pool: PixelPool, row: Row) => addToPool(pool, { log10: Number(row.log10), silog: Number(row.silog), valid_pixels: Number(row.valid_pixels) });

function accuracyColumns(d: DepthMap, gt: DepthMap, p: AccuracySettings): Row {
  const r = evaluateImage(d, gt, {
    crop: null, minDepth: p.minDepth, maxDepth: p.maxDepth, nan: p.nan, gtCapMask: p.gtCapMask, medianPixels: p.medianPixels, align: p.align, alignSpace: p.space,
  });
  return { ...r.metrics, valid_pixels: r.valid_pixels, align_scale: r.alignment.scale, align_shift: r.alignment.shift };
}

export interface FrameInput {
  model: string;
  frame: number;
  time: number;
  rgb: RgbImage;
  /** This source's depth, prepared for the pairs it is in (temporalFrame). */
  depth: TemporalFrame;
  /** The previous frame's image, this source's prepared depth and the ground truth there, with the pair's flows (absent on the first frame). */
  prev?: { rgb: RgbImage; depth: TemporalFrame; flows: PairFlows; gt?: DepthMap };
  gt?: { depth: DepthMap; mask: Mask };
  /** Per-frame accuracy; undefined when a sequence-level fit supplies it later. */
  accuracy?: AccuracySettings;
}

/** One source's row of frames.csv: smoothness, the pair metrics against the previous frame, and with ground truth DBE and accuracy. */
export function frameRow(x: FrameInput): Row {
  const depth = x.depth.depth;
  const row: Row = { model: x.model, frame: x.frame, time: x.time, smoothness: edgeAwareSmoothness(depth, x.rgb) };
  if (x.prev) {
    const { depth: before, rgb: rgbBefore, flows } = x.prev;
    const s = temporalPair(before, x.depth, rgbBefore, x.rgb, flows);
    Object.assign(row, { opw: s.opw, rtc_101: s.rtc_101, rtc_105: s.rtc_105, flicker: s.flicker, flow_mag: flowMagnitude(flows.toPrev) });
    // TCC on the depth as measured (depth form, unaligned), like the other pair metrics.
    if (x.gt && x.prev.gt) row.tcc = tccPair(before.depth, depth, x.prev.gt, x.gt.depth);
  }
  if (x.gt) {
    const { dbe_acc, dbe_comp } = depthBoundaryErrors(depth, x.gt.depth, { mask: x.gt.mask });
    Object.assign(row, { dbe_acc, dbe_comp });
    if (x.accuracy) Object.assign(row, accuracyColumns(depth, x.gt.depth, x.accuracy));
  }
  return row;
}
