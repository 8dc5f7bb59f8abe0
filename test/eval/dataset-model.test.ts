import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { kbOffset } from '../../src/data/kitti.js';
import { loadSplit } from '../../src/data/split.js';
import { writePng16 } from '../../src/io/png16.js';
import type { DepthModel } from '../../src/model/depth-model.js';
import type { DepthMap, RgbImage } from '../../src/metrics/types.js';
import { PARTIAL_FILE } from '../../src/eval/resumable.js';
import { resolveProtocol } from '../../src/eval/protocol.js';
import { depthkit, ROOT } from '../helpers/cli.js';
import { evalDataset, tmp, writeRgb } from '../helpers/dataset-fixtures.js';

/** A stand-in for the built-in model: records what it was given, maps each pixel's colour to a depth. */
function fakeModel(width: number, height: number, depthOf: (r: number, g: number) => number, failOnCall?: number) {
  const seen: { width: number; height: number }[] = [];
  let calls = 0;
  let disposed = false;
  const model: DepthModel = {
    description: 'fake',
    inputSize: { width, height },
    async predict(frames: RgbImage[]): Promise<DepthMap[]> {
      if (++calls === failOnCall) throw new Error('interrupted');
      return frames.map((f) => {
        seen.push({ width: f.width, height: f.height });
        const data = new Float32Array(f.width * f.height);
        for (let i = 0; i < data.length; i++) data[i] = depthOf(f.data[3 * i], f.data[3 * i + 1]);
        return { data, width: f.width, height: f.height };
      });
    },
    async dispose() {
      disposed = true;
    },
  };
  return { model, seen, disposed: () => disposed };
}

test('KITTI with a 352x1216 model: the KB crop goes in, the prediction is pasted back where it came from', async () => {
  const d = tmp();
  const entries = (await loadSplit('kitti', 'eigen')).entries.slice(0, 2);
  // Colour encodes position: red = row % 200, green = column % 200; ground truth is the same function, so only a
  // crop taken and pasted back at exactly the same offsets (top 23, left 13 for 375x1242) scores near zero error.
  const depthAt = (x: number, y: number) => 1 + (y % 200) / 10 + (x % 200) / 1000;
  for (const e of entries) {
    await writeRgb(path.join(d, e.rgb), 1242, 375, (x, y) => [y % 200, x % 200, 0]);
    const gt = new Uint16Array(1242 * 375);
    for (let y = 0; y < 375; y++) for (let x = 0; x < 1242; x++) gt[y * 1242 + x] = Math.round(depthAt(x, y) * 256);
    mkdirSync(path.dirname(path.join(d, e.gt)), { recursive: true });
    await writePng16(path.join(d, e.gt), gt, 1242, 375);
  }
  const fake = fakeModel(1216, 352, (r, g) => 1 + r / 10 + g / 1000);
  const r = await evalDataset({ dataset: 'kitti', dataPath: d, model: async () => fake.model, limit: 2, outDir: path.join(d, 'out') });
  assert.deepEqual(fake.seen, [{ width: 1216, height: 352 }, { width: 1216, height: 352 }]);
  assert.ok(r.result.summary.abs_rel < 2e-4, `abs_rel ${r.result.summary.abs_rel}`);
  assert.equal(r.result.summary.d1, 1);
  assert.equal(r.meta.predictions, 'model');
  assert.ok(fake.disposed());
  // BTS: top_margin = int(height - 352), left_margin = int((width - 1216) / 2), for every KITTI image size.
  assert.deepEqual([[1242, 375], [1224, 370], [1238, 374], [1241, 376]].map(([w, h]) => kbOffset(w, h)), [
    { top: 23, left: 13 }, { top: 18, left: 4 }, { top: 22, left: 11 }, { top: 24, left: 12 },
  ]);
});

/** NYU tree with RGB, constant 2.5 m ground truth; the fake model predicts 2 m everywhere at 64x48. */
async function nyuWithRgb(n: number) {
  const d = tmp();
  const entries = (await loadSplit('nyu', 'eigen')).entries.slice(0, n);
  for (const e of entries) {
    await writeRgb(path.join(d, e.rgb), 640, 480, (x, y) => [x % 256, y % 256, 7]);
    await writePng16(path.join(d, e.gt), new Uint16Array(640 * 480).fill(2500), 640, 480);
  }
  return { d, entries };
}

