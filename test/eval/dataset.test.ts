import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { depthkit, ROOT } from '../helpers/cli.js';
import { resolveCrop } from '../../src/metrics/crop.js';
import { loadNyuTestIndices, loadSplit, nyuMatIndex, parseMonodepthSplit } from '../../src/data/split.js';
import { readCsv } from '../../src/io/csv.js';
import { METRIC_NAMES } from '../../src/metrics/accuracy.js';
import { evalDataset, reference, tmp, writeTree } from '../helpers/dataset-fixtures.js';

test('shipped split lists: 697 KITTI Eigen lines keep 652, the benchmark list names the same 652 files', async () => {
  const eigen = await loadSplit('kitti', 'eigen');
  assert.equal(eigen.entries.length, 652);
  assert.equal(eigen.noGt, 45);
  const bench = await loadSplit('kitti', 'eigen_benchmark');
  assert.equal(bench.entries.length, 652);
  assert.equal(bench.noGt, 0);
  const key = (e: { rgb: string; gt: string }) => `${e.rgb} ${e.gt}`;
  assert.deepEqual(new Set(bench.entries.map(key)), new Set(eigen.entries.map(key)));
  assert.deepEqual(bench.entries[0], {
    name: '2011_09_26_2011_09_26_drive_0002_sync_image_02_data_0000000069',
    rgb: '2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png',
    gt: '2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/0000000069.png',
  });
  assert.equal(parseMonodepthSplit('2011_09_26/2011_09_26_drive_0002_sync 7 r\n', 'x').entries[0].gt, '2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_03/0000000007.png');
  assert.throws(() => parseMonodepthSplit('2011_09_26/x 7 q', 'list.txt'), /list.txt: line 1/);

  const nyu = await loadSplit('nyu', 'eigen');
  assert.equal(nyu.entries.length, 654);
  assert.equal(new Set(nyu.entries.map((e) => e.name)).size, 654);
  // splits/nyu_test_indices.txt (testNdxs of BTS's utils/splits.mat) is exactly the BTS list's rgb_<i> + 1.
  assert.deepEqual(nyu.entries.map(nyuMatIndex).sort((a, b) => a - b), await loadNyuTestIndices());
  assert.equal(nyuMatIndex(nyu.entries[0]), 46);
});

test('crop rectangles equal the reference scripts\' int(fraction * size) for every KITTI image size, and NYU\'s fixed one', async () => {
  const want = JSON.parse(readFileSync(path.join(ROOT, 'test/reference/dataset_crops.json'), 'utf8')) as { dataset: 'kitti' | 'nyu'; crop: 'garg' | 'eigen'; width: number; height: number; rect: number[] }[];
  for (const c of want) {
    const r = resolveCrop(c.crop, c.dataset, c.width, c.height)!;
    assert.deepEqual([r.top, r.bottom, r.left, r.right], c.rect, `${c.dataset} ${c.crop} ${c.height}x${c.width}`);
  }
});

/** The first `n` entries of a split, written as a miniature tree with predictions. */
async function kittiTree(n: number, split: 'eigen' | 'eigen_benchmark' = 'eigen') {
  const d = tmp();
  const dirs = { dataRoot: path.join(d, 'raw'), gtRoot: path.join(d, 'gt'), predDir: path.join(d, 'pred') };
  const entries = (await loadSplit('kitti', split)).entries.slice(0, n);
  await writeTree(entries, dirs, { width: 96, height: 40, scale: 256, density: 0.4, maxDepth: 80 });
  return { d, dirs, entries };
}

function assertRows(rows: Record<string, string | number>[], ref: Record<string, unknown>[]) {
  assert.equal(rows.length, ref.length);
  rows.forEach((row, i) => {
    assert.equal(Number(row.valid_pixels), ref[i].valid_pixels, `${row.name}: valid pixels`);
    for (const m of METRIC_NAMES) {
      const want = ref[i][m] as number;
      assert.ok(Math.abs(Number(row[m]) - want) <= 1e-6 * Math.max(Math.abs(want), 1e-9), `${row.name} ${m}: ${row[m]} vs numpy ${want}`);
    }
  });
}

