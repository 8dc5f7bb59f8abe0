import { HIGHER_IS_BETTER, METRIC_NAMES, type MetricName } from './accuracy.js';

/** Which way is better: 'info' columns (counts, sizes, fit parameters) have no better side. */
export type MetricDirection = 'lower' | 'higher' | 'info';

/** What a column of depthkit's CSVs means: read by compare (directions), the report (arrows) and the docs. */
export interface MetricInfo {
  name: string;
  direction: MetricDirection;
  /** '' for ratios and fractions. */
  unit: string;
  meaning: string;
}

const ACCURACY_MEANING: Record<MetricName, [unit: string, meaning: string]> = {
  abs_rel: ['', 'mean |pred - gt| / gt'],
  sq_rel: ['m', 'mean (pred - gt)^2 / gt'],
  rmse: ['m', 'root mean squared error'],
  rmse_log: ['', 'root mean squared error of log depth'],
  log10: ['', 'mean |log10 pred - log10 gt|'],
  silog: ['', 'scale-invariant log error (Eigen et al.), x100'],
  d1: ['', 'fraction of pixels with max(pred/gt, gt/pred) < 1.25'],
  d2: ['', 'fraction of pixels with max(pred/gt, gt/pred) < 1.25^2'],
  d3: ['', 'fraction of pixels with max(pred/gt, gt/pred) < 1.25^3'],
};

const entry = (name: string, direction: MetricDirection, unit: string, meaning: string): MetricInfo => ({ name, direction, unit, meaning });

/** Every metric and informational column depthkit writes, declared once. */
export const METRICS: readonly MetricInfo[] = [
  ...METRIC_NAMES.map((m) => entry(m, HIGHER_IS_BETTER.has(m) ? 'higher' : 'lower', ...ACCURACY_MEANING[m])),
  entry('smoothness', 'lower', '', 'edge-aware smoothness of the normalised depth (depth gradients where the image is flat)'),
  entry('dbe_acc', 'lower', 'px', 'depth boundary error, accuracy: distance from predicted to true depth edges'),
  entry('dbe_comp', 'lower', 'px', 'depth boundary error, completeness: distance from true to predicted depth edges'),
  entry('opw', 'lower', '', 'optical-flow-based pixel warping error of per-frame normalised depth, weighted by photometric agreement'),
  entry('rtc_101', 'higher', '', 'relative temporal consistency: fraction of warped pixels whose depth ratio is within 1.01'),
  entry('rtc_105', 'higher', '', 'relative temporal consistency: fraction of warped pixels whose depth ratio is within 1.05'),
  entry('flicker', 'lower', '', 'mean relative change of the same pixel between consecutive frames (read it on static shots)'),
  entry('tcc', 'higher', '', 'temporal change consistency: SSIM of the depth changes and the ground-truth changes'),
  entry('tae', 'lower', '%', 'temporal alignment error: AbsRel of depth reprojected with the camera poses, x100'),
  entry('epe', 'lower', 'px', 'optical flow end-point error'),
  entry('i_rmse', 'lower', '1/m', 'root mean squared error of inverse depth (Marigold)'),
  entry('flow_mag', 'info', 'px', 'mean length of the backward flow (a diagnostic: ~0 on a static shot)'),
  entry('align_scale', 'info', '', 'scale of the alignment fit'),
  entry('align_shift', 'info', '', 'shift of the alignment fit'),
  ...['count', 'valid_pixels', 'frames', 'pairs', 'images', 'pixels', 'skipped', 'resized', 'width', 'height', 'fps'].map((n) =>
    entry(n, 'info', '', 'a count or size, reported; gated only when a config names it'),
  ),
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/**
 * The registry entry of a column (case-insensitive), or undefined for a column depthkit does not define. A paper
 * table's per-dataset column (`sintel_abs_rel`, `kitti-video_d1`, `scannet-tae_tae`) is its metric's entry.
 */
export function metricInfo(column: string): MetricInfo | undefined {
  const lower = column.toLowerCase();
  const exact = BY_NAME.get(lower);
  if (exact) return exact;
  const suffix = METRICS.filter((m) => m.direction !== 'info' && lower.endsWith(`_${m.name}`)).sort((a, b) => b.name.length - a.name.length)[0];
  return suffix;
}
