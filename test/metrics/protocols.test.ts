import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit } from '../helpers/cli.js';
import { readCsv } from '../../src/io/csv.js';
import { readNpy } from '../../src/io/npy.js';
import { writePng16 } from '../../src/io/png16.js';
import { METRIC_NAMES } from '../../src/metrics/accuracy.js';
import { PROTOCOL_PRESETS } from '../../src/eval/protocol.js';

/*
 * `depthkit eval --protocol monodepth2|bts|zoedepth` and `depthkit video --protocol vda` against independent numpy
 * ports of the published scripts (test/reference/protocols_ref.py, which names the file and commit each port
 * follows), on cases that trigger every convention the presets switch: a disparity resized before inversion with
 * 0 and negative values inside monodepth2's median, a NaN inside it, ground truth beyond 80 m (eigen_benchmark),
 * 352x1216 KB-crop predictions with values past the caps and +Inf (pasted by BTS, compared with a cut ground truth
 * by ZoeDepth), a 2x upsample on an align-corners grid with NaN and Inf (ZoeDepth NYU), and VDA's pooled log10 /
 * silog and z-buffer-free TAE on the committed VDA clip. The same files under depthkit's default protocol (the
 * resize stated with --pred-layout resize) give the numbers of the default conventions, ported in the same script.
 * Per image and mean agree to 1e-6 relative (the ports sum in float64, the scripts partly in float32).
 */
const PY = '/usr/bin/python3';
const REF = path.join(import.meta.dirname, '..', 'reference');
const SCRIPT = path.join(REF, 'protocols_ref.py');
const REL = 1e-6;

