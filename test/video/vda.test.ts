import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { depthkit } from '../helpers/cli.js';
import { readCsv } from '../../src/io/csv.js';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { writePng16 } from '../../src/io/png16.js';
import { applyAlignment, fitAlignment } from '../../src/metrics/align.js';
import { validMask } from '../../src/metrics/mask.js';
import { temporalAlignmentError } from '../../src/metrics/tae.js';
import { readIntrinsics, readPoses } from '../../src/synth/calib.js';

/*
 * `depthkit video` against Video Depth Anything's benchmark protocol (eval.py: one disparity fit per sequence,
 * per-frame abs_rel / rmse / d1, frames without valid pixels dropped; eval_tae.py: TAE). The numbers come from
 * test/reference/vda_ref.py (numpy), run on test/reference/vda/: an 8-frame 40x30 `depthkit synth` clip (room, pan)
 * whose ground truth has holes and, in frame 5, no valid pixel at all, and a relative model's disparity
 * 0.37 * gain_t / depth * noise + 0.05 (pred_disp.npy; pred_floor.npy is the same with 5% of its values set to 0
 * or 4e-4, below eval.py's 1e-3 disparity floor). depthkit keeps maps in float32 (the reference in float64) and
 * fits against 1/g (the reference against 1/(g + 1e-8)): both move the figures by ~1e-7 relative, hence 1e-6.
 */
const REF = path.join(import.meta.dirname, '..', 'reference', 'vda');
const SCRIPT = path.join(import.meta.dirname, '..', 'reference', 'vda_ref.py');
const REL = 1e-6;

interface FrameRef {
  frame: number;
  valid_pixels: number;
  abs_rel: number | null;
  rmse: number | null;
  d1: number | null;
}
interface TaeRef {
  tae: number;
  pairs: { forward: number; backward: number }[];
}
interface Expected {
  protocol: { max_depth: number; min_depth: number; gt_factor: number; empty_frame: number };
  fit: { scale: number; shift: number; pixels: number };
  accuracy: { summary: { abs_rel: number; rmse: number; d1: number; frames_used: number }; frames: FrameRef[] };
  tae_reference: TaeRef;
  tae_zbuffer: TaeRef;
  floor: Record<'vda' | 'depthkit', SequenceCase>;
}
interface SequenceCase {
  fit: { scale: number; shift: number; pixels: number };
  accuracy: { abs_rel: number; rmse: number; d1: number };
  tae_zbuffer: number;
}

const expected = JSON.parse(readFileSync(path.join(REF, 'expected.json'), 'utf8')) as Expected;
const { max_depth: MAX_DEPTH, min_depth: MIN_DEPTH, gt_factor: GT_FACTOR, empty_frame: EMPTY } = expected.protocol;
const files = {
  video: path.join(REF, 'video.mp4'),
  pred: path.join(REF, 'pred_disp.npy'),
  floor: path.join(REF, 'pred_floor.npy'),
  poses: path.join(REF, 'poses.txt'),
  intrinsics: path.join(REF, 'intrinsics.txt'),
};

let tmp: string;
let gtDir: string;
let size: { frames: number; height: number; width: number };

