import type { CropName } from '../metrics/crop.js';
import type { AlignMode, AlignSpace, MedianPixels } from '../metrics/align.js';
import type { NanPolicy, PredLayout, Pooling } from '../metrics/accuracy.js';
import type { ResizeGrid, ResizePrecision, ResizeSpace } from '../metrics/resize.js';
import { DepthkitError } from '../errors.js';

export type DatasetName = 'kitti' | 'nyu';
export type ProtocolName = 'default' | 'monodepth2' | 'bts' | 'zoedepth' | 'vda';
export const PROTOCOL_NAMES: readonly ProtocolName[] = ['default', 'monodepth2', 'bts', 'zoedepth', 'vda'];

/** The published evaluation script a preset reproduces: what a reader needs to find the exact code. */
export interface ScriptRef {
  name: string;
  repo: string;
  commit: string;
  files: string;
}

/**
 * Everything that decides what a number means. It is written beside every CSV, so that no figure depthkit prints
 * is ambiguous about its crop, caps, alignment, scale, resizing, pooling or reprojection rule.
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
  /** The preset these settings started from ('default' = depthkit's own). */
  protocol: ProtocolName;
  /** What to do with a prediction whose size is not its ground truth's (exact = refuse). */
  predLayout: PredLayout;
  /** Resize the prediction as depth, or as disparity then invert (monodepth2). */
  resizeSpace: ResizeSpace;
  /** Bilinear sampling grid of that resize. */
  resizeGrid: ResizeGrid;
  /** Its arithmetic: float64 (default) or float32 as cv2.resize does (the presets that follow cv2; no flag). */
  resizePrecision: ResizePrecision;
  /** Ground truth valid when min < g < max (true), or whenever g > 0 (false: monodepth2 eigen_benchmark). */
  gtCapMask: boolean;
  /** Median alignment over finite positive predictions only, or over every masked value (monodepth2). */
  medianPixels: MedianPixels;
  /** A NaN prediction becomes minDepth (BTS, ZoeDepth) or stays NaN (monodepth2). */
  nanPred: NanPolicy;
  /** TAE keeps the nearest point per pixel (true) or the last written, as Video Depth Anything does. */
  taeZbuffer: boolean;
  /** log10 / silog: per image then mean (image), or over the pixels of every image (pixels, VDA metric.py). */
  pool: Pooling;
}

/** Defaults of the published protocols: BTS/AdaBins for NYU (Eigen crop), Monodepth2/BTS for KITTI (Garg crop). */
export const DATASET_DEFAULTS: Record<DatasetName, Pick<EvalProtocol, 'crop' | 'minDepth' | 'maxDepth' | 'gtScale'>> = {
  kitti: { crop: 'garg', minDepth: 1e-3, maxDepth: 80, gtScale: 256 },
  nyu: { crop: 'eigen', minDepth: 1e-3, maxDepth: 10, gtScale: 1000 },
};

export const CONVENTION = 'bts: clamp pred to [min,max], valid min<gt<max, per-image mean then mean over images';

type Conventions = Pick<EvalProtocol, 'predLayout' | 'resizeSpace' | 'resizeGrid' | 'resizePrecision' | 'gtCapMask' | 'medianPixels' | 'nanPred' | 'taeZbuffer' | 'pool'>;
type PresetSettings = Partial<Conventions & Pick<EvalProtocol, 'crop' | 'minDepth' | 'maxDepth' | 'align' | 'alignSpace' | 'alignScope'>>;

/** depthkit's own conventions: a size mismatch is an error, NaN -> min, z-buffered TAE, per-image means. */
const DEFAULT_CONVENTIONS: Conventions = {
  predLayout: 'exact', resizeSpace: 'depth', resizeGrid: 'half-pixel', resizePrecision: 'double', gtCapMask: true, medianPixels: 'finite', nanPred: 'min', taeZbuffer: true, pool: 'image',
};

export interface ProtocolPreset {
  script: ScriptRef | null;
  convention: string;
  /** Datasets the preset is defined for; the first is taken when --dataset is not given. */
  datasets: readonly DatasetName[];
  /** Settings per dataset (and per KITTI split where the script changes them); flags override every one. */
  settings: (dataset: DatasetName | null, split?: string) => PresetSettings;
}

/**
 * One record per published script (docs/metrics.md: what each convention is and where the script does it). The
 * commits are the ones read; the settings say what that code does, not what its paper says.
 */
