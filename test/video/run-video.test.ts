import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { writeSynth } from '../../src/synth/write.js';
import { readDepthMap } from '../../src/io/depth-file.js';
import { writeNpy } from '../../src/io/npy.js';
import { writeFlo } from '../../src/io/flo.js';
import { readCsv } from '../../src/io/csv.js';
import { runVideo, type VideoRunOptions } from '../../src/video/run-video.js';
import type { DepthModel } from '../../src/model/depth-model.js';
import type { DepthMap, RgbImage } from '../../src/metrics/types.js';

/*
 * depthkit video on synth clips (96x72, 12 frames) whose exact depth, poses and intrinsics are known, so every
 * expected number follows from the construction: ground truth as a source scores abs_rel 0 / d1 1 / TAE ~0, a
 * per-frame scale flicker of amplitude a degrades flicker, rTC and TAE monotonically in a, a constant map is
 * "perfectly consistent" but inaccurate, and a static shot has zero flow.
 */
const FRAMES = 12;
let tmp: string;
const clip: Record<'pan' | 'still', { video: string; depth: string; poses: string; intrinsics: string; gt: Float32Array[] }> = {} as never;
// Fixed per-frame factors in [-1, 1]: amplitude a gives scale 1 + a * r_t, the same pattern for every a.
const R = [0, 0.9, -0.7, 0.4, -1, 0.8, -0.3, 1, -0.9, 0.2, -0.6, 0.7];
const W = 96;
const H = 72;

async function stack(file: string, frames: Float32Array[]): Promise<string> {
  const data = new Float32Array(frames.length * W * H);
  frames.forEach((f, t) => data.set(f, t * W * H));
  await writeNpy(file, data, [frames.length, H, W]);
  return file;
}

const flickered = (gt: Float32Array[], a: number) => gt.map((d, t) => d.map((v) => v * (1 + a * R[t])));

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-video-'));
  for (const [name, motion] of [['pan', 'pan'], ['still', 'static']] as const) {
    const files = await writeSynth(path.join(tmp, name), { scene: 'room', frames: FRAMES, width: W, height: H, fps: 12, fov: 70, seed: 3, motion, saveFrames: false });
    const gt: Float32Array[] = [];
    for (let i = 0; i < FRAMES; i++) gt.push((await readDepthMap(path.join(files.depth, `${String(i).padStart(6, '0')}.png`), { scale: 1000 })).data);
    clip[name] = { video: files.video, depth: files.depth, poses: files.poses, intrinsics: files.intrinsics, gt };
  }
});

after(() => fs.rm(tmp, { recursive: true, force: true }));

async function run(o: Partial<VideoRunOptions> & { video: string }, out: string) {
  const r = await runVideo({ preview: false, ...o, out: path.join(tmp, out) });
  const frames = await readCsv(path.join(r.out, 'frames.csv'));
  const summary = await readCsv(path.join(r.out, 'summary.csv'));
  const by = Object.fromEntries(summary.rows.map((row) => [row.model, Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]))]));
  return { r, frames, summary, by };
}

