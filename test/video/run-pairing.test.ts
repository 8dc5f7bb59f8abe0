import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepthkitError } from '../../src/errors.js';
import type { DepthModel } from '../../src/model/depth-model.js';
import { runVideo, type VideoRunOptions } from '../../src/video/run-video.js';
import { depthFolder, ffmpegFrameTimes, ffprobeFrames, makeCases, readCsv, sourceFrame, type Cases } from '../helpers/clips.js';

/*
 * Every scored row belongs to its frame. Two sources score each clip against ground truth file k = 1 + k:
 * `pixels`, a stand-in model whose depth is 1 + the source frame its picture shows (so abs_rel is 0 only when the
 * picture and the ground truth file are the same frame), and `files`, depth file k = 1 + k (0 only when the depth
 * file and the ground truth file are). A shifted pairing anywhere gives abs_rel > 0, or a missing row.
 */

let dir: string;
let c: Cases;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-pairing-'));
  c = await makeCases(dir);
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const pixels: DepthModel = {
  description: 'depth = 1 + the source frame of the picture',
  inputSize: { width: 32, height: 32 },
  predict: async (frames) => frames.map((rgb) => ({ data: new Float32Array(rgb.width * rgb.height).fill(1 + sourceFrame(rgb)), width: rgb.width, height: rgb.height })),
  dispose: async () => {},
};

let runs = 0;
/** Runs `depthkit video` on `video` with n depth and n ground-truth files (k -> 1 + k + offset: for cut clips, source frame of stream frame k). */
async function run(video: string, n: number, o: Partial<VideoRunOptions> & { offset?: number; depthNames?: (k: number) => string } = {}) {
  const at = path.join(dir, `run${runs++}`);
  const value = (k: number) => 1 + k + (o.offset ?? 0);
  const depth = await depthFolder(path.join(at, 'depth'), n, { value, name: o.depthNames });
  const gt = await depthFolder(path.join(at, 'gt'), n, { value });
  const progress: [number, number][] = [];
  const out = path.join(at, 'out');
  const result = await runVideo({
    video, out, loadModel: async () => pixels, modelName: 'pixels', depth: [`files=${depth}`], gt, save: 'none', preview: false, flowWorkers: 0,
    onFrame: (done, total) => progress.push([done, total]), ...o,
  });
  const rows = await readCsv(path.join(out, 'frames.csv'));
  const record = JSON.parse(await fs.readFile(path.join(out, 'run.json'), 'utf8')) as { notes: string[]; info: Record<string, unknown> };
  for (const r of rows) assert.equal(Number(r.abs_rel), 0, `${r.model} row of frame ${r.frame} is scored against another frame's files (abs_rel ${r.abs_rel})`);
  for (const [done, total] of progress) assert.ok(done <= total, `progress ${done}/${total}`);
  const frames = (model: string) => rows.filter((r) => r.model === model).map((r) => Number(r.frame));
  assert.deepEqual(frames('files'), frames('pixels'));
  return { result, rows, frames: frames('pixels'), record, progress, depth, out };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

test('corrupt packets: rows keep their own frame after the gap, the gap is noted', async () => {
  const { frames, record } = await run(c.corrupt, 24);
  assert.deepEqual(frames, range(0, 24).filter((k) => ![5, 9, 10].includes(k)));
  assert.ok(record.notes.some((n) => /^frames 5, 9-10 of the stream did not decode \(3 of 24 selected\)/.test(n)), record.notes.join(' | '));
  assert.deepEqual(record.info.missing_frames, [5, 9, 10]);
  assert.deepEqual([record.info.frames, record.info.decoded, record.info.frame_identity], [24, 21, 'pts']);
});

test('VFR with --start: the frame at t = 1.0 is scored with file 6, and times are the real ones', async () => {
  const times = ffmpegFrameTimes(c.vfr);
  const { rows, frames } = await run(c.vfr, 40, { start: 1.0 });
  assert.deepEqual(frames, range(6, 40));
  for (const r of rows) assert.ok(Math.abs(Number(r.time) - times[Number(r.frame)]) < 1e-4, `frame ${r.frame} time ${r.time}`);
  const all = await run(c.vfr, 40);
  assert.deepEqual(all.frames, range(0, 40));
});

test('edit list, killed recording, raw streams, a still: correctly sized depth is accepted without --allow-mismatch', async () => {
  // the cut clip starts at a later source frame: its files hold that frame's values from file 0 on
  const cut = await run(c.editList, ffprobeFrames(c.editList), { offset: await firstSourceFrame(c.editList) });
  assert.deepEqual(cut.frames, range(0, ffprobeFrames(c.editList)));
  const killed = await run(c.killed, ffprobeFrames(c.killed));
  assert.deepEqual(killed.frames, range(0, ffprobeFrames(c.killed)));
  assert.ok(killed.record.notes.some((n) => /^frames 24 of the stream did not decode/.test(n)), killed.record.notes.join(' | '));
  for (const raw of [c.h264, c.hevc, c.aviB, c.mjpeg]) assert.deepEqual((await run(raw, 24)).frames, range(0, 24), raw);
  const h264 = await run(c.h264, 24);
  assert.ok(h264.record.notes.some((n) => /have no presentation timestamp/.test(n)));
  assert.deepEqual((await run(c.still, 1)).frames, [0]);
});

async function firstSourceFrame(video: string): Promise<number> {
  const { decodeFrames } = await import('../../src/video/decode.js');
  for await (const f of decodeFrames(video, { maxFrames: 1 })) return sourceFrame(f.rgb);
  return NaN;
}

test('--max-frames 24 with 24 maps on a 70-frame clip runs; without it, frame 24 is refused by name; --allow-mismatch says what was scored', async () => {
  const max = await run(c.long, 24, { maxFrames: 24 });
  assert.deepEqual(max.frames, range(0, 24));
  assert.deepEqual(max.record.notes.filter((n) => /frames|mismatch/.test(n)), []);
  await assert.rejects(run(c.long, 24), (e: unknown) => {
    assert.ok(e instanceof DepthkitError);
    assert.match(e.message, /depth: has 24 frames \(0\.\.23\); video frame 24 \(t=2\.400 s\) of .*long\.mp4 has none \(--allow-mismatch/);
    return true;
  });
  assert.ok(!existsSync(path.join(dir, `run${runs - 1}`, 'out', 'frames.csv')), 'nothing written');
  const allowed = await run(c.long, 24, { allowMismatch: true });
  assert.deepEqual(allowed.frames, range(0, 24));
  assert.ok(allowed.record.notes.some((n) => /has 24 frames: frames 24-69 \(46 selected\) were not scored \(--allow-mismatch\)/.test(n)), allowed.record.notes.join(' | '));
  assert.deepEqual(allowed.progress.at(-1), [24, 24]);
});

test('more depth files than the stream has frames: refused up front, naming the files', async () => {
  await assert.rejects(run(c.corrupt, 25), /has 25 frames, .*corrupt\.avi 24 \(counted from its packets\): files 24\.\.24 belong to no frame/);
});

test('unpadded depth file names (frame_0 .. frame_23) pair by their number', async () => {
  const { frames } = await run(c.corrupt, 24, { depthNames: (k) => `frame_${k}.npy` });
  assert.equal(frames.length, 21);
});