test('depthkit eval --dataset kitti --data-path: Garg crop, 1e-3..80 m, gt/256, split order, table in the paper order', async () => {
  const { d, dirs, entries } = await kittiTree(5);
  const out = path.join(d, 'out');
  const r = depthkit(['eval', '--dataset', 'kitti', '--data-path', dirs.dataRoot, '--gt-path', dirs.gtRoot, '--pred', dirs.predDir, '--limit', '5', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.run.no_gt, 45);
  assert.equal(json.run.count, 5);
  assert.deepEqual(json.table.columns, ['abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'd1', 'd2', 'd3']);
  const perImage = await readCsv(path.join(out, 'per_image.csv'));
  assert.deepEqual(perImage.rows.map((x) => x.name), entries.map((e) => e.name));
  const ref = reference(d, entries.map((e) => ({
    pred: path.join(dirs.predDir, `${e.name}.npy`), gt: path.join(dirs.gtRoot, e.gt), scale: 256, dataset: 'kitti', crop: 'garg', min: 1e-3, max: 80,
  })));
  // 40x96: Garg rows 16..38, columns 3..91.
  assert.deepEqual(ref[0].crop, [16, 39, 3, 92]);
  assertRows(perImage.rows, ref);
  const table = await readCsv(path.join(out, 'table.csv'));
  assert.deepEqual(table.columns, ['abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'd1', 'd2', 'd3']);
  assert.equal(table.meta?.crop, 'garg');
  assert.equal(table.meta?.split, 'eigen');
  assert.equal(table.rows[0].abs_rel, (await readCsv(path.join(out, 'summary.csv'))).rows[0].abs_rel);
});

test('KITTI --crop eigen uses rows int(0.3324324 H)..int(0.91351351 H)', async () => {
  const { d, dirs, entries } = await kittiTree(3);
  const r = await evalDataset({ dataset: 'kitti', dataPath: dirs.dataRoot, gtPath: dirs.gtRoot, pred: dirs.predDir, limit: 3, outDir: path.join(d, 'out') }, 'eigen');
  const ref = reference(d, entries.map((e) => ({
    pred: path.join(dirs.predDir, `${e.name}.npy`), gt: path.join(dirs.gtRoot, e.gt), scale: 256, dataset: 'kitti', crop: 'eigen', min: 1e-3, max: 80,
  })));
  assert.deepEqual(ref[0].crop, [13, 36, 3, 92]);
  assertRows(r.result.rows as unknown as Record<string, number>[], ref);
  assert.equal(r.meta.no_gt, 45);
});

test('KITTI eigen_benchmark reads the same ground-truth tree through the monodepth2 list', async () => {
  const { d, dirs } = await kittiTree(4, 'eigen_benchmark');
  const run = (split: 'eigen' | 'eigen_benchmark') => evalDataset({ dataset: 'kitti', split, dataPath: dirs.dataRoot, gtPath: dirs.gtRoot, pred: dirs.predDir, limit: 4, outDir: path.join(d, split) });
  const bench = await run('eigen_benchmark');
  assert.equal(bench.noGt, 0);
  // The BTS list starts with the same four frames (drive 0002: 69, 54, 42, 57), so the same rows result.
  const eigen = await run('eigen');
  assert.equal(eigen.noGt, 45);
  assert.deepEqual(bench.result.rows, eigen.result.rows);
});

test('NYU tree: Eigen crop 45:471 x 41:601, 1e-3..10 m, gt/1000, table abs_rel rmse log10 d1 d2 d3', async () => {
  const d = tmp();
  const entries = (await loadSplit('nyu', 'eigen')).entries.slice(0, 2);
  await writeTree(entries, { dataRoot: d, gtRoot: d, predDir: path.join(d, 'pred') }, { width: 640, height: 480, scale: 1000, density: 0.9, maxDepth: 10 });
  const out = path.join(d, 'out');
  const r = await evalDataset({ dataset: 'nyu', dataPath: d, pred: path.join(d, 'pred'), limit: 2, outDir: out });
  const ref = reference(d, entries.map((e) => ({ pred: path.join(d, 'pred', `${e.name}.npy`), gt: path.join(d, e.gt), scale: 1000, dataset: 'nyu', crop: 'eigen', min: 1e-3, max: 10 })));
  assert.deepEqual(ref[0].crop, [45, 471, 41, 601]);
  // Ground truth spreads to 12.5 m, so the 10 m cap drops about a fifth of the valid pixels inside the crop.
  assert.ok((ref[0].valid_pixels as number) < 0.85 * 0.9 * 426 * 560);
  assertRows((await readCsv(path.join(out, 'per_image.csv'))).rows, ref);
  assert.equal(r.meta.layout, 'tree');
  assert.deepEqual((await readCsv(path.join(out, 'table.csv'))).columns, ['abs_rel', 'rmse', 'log10', 'd1', 'd2', 'd3']);
});

test('predictions named by ground-truth stem are accepted where the stem is unique (NYU), refused where ambiguous', async () => {
  const d = tmp();
  const entries = (await loadSplit('nyu', 'eigen')).entries.slice(0, 1);
  const pred = path.join(d, 'pred');
  await writeTree(entries, { dataRoot: d, gtRoot: d, predDir: pred }, { width: 640, height: 480, scale: 1000, density: 0.5, maxDepth: 10 });
  const run = () => evalDataset({ dataset: 'nyu', dataPath: d, pred, limit: 1, outDir: path.join(d, 'out') });
  renameSync(path.join(pred, `${entries[0].name}.npy`), path.join(pred, 'sync_depth_00045.npy'));
  assert.equal((await run()).result.summary.count, 1);
  copyFileSync(path.join(pred, 'sync_depth_00045.npy'), path.join(pred, 'bathroom_rgb_00045.npy'));
  await assert.rejects(run, /bathroom_rgb_00045\.npy and sync_depth_00045\.npy are both predictions of bathroom\/rgb_00045\.jpg/);
});

test('missing files are named before anything runs; --allow-missing evaluates the rest and counts them', async () => {
  const { d, dirs, entries } = await kittiTree(6);
  rmSync(path.join(dirs.gtRoot, entries[1].gt));
  rmSync(path.join(dirs.predDir, `${entries[4].name}.npy`));
  const out = path.join(d, 'out');
  const opts = { dataset: 'kitti' as const, dataPath: dirs.dataRoot, gtPath: dirs.gtRoot, pred: dirs.predDir, limit: 6, outDir: out };
  await assert.rejects(evalDataset(opts), (err: Error) => {
    assert.match(err.message, /^2 of 6 images of the kitti eigen split lack files: \S*gt\/2011_09_26_drive_0002_sync\/proj_depth\/groundtruth\/image_02\/0000000054\.png, \S*pred\/2011_09_26_2011_09_26_drive_0002_sync_image_02_data_0000000030\.npy \(.*--allow-missing/);
    return true;
  });
  const r = await evalDataset({ ...opts, allowMissing: true });
  assert.equal(r.meta.missing, 2);
  assert.equal(r.meta.count, 4);
  assert.equal((await readCsv(path.join(out, 'summary.csv'))).meta?.missing, 2);
  assert.deepEqual((await readCsv(path.join(out, 'per_image.csv'))).rows.map((x) => x.name), [0, 2, 3, 5].map((i) => entries[i].name));
  await assert.rejects(evalDataset({ ...opts, dataPath: path.join(d, 'nowhere') }), /nowhere: dataset not found \(depthkit never downloads datasets/);
});
