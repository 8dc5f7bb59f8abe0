import type { CropName } from '../metrics/crop.js';
import type { AlignMode, AlignSpace } from '../metrics/align.js';
import { DepthkitError } from '../errors.js';

export type DatasetName = 'kitti' | 'nyu';

/**
 * Everything that decides what a number means. It is written beside every CSV, so that no figure depthkit prints
 * is ambiguous about its crop, caps, alignment or scale.
 */
export interface EvalProtocol {
  dataset: DatasetName | null;
  crop: CropName;
  minDepth: number;
  maxDepth: number;
  align: AlignMode;
  alignSpace: AlignSpace;
  alignScope: 'frame' | 'sequence';
  /** Raw prediction values are divided by this (npy default 1). */
  predScale: number;
  /** Raw 16-bit PNG ground-truth values are divided by this (KITTI 256, NYU 1000). */
  gtScale: number;
  convention: string;
}

/** Defaults of the published protocols: BTS/AdaBins for NYU (Eigen crop), Monodepth2/BTS for KITTI (Garg crop). */
export const DATASET_DEFAULTS: Record<DatasetName, Pick<EvalProtocol, 'crop' | 'minDepth' | 'maxDepth' | 'gtScale'>> = {
  kitti: { crop: 'garg', minDepth: 1e-3, maxDepth: 80, gtScale: 256 },
  nyu: { crop: 'eigen', minDepth: 1e-3, maxDepth: 10, gtScale: 1000 },
};

export const CONVENTION = 'bts: clamp pred to [min,max], valid min<gt<max, per-image mean then mean over images';

export interface ProtocolFlags {
  dataset?: DatasetName;
  crop?: CropName;
  minDepth?: number;
  maxDepth?: number;
  align?: AlignMode;
  alignSpace?: AlignSpace;
  predScale?: number;
  gtScale?: number;
}

/** Dataset defaults first, explicit flags override them. */
export function resolveProtocol(flags: ProtocolFlags): EvalProtocol {
  const base = flags.dataset ? DATASET_DEFAULTS[flags.dataset] : { crop: 'none' as const, minDepth: 1e-3, maxDepth: 80, gtScale: 1 };
  const p: EvalProtocol = {
    dataset: flags.dataset ?? null,
    crop: flags.crop ?? base.crop,
    minDepth: flags.minDepth ?? base.minDepth,
    maxDepth: flags.maxDepth ?? base.maxDepth,
    align: flags.align ?? 'none',
    alignSpace: flags.alignSpace ?? 'depth',
    alignScope: 'frame',
    predScale: flags.predScale ?? 1,
    gtScale: flags.gtScale ?? base.gtScale,
    convention: CONVENTION,
  };
  if (!(p.minDepth > 0) || !(p.maxDepth > p.minDepth)) {
    throw new DepthkitError(`depth caps must satisfy 0 < --min-depth < --max-depth (got ${p.minDepth}, ${p.maxDepth})`);
  }
  if (!(p.predScale > 0) || !(p.gtScale > 0)) throw new DepthkitError('--pred-scale and --gt-scale must be positive');
  if (p.crop === 'eigen' && !p.dataset) throw new DepthkitError('--crop eigen differs between KITTI and NYU: add --dataset kitti or --dataset nyu');
  return p;
}

/** Flat key/value form of the protocol for CSV sidecars and JSON output. */
export function protocolRecord(p: EvalProtocol): Record<string, string | number> {
  return {
    dataset: p.dataset ?? 'none',
    crop: p.crop,
    min_depth: p.minDepth,
    max_depth: p.maxDepth,
    align: p.align,
    align_space: p.alignSpace,
    align_scope: p.alignScope,
    pred_scale: p.predScale,
    gt_scale: p.gtScale,
    convention: p.convention,
  };
}