type Num = number | string;
interface RefRun { images: Record<string, Num>[]; mean: Record<string, Num> }
let dir: string;
let expected: Record<string, RefRun>;

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-protocols-'));
  execFileSync(PY, [SCRIPT, 'generate', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  execFileSync(PY, [SCRIPT, 'expect', dir, path.join(dir, 'expected.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Record<string, RefRun>;
});

after(() => fs.rm(dir, { recursive: true, force: true }));

const num = (v: Num) => (typeof v === 'number' ? v : Number(v.replace('inf', 'Infinity')));
/** A CSV cell: depthkit writes non-finite numbers as nan / inf / -inf, as numpy and pandas read them. */
const cell = (s: string) => num(s);

function close(got: number, want: number, where: string): void {
  if (!Number.isFinite(want)) {
    assert.ok(Object.is(got, want) || (Number.isNaN(want) && Number.isNaN(got)), `${where}: ${got} vs ${want}`);
    return;
  }
  assert.ok(Math.abs(got - want) <= REL * Math.max(Math.abs(want), 1e-12), `${where}: ${got} vs ${want}`);
}

/** One `depthkit eval` of a case folder; per_image.csv and summary.csv against the reference's run `ref`. */
async function evalCase(name: string, folder: string, ref: string, args: string[]) {
  const out = path.join(dir, `out-${name}`);
  const r = depthkit(['eval', '--pred', path.join(dir, folder, 'pred'), '--gt', path.join(dir, folder, 'gt'), ...args, '--out', out, '--no-plots']);
  assert.equal(r.code, 0, r.stderr);
  const want = expected[ref];
  const rows = (await readCsv(path.join(out, 'per_image.csv'))).rows;
  assert.equal(rows.length, want.images.length, `${name}: images`);
  rows.forEach((row, i) => {
    assert.equal(Number(row.valid_pixels), want.images[i].valid_pixels, `${name} image ${i}: valid pixels`);
    for (const m of METRIC_NAMES) close(cell(row[m]), num(want.images[i][m]), `${name} image ${i} ${m}`);
  });
  const summary = await readCsv(path.join(out, 'summary.csv'));
  for (const m of METRIC_NAMES) close(cell(summary.rows[0][m]), num(want.mean[m]), `${name} mean ${m}`);
  return summary.meta ?? {};
}

test('--protocol monodepth2 reproduces evaluate_depth.py: disparity resize, median of every masked value, eigen and eigen_benchmark', async () => {
  const meta = await evalCase('m2', 'm2', 'monodepth2_eigen', ['--protocol', 'monodepth2']);
  assert.equal(meta.script_commit, PROTOCOL_PRESETS.monodepth2.script!.commit);
  assert.equal(meta.script_repo, 'nianticlabs/monodepth2');
  assert.equal(meta.resize_space, 'disparity');
  assert.equal(meta.median_pixels, 'all');
  assert.equal(meta.crop, 'garg');
  const bench = await evalCase('m2b', 'm2', 'monodepth2_eigen_benchmark', ['--protocol', 'monodepth2', '--split', 'eigen_benchmark']);
  assert.equal(bench.gt_cap_mask, 'off');
  assert.equal(bench.crop, 'none');
  // A NaN disparity inside the mask makes monodepth2's median, hence the image, NaN.
  await evalCase('m2nan', 'm2nan', 'monodepth2_nan', ['--protocol', 'monodepth2']);
});

test('--protocol bts reproduces eval_with_pngs.py --do_kb_crop: clamped 352x1216 prediction pasted into a zero canvas', async () => {
  const meta = await evalCase('bts', 'kb', 'bts_kitti', ['--protocol', 'bts']);
  assert.equal(meta.pred_layout, 'kb-crop');
  assert.equal(meta.script_commit, PROTOCOL_PRESETS.bts.script!.commit);
  // Without an evaluation crop the zeros around the paste are compared too, unclamped: rmse_log +Inf, silog NaN.
  await evalCase('bts-nocrop', 'kb', 'bts_kitti_nocrop', ['--protocol', 'bts', '--crop', 'none']);
});

test('--protocol zoedepth reproduces compute_metrics: KITTI ground truth cut to the KB crop, NYU upsampled on align-corners', async () => {
  const meta = await evalCase('zoe', 'kb', 'zoedepth_kitti', ['--protocol', 'zoedepth']);
  assert.equal(meta.pred_layout, 'kb-crop-gt');
  await evalCase('zoe-nyu', 'nyu', 'zoedepth_nyu', ['--protocol', 'zoedepth', '--dataset', 'nyu']);
  // An explicit flag overrides the preset: BTS with ZoeDepth's layout is ZoeDepth on KITTI.
  await evalCase('bts-as-zoe', 'kb', 'zoedepth_kitti', ['--protocol', 'bts', '--pred-layout', 'kb-crop-gt']);
});

test('the same files under the default protocol keep the default conventions (the resize stated)', async () => {
  const meta = await evalCase('def-m2', 'm2', 'default_m2', ['--dataset', 'kitti', '--align', 'median', '--pred-layout', 'resize']);
  assert.equal(meta.protocol, 'default');
  assert.equal(meta.script, 'none');
  await evalCase('def-m2-cap', 'm2', 'default_m2_cap', ['--dataset', 'kitti', '--crop', 'none', '--align', 'median', '--pred-layout', 'resize']);
  await evalCase('def-kb', 'kb', 'default_kb', ['--dataset', 'kitti', '--pred-layout', 'resize']);
  await evalCase('def-nyu', 'nyu', 'default_nyu', ['--dataset', 'nyu', '--pred-layout', 'resize']);
});

test('a KB-crop prediction without a layout is a one-line error naming the file and --pred-layout kb-crop', () => {
  const r = depthkit(['eval', '--pred', path.join(dir, 'kb', 'pred'), '--gt', path.join(dir, 'kb', 'gt'), '--dataset', 'kitti', '--out', path.join(dir, 'out-kb-err')]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /kb[/\\]pred[/\\]0\d\.npy: prediction is 1216x352, its ground truth 1242x375, exactly its KITTI KB crop: pass --pred-layout kb-crop/);
});

test('video --protocol vda reproduces eval.py accuracy, metric.py pooled log10 / silog and eval_tae.py TAE without z-buffer', async () => {
  const vda = path.join(REF, 'vda');
  const want = JSON.parse(readFileSync(path.join(vda, 'expected.json'), 'utf8'));
  execFileSync(PY, [SCRIPT, 'vda', vda, path.join(dir, 'vda-pooled.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
  const pooled = JSON.parse(readFileSync(path.join(dir, 'vda-pooled.json'), 'utf8')) as { log10: number; silog: number };
  const gt = await readNpy(path.join(vda, 'gt_mm.npy'));
  const [frames, height, width] = gt.shape;
  const gtDir = path.join(dir, 'vda-gt');
  await fs.mkdir(gtDir);
  for (let t = 0; t < frames; t++) {
    await writePng16(path.join(gtDir, `${String(t).padStart(6, '0')}.png`), Uint16Array.from(gt.data.subarray(t * width * height, (t + 1) * width * height)), width, height);
  }
  const out = path.join(dir, 'vda-run');
  const r = depthkit([
    'video', path.join(vda, 'video.mp4'), '--depth', `rel=${path.join(vda, 'pred_disp.npy')}`, '--depth-kind', 'disparity', '--gt', gtDir,
    '--protocol', 'vda', '--max-depth', String(want.protocol.max_depth), '--poses', path.join(vda, 'poses.txt'), '--intrinsics', path.join(vda, 'intrinsics.txt'),
    '--out', out, '--no-preview', '--no-plots', '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const summary = (JSON.parse(r.stdout).summary as Record<string, number>[])[0];
  for (const k of ['abs_rel', 'rmse', 'd1'] as const) close(summary[k], want.accuracy.summary[k], `summary ${k}`);
  close(summary.log10, pooled.log10, 'pooled log10');
  close(summary.silog, pooled.silog, 'pooled silog');
  close(summary.tae, want.tae_reference.tae, 'tae without z-buffer');
  const run = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
  assert.equal(run.protocol.tae_zbuffer, 'off');
  assert.equal(run.protocol.pool, 'pixels');
  assert.equal(run.protocol.script_commit, PROTOCOL_PRESETS.vda.script!.commit);
});