function close(got: number, want: number, where: string, rel = REL): void {
  assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${where}: ${got} vs ${want}`);
}

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-vda-'));
  // The ground truth as the benchmark ships it: one 16-bit millimetre PNG a frame.
  const gt = await readNpy(path.join(REF, 'gt_mm.npy'));
  const [frames, height, width] = gt.shape;
  size = { frames, height, width };
  gtDir = path.join(tmp, 'depth');
  await fs.mkdir(gtDir);
  for (let t = 0; t < frames; t++) {
    const mm = Uint16Array.from(gt.data.subarray(t * width * height, (t + 1) * width * height));
    await writePng16(path.join(gtDir, `${String(t).padStart(6, '0')}.png`), mm, width, height);
  }
});

after(() => fs.rm(tmp, { recursive: true, force: true }));

/** Summary row of each source, and frames.csv, of ONE `depthkit video` run (the CLI, as a user types it). */
let run: Promise<{ summary: Record<string, Record<string, number | string>>; frames: Record<string, string>[] }> | undefined;

function runCli() {
  run ??= (async () => {
    // eval.py's 1e-3 floor applied by hand: what a user does to get eval.py's numbers from depthkit.
    const floored = await readNpy(files.floor);
    const clipped = path.join(tmp, 'pred_clipped.npy');
    await writeNpy(clipped, floored.data.map((v) => Math.max(v, 1e-3)), floored.shape);
    const out = path.join(tmp, 'run');
    const r = depthkit([
      'video', files.video, '--depth', `rel=${files.pred}`, '--depth', `floor=${files.floor}`, '--depth', `clipped=${clipped}`,
      '--depth-kind', 'disparity', '--gt', gtDir, '--align', 'scale-shift', '--align-scope', 'sequence',
      '--min-depth', String(MIN_DEPTH), '--max-depth', String(MAX_DEPTH), '--poses', files.poses, '--intrinsics', files.intrinsics,
      '--out', out, '--no-preview', '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout).summary as Record<string, number | string>[];
    const frames = (await readCsv(path.join(out, 'frames.csv'))).rows;
    return { summary: Object.fromEntries(rows.map((row) => [row.model as string, row])), frames };
  })();
  return run;
}

test('depthkit video --align-scope sequence on disparity reproduces eval.py accuracy and eval_tae.py TAE (z-buffer)', async () => {
  const { summary: by, frames: all } = await runCli();
  const summary = by.rel;
  assert.equal(summary.frames, size.frames);
  assert.equal(summary.depth_kind, 'disparity');
  assert.equal(summary.align_space, 'disparity');
  for (const k of ['abs_rel', 'rmse', 'd1'] as const) close(summary[k] as number, expected.accuracy.summary[k], `summary ${k}`);
  // depthkit keeps the nearest point where several land on one pixel: the reference's matching mode.
  close(summary.tae as number, expected.tae_zbuffer.tae, 'tae');
  assert.ok(Math.abs(expected.tae_zbuffer.tae - expected.tae_reference.tae) > 100 * REL * expected.tae_reference.tae, 'the two TAE modes differ on this clip');

  const frames = all.filter((row) => row.model === 'rel');
  assert.equal(frames.length, size.frames);
  for (const [t, row] of frames.entries()) {
    const want = expected.accuracy.frames[t];
    assert.equal(Number(row.frame), want.frame);
    assert.equal(Number(row.valid_pixels), want.valid_pixels, `frame ${t} valid_pixels`);
    close(Number(row.align_scale), expected.fit.scale, `frame ${t} align_scale`);
    close(Number(row.align_shift), expected.fit.shift, `frame ${t} align_shift`);
    for (const k of ['abs_rel', 'rmse', 'd1'] as const) {
      const w = want[k];
      if (w === null) assert.ok(Number.isNaN(Number(row[k])), `frame ${t} ${k} is NaN (no valid pixel), got ${row[k]}`);
      else close(Number(row[k]), w, `frame ${t} ${k}`);
    }
  }
  assert.equal(expected.accuracy.frames[EMPTY].valid_pixels, 0, 'the blank frame is in the data');
  assert.equal(expected.accuracy.summary.frames_used, size.frames - 1);
});

test('disparity below 1e-3: depthkit skips <= 0 in the fit (documented), eval.py clips; clipping by hand gives eval.py', async () => {
  const { summary: by, frames } = await runCli();
  const { vda, depthkit: dk } = expected.floor;
  for (const [name, want] of [['floor', dk], ['clipped', vda]] as const) {
    for (const k of ['abs_rel', 'rmse', 'd1'] as const) close(by[name][k] as number, want.accuracy[k], `${name} ${k}`);
    close(by[name].tae as number, want.tae_zbuffer, `${name} tae`);
    const first = frames.find((row) => row.model === name)!;
    close(Number(first.align_scale), want.fit.scale, `${name} scale`);
    close(Number(first.align_shift), want.fit.shift, `${name} shift`);
  }
  assert.ok(Math.abs(dk.accuracy.abs_rel - vda.accuracy.abs_rel) > 0.01, 'the floor matters on this prediction');
});

test('TAE of the same aligned sequence, pair by pair, in both scatter modes (library)', async () => {
  const pred = await readNpy(files.pred);
  const gt = await readNpy(path.join(REF, 'gt_mm.npy'));
  const { width, height, frames } = size;
  const n = width * height;
  const range = { minDepth: MIN_DEPTH, maxDepth: MAX_DEPTH };
  // As the video pipeline holds a disparity source: its depth form 1/disparity, ground truth in metres.
  const samples = Array.from({ length: frames }, (_, t) => {
    const g = { data: gt.data.slice(t * n, (t + 1) * n).map((v) => v / GT_FACTOR), width, height };
    return { pred: pred.data.slice(t * n, (t + 1) * n).map((v) => 1 / v), gt: g.data, mask: validMask(g, range, null) };
  });
  const fit = fitAlignment(samples, 'scale-shift', 'disparity');
  assert.equal(fit.pixels, expected.fit.pixels);
  close(fit.scale, expected.fit.scale, 'scale');
  close(fit.shift, expected.fit.shift, 'shift');
  const depths = samples.map((s) => ({ data: applyAlignment(s.pred, fit, MAX_DEPTH), width, height }));
  const poses = await readPoses(files.poses);
  const K = await readIntrinsics(files.intrinsics);
  const clamp = { min: MIN_DEPTH, max: MAX_DEPTH };
  for (const [zbuffer, want] of [[false, expected.tae_reference], [true, expected.tae_zbuffer]] as const) {
    const got = temporalAlignmentError(depths, poses, K, { zbuffer, clamp });
    close(got.tae, want.tae, `tae zbuffer=${zbuffer}`);
    got.pairs.forEach((p, i) => {
      close(p.forward, want.pairs[i].forward, `pair ${i} forward, zbuffer=${zbuffer}`);
      close(p.backward, want.pairs[i].backward, `pair ${i} backward, zbuffer=${zbuffer}`);
    });
  }
});

const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

test('vda_ref.py, re-run, reproduces the committed expected.json', { skip: !hasNumpy && 'python3 with numpy not found' }, () => {
  const out = path.join(tmp, 'expected.json');
  execFileSync('python3', [SCRIPT, 'expect', REF, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  const fresh = JSON.parse(readFileSync(out, 'utf8')) as unknown;
  // Another numpy may round the last bit differently (lstsq, pairwise sums): equal to 1e-12, not byte for byte.
  const compare = (a: unknown, b: unknown, where: string): void => {
    if (typeof a === 'number' && typeof b === 'number') close(a, b, where, 1e-12);
    else if (b !== null && typeof b === 'object') {
      assert.deepEqual(Object.keys(a as object), Object.keys(b), where);
      for (const k of Object.keys(b)) compare((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
    } else assert.equal(a, b, where);
  };
  compare(fresh, expected, 'expected');
});
