import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadSplit } from '../../src/data/split.js';
import { openNyuMat } from '../../src/data/nyu-mat.js';
import { writeNpy } from '../../src/io/npy.js';
import { readCsv } from '../../src/io/csv.js';
import { METRIC_NAMES } from '../../src/metrics/accuracy.js';
import { evalDataset, python, reference, seeded, tmp } from '../helpers/dataset-fixtures.js';

/** A .mat look-alike holding the first three NYU test images (labeled indices 46, 47, 508), written by h5py. */
async function tinyMat() {
  const d = tmp();
  const mat = path.join(d, 'nyu_depth_v2_labeled.mat');
  python(['mat', mat, '46', '47', '508']);
  return { d, mat };
}

test('the .mat reader transposes MATLAB\'s column-major arrays to 480x640 and counts from 1', async () => {
  const { mat } = await tinyMat();
  const m = await openNyuMat(mat);
  try {
    assert.deepEqual([m.count, m.width, m.height], [508, 640, 480]);
    // dataset_ref.py: rawDepths(y, x) = 0.5 + 0.01 x + 0.02 y + 0.001 i, 0 where (x + y) % 7 == 0.
    const depth = m.readDepth(47);
    for (const [x, y] of [[0, 1], [639, 0], [5, 479], [320, 240], [100, 3]]) {
      const want = (x + y) % 7 === 0 ? 0 : Math.fround(0.5 + 0.01 * x + 0.02 * y + 0.047);
      assert.equal(depth.data[y * 640 + x], want, `depth at x=${x} y=${y}`);
    }
    const rgb = m.readRgb(508);
    const at = (x: number, y: number) => Array.from(rgb.data.subarray(3 * (y * 640 + x), 3 * (y * 640 + x) + 3));
    assert.deepEqual(at(10, 20), [(10 + 508) % 256, (20 + 1016) % 256, 30]);
    assert.deepEqual(at(639, 479), [(639 + 508) % 256, (479 + 1016) % 256, (639 + 479) % 256]);
    assert.throws(() => m.readDepth(509), /nyu_depth_v2_labeled\.mat: has no image 509 \(holds 508\)/);
    const filled = await openNyuMat(mat, 'depths');
    assert.equal(filled.readDepth(47).data[1], Math.fround(depth.data[1] + 1));
    filled.close();
  } finally {
    m.close();
  }
});

test('NYU from the labeled .mat: rawDepths in metres, Eigen crop, BTS names; matches numpy on the same file', async () => {
  const { d, mat } = await tinyMat();
  const entries = (await loadSplit('nyu', 'eigen')).entries.slice(0, 3);
  const pred = path.join(d, 'pred');
  const rand = seeded(5);
  mkdirSync(pred);
  for (const e of entries) {
    const p = new Float32Array(640 * 480);
    for (let i = 0; i < p.length; i++) p[i] = 0.3 + 12 * rand();
    await writeNpy(path.join(pred, `${e.name}.npy`), p, [480, 640]);
  }
  const out = path.join(d, 'out');
  const r = await evalDataset({ dataset: 'nyu', dataPath: mat, pred, limit: 3, outDir: out });
  assert.equal(r.meta.layout, 'mat');
  // The .mat holds metres: no PNG scale applies, and the output says so.
  assert.equal(r.protocol.gtScale, 1);
  const rows = (await readCsv(path.join(out, 'per_image.csv'))).rows;
  assert.deepEqual(rows.map((x) => x.name), ['bathroom_rgb_00045', 'bathroom_rgb_00046', 'bathroom_rgb_00507']);
  const ref = reference(d, entries.map((e, k) => ({
    pred: path.join(pred, `${e.name}.npy`), mat, index: [46, 47, 508][k], key: 'rawDepths', dataset: 'nyu', crop: 'eigen', min: 1e-3, max: 10,
  })));
  rows.forEach((row, i) => {
    assert.equal(Number(row.valid_pixels), ref[i].valid_pixels);
    for (const m of METRIC_NAMES) assert.ok(Math.abs(Number(row[m]) - (ref[i][m] as number)) <= 1e-6 * Math.abs(ref[i][m] as number), `${row.name} ${m}`);
  });

  await assert.rejects(evalDataset({ dataset: 'nyu', dataPath: mat, pred, limit: 4, outDir: out }), /1 of 4 images .*nyu_depth_v2_labeled\.mat: image 509/);
});