export const PROTOCOL_PRESETS: Record<ProtocolName, ProtocolPreset> = {
  default: { script: null, convention: CONVENTION, datasets: ['kitti', 'nyu'], settings: () => ({}) },
  monodepth2: {
    script: { name: 'monodepth2 evaluate_depth.py', repo: 'nianticlabs/monodepth2', commit: 'b676244e5a1ca55564eb5d16ab521a48f823af31', files: 'evaluate_depth.py' },
    convention: 'monodepth2: disparity resized (cv2 bilinear) then inverted, median of every masked value, pred clamped to [1e-3,80] (NaN kept), per-image mean',
    datasets: ['kitti'],
    // eigen: min < gt < max inside the Garg crop; eigen_benchmark: gt > 0 everywhere, only the prediction clamped.
    settings: (_d, split) => ({
      minDepth: 1e-3, maxDepth: 80, align: 'median', alignSpace: 'depth', alignScope: 'frame', predLayout: 'resize', resizeSpace: 'disparity', resizeGrid: 'half-pixel',
      resizePrecision: 'single', medianPixels: 'all', nanPred: 'propagate', ...(split === 'eigen_benchmark' ? { crop: 'none', gtCapMask: false } : { crop: 'garg', gtCapMask: true }),
    }),
  },
  bts: {
    script: { name: 'BTS eval_with_pngs.py', repo: 'cleinc/bts', commit: '5e3406b35d1497b2e55d2dd600524d1f4efacaed', files: 'utils/eval_with_pngs.py' },
    convention: 'bts: KITTI prediction (352x1216 KB crop) clamped then pasted into a zero full-size canvas, valid min<gt<max, per-image mean',
    datasets: ['kitti', 'nyu'],
    settings: (d) => ({ align: 'none', nanPred: 'min', predLayout: d === 'nyu' ? 'exact' : 'kb-crop' }),
  },
  zoedepth: {
    script: { name: 'ZoeDepth compute_metrics', repo: 'isl-org/ZoeDepth', commit: 'd87f17b2f5fdcb174cf4fb115491f4a6c60de152', files: 'zoedepth/utils/misc.py, zoedepth/data/data_mono.py, zoedepth/utils/config.py' },
    convention: 'zoedepth: KITTI ground truth cut to the KB crop (Garg fractions of 352x1216), resize bilinear align_corners=True, NaN -> min, per-image mean',
    datasets: ['kitti', 'nyu'],
    settings: (d) => ({ align: 'none', nanPred: 'min', predLayout: d === 'nyu' ? 'resize' : 'kb-crop-gt', resizeGrid: 'align-corners', resizeSpace: 'depth' }),
  },
  vda: {
    script: { name: 'Video Depth Anything benchmark', repo: 'DepthAnything/Video-Depth-Anything', commit: '4f5ae23172ba60fd7bc11ef671cca678842c7072', files: 'benchmark/eval/eval.py, benchmark/eval/eval_tae.py, benchmark/eval/metric.py' },
    convention: 'vda: disparity resized (cv2 bilinear) to gt, one scale-shift fit in disparity per sequence, valid 1e-3<gt<max, log10 pooled over pixels, silog sqrt of mean variance, TAE without z-buffer',
    datasets: ['kitti', 'nyu'],
    // eval.py masks with 1e-3 (its min_depth_eval of 0.1 is never used); the dataset-specific hard crops are the datasets' business.
    settings: () => ({
      crop: 'none', minDepth: 1e-3, align: 'scale-shift', alignSpace: 'disparity', alignScope: 'sequence', predLayout: 'resize', resizeSpace: 'disparity', resizeGrid: 'half-pixel',
      resizePrecision: 'single', medianPixels: 'finite', nanPred: 'min', taeZbuffer: false, pool: 'pixels',
    }),
  },
};

export interface ProtocolFlags extends Partial<Conventions> {
  protocol?: ProtocolName;
  /** KITTI split of a benchmark run (monodepth2's eigen_benchmark changes the mask). */
  split?: string;
  dataset?: DatasetName;
  crop?: CropName;
  minDepth?: number;
  maxDepth?: number;
  align?: AlignMode;
  alignSpace?: AlignSpace;
  alignScope?: 'frame' | 'sequence';
  predScale?: number;
  gtScale?: number;
}

