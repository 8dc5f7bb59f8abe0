import { metricInfo, type MetricDirection } from '../metrics/registry.js';

/** Which way is better for a column: its direction in the metric registry (src/metrics/registry.ts), else unknown. */
export type Direction = MetricDirection | 'unknown';

export function metricDirection(column: string): Direction {
  return metricInfo(column)?.direction ?? 'unknown';
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
