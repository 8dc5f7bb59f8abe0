import { Flags } from '@oclif/core';
import { positiveFlag } from './flags.js';
import { conventionRecord, PROTOCOL_NAMES, resolveProtocol, scriptRecord, type EvalProtocol, type ProtocolName } from '../eval/protocol.js';
import type { CropName } from '../metrics/crop.js';
import type { AlignMode, AlignSpace, MedianPixels } from '../metrics/align.js';
import type { NanPolicy, Pooling } from '../metrics/accuracy.js';
import { PRED_LAYOUTS, type PredLayout } from '../metrics/layout.js';
import type { ResizeGrid, ResizeSpace } from '../metrics/resize.js';

const onOff = (v: string | undefined) => (v === undefined ? undefined : v === 'on');

/** The published script presets and the convention switches they set; shared by `eval` and `video`. */
export const conventionFlags = {
  protocol: Flags.string({ description: 'reproduce a published evaluation script (docs/metrics.md); explicit flags override it', options: [...PROTOCOL_NAMES] }),
  'tae-zbuffer': Flags.string({ description: 'TAE reprojection keeps the nearest point per pixel (on, default) or the last written (off: Video Depth Anything)', options: ['on', 'off'] }),
  pool: Flags.string({ description: 'log10/silog per image then mean (image, default) or pooled over pixels (VDA metric.py)', options: ['image', 'pixels'] }),
  'gt-cap-mask': Flags.string({ description: 'min/max depth mask the ground truth (on) or only clamp the prediction, every gt > 0 counting (off: monodepth2 eigen_benchmark)', options: ['on', 'off'] }),
  'median-pixels': Flags.string({ description: 'median alignment over finite positive predictions (finite) or every masked value, NaN included (all: monodepth2)', options: ['finite', 'all'] }),
  'nan-pred': Flags.string({ description: 'a NaN prediction becomes min-depth (min: BTS, ZoeDepth) or stays NaN (propagate: monodepth2)', options: ['min', 'propagate'] }),
};

/** The flags that decide what an accuracy number means (eval). */
export const protocolFlags = {
  dataset: Flags.string({ description: 'protocol defaults: kitti = garg crop, 1e-3..80 m, gt/256; nyu = eigen crop, 1e-3..10 m, gt/1000', options: ['kitti', 'nyu'] }),
  crop: Flags.string({ description: 'evaluation crop', options: ['none', 'garg', 'eigen'] }),
  'min-depth': positiveFlag({ description: 'minimum valid depth in metres (exclusive)' }),
  'max-depth': positiveFlag({ description: 'maximum valid depth in metres (exclusive); predictions are clamped to it' }),
  align: Flags.string({ description: 'alignment of relative predictions', options: ['none', 'median', 'scale', 'scale-shift'] }),
  'align-space': Flags.string({ description: 'least-squares space for scale / scale-shift', options: ['depth', 'disparity'] }),
  'pred-scale': positiveFlag({ description: 'raw prediction values are divided by this (default 1)' }),
  'gt-scale': positiveFlag({ description: 'raw ground-truth PNG values are divided by this (default 256 kitti, 1000 nyu, else 1)' }),
  ...conventionFlags,
  'pred-layout': Flags.string({ description: 'a prediction of another size than its ground truth: exact (error, default), resize (bilinear), kb-crop (352x1216 pasted into the frame, BTS), kb-crop-gt (ground truth cut to it, ZoeDepth)', options: [...PRED_LAYOUTS] }),
  'resize-space': Flags.string({ description: 'resize the prediction as depth, or as disparity then invert (monodepth2, VDA)', options: ['depth', 'disparity'] }),
  'resize-grid': Flags.string({ description: 'bilinear grid of that resize: half-pixel (cv2, torch default) or align-corners (ZoeDepth)', options: ['half-pixel', 'align-corners'] }),
};

type ProtocolFlagValues = {
  dataset?: string;
  split?: string;
  crop?: string;
  'min-depth'?: number;
  'max-depth'?: number;
  align?: string;
  'align-space'?: string;
  'pred-scale'?: number;
  'gt-scale'?: number;
  protocol?: string;
  'tae-zbuffer'?: string;
  pool?: string;
  'pred-layout'?: string;
  'resize-space'?: string;
  'resize-grid'?: string;
  'gt-cap-mask'?: string;
  'median-pixels'?: string;
  'nan-pred'?: string;
};

export function protocolFromFlags(flags: ProtocolFlagValues): EvalProtocol {
  return resolveProtocol({
    protocol: flags.protocol as ProtocolName | undefined,
    split: flags.split,
    dataset: flags.dataset as 'kitti' | 'nyu' | undefined,
    crop: flags.crop as CropName | undefined,
    minDepth: flags['min-depth'],
    maxDepth: flags['max-depth'],
    align: flags.align as AlignMode | undefined,
    alignSpace: flags['align-space'] as AlignSpace | undefined,
    predScale: flags['pred-scale'],
    gtScale: flags['gt-scale'],
    taeZbuffer: onOff(flags['tae-zbuffer']),
    pool: flags.pool as Pooling | undefined,
    predLayout: flags['pred-layout'] as PredLayout | undefined,
    resizeSpace: flags['resize-space'] as ResizeSpace | undefined,
    resizeGrid: flags['resize-grid'] as ResizeGrid | undefined,
    gtCapMask: onOff(flags['gt-cap-mask']),
    medianPixels: flags['median-pixels'] as MedianPixels | undefined,
    nanPred: flags['nan-pred'] as NanPolicy | undefined,
  });
}

/**
 * `video`'s share of a protocol: the preset (no dataset: its first) under the video's own flags, as runVideo takes
 * it. The fit space is forced only where the preset names one (VDA: disparity); otherwise each source's kind decides.
 */
type VideoFlagValues = Pick<ProtocolFlagValues, 'protocol' | 'align' | 'min-depth' | 'max-depth' | 'tae-zbuffer' | 'pool' | 'gt-cap-mask' | 'median-pixels' | 'nan-pred'>;

export function videoProtocolFromFlags(flags: VideoFlagValues & { 'align-scope'?: string }) {
  const p = protocolFromFlags(flags);
  const preset = flags.protocol !== undefined && flags.protocol !== 'default';
  // video measures every map at the analysis size: the layout and resize switches do not apply and are not recorded.
  const { pred_layout: _l, resize_space: _s, resize_grid: _g, resize_precision: _p, ...record } = conventionRecord(p);
  return {
    align: p.align,
    alignScope: (flags['align-scope'] as 'frame' | 'sequence' | undefined) ?? p.alignScope,
    alignSpace: preset && p.align !== 'none' ? p.alignSpace : undefined,
    minDepth: p.minDepth,
    maxDepth: p.maxDepth,
    conventions: {
      taeZbuffer: p.taeZbuffer, pool: p.pool, nan: p.nanPred, gtCapMask: p.gtCapMask, medianPixels: p.medianPixels, record: { ...record, ...scriptRecord(p) },
    },
  };
}
