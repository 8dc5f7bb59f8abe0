import test from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddedBackend as embedded } from '../../src/video/backend/embedded.js';
import { turbo, turboTable } from '../../src/report/colormap.js';
import { composePreview, openPreview, previewRange } from '../../src/video/preview.js';

const rgb = (w: number, h: number, v: number) => ({ data: new Uint8Array(w * h * 3).fill(v), width: w, height: h });
const depth = (w: number, h: number) => ({ data: new Float32Array(w * h).map((_, i) => 1 + (i % w)), width: w, height: h });

test('preview: range from robust percentiles; frame left, colour right', () => {
  const data = Float32Array.from({ length: 100 }, (_, i) => i + 1);
  data[99] = 1e6; // an outlier does not stretch the range
  const r = previewRange({ data, width: 10, height: 10 });
  // numpy: np.percentile(data, [2, 98], method='lower') == [2, 98]
  assert.equal(r.lo, 2);
  assert.equal(r.hi, 98);
  const rgb = { data: new Uint8Array(2 * 1 * 3).fill(7), width: 2, height: 1 };
  const out = composePreview(rgb, { data: Float32Array.from([2, 98]), width: 2, height: 1 }, r, turboTable());
  assert.equal(out.length, 12);
  assert.deepEqual([...out.subarray(0, 6)], [7, 7, 7, 7, 7, 7]);
  assert.deepEqual([...out.subarray(6, 9)], [...turbo(0)]);
  assert.deepEqual([...out.subarray(9, 12)], [...turbo(1)]);
});

test('preview: every frame written reaches the video (one write in flight), and close waits for it', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dk-preview-'));
  const file = path.join(dir, 'preview.mp4');
  const p = openPreview(file, 10);
  for (let i = 0; i < 5; i++) await p.write(rgb(16, 8, 40 * i), depth(16, 8));
  await p.close();
  const info = await embedded.probe(file);
  assert.deepEqual([info.width, info.height, info.frameCount], [32, 8, 5]);
  await fs.rm(dir, { recursive: true });
});

test('preview: a write that fails in flight is thrown by the next call (close here), and no video is left', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dk-preview-'));
  const file = path.join(dir, 'preview.mp4');
  const p = openPreview(file, 10);
  await p.write(rgb(16, 8, 10), depth(16, 8));
  await p.write(rgb(8, 8, 10), depth(8, 8)); // the encoder was opened for 32x8: this frame is refused
  await assert.rejects(p.close(), /frame has 384 bytes, expected 32x8x3 = 768/);
  await p.abort();
  assert.deepEqual(await fs.readdir(dir), []);
  await fs.rm(dir, { recursive: true });
});