test('ground truth, flickered ground truth and a constant map on a panning shot, scored in one run', async () => {
  const c = clip.pan;
  const specs = [`gt=${await stack(path.join(tmp, 'pan-gt.npy'), c.gt)}`];
  for (const a of [0.02, 0.05, 0.1]) specs.push(`f${a * 100}=${await stack(path.join(tmp, `pan-f${a}.npy`), flickered(c.gt, a))}`);
  specs.push(`const=${await stack(path.join(tmp, 'pan-const.npy'), c.gt.map((d) => d.map(() => 3)))}`);
  const { by, frames, summary, r } = await run(
    { video: c.video, depth: specs, depthScale: 1, gt: c.depth, poses: c.poses, intrinsics: c.intrinsics, preview: true },
    'pan-all',
  );
  assert.deepEqual(summary.rows.map((row) => row.model), ['gt', 'f2', 'f5', 'f10', 'const']);
  assert.equal(frames.rows.length, 5 * FRAMES);
  assert.ok(frames.columns.includes('model') && frames.columns.includes('opw') && frames.columns.includes('dbe_acc'));
  assert.equal(frames.rows.filter((row) => row.model === 'f5')[0].opw, '', 'the first frame has no pair metrics');
  assert.ok(await fs.stat(path.join(r.out, 'preview.mp4')));
  const runJson = JSON.parse(await fs.readFile(path.join(r.out, 'run.json'), 'utf8'));
  assert.equal(runJson.kind, 'video');
  assert.deepEqual(runJson.models, ['gt', 'f2', 'f5', 'f10', 'const']);
  assert.equal(by.gt.abs_rel, 0);
  assert.ok(by.gt.flicker < by.f2.flicker && by.f2.flicker < by.f5.flicker && by.f5.flicker < by.f10.flicker, 'flicker grows with the amplitude');
  assert.ok(by.gt.rtc_101 > by.f2.rtc_101 && by.f2.rtc_101 > by.f5.rtc_101 && by.f5.rtc_101 > by.f10.rtc_101, 'rtc_101 falls with the amplitude');
  assert.ok(by.f2.rtc_105 >= by.f5.rtc_105 && by.f5.rtc_105 > by.f10.rtc_105, 'rtc_105 falls with the amplitude');
  assert.ok(by.gt.tae < by.f2.tae && by.f2.tae < by.f5.tae && by.f5.tae < by.f10.tae, 'TAE grows with the amplitude');
  assert.ok(by.f2.abs_rel < by.f5.abs_rel && by.f5.abs_rel < by.f10.abs_rel);
  assert.equal(by.const.opw, 0, 'a constant map is perfectly "consistent"');
  assert.equal(by.const.rtc_101, 1);
  assert.equal(by.const.flicker, 0);
  assert.ok(by.const.abs_rel > 0.2 && by.const.d1 < 0.7, 'but inaccurate');
});

test('ground truth as its own depth source scores abs_rel 0, d1 1, TAE ~0, rTC ~1, small flicker', async () => {
  const c = clip.pan;
  const { by } = await run({ video: c.video, depth: [`gt=${c.depth}`], depthScale: 1000, gt: c.depth, poses: c.poses, intrinsics: c.intrinsics }, 'pan-gt');
  assert.equal(by.gt.abs_rel, 0);
  assert.equal(by.gt.d1, 1);
  assert.equal(by.gt.dbe_acc, 0);
  assert.ok(by.gt.tae < 1.5, `tae ${by.gt.tae}`);
  assert.ok(by.gt.rtc_105 > 0.8, `rtc_105 ${by.gt.rtc_105}`);
  assert.ok(by.gt.flicker < 0.05, `flicker ${by.gt.flicker}`);
  // TCC of the ground truth against itself: its changes are the ground truth's (summary = mean over pairs).
  assert.ok(Math.abs(by.gt.tcc - 1) < 1e-9, `tcc ${by.gt.tcc}`);
});

test('a static shot: zero flow, and flicker equal to the injected scale changes', async () => {
  const c = clip.still;
  const specs = [`gt=${c.depth}`, `f5=${await stack(path.join(tmp, 'still-f5.npy'), flickered(c.gt, 0.05))}`];
  const { by, frames } = await run({ video: c.video, depth: specs, depthScale: 1000, poses: c.poses, intrinsics: c.intrinsics }, 'still');
  assert.ok(by.gt.flow_mag < 0.05, `flow ${by.gt.flow_mag}`);
  assert.equal(by.gt.rtc_101, 1);
  assert.equal(by.gt.flicker, 0);
  assert.ok(by.gt.tae < 1e-6);
  // Independent reference: |s_{t+1} - s_t| / ((s_t + s_{t+1}) / 2) at every pixel, since the depth is the same each frame.
  const s = R.map((r) => 1 + 0.05 * r);
  const expected = s.slice(1).map((b, t) => Math.abs(b - s[t]) / ((b + s[t]) / 2));
  const got = frames.rows.filter((row) => row.model === 'f5').slice(1).map((row) => Number(row.flicker));
  got.forEach((g, t) => assert.ok(Math.abs(g - expected[t]) < 1e-5, `pair ${t}: ${g} vs ${expected[t]}`));
});

