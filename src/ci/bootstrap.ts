import { mulberry32 } from '../util/random.js';

/**
 * Seeded paired bootstrap of a mean difference. The PRNG is mulberry32 so that a Python reference
 * (test/reference/ci_bootstrap.py) can replay exactly the same resamples.
 */
export interface BootstrapOptions {
  resamples: number;
  /** Two-sided coverage, e.g. 0.95. */
  confidence: number;
  seed: number;
}

export interface MeanInterval {
  mean: number;
  lo: number;
  hi: number;
}

/** Linear-interpolation quantile of sorted values (numpy's default `percentile` method). */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const i = Math.floor(pos);
  const j = Math.min(i + 1, sorted.length - 1);
  return sorted[i] + (pos - i) * (sorted[j] - sorted[i]);
}

/**
 * Percentile interval of the mean of `diffs` (candidate minus baseline, one per paired row): each resample draws
 * n rows with replacement. With one row the interval collapses to the value, since there is nothing to resample.
 */
export function bootstrapMeanInterval(diffs: ArrayLike<number>, opts: BootstrapOptions): MeanInterval {
  const n = diffs.length;
  if (n === 0) return { mean: NaN, lo: NaN, hi: NaN };
  let sum = 0;
  for (let i = 0; i < n; i++) sum += diffs[i];
  const mean = sum / n;
  const rand = mulberry32(opts.seed);
  const means = new Float64Array(opts.resamples);
  for (let r = 0; r < opts.resamples; r++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += diffs[Math.floor(rand() * n)];
    means[r] = s / n;
  }
  means.sort();
  const alpha = (1 - opts.confidence) / 2;
  return { mean, lo: quantileSorted(means, alpha), hi: quantileSorted(means, 1 - alpha) };
}