test('a model of another input size gets resized frames; its prediction is resized back to 480x640', async () => {
  const { d } = await nyuWithRgb(2);
  const fake = fakeModel(64, 48, () => 2);
  const r = await evalDataset({ dataset: 'nyu', dataPath: d, model: async () => fake.model, limit: 2, outDir: path.join(d, 'out') });
  assert.deepEqual(fake.seen, [{ width: 64, height: 48 }, { width: 64, height: 48 }]);
  assert.equal(r.result.summary.count, 2);
  assert.ok(Math.abs(r.result.summary.abs_rel - 0.2) < 1e-7);
  assert.equal(r.result.rows[0].valid_pixels, 426 * 560);
});

test('an interrupted run continues with --resume, skips the images done and ends equal to one run', async () => {
  const { d } = await nyuWithRgb(7);
  const depth = (r: number, g: number) => 1 + r / 50 + g / 300;
  const single = path.join(d, 'single');
  await evalDataset({ dataset: 'nyu', dataPath: d, model: async () => fakeModel(64, 48, depth).model, limit: 7, outDir: single });

  const out = path.join(d, 'out');
  // Batches of 4 images, partial file rewritten every 4: the second batch fails, after the first was saved.
  const broken = fakeModel(64, 48, depth, 2);
  await assert.rejects(evalDataset({ dataset: 'nyu', dataPath: d, model: async () => broken.model, limit: 7, outDir: out, flushEvery: 4 }), /interrupted/);
  assert.ok(existsSync(path.join(out, PARTIAL_FILE)));
  assert.ok(!existsSync(path.join(out, 'summary.csv')));

  // Another setting does not resume the wrong run.
  await assert.rejects(
    evalDataset({ dataset: 'nyu', dataPath: d, model: async () => fakeModel(64, 48, depth).model, limit: 7, outDir: out, resume: true, protocol: resolveProtocol({ dataset: 'nyu', maxDepth: 8 }) }),
    /per_image\.partial\.csv: was written with other settings \(max_depth: 10 vs 8\)/,
  );
  const resumed = fakeModel(64, 48, depth);
  const r = await evalDataset({ dataset: 'nyu', dataPath: d, model: async () => resumed.model, limit: 7, outDir: out, flushEvery: 4, resume: true });
  assert.equal(r.resumed, 4);
  assert.equal(resumed.seen.length, 3);
  for (const f of ['per_image.csv', 'summary.csv', 'table.csv', 'summary.csv.meta.json', 'per_image.csv.meta.json']) {
    assert.equal(readFileSync(path.join(out, f), 'utf8'), readFileSync(path.join(single, f), 'utf8'), f);
  }
  assert.ok(!existsSync(path.join(out, PARTIAL_FILE)));
});

test('--checkpoint runs the built-in model: the same numbers as depthkit predict followed by eval --pred', async () => {
  const { d } = await nyuWithRgb(2);
  const model = path.join(ROOT, 'test/reference/model');
  const weights = ['--checkpoint', path.join(model, 'ckpt-tiny.safetensors'), '--clip', path.join(model, 'clip-tiny.safetensors')];
  const direct = depthkit(['eval', '--dataset', 'nyu', '--data-path', d, ...weights, '--limit', '2', '--out', path.join(d, 'direct'), '--json']);
  assert.equal(direct.code, 0, direct.stderr);
  // predict names its outputs by image stem (rgb_00045.npy), which NYU's split accepts: the stem is unique there.
  const pred = path.join(d, 'pred');
  const p = depthkit(['predict', path.join(d, 'bathroom', 'rgb_*.jpg'), ...weights, '--out', pred]);
  assert.equal(p.code, 0, p.stderr);
  const viaFiles = await evalDataset({ dataset: 'nyu', dataPath: d, pred, limit: 2, outDir: path.join(d, 'files') });
  const json = JSON.parse(direct.stdout);
  assert.equal(json.run.predictions, 'model');
  for (const m of ['abs_rel', 'rmse', 'log10', 'd1'] as const) assert.ok(Math.abs(json.summary[m] - viaFiles.result.summary[m]) <= 1e-6 * Math.abs(json.summary[m]), m);
});
