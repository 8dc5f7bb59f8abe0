import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFrames, planFrames, type DecodedFrame } from '../../src/video/decode.js';
import { BACKENDS, ffmpegFrameTimes, ffprobeFrames, grayClip, sourceFrame } from '../helpers/clips.js';

/*
 * Issue 21's codec list, decoded by both FFmpegs: each clip's frame k is a flat gray of level(k), so a decoded
 * picture names its own source frame. Counts and presentation times are checked against ffprobe / the ffmpeg
 * command line, the size against the requested one.
 */

const N = 12;
const CODECS: { name: string; file: string; args: string[]; size?: string; pixels?: boolean }[] = [
  { name: 'H.264 8-bit 4:2:0', file: 'h264.mp4', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-qp', '0'] },
  { name: 'H.264 4:4:4', file: 'h264-444.mp4', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-qp', '0'] },
  { name: 'H.264 interlaced', file: 'interlaced.mp4', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-qp', '0', '-flags', '+ildct+ilme', '-x264-params', 'tff=1'] },
  { name: 'HEVC 10-bit', file: 'hevc10.mkv', args: ['-c:v', 'libx265', '-pix_fmt', 'yuv420p10le', '-x265-params', 'lossless=1:log-level=error'] },
  { name: 'VP9 in WebM', file: 'vp9.webm', args: ['-c:v', 'libvpx-vp9', '-lossless', '1'] },
  { name: 'AV1', file: 'av1.mkv', args: ['-c:v', 'libaom-av1', '-crf', '0', '-cpu-used', '8'] },
  { name: 'MJPEG', file: 'mjpeg.avi', args: ['-c:v', 'mjpeg', '-q:v', '2'] },
  { name: 'ProRes', file: 'prores.mov', args: ['-c:v', 'prores_ks', '-pix_fmt', 'yuv422p10le'] },
  { name: 'FFV1', file: 'ffv1.mkv', args: ['-c:v', 'ffv1'] },
  { name: 'MPEG-4 part 2 AVI', file: 'mpeg4.avi', args: ['-c:v', 'mpeg4', '-q:v', '1'] },
  { name: 'msmpeg4 AVI', file: 'msmpeg4.avi', args: ['-c:v', 'msmpeg4', '-q:v', '1'] },
  // A GIF's palette need not hold the source's gray levels: counts and times only.
  { name: 'GIF', file: 'anim.gif', args: ['-c:v', 'gif'], pixels: false },
  { name: '4K H.264', file: '4k.mp4', args: ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-preset', 'ultrafast', '-qp', '0'], size: '3840x2160' },
];

let dir: string;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-codecs-'));
  for (const c of CODECS) grayClip(path.join(dir, c.file), c.size ? 2 : N, c.args, { size: c.size });
});
after(() => fs.rm(dir, { recursive: true, force: true }));

async function decodeAll(file: string, ffmpeg: (typeof BACKENDS)[number]): Promise<DecodedFrame[]> {
  const plan = await planFrames(file, { ffmpeg });
  const frames: DecodedFrame[] = [];
  for await (const f of decodeFrames(file, { plan, width: 16, height: 16, ffmpeg })) frames.push(f);
  return frames;
}

for (const ffmpeg of BACKENDS) {
  describe(`codecs (${ffmpeg} ffmpeg)`, () => {
    for (const c of CODECS) {
      test(`${c.name}: every frame, its own picture, its presentation time`, async () => {
        const file = path.join(dir, c.file);
        const frames = await decodeAll(file, ffmpeg);
        const count = ffprobeFrames(file);
        assert.equal(frames.length, count, `${c.file}: ffprobe counts ${count}`);
        assert.deepEqual(frames.map((f) => f.index), [...Array(count).keys()]);
        const times = ffmpegFrameTimes(file);
        frames.forEach((f, k) => assert.ok(Math.abs(f.time - (times[k] - times[0])) < 1e-3, `${c.file} frame ${k}: ${f.time} vs ${times[k] - times[0]}`));
        for (const f of frames) assert.deepEqual([f.rgb.width, f.rgb.height], [16, 16]);
        if (c.pixels !== false) assert.deepEqual(frames.map((f) => sourceFrame(f.rgb)), frames.map((f) => f.index), c.file);
      });
    }
  });
}
