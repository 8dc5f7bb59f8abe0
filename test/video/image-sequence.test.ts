import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { depthkit, ROOT } from '../helpers/cli.js';
import { readCsv } from '../../src/io/csv.js';
import { listSequence, probeSequence, readFrame } from '../../src/video/image-sequence.js';
import { planSource, sourceFrames, sourceOutBase } from '../../src/video/frame-source.js';
import type { DecodedFrame } from '../../src/video/decode.js';
import { SWS_FLAGS } from '../../src/video/backend/system.js';

/*
 * Image sequences as video input. The CLI check: a `depthkit synth` clip's frames written losslessly by ffmpeg
 * (rgb24 PNG) as 0.png..11.png, run as the video file, as the folder and as a %d pattern with every option the
 * comparison needs (file depth source, --gt, --poses, --stride, --max-frames, --start with --fps): frames.csv
 * must agree to the digit (time aside: the video's comes from ffmpeg's 6-decimal pts_time).
 */
const REAL = path.join(ROOT, '..', 'shared', 'data', 'real');

/** Every selected frame of a sequence, through the frame source video runs use. */
async function readAll(input: string, o: { fps?: number; start?: number } = {}): Promise<DecodedFrame[]> {
  const plan = await planSource(input, o);
  const frames: DecodedFrame[] = [];
  for await (const f of sourceFrames(input, { plan })) frames.push(f);
  return frames;
}
let dir = '';

before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'dk-imgseq-'));
});
after(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

async function writeRgb(file: string, w: number, h: number, seed: number) {
  const data = Buffer.alloc(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 31) % 256;
  await sharp(data, { raw: { width: w, height: h, channels: 3 } }).toFile(file);
  return data;
}

/** A 24-bit bottom-up BMP of the same pixels (rows padded to 4 bytes). */
function bmp24(rgb: Buffer, w: number, h: number): Buffer {
  const stride = Math.ceil((w * 3) / 4) * 4;
  const buf = Buffer.alloc(54 + stride * h);
  buf.write('BM', 0);
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(54, 10);
  buf.writeUInt32LE(40, 14);
  buf.writeInt32LE(w, 18);
  buf.writeInt32LE(h, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(24, 28);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = 54 + (h - 1 - y) * stride + 3 * x;
      const i = 3 * (y * w + x);
      buf[o] = rgb[i + 2];
      buf[o + 1] = rgb[i + 1];
      buf[o + 2] = rgb[i];
    }
  }
  return buf;
}

test('natural order, patterns, and one line for a non-image file, an empty folder, a frame of another size', async () => {
  const seq = path.join(dir, 'nat');
  await fs.mkdir(seq);
  for (const n of [10, 2, 1, 0]) await writeRgb(path.join(seq, `${n}.png`), 5, 3, n);
  assert.deepEqual((await listSequence(seq)).map((f) => path.basename(f)), ['0.png', '1.png', '2.png', '10.png']);
  assert.deepEqual((await listSequence(path.join(seq, '*.png'))).map((f) => path.basename(f)), ['0.png', '1.png', '2.png', '10.png']);
  const padded = path.join(dir, 'pad');
  await fs.mkdir(padded);
  for (const n of [3, 12, 100]) await writeRgb(path.join(padded, `${String(n).padStart(6, '0')}.png`), 5, 3, n);
  await fs.writeFile(path.join(padded, 'notes.txt'), 'x');
  assert.deepEqual((await listSequence(path.join(padded, '%06d.png'))).map((f) => path.basename(f)), ['000003.png', '000012.png', '000100.png']);
  await assert.rejects(listSequence(padded), (e: Error) => /notes\.txt.*not an image frame/.test(`${(e as { file?: string }).file} ${e.message}`));
  const empty = path.join(dir, 'empty');
  await fs.mkdir(empty);
  await assert.rejects(listSequence(empty), /no frames/);
  await writeRgb(path.join(seq, '11.png'), 6, 3, 11);
  await assert.rejects(async () => {
    await readAll(seq);
  }, /frame of 6x3 in a sequence of 5x3/);
  await assert.rejects(async () => {
    await readAll(seq, { start: 1 });
  }, /need --fps/);
  assert.equal(sourceOutBase('a/frames/'), 'a/frames');
  assert.equal(sourceOutBase('a/frames/%06d.png'), 'a/frames');
  assert.equal(sourceOutBase('clip.mp4'), 'clip.mp4');
});

