import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { colourise, turbo, turboTable } from '../../src/report/colormap.js';

test('turbo matches the published table at its anchors (within the polynomial fit error)', () => {
  const ref = JSON.parse(readFileSync(new URL('../reference/video/turbo_anchors.json', import.meta.url), 'utf8')) as { anchors: Record<string, number[]> };
  for (const [k, rgb] of Object.entries(ref.anchors)) {
    const got = turbo(Number(k) / 255);
    got.forEach((c, i) => assert.ok(Math.abs(c / 255 - rgb[i]) < 0.13, `index ${k} channel ${i}: ${c / 255} vs ${rgb[i]}`));
  }
  assert.deepEqual(turbo(NaN), turbo(0));
  assert.deepEqual(turbo(2), turbo(1));
  assert.equal(turboTable().length, 768);
});

test('colourise uses a fixed range, clamps outside it and blacks out missing depth', () => {
  const lut = turboTable();
  const c = colourise([1, 5, 9, 100, 0, NaN], 1, 9, lut);
  assert.deepEqual([...c.subarray(0, 3)], [...lut.subarray(0, 3)]);
  assert.deepEqual([...c.subarray(3, 6)], [...lut.subarray(3 * 128, 3 * 128 + 3)]);
  assert.deepEqual([...c.subarray(6, 9)], [...c.subarray(9, 12)], 'above the range = the last colour');
  assert.deepEqual([...c.subarray(12, 18)], [0, 0, 0, 0, 0, 0]);
});