test('--flow reads Middlebury files (resampled to the analysis size) instead of estimating', async () => {
  const c = clip.pan;
  const dir = path.join(tmp, 'flows');
  await fs.mkdir(dir);
  // A uniform 2 px shift at twice the analysis size: read back as 1 px at 96x72.
  const w = 2 * W;
  const h = 2 * H;
  for (let i = 0; i + 1 < FRAMES; i++) {
    const flow = { width: w, height: h, u: new Float32Array(w * h).fill(2), v: new Float32Array(w * h) };
    await writeFlo(path.join(dir, `${String(i).padStart(6, '0')}.flo`), flow);
    await writeFlo(path.join(dir, `bwd_${String(i + 1).padStart(6, '0')}.flo`), { ...flow, u: new Float32Array(w * h).fill(-2) });
  }
  const { frames } = await run({ video: c.video, depth: [`gt=${c.depth}`], depthScale: 1000, flowDir: dir, maxFrames: 4 }, 'flow-files');
  for (const row of frames.rows.slice(1)) assert.ok(Math.abs(Number(row.flow_mag) - 1) < 1e-6, row.flow_mag);
  await assert.rejects(run({ video: c.video, depth: [c.depth], flowDir: dir, stride: 2 }, 'flow-stride'), /--stride/);
});

test('sequence-scope alignment undoes one global scale+shift of disparity', async () => {
  const c = clip.pan;
  // Disparity of a relative model: 3 / depth + 0.1 for every frame; one fit over the sequence recovers it.
  const disp = c.gt.map((d) => d.map((v) => (v > 0 ? 3 / v + 0.1 : 0)));
  const spec = `rel=${await stack(path.join(tmp, 'pan-disp.npy'), disp)}`;
  const o = { video: c.video, depth: [spec], depthKind: 'disparity' as const, gt: c.depth, align: 'scale-shift' as const, alignScope: 'sequence' as const, maxDepth: 80 };
  const { by, frames } = await run(o, 'pan-seq');
  assert.ok(by.rel.abs_rel < 1e-4, `abs_rel ${by.rel.abs_rel}`);
  assert.ok(by.rel.d1 > 0.9999);
  assert.equal(frames.rows[0].model, 'rel');
  assert.ok(Math.abs(Number(frames.rows[0].align_scale) - 1 / 3) < 1e-4, `scale ${frames.rows[0].align_scale}`);
  const runJson = JSON.parse(await fs.readFile(path.join(tmp, 'pan-seq', 'run.json'), 'utf8'));
  assert.equal(runJson.depth_kinds.rel, 'disparity');
});

/** A deterministic stand-in for the model: depth from brightness, counting its calls. */
function fakeModel(): DepthModel & { calls: number } {
  const m = {
    description: 'fake brightness model',
    inputSize: { width: 32, height: 24 },
    calls: 0,
    async predict(frames: RgbImage[]): Promise<DepthMap[]> {
      m.calls += frames.length;
      return frames.map((f) => {
        const data = new Float32Array(f.width * f.height);
        for (let i = 0; i < data.length; i++) data[i] = 1 + (4 * (f.data[3 * i] + f.data[3 * i + 1] + f.data[3 * i + 2])) / 765;
        return { data, width: f.width, height: f.height };
      });
    },
    async dispose() {},
  };
  return m;
}

test('--resume after a partial run reads saved depth back and gives identical CSVs', async () => {
  const c = clip.pan;
  const full = fakeModel();
  await run({ video: c.video, loadModel: async () => full, gt: c.depth }, 'model-full');
  assert.equal(full.calls, FRAMES);
  const part = fakeModel();
  await run({ video: c.video, loadModel: async () => part, gt: c.depth, maxFrames: 5 }, 'model-resume');
  const rest = fakeModel();
  await run({ video: c.video, loadModel: async () => rest, gt: c.depth, resume: true }, 'model-resume');
  assert.equal(rest.calls, FRAMES - 5, 'saved frames are not predicted again');
  for (const f of ['frames.csv', 'summary.csv']) {
    const a = await fs.readFile(path.join(tmp, 'model-full', f), 'utf8');
    const b = await fs.readFile(path.join(tmp, 'model-resume', f), 'utf8');
    assert.equal(b.replaceAll('model-resume', 'model-full'), a, f);
  }
  assert.equal((await fs.readdir(path.join(tmp, 'model-full', 'depth'))).filter((n) => n.endsWith('.png')).length, FRAMES);
});

