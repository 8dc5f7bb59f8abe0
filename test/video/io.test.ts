import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEncoder } from '../../src/video/encode.js';
import { decodeFrames, probeVideo, type DecodedFrame, type DecodeOptions } from '../../src/video/decode.js';
import { DepthkitError } from '../../src/errors.js';

let dir: string;
let clip: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-video-'));
  clip = await encodeClip('clip.mp4', 64, 48, 10);
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A smooth gradient that moves 6 px a frame, so a wrong frame index shows up as a large pixel error. */
function gradient(i: number, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      out[o] = Math.round(127.5 + 100 * Math.sin((x + 6 * i) / 9));
      out[o + 1] = 40 + 3 * y;
      out[o + 2] = 160;
    }
  }
  return out;
}

async function encodeClip(name: string, w: number, h: number, n: number, fps = 10): Promise<string> {
  const file = path.join(dir, name);
  const enc = await createEncoder(file, { width: w, height: h, fps, crf: 8 });
  for (let i = 0; i < n; i++) await enc.write(gradient(i, w, h));
  await enc.close();
  return file;
}

async function collect(file: string, opts: DecodeOptions = {}): Promise<DecodedFrame[]> {
  const frames: DecodedFrame[] = [];
  for await (const f of decodeFrames(file, opts)) frames.push(f);
  return frames;
}

/** Mean absolute difference over the w x h top-left region of a (possibly padded) decoded frame. */
function meanAbsDiff(a: DecodedFrame, ref: Uint8Array, w: number, h: number): number {
  let sum = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w * 3; x++) sum += Math.abs(a.rgb.data[y * a.rgb.width * 3 + x] - ref[y * w * 3 + x]);
  }
  return sum / (w * h * 3);
}

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** ffmpeg processes that are children of this test process, zombies included. */
function ffmpegChildren(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /\bffmpeg\b/.test(l));
}

async function assertOneLineError(p: Promise<unknown>, file: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DepthkitError, `expected a DepthkitError, got ${String(err)}`);
    assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
    assert.ok(!err.message.includes('\n'), `one line: ${JSON.stringify(err.message)}`);
    return true;
  });
}

