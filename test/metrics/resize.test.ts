import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeBilinear, resizePrediction } from '../../src/metrics/resize.js';
import { kbCropRect, placePrediction } from '../../src/metrics/layout.js';

const row = (values: number[]) => ({ data: Float32Array.from(values), width: values.length, height: 1 });

test('half-pixel and align-corners grids differ where the issue says (a 2x upsample)', () => {
  assert.deepEqual([...resizeBilinear(row([0, 1]), 4, 1, 'half-pixel').data], [0, 0.25, 0.75, 1]);
  assert.deepEqual([...resizeBilinear(row([0, 1]), 4, 1, 'align-corners').data].map((v) => Math.round(v * 1e6) / 1e6), [0, 0.333333, 0.666667, 1]);
  assert.deepEqual([...resizeBilinear(row([0, 3]), 1, 1, 'align-corners').data], [0]);
});

test('resizing in disparity inverts, resizes and inverts back: the mean of 1/d, not of d', () => {
  const depth = resizePrediction(row([1, 4]), 4, 1, 'half-pixel', 'depth').data;
  const disparity = resizePrediction(row([1, 4]), 4, 1, 'half-pixel', 'disparity').data;
  assert.equal(depth[1], 1.75);
  assert.equal(disparity[1], Math.fround(1 / (0.75 * 1 + 0.25 * 0.25)));
  // 0 disparity is +Inf depth and back.
  assert.equal(resizePrediction(row([Infinity, Infinity]), 3, 1, 'half-pixel', 'disparity').data[1], Infinity);
});

test('single precision rounds the source coordinate as cv2 does, double does not', () => {
  const src = { data: Float32Array.from({ length: 640 }, (_, i) => i * i), width: 640, height: 1 };
  const a = resizeBilinear(src, 1242, 1, 'half-pixel', 'double').data;
  const b = resizeBilinear(src, 1242, 1, 'half-pixel', 'single').data;
  assert.ok(a.some((v, i) => v !== b[i]));
  assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= 1e-4 * Math.max(v, 1)));
});

test('KB crop geometry: top = H - 352, left = int((W - 1216) / 2); paste and cut', () => {
  assert.deepEqual(kbCropRect(1242, 375), { top: 23, bottom: 375, left: 13, right: 1229 });
  assert.deepEqual(kbCropRect(1224, 370), { top: 18, bottom: 370, left: 4, right: 1220 });
  assert.equal(kbCropRect(1000, 375), null);
  const gt = { data: new Float32Array(1242 * 375).fill(5), width: 1242, height: 375 };
  const pred = { data: new Float32Array(1216 * 352).fill(7), width: 1216, height: 352 };
  const pasted = placePrediction(pred, gt, { predLayout: 'kb-crop', resizeGrid: 'half-pixel', resizeSpace: 'depth' });
  assert.equal(pasted.pred[22 * 1242 + 600], 0);
  assert.equal(pasted.pred[23 * 1242 + 13], 7);
  assert.equal(pasted.pred[23 * 1242 + 12], 0);
  const cut = placePrediction(pred, gt, { predLayout: 'kb-crop-gt', resizeGrid: 'half-pixel', resizeSpace: 'depth' });
  assert.deepEqual([cut.gt.width, cut.gt.height], [1216, 352]);
  assert.throws(() => placePrediction(pred, gt, { predLayout: 'exact', resizeGrid: 'half-pixel', resizeSpace: 'depth' }), /exactly its KITTI KB crop: pass --pred-layout kb-crop/);
  assert.throws(() => placePrediction(row([1, 2]), gt, { predLayout: 'kb-crop', resizeGrid: 'half-pixel', resizeSpace: 'depth' }), /needs a 1216x352 prediction/);
});