test('bmp, jpg and 16-bit frames decode to 8-bit RGB; index and time follow the order and --fps', async () => {
  const seq = path.join(dir, 'kinds');
  await fs.mkdir(seq);
  const rgb = await writeRgb(path.join(seq, '0.png'), 7, 5, 1);
  await fs.writeFile(path.join(seq, '1.bmp'), bmp24(rgb, 7, 5));
  assert.deepEqual(Buffer.from((await readFrame(path.join(seq, '1.bmp'))).data), rgb);
  assert.deepEqual(Buffer.from((await readFrame(path.join(seq, '0.png'))).data), rgb);
  const frames = await readAll(seq, { fps: 4 });
  assert.deepEqual(frames.map((f) => [f.index, f.time]), [[0, 0], [1, 0.25]]);
  if (!existsSync(REAL)) return;
  // Real files: TUM's 16-bit depth PNG as a frame (grey16, 1 byte a channel after decoding) and Open3D's jpgs.
  const tum = await readFrame(path.join(REAL, 'tum', '1_depth.png'));
  assert.equal(tum.data.length, 640 * 480 * 3);
  assert.ok(tum.data.some((v) => v > 0));
  const info = await probeSequence(path.join(REAL, 'open3d_rgbd', 'color'));
  assert.equal(info.frameCountExact, true);
  assert.ok(info.frameCount >= 2 && info.width > 0);
});

test('depthkit video on a frame folder and a %d pattern gives the video file\'s frames.csv', { skip: spawnSync('ffmpeg', ['-version']).status !== 0 && 'needs ffmpeg' }, async () => {
  const S = path.join(dir, 'S');
  assert.equal(depthkit(['synth', '--frames', '12', '--width', '64', '--height', '48', '--motion', 'pan', '--out', S]).code, 0);
  const frames = path.join(dir, 'frames');
  await fs.mkdir(frames);
  assert.equal(spawnSync('ffmpeg', ['-v', 'error', '-i', path.join(S, 'video.mp4'), '-vf', `scale=flags=${SWS_FLAGS},format=rgb24`, '-start_number', '0', path.join(frames, '%d.png')]).status, 0);
  const common = ['--depth', `a=${path.join(S, 'depth')}`, '--depth-scale', '1000', '--gt', path.join(S, 'depth'), '--poses', path.join(S, 'poses.txt'), '--intrinsics', path.join(S, 'intrinsics.txt'), '--stride', '2', '--max-frames', '4', '--start', '0.25', '--no-plots'];
  // The frames were written by the system ffmpeg: the video is read by the same one (FFmpeg 8.1's yuv->rgb differs).
  const runs = [[path.join(S, 'video.mp4'), '--ffmpeg', 'system'], [frames, '--fps', '12'], [path.join(frames, '%d.png'), '--fps', '12', '--no-preview']];
  const tables: Awaited<ReturnType<typeof readCsv>>[] = [];
  for (const [i, [input, ...more]] of runs.entries()) {
    const r = depthkit(['video', input, ...common, ...more, '--out', path.join(dir, `o${i}`)]);
    assert.equal(r.code, 0, r.stderr);
    tables.push(await readCsv(path.join(dir, `o${i}`, 'frames.csv')));
  }
  const strip = (t: (typeof tables)[number]) => t.rows.map(({ time: _t, ...r }: Record<string, string>) => r);
  assert.deepEqual(tables[0].rows.map((r) => r.frame), ['3', '5', '7', '9']);
  assert.deepEqual(strip(tables[1]), strip(tables[0]));
  assert.deepEqual(strip(tables[2]), strip(tables[0]));
  assert.ok(existsSync(path.join(dir, 'o1', 'preview.mp4')));
  const bad = depthkit(['video', path.join(dir, 'nope', '%04d.png'), ...common]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /nope.*folder not found/);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
});
