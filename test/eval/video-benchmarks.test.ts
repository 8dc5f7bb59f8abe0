import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit } from '../helpers/cli.js';
import { readCsv } from '../../src/io/csv.js';
import { SEQUENCE_METRICS } from '../../src/metrics/sequence.js';

/*
 * `eval --dataset <video benchmarks>` against test/reference/video_benchmarks_ref.py, a numpy port of Video Depth
 * Anything's benchmark/eval (eval.py, metric.py, eval_tae.py at 4f5ae23) and of the native formats' own readers.
 * The script writes the fixtures (the reference layout's json lists and 16-bit PNGs for Sintel, ScanNet, ScanNet's
 * TAE list with K and poses, KITTI with a missing prediction, NYUv2 with an .npz stack; the native layouts: Sintel
 * .dpt + .cam, a ScanNet SensReader export, Bonn/TUM with jittered stamps and a dropped depth frame) and the
 * expected rows. Every number must agree to 1e-6 relative (depthkit keeps ground truth in float32).
 */
const PY = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, '..', 'reference', 'video_benchmarks_ref.py');
const REL = 1e-6;
const haveRef = existsSync(PY) && spawnSync(PY, ['-c', 'import numpy, cv2']).status === 0;

let dir = '';
let expected: Record<string, Record<string, number | string | null>[]> = {};