test('encode -> probe -> decode round trip keeps size, rate, count and pixels', async () => {
  const file = clip;
  const info = await probeVideo(file);
  assert.equal(info.width, 64);
  assert.equal(info.height, 48);
  assert.equal(info.fps, 10);
  assert.equal(info.frameCount, 10);
  assert.equal(info.codec, 'h264');
  const frames = await collect(file);
  assert.deepEqual(frames.map((f) => f.index), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  frames.forEach((f, i) => {
    assert.ok(Math.abs(f.time - i / 10) < 1e-6, `time of frame ${i}: ${f.time}`);
    assert.equal(f.rgb.width, 64);
    assert.equal(f.rgb.height, 48);
    const err = meanAbsDiff(f, gradient(i, 64, 48), 64, 48);
    assert.ok(err < 3, `frame ${i} mean error ${err}`);
    assert.ok(meanAbsDiff(f, gradient(i + 1, 64, 48), 64, 48) > 3 * err + 5, 'a neighbouring frame is distinguishable');
  });
  // no temp file is left beside the video
  assert.deepEqual((await fs.readdir(dir)).filter((n) => n.includes('.tmp-')), []);
});

test('start, stride and maxFrames give indices in the original stream', async () => {
  const file = clip;
  const frames = await collect(file, { start: 0.3, stride: 2, maxFrames: 3 });
  assert.deepEqual(frames.map((f) => f.index), [3, 5, 7]);
  frames.forEach((f) => {
    assert.ok(Math.abs(f.time - f.index / 10) < 1e-6);
    assert.ok(meanAbsDiff(f, gradient(f.index, 64, 48), 64, 48) < 3, `frame ${f.index} has its own content`);
  });
  assert.deepEqual((await collect(file, { stride: 4 })).map((f) => f.index), [0, 4, 8]);
  assert.deepEqual((await collect(file, { start: 0.5, duration: 0.3 })).map((f) => f.index), [5, 6, 7]);
  const small = await collect(file, { width: 32, maxFrames: 1 });
  assert.deepEqual([small[0].rgb.width, small[0].rgb.height, small[0].rgb.data.length], [32, 24, 32 * 24 * 3]);
});

test('odd sizes are padded to even and decode back', async () => {
  const file = await encodeClip('odd.mp4', 63, 47, 4);
  const info = await probeVideo(file);
  assert.deepEqual([info.width, info.height, info.frameCount], [64, 48, 4]);
  const frames = await collect(file);
  assert.equal(frames.length, 4);
  frames.forEach((f, i) => assert.ok(meanAbsDiff(f, gradient(i, 63, 47), 63, 47) < 3));
});

test('rotation metadata swaps width and height, and frames decode at the rotated size', async () => {
  const file = path.join(dir, 'rotated.mp4');
  ffmpeg('-i', clip, '-c', 'copy', '-metadata:s:v', 'rotate=90', file);
  const info = await probeVideo(file);
  assert.deepEqual([info.width, info.height, info.codedWidth, info.codedHeight], [48, 64, 64, 48]);
  assert.ok(info.rotation === 90 || info.rotation === 270);
  const [f] = await collect(file, { maxFrames: 1 });
  assert.deepEqual([f.rgb.width, f.rgb.height], [48, 64]);
});

test('variable frame rate: every frame once, with its own timestamp', async () => {
  const file = path.join(dir, 'vfr.mp4');
  // frames 0..4 every 0.1 s, then every 0.3 s (pts in the 1/10 s time base of the 10 fps source)
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=32x24:rate=10', '-frames:v', '8', '-vf', "setpts='if(lt(N,5),N,4+(N-4)*3)'",
    '-fps_mode', 'vfr', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file);
  const frames = await collect(file);
  assert.deepEqual(frames.map((f) => f.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  const want = [0, 0.1, 0.2, 0.3, 0.4, 0.7, 1.0, 1.3];
  frames.forEach((f, i) => assert.ok(Math.abs(f.time - want[i]) < 1e-3, `time ${i}: ${f.time} vs ${want[i]}`));
});

test('not a video, audio only, truncated, zero frames, missing: one-line DepthkitError naming the file', async () => {
  const text = path.join(dir, 'notes.txt');
  await fs.writeFile(text, 'not a video\n');
  const audio = path.join(dir, 'tone.m4a');
  ffmpeg('-f', 'lavfi', '-i', 'sine=duration=0.5', audio);
  const whole = await fs.readFile(clip);
  const truncated = path.join(dir, 'truncated.mp4');
  await fs.writeFile(truncated, whole.subarray(0, 300));
  const empty = path.join(dir, 'zero-frames.mp4');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=32x24', '-frames:v', '0', '-c:v', 'libx264', empty);
  const missing = path.join(dir, 'missing.mp4');
  for (const file of [text, audio, truncated, empty, missing]) {
    await assertOneLineError(probeVideo(file), file);
    await assertOneLineError(collect(file), file);
  }
});

test('a video cut mid-stream yields the frames that decode, then ends', async () => {
  // the encoder writes the index first (+faststart), so the frames before the cut stay decodable
  const whole = await fs.readFile(await encodeClip('long-gradient.mp4', 64, 48, 30));
  const cut = path.join(dir, 'cut.mp4');
  await fs.writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const frames = await collect(cut);
  assert.ok(frames.length >= 3 && frames.length < 30, `${frames.length} frames`);
  frames.slice(0, 3).forEach((f, i) => assert.ok(meanAbsDiff(f, gradient(i, 64, 48), 64, 48) < 3));
});

test('long clip: breaking out kills ffmpeg, and memory stays flat while streaming', async (t) => {
  const file = path.join(dir, 'long.mp4');
  ffmpeg('-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=30', '-frames:v', '600', '-c:v', 'libx264', '-preset', 'ultrafast',
    '-pix_fmt', 'yuv420p', file);
  let seen = 0;
  for await (const f of decodeFrames(file)) {
    assert.equal(f.index, seen);
    if (++seen === 3) break;
  }
  assert.deepEqual(ffmpegChildren(), [], 'no ffmpeg process (or zombie) left after break');

  // 600 raw frames are 415 MB: keeping them, or letting ffmpeg run ahead unthrottled, would show in RSS.
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  let count = 0;
  for await (const f of decodeFrames(file)) {
    assert.equal(f.rgb.data.length, 640 * 360 * 3);
    count++;
    if (count % 20 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  assert.equal(count, 600);
  const growthMb = (peak - base) / 2 ** 20;
  t.diagnostic(`RSS growth while decoding 600 frames of 640x360: ${growthMb.toFixed(1)} MB`);
  assert.ok(growthMb < 150, `RSS grew by ${growthMb.toFixed(0)} MB`);
  assert.deepEqual(ffmpegChildren(), []);
});
