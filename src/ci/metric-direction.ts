import { HIGHER_IS_BETTER, METRIC_NAMES } from '../metrics/accuracy.js';

/**
 * Which way is better for each metric column: the accuracy metrics take their direction from the metric engine's
 * table; the video metrics (tae, opw, rtc_101, ...) are matched by name part.
 */
export type Direction = 'lower' | 'higher' | 'info' | 'unknown';

const LOWER_EXACT: string[] = METRIC_NAMES.filter((m) => !HIGHER_IS_BETTER.has(m));
const LOWER_PARTS = ['tae', 'opw', 'flicker', 'smoothness', 'dbe_acc', 'dbe_comp', 'epe', 'i_rmse'];
const HIGHER_EXACT: string[] = [...HIGHER_IS_BETTER];
const HIGHER_PARTS = ['rtc', 'tcc', 'f1'];
/** Counts and sizes: reported, gated only when a config names them (then any change beyond tolerance fails). */
const INFO_EXACT = ['count', 'valid_pixels', 'frames', 'pairs', 'images', 'pixels', 'skipped', 'resized', 'width', 'height', 'fps'];

export function metricDirection(column: string): Direction {
  const lower = column.toLowerCase();
  // A paper table's per-dataset column (sintel_abs_rel, kitti-video_d1) goes the way of its metric.
  const c = METRIC_NAMES.find((m) => lower.endsWith(`_${m}`)) ?? lower;
  if (LOWER_EXACT.includes(c) || LOWER_PARTS.some((p) => c.includes(p))) return 'lower';
  if (HIGHER_EXACT.includes(c) || HIGHER_PARTS.some((p) => c.includes(p))) return 'higher';
  if (INFO_EXACT.includes(c)) return 'info';
  return 'unknown';
}

/** A name a config or flag may refer to: a metric with a direction or a known informational column. */
export function isKnownColumn(column: string): boolean {
  return metricDirection(column) !== 'unknown';
}

/**
 * How much worse the candidate is than the baseline, in the metric's units: positive is worse. Informational
 * columns have no better side, so any change counts as worse.
 */
export function worsening(direction: Direction, delta: number): number {
  if (direction === 'lower') return delta;
  if (direction === 'higher') return -delta;
  return Math.abs(delta);
}