before(async () => {
  if (!haveRef) return;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dk-vbench-'));
  for (const args of [['generate', dir], ['expect', dir, path.join(dir, 'expected.json')]]) {
    const r = spawnSync(PY, [SCRIPT, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }
  expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8'));
});
after(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function close(actual: number, want: number | null, what: string) {
  if (want === null) return assert.ok(Number.isNaN(actual), `${what}: expected no value, got ${actual}`);
  assert.ok(Math.abs(actual - want) <= REL * Math.max(Math.abs(want), 1e-12), `${what}: ${actual} vs reference ${want}`);
}

async function checkRun(out: string, key: string) {
  const table = await readCsv(path.join(out, 'sequences.csv'));
  const want = expected[key];
  assert.deepEqual(table.rows.map((r) => `${r.dataset}/${r.sequence}`), want.map((r) => `${r.dataset}/${r.sequence}`));
  table.rows.forEach((r, i) => {
    const w = want[i];
    assert.equal(Number(r.frames), w.frames, `${key} ${r.sequence} frames`);
    for (const m of [...SEQUENCE_METRICS, 'tae', 'align_scale', 'align_shift']) close(Number(r[m]), w[m] as number | null, `${key} ${r.dataset}/${r.sequence} ${m}`);
  });
  return table;
}

const REFERENCE = ['--dataset', 'sintel,scannet,kitti-video,nyuv2-video,scannet-tae', '--allow-missing'];

test('reference layout (VDA json lists): every sequence and metric matches the numpy port, TAE without and with z-buffer', { skip: !haveRef && 'needs /usr/bin/python3 with numpy and cv2' }, async () => {
  for (const zb of [0, 1]) {
    const out = path.join(dir, `ref-${zb}`);
    const r = depthkit(['eval', ...REFERENCE, '--data-path', path.join(dir, 'bench'), '--pred', path.join(dir, 'pred'), '--out', out, '--tae-zbuffer', zb ? 'on' : 'off']);
    assert.equal(r.code, 0, r.stderr);
    const table = await checkRun(out, `reference/zbuffer=${zb}/disparity`);
    assert.equal(table.meta?.align_scope, 'sequence');
    // summary = mean over sequences; table.csv in the papers' order
    const summary = await readCsv(path.join(out, 'summary.csv'));
    const scannet = table.rows.filter((x) => x.dataset === 'scannet');
    close(Number(summary.rows.find((s) => s.dataset === 'scannet')!.abs_rel), (Number(scannet[0].abs_rel) + Number(scannet[1].abs_rel)) / 2, 'scannet summary');
    const paper = await readCsv(path.join(out, 'table.csv'));
    assert.deepEqual(paper.columns, ['sintel_abs_rel', 'sintel_d1', 'scannet_abs_rel', 'scannet_d1', 'kitti-video_abs_rel', 'kitti-video_d1', 'nyuv2-video_abs_rel', 'nyuv2-video_d1', 'scannet-tae_tae']);
    assert.ok(existsSync(path.join(out, 'table.md')) && existsSync(path.join(out, 'table.csv.meta.json')));
  }
});

test('native layouts (Sintel .dpt/.cam, ScanNet export, Bonn by timestamp), disparity and depth predictions', { skip: !haveRef && 'needs /usr/bin/python3 with numpy and cv2' }, async () => {
  for (const [kind, zb] of [['disparity', 0], ['depth', 0], ['disparity', 1]] as const) {
    const out = path.join(dir, `native-${kind}-${zb}`);
    const r = depthkit(['eval', '--dataset', 'sintel,scannet,bonn', '--data-path', path.join(dir, 'native'), '--pred', path.join(dir, kind === 'depth' ? 'pred-native-depth' : 'pred-native'), '--out', out, '--pred-kind', kind, '--tae-zbuffer', zb ? 'on' : 'off']);
    assert.equal(r.code, 0, r.stderr);
    await checkRun(out, `native/zbuffer=${zb}/${kind}`);
  }
});

test('a missing prediction without --allow-missing, a missing layout, a missing ground truth, a bad list: one line naming the file and dataset', { skip: !haveRef && 'needs /usr/bin/python3 with numpy and cv2' }, async () => {
  let r = depthkit(['eval', '--dataset', 'kitti-video', '--data-path', path.join(dir, 'bench'), '--pred', path.join(dir, 'pred'), '--out', path.join(dir, 'x1')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /0000000001\.npy.*kitti-video\/2011_09_26_drive_0002_sync: prediction missing/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  r = depthkit(['eval', '--dataset', 'bonn', '--data-path', path.join(dir, 'bench'), '--pred', path.join(dir, 'pred'), '--out', path.join(dir, 'x2')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /bonn_video\.json.*bonn: missing/);
  const b2 = path.join(dir, 'b2', 'kitti');
  await fs.mkdir(b2, { recursive: true });
  await fs.writeFile(path.join(b2, 'kitti_video.json'), JSON.stringify({ kitti: [{ d: [{ image: 'd/rgb/0.png', gt_depth: 'd/depth/0.png', factor: 256 }] }] }));
  await fs.mkdir(path.join(dir, 'p2', 'kitti', 'd', 'rgb'), { recursive: true });
  await fs.copyFile(path.join(dir, 'pred', 'kitti', '2011_09_26_drive_0002_sync', 'rgb', '0000000000.npy'), path.join(dir, 'p2', 'kitti', 'd', 'rgb', '0.npy'));
  r = depthkit(['eval', '--dataset', 'kitti-video', '--data-path', path.join(dir, 'b2'), '--pred', path.join(dir, 'p2'), '--out', path.join(dir, 'x4')]);
  assert.match(r.stderr, /^depthkit: .*d\/depth\/0\.png: kitti-video\/d: ground truth missing\n$/);
  await fs.writeFile(path.join(b2, 'kitti_video.json'), JSON.stringify({ kitti: [{ d: [{ image: 3 }] }] }));
  r = depthkit(['eval', '--dataset', 'kitti-video', '--data-path', path.join(dir, 'b2'), '--pred', path.join(dir, 'p2'), '--out', path.join(dir, 'x4')]);
  assert.match(r.stderr, /kitti_video\.json: kitti-video\/d frame 0: an entry needs "image" and "gt_depth" strings/);
  r = depthkit(['eval', '--dataset', 'sintel', '--window', '500', '--data-path', path.join(dir, 'bench'), '--pred', path.join(dir, 'pred'), '--out', path.join(dir, 'x3')]);
  assert.match(r.stderr, /sintel: the reference has no 500-frame window/);
});

test('compare matches sequences.csv rows by dataset+sequence and gates table.csv; report reads the run', { skip: !haveRef && 'needs /usr/bin/python3 with numpy and cv2' }, async () => {
  const out = path.join(dir, 'ref-0');
  const cand = path.join(dir, 'worse.csv');
  const table = await readCsv(path.join(out, 'sequences.csv'));
  // Same sequence name in two datasets (scannet and scannet-tae): only the composite key tells them apart.
  const worse = table.rows.map((r) => (r.dataset === 'scannet-tae' && r.sequence === 'scene0000_00' ? { ...r, abs_rel: String(Number(r.abs_rel) * 2) } : r));
  const { writeCsv } = await import('../../src/io/csv.js');
  await writeCsv(cand, worse.reverse(), table.columns, table.meta);
  const c = depthkit(['compare', path.join(out, 'sequences.csv'), cand]);
  assert.equal(c.code, 1, c.stdout + c.stderr);
  assert.match(c.stdout, /abs_rel.*REGRESSED/);
  const t = depthkit(['compare', path.join(out, 'table.csv'), path.join(out, 'table.csv')]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /sintel_abs_rel.*same/);
  const rep = depthkit(['report', out, '--out', path.join(dir, 'r.html')]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(readFileSync(path.join(dir, 'r.html'), 'utf8'), /scannet-tae/);
});

test('--checkpoint: the built-in model run sequence by sequence equals its `depthkit predict` files evaluated as depth', { skip: !haveRef && 'needs /usr/bin/python3 with numpy and cv2' }, async () => {
  const clip = path.join(import.meta.dirname, '..', 'reference', 'model', 'clip-tiny.safetensors');
  const ckpt = path.join(dir, 'm.safetensors');
  assert.equal(depthkit(['model', 'init', '--clip', clip, '--out', ckpt, '--seed', '1', '--max-depth', '10', '--input-size', '48x24']).code, 0);
  const common = ['eval', '--dataset', 'bonn', '--data-path', path.join(dir, 'native')];
  const r = depthkit([...common, '--checkpoint', ckpt, '--clip', clip, '--out', path.join(dir, 'model-run')]);
  assert.equal(r.code, 0, r.stderr);
  for (const seq of ['rgbd_bonn_balloon', 'rgbd_bonn_crowd']) {
    const p = depthkit(['predict', path.join(dir, 'native', 'bonn', seq, 'rgb'), '--checkpoint', ckpt, '--clip', clip, '--out', path.join(dir, 'model-preds', 'bonn', seq, 'rgb')]);
    assert.equal(p.code, 0, p.stderr);
  }
  const f = depthkit([...common, '--pred', path.join(dir, 'model-preds'), '--pred-kind', 'depth', '--out', path.join(dir, 'model-files')]);
  assert.equal(f.code, 0, f.stderr);
  const [a, b] = await Promise.all(['model-run', 'model-files'].map((o) => fs.readFile(path.join(dir, o, 'sequences.csv'), 'utf8')));
  assert.equal(a, b);
  assert.equal((await readCsv(path.join(dir, 'model-run', 'sequences.csv'))).meta?.pred_kind, 'depth');
});