/** Dataset defaults first, then the preset, then explicit flags, which override both. */
export function resolveProtocol(flags: ProtocolFlags): EvalProtocol {
  const name = flags.protocol ?? 'default';
  const preset = PROTOCOL_PRESETS[name];
  if (flags.dataset && !preset.datasets.includes(flags.dataset)) {
    throw new DepthkitError(`--protocol ${name} is defined for ${preset.datasets.join(', ')}, not ${flags.dataset}`);
  }
  const dataset = flags.dataset ?? (name === 'default' ? undefined : preset.datasets[0]);
  const base = dataset ? DATASET_DEFAULTS[dataset] : { crop: 'none' as const, minDepth: 1e-3, maxDepth: 80, gtScale: 1 };
  const s: PresetSettings = { ...DEFAULT_CONVENTIONS, ...preset.settings(dataset ?? null, flags.split) };
  const pick = <K extends keyof PresetSettings>(k: K, fallback: NonNullable<PresetSettings[K]>) => (flags[k] ?? s[k] ?? fallback) as NonNullable<PresetSettings[K]>;
  const p: EvalProtocol = {
    dataset: dataset ?? null,
    crop: pick('crop', base.crop),
    minDepth: pick('minDepth', base.minDepth),
    maxDepth: pick('maxDepth', base.maxDepth),
    align: pick('align', 'none'),
    alignSpace: pick('alignSpace', 'depth'),
    alignScope: pick('alignScope', 'frame'),
    predScale: flags.predScale ?? 1,
    gtScale: flags.gtScale ?? base.gtScale,
    convention: preset.convention,
    protocol: name,
    predLayout: pick('predLayout', DEFAULT_CONVENTIONS.predLayout),
    resizeSpace: pick('resizeSpace', DEFAULT_CONVENTIONS.resizeSpace),
    resizeGrid: pick('resizeGrid', DEFAULT_CONVENTIONS.resizeGrid),
    resizePrecision: pick('resizePrecision', DEFAULT_CONVENTIONS.resizePrecision),
    gtCapMask: pick('gtCapMask', DEFAULT_CONVENTIONS.gtCapMask),
    medianPixels: pick('medianPixels', DEFAULT_CONVENTIONS.medianPixels),
    nanPred: pick('nanPred', DEFAULT_CONVENTIONS.nanPred),
    taeZbuffer: pick('taeZbuffer', DEFAULT_CONVENTIONS.taeZbuffer),
    pool: pick('pool', DEFAULT_CONVENTIONS.pool),
  };
  if (!(p.minDepth > 0) || !(p.maxDepth > p.minDepth)) {
    throw new DepthkitError(`depth caps must satisfy 0 < --min-depth < --max-depth (got ${p.minDepth}, ${p.maxDepth})`);
  }
  if (!(p.predScale > 0) || !(p.gtScale > 0)) throw new DepthkitError('--pred-scale and --gt-scale must be positive');
  if (p.crop === 'eigen' && !p.dataset) throw new DepthkitError('--crop eigen differs between KITTI and NYU: add --dataset kitti or --dataset nyu');
  return p;
}

/**
 * `eval` scores images one at a time: a protocol that fits one alignment over a whole sequence (vda) is refused
 * there rather than silently fitted per image.
 */
export function checkImageScope(p: EvalProtocol): void {
  if (p.alignScope === 'sequence' && p.align !== 'none') {
    throw new DepthkitError(`--protocol ${p.protocol} fits one ${p.align} alignment over a whole sequence, which eval's images are not: use \`depthkit video --protocol ${p.protocol}\`, or add --align none to score metric predictions with its other conventions`);
  }
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
    ...conventionRecord(p),
    ...scriptRecord(p),
  };
}

/** The published script a protocol follows: name, repository, commit and files ('none' for depthkit's own). */
export function scriptRecord(p: Pick<EvalProtocol, 'protocol'>): Record<string, string> {
  const script = PROTOCOL_PRESETS[p.protocol].script;
  return {
    script: script ? script.name : 'none',
    script_repo: script ? script.repo : 'none',
    script_commit: script ? script.commit : 'none',
    script_files: script ? script.files : 'none',
  };
}

/** The convention switches alone, as sidecar keys (shared with `video`'s protocol block). */
export function conventionRecord(p: Pick<EvalProtocol, 'protocol' | keyof Conventions>): Record<string, string> {
  const onOff = (b: boolean) => (b ? 'on' : 'off');
  return {
    protocol: p.protocol,
    pred_layout: p.predLayout,
    resize_space: p.resizeSpace,
    resize_grid: p.resizeGrid,
    resize_precision: p.resizePrecision,
    gt_cap_mask: onOff(p.gtCapMask),
    median_pixels: p.medianPixels,
    nan_pred: p.nanPred,
    tae_zbuffer: onOff(p.taeZbuffer),
    pool: p.pool,
  };
}

/** Reads the convention keys back from a sidecar; sidecars written before they existed get depthkit's defaults. */
export function conventionsFromMeta(meta: Record<string, unknown>): Pick<EvalProtocol, 'protocol' | keyof Conventions> {
  const str = <T extends string>(k: string, d: T) => (meta[k] === undefined ? d : String(meta[k]) as T);
  const d = DEFAULT_CONVENTIONS;
  return {
    protocol: str<ProtocolName>('protocol', 'default'),
    predLayout: str('pred_layout', d.predLayout),
    resizeSpace: str('resize_space', d.resizeSpace),
    resizeGrid: str('resize_grid', d.resizeGrid),
    resizePrecision: str('resize_precision', d.resizePrecision),
    gtCapMask: str('gt_cap_mask', 'on') === 'on',
    medianPixels: str('median_pixels', d.medianPixels),
    nanPred: str('nan_pred', d.nanPred),
    taeZbuffer: str('tae_zbuffer', 'on') === 'on',
    pool: str('pool', d.pool),
  };
}
