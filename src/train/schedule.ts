import { mulberry32 } from '../util/random.js';

export interface LrSchedule {
  lr: number;
  /** Linear warm-up from lr / warmup to lr over the first `warmup` steps. */
  warmup: number;
  /** Total steps: cosine decay from lr to lr * finalLrRatio between the end of warm-up and this step. */
  steps: number;
  finalLrRatio: number;
}

/** Learning rate of 0-based step `step`. */
export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmup) return (s.lr * (step + 1)) / s.warmup;
  const span = Math.max(1, s.steps - s.warmup);
  const t = Math.min(1, (step - s.warmup) / span);
  return s.lr * (s.finalLrRatio + (1 - s.finalLrRatio) * 0.5 * (1 + Math.cos(Math.PI * t)));
}

/** Mixes integers into one 32-bit seed (so that a stream depends on (seed, step, slot) alone, not on history). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
function permutation(n: number, seed: number): number[] {
  const u = mulberry32(seed);
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Sample indices of 0-based step `step`: epochs are seeded shuffles of the data, batches run through them (and
 * across an epoch boundary). A pure function of (seed, step), so a resumed run draws what the uninterrupted one would.
 */
export function batchIndices(step: number, batchSize: number, n: number, seed: number): number[] {
  const out: number[] = [];
  let epoch = -1;
  let perm: number[] = [];
  for (let k = 0; k < batchSize; k++) {
    const p = step * batchSize + k;
    const e = Math.floor(p / n);
    if (e !== epoch) {
      epoch = e;
      perm = permutation(n, mixSeed(seed, 1, e));
    }
    out.push(perm[p % n]);
  }
  return out;
}
