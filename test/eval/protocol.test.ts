import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkImageScope, conventionsFromMeta, protocolRecord, PROTOCOL_PRESETS, resolveProtocol } from '../../src/eval/protocol.js';
import { protocolFromMeta } from '../../src/eval/shard.js';
import { DepthkitError } from '../../src/errors.js';
import { computeMetrics, summarizeMetrics } from '../../src/metrics/accuracy.js';

test('a preset overrides the dataset defaults, an explicit flag overrides the preset', () => {
  const m2 = resolveProtocol({ protocol: 'monodepth2' });
  assert.equal(m2.dataset, 'kitti');
  assert.deepEqual([m2.crop, m2.align, m2.resizeSpace, m2.medianPixels, m2.nanPred, m2.gtCapMask], ['garg', 'median', 'disparity', 'all', 'propagate', true]);
  const bench = resolveProtocol({ protocol: 'monodepth2', split: 'eigen_benchmark' });
  assert.deepEqual([bench.crop, bench.gtCapMask], ['none', false]);
  const flagged = resolveProtocol({ protocol: 'monodepth2', split: 'eigen_benchmark', gtCapMask: true, crop: 'garg', resizeSpace: 'depth' });
  assert.deepEqual([flagged.crop, flagged.gtCapMask, flagged.resizeSpace], ['garg', true, 'depth']);
  assert.equal(resolveProtocol({ protocol: 'bts', dataset: 'nyu' }).predLayout, 'exact');
  assert.equal(resolveProtocol({ protocol: 'bts' }).predLayout, 'kb-crop');
  const zoeNyu = resolveProtocol({ protocol: 'zoedepth', dataset: 'nyu' });
  assert.deepEqual([zoeNyu.crop, zoeNyu.maxDepth, zoeNyu.predLayout, zoeNyu.resizeGrid], ['eigen', 10, 'resize', 'align-corners']);
  const vda = resolveProtocol({ protocol: 'vda', maxDepth: 8 });
  assert.deepEqual([vda.align, vda.alignSpace, vda.alignScope, vda.taeZbuffer, vda.pool, vda.maxDepth, vda.minDepth], ['scale-shift', 'disparity', 'sequence', false, 'pixels', 8, 1e-3]);
  assert.throws(() => resolveProtocol({ protocol: 'monodepth2', dataset: 'nyu' }), /defined for kitti, not nyu/);
});

test('depthkit\'s default protocol is unchanged: exact sizes, double resize, NaN -> min, z-buffer, per-image means', () => {
  const p = resolveProtocol({ dataset: 'kitti' });
  assert.deepEqual(
    [p.protocol, p.predLayout, p.resizeSpace, p.resizeGrid, p.resizePrecision, p.gtCapMask, p.medianPixels, p.nanPred, p.taeZbuffer, p.pool, p.crop, p.maxDepth],
    ['default', 'exact', 'depth', 'half-pixel', 'double', true, 'finite', 'min', true, 'image', 'garg', 80],
  );
  assert.equal(protocolRecord(p).script, 'none');
});

test('the sidecar names the script, repository and commit, and reads back to the same protocol', () => {
  for (const name of ['monodepth2', 'bts', 'zoedepth'] as const) {
    const p = resolveProtocol({ protocol: name, pool: 'pixels', taeZbuffer: false });
    const record = protocolRecord(p);
    const script = PROTOCOL_PRESETS[name].script!;
    assert.deepEqual([record.script, record.script_repo, record.script_commit], [script.name, script.repo, script.commit]);
    assert.match(script.commit, /^[0-9a-f]{40}$/);
    assert.deepEqual(protocolFromMeta(record, 'x.csv'), p);
  }
  // A sidecar written before the conventions existed reads as depthkit's defaults.
  assert.deepEqual(conventionsFromMeta({}), conventionsFromMeta(protocolRecord(resolveProtocol({}))));
});

test('eval refuses a sequence-level fit instead of fitting it per image', () => {
  assert.throws(() => checkImageScope(resolveProtocol({ protocol: 'vda' })), (e: unknown) => e instanceof DepthkitError && /depthkit video --protocol vda/.test(e.message));
  checkImageScope(resolveProtocol({ protocol: 'vda', align: 'none' }));
});

test('--pool pixels: log10 over every pixel of the run, silog = 100 sqrt(mean of per-image variances)', () => {
  const images = [
    { pred: [1, 2, 4], gt: [1, 1, 2] },
    { pred: [3, 3], gt: [1, 2] },
  ];
  const rows = images.map(({ pred, gt }) => computeMetrics(Float32Array.from(pred), Float32Array.from(gt), new Uint8Array(pred.length).fill(1)));
  const e = images.map(({ pred, gt }) => pred.map((p, i) => Math.log(p / gt[i])));
  const variance = (v: number[]) => v.reduce((a, x) => a + x * x, 0) / v.length - (v.reduce((a, x) => a + x, 0) / v.length) ** 2;
  const allLog10 = e.flat().map((x) => Math.abs(x) * Math.LOG10E);
  const pooled = summarizeMetrics(rows, 'pixels');
  assert.ok(Math.abs(pooled.log10 - allLog10.reduce((a, x) => a + x, 0) / allLog10.length) < 1e-12);
  assert.ok(Math.abs(pooled.silog - 100 * Math.sqrt((variance(e[0]) + variance(e[1])) / 2)) < 1e-9);
  const perImage = summarizeMetrics(rows, 'image');
  assert.ok(Math.abs(perImage.log10 - (rows[0].log10 + rows[1].log10) / 2) < 1e-15);
  assert.equal(pooled.abs_rel, perImage.abs_rel);
});
