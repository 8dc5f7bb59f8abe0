import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bootstrapMeanInterval } from '../../src/ci/bootstrap.js';
import { mulberry32 } from '../../src/util/random.js';

// Replayed in Python by test/reference/ci_bootstrap.py (same PRNG, numpy percentile).
const ref = JSON.parse(readFileSync(new URL('../reference/ci_bootstrap.json', import.meta.url), 'utf8')) as {
  mulberry32_seed1_first5: number[];
  cases: { diffs: number[]; resamples: number; confidence: number; seed: number; mean: number; lo: number; hi: number }[];
};

/** Normal deviates from the seeded PRNG (Box-Muller), so the simulations are reproducible. */
function normals(n: number, mean: number, sd: number, rand: () => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + sd * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return out;
}

test('mulberry32 matches the Python replay', () => {
  const rand = mulberry32(1);
  for (const v of ref.mulberry32_seed1_first5) assert.equal(rand(), v);
});

test('bootstrap interval matches the numpy reference', () => {
  for (const c of ref.cases) {
    const got = bootstrapMeanInterval(c.diffs, { resamples: c.resamples, confidence: c.confidence, seed: c.seed });
    assert.ok(Math.abs(got.mean - c.mean) < 1e-12, `mean ${got.mean} vs ${c.mean}`);
    assert.ok(Math.abs(got.lo - c.lo) < 1e-12, `lo ${got.lo} vs ${c.lo}`);
    assert.ok(Math.abs(got.hi - c.hi) < 1e-12, `hi ${got.hi} vs ${c.hi}`);
  }
});

test('identical runs give a zero-width interval at zero; the same seed repeats exactly', () => {
  const zero = bootstrapMeanInterval(new Float64Array(50), { resamples: 1000, confidence: 0.95, seed: 3 });
  assert.deepEqual(zero, { mean: 0, lo: 0, hi: 0 });
  const d = normals(30, 0, 1, mulberry32(9));
  const opts = { resamples: 500, confidence: 0.95, seed: 11 };
  assert.deepEqual(bootstrapMeanInterval(d, opts), bootstrapMeanInterval(d, opts));
});

test('the 95% interval covers the true shift in at least 93 of 100 simulations', () => {
  const shift = 0.01;
  let covered = 0;
  let width = 0;
  for (let sim = 0; sim < 100; sim++) {
    const diffs = normals(200, shift, 0.02, mulberry32(1000 + sim));
    const ci = bootstrapMeanInterval(diffs, { resamples: 2000, confidence: 0.95, seed: sim });
    if (ci.lo <= shift && shift <= ci.hi) covered++;
    width += ci.hi - ci.lo;
  }
  assert.ok(covered >= 93, `covered ${covered}/100`);
  // Normal theory: 2 * 1.96 * 0.02 / sqrt(200) = 0.00554; a much wider interval would cover trivially.
  assert.ok(Math.abs(width / 100 - 0.00554) < 0.0005, `mean width ${width / 100}`);
});