test('frame counts are checked: a frame without its depth fails unless --allow-mismatch stops there (and says so)', async () => {
  const c = clip.pan;
  const short = await stack(path.join(tmp, 'short.npy'), c.gt.slice(0, 9));
  await assert.rejects(run({ video: c.video, depth: [short] }, 'mismatch'), /short\.npy: has 9 frames \(0\.\.8\); video frame 9 \(t=[\d.]+ s\) of .* has none \(--allow-mismatch/);
  await assert.rejects(fs.stat(path.join(tmp, 'mismatch')), 'nothing written before the check');
  const { r } = await run({ video: c.video, depth: [short], allowMismatch: true }, 'mismatch-ok');
  assert.equal(r.frames, 9);
  assert.match(r.notes.join('\n'), /short\.npy has 9 frames: frames 9-11 \(3 selected\) were not scored \(--allow-mismatch\)/);
});

test('bad inputs are one-line DepthkitErrors naming the file', async () => {
  const c = clip.pan;
  const text = path.join(tmp, 'notes.txt');
  await fs.writeFile(text, 'not a video\n');
  const cases: [Partial<VideoRunOptions> & { video: string }, RegExp][] = [
    [{ video: path.join(tmp, 'missing.mp4'), depth: [c.depth] }, /missing\.mp4: file not found/],
    [{ video: text, depth: [c.depth] }, /notes\.txt: not a readable video/],
    [{ video: c.video }, /no depth source: give --checkpoint/],
    [{ video: c.video, depth: [path.join(tmp, 'nope')] }, /nope: depth source not found/],
    [{ video: c.video, depth: [c.depth], out: text }, /notes\.txt: output folder is not writable/],
  ];
  const audio = path.join(tmp, 'tone.m4a');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=d=0.5', audio]);
  cases.push([{ video: audio, depth: [c.depth] }, /tone\.m4a: has no video stream/]);
  const bytes = await fs.readFile(c.video);
  const stub = path.join(tmp, 'stub.mp4');
  await fs.writeFile(stub, bytes.subarray(0, 2000));
  // a stub keeps the header's index but few packets: the 12 depth files then have no frames to belong to
  cases.push([{ video: stub, depth: [c.depth] }, /depth has 12 frames, .*stub\.mp4 \d \(counted from its packets\): files \d\.\.11 belong to no frame|stub\.mp4: cannot decode/]);
  for (const [o, re] of cases) {
    await assert.rejects(runVideo({ preview: false, out: path.join(tmp, 'bad'), ...o }), (err: Error) => {
      assert.match(err.message, re);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  }
  await assert.rejects(fs.stat(path.join(tmp, 'bad', 'frames.csv')), 'no CSV from a failed run');
  // A video cut short: the depth files past its last frame are refused; with --allow-mismatch it decodes what it
  // can, and says so.
  const cut = path.join(tmp, 'cut.mp4');
  await fs.writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.4)));
  const cutRun = { video: cut, depth: [c.depth], depthScale: 1000, out: path.join(tmp, 'cut'), preview: false };
  await assert.rejects(runVideo(cutRun), /has 12 frames, .*cut\.mp4 \d+ \(counted from its packets\)/);
  const r = await runVideo({ ...cutRun, allowMismatch: true });
  assert.ok(r.frames > 0 && r.frames < FRAMES);
  assert.match(r.notes.join('\n'), /the container states 12 frames; its packets hold \d+/);
});

test('the real tiny CLIP model streams through the pipeline, saves png16 depth and a preview', async () => {
  const ref = path.join(import.meta.dirname, '..', 'reference', 'model');
  const { loadDepthModel } = await import('../../src/model/engine.js');
  const load = () => loadDepthModel({ checkpoint: path.join(ref, 'ckpt-tiny.safetensors'), clip: path.join(ref, 'clip-tiny.safetensors'), backend: 'cpu', workers: 1 });
  const { r, by } = await run({ video: clip.pan.video, loadModel: load, maxFrames: 4, gt: clip.pan.depth, preview: true }, 'tiny');
  assert.equal(r.frames, 4);
  const saved = (await fs.readdir(path.join(r.out, 'depth'))).sort();
  assert.deepEqual(saved, ['000000.png', '000001.png', '000002.png', '000003.png']);
  const d = await readDepthMap(path.join(r.out, 'depth', '000001.png'), { scale: 1000 });
  assert.deepEqual([d.width, d.height], [W, H]);
  assert.ok(d.data.some((v) => v > 0));
  assert.ok(Number.isFinite(by.model.abs_rel) && Number.isFinite(by.model.opw));
  const runJson = JSON.parse(await fs.readFile(path.join(r.out, 'run.json'), 'utf8'));
  assert.equal(runJson.options.save_scale, 1000);
  assert.match(runJson.descriptions.model, /./);
});
