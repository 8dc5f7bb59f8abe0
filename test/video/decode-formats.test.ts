import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DepthkitError } from '../../src/errors.js';
import type { FfmpegChoice } from '../../src/video/backend/types.js';
import { decodeFrames, planFrames, probeVideo, type DecodedFrame, type DecodeOptions } from '../../src/video/decode.js';
import { videoRecord } from '../../src/video/frame-pairing.js';
import { BACKENDS, ffmpeg, ffmpegFrameTimes, ffprobe, ffprobeFrames, grayClip, sourceFrame } from '../helpers/clips.js';

/*
 * Issue 21's per-file cases that decode.ts must get right whichever FFmpeg decodes: orientation, pixel aspect,
 * odd and tiny sizes, the default of two streams, headers that promise more than the file holds, and the inputs
 * that are not videos at all. Expected sizes and counts are read from ffprobe; the upright picture is the one the
 * ffmpeg command line (autorotate, as players do) writes.
 */

let dir: string;
const p = (name: string) => path.join(dir, name);
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-formats-'));
  // white top-left quarter on black: any wrong rotation or flip moves it
  ffmpeg('-f', 'lavfi', '-i', 'color=black:s=32x16:r=10', '-vf', "format=rgb24,geq=r='255*lt(X,16)*lt(Y,8)':g='255*lt(X,16)*lt(Y,8)':b='255*lt(X,16)*lt(Y,8)'", '-frames:v', '3', '-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-crf', '0', p('upright.mp4'));
  ffmpeg('-i', p('upright.mp4'), '-c', 'copy', '-metadata:s:v', 'rotate=90', p('rotated.mp4'));
  grayClip(p('sar.mp4'), 3, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-qp', '0'], { vf: 'setsar=2/1' });
  // (libx264 would crop 161x97 to 160x96)
  grayClip(p('odd.mkv'), 3, ['-c:v', 'ffv1'], { size: '161x97' });
  grayClip(p('tiny.mkv'), 1, ['-c:v', 'ffv1'], { size: '2x2' });
  ffmpeg('-f', 'lavfi', '-i', `color=black:s=32x32:r=10,${'format=rgb24'}`, '-f', 'lavfi', '-i', 'color=gray:s=48x48:r=10', '-map', '0:v', '-map', '1:v', '-t', '0.3',
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-disposition:v:0', '0', '-disposition:v:1', 'default', p('two.mkv'));
  grayClip(p('whole.avi'), 24, ['-c:v', 'mjpeg', '-q:v', '2']);
  grayClip(p('moov-end.mp4'), 24, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
  grayClip(p('faststart.mp4'), 24, ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-g', '1', '-movflags', '+faststart']);
  const cut = async (from: string, to: string, share: number) => {
    const b = await fs.readFile(p(from));
    await fs.writeFile(p(to), b.subarray(0, Math.floor(b.length * share)));
  };
  await cut('whole.avi', 'short.avi', 0.75);
  await cut('moov-end.mp4', 'no-moov.mp4', 0.6);
  const packets = (JSON.parse(ffprobe('-show_entries', 'packet=pos,size', '-of', 'json', p('faststart.mp4'))) as { packets: { pos: string; size: string }[] }).packets;
  await cut('faststart.mp4', 'cut.mp4', (Number(packets[12].pos) + Number(packets[12].size) / 2) / (await fs.stat(p('faststart.mp4'))).size);
  ffmpeg('-f', 'lavfi', '-i', 'sine=duration=0.3', p('tone.m4a'));
  await fs.writeFile(p('empty.mp4'), '');
  await fs.mkdir(p('folder.mp4'));
  await fs.copyFile(p('sar.mp4'), p('a b é\nc.mp4'));
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function decode(file: string, ffmpeg: FfmpegChoice, opts: DecodeOptions = {}): Promise<DecodedFrame[]> {
  const frames: DecodedFrame[] = [];
  for await (const f of decodeFrames(file, { ...opts, ffmpeg })) frames.push(f);
  return frames;
}

/** Display size ffprobe states: coded size, pixel aspect applied, sides swapped for a quarter-turn display matrix. */
function probedDisplay(file: string): [number, number] {
  const s = (JSON.parse(ffprobe('-select_streams', 'v:0', '-show_streams', '-of', 'json', file)) as { streams: Record<string, unknown>[] }).streams[0];
  const [a, b] = String(s.sample_aspect_ratio ?? '1:1').split(':').map(Number);
  const w = Math.round(Number(s.width) * (a > 0 && b > 0 ? a / b : 1));
  const side = (s.side_data_list as { rotation?: number }[] | undefined)?.find((d) => d.rotation !== undefined);
  return Math.abs(side?.rotation ?? 0) % 180 === 90 ? [Number(s.height), w] : [w, Number(s.height)];
}

function assertOneLine(e: unknown, name: string): true {
  assert.ok(e instanceof DepthkitError, `a DepthkitError, not ${String(e)}`);
  assert.ok(!e.message.includes('\n'), `one line: ${JSON.stringify(e.message)}`);
  assert.ok(e.message.includes(name.replace('\n', '\\n')), `names the file: ${e.message}`);
  return true;
}

for (const backend of BACKENDS) {
  describe(`per-file decoding (${backend} ffmpeg)`, () => {
    test('rotation metadata: frames upright, as the ffmpeg command line shows them', async () => {
      const info = await probeVideo(p('rotated.mp4'), { ffmpeg: backend });
      assert.deepEqual([info.width, info.height], probedDisplay(p('rotated.mp4')));
      assert.deepEqual([info.width, info.height, info.codedWidth, info.codedHeight], [16, 32, 32, 16]);
      const [f] = await decode(p('rotated.mp4'), backend, { maxFrames: 1 });
      const player = execFileSync('ffmpeg', ['-v', 'error', '-i', p('rotated.mp4'), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
      assert.equal(player.length, f.rgb.data.length);
      let diff = 0;
      for (let i = 0; i < player.length; i++) diff = Math.max(diff, Math.abs(player[i] - f.rgb.data[i]));
      assert.ok(diff <= 2, `max difference from ffmpeg's upright frame: ${diff}`);
    });

    test('non-square pixels: frames at the display aspect, the pixel aspect recorded', async () => {
      const plan = await planFrames(p('sar.mp4'), { ffmpeg: backend });
      assert.equal(plan.info.pixelAspect, 2);
      assert.deepEqual([plan.info.width, plan.info.height], probedDisplay(p('sar.mp4')));
      const frames = await decode(p('sar.mp4'), backend, { plan });
      assert.deepEqual(frames.map((f) => [f.index, f.rgb.width, f.rgb.height, sourceFrame(f.rgb)]), [[0, 64, 32, 0], [1, 64, 32, 1], [2, 64, 32, 2]]);
      assert.equal(videoRecord(plan, undefined).pixel_aspect, 2);
    });

    test('odd sizes and a 1-frame 2x2 clip', async () => {
      const odd = await decode(p('odd.mkv'), backend);
      assert.deepEqual(odd.map((f) => [f.index, f.rgb.width, f.rgb.height, sourceFrame(f.rgb)]), [[0, 161, 97, 0], [1, 161, 97, 1], [2, 161, 97, 2]]);
      const tiny = await decode(p('tiny.mkv'), backend);
      assert.deepEqual(tiny.map((f) => [f.index, f.time, f.rgb.width, f.rgb.height, sourceFrame(f.rgb)]), [[0, 0, 2, 2, 0]]);
    });

    test('two video streams: the default one is decoded and named', async () => {
      const def = (JSON.parse(ffprobe('-show_streams', '-of', 'json', p('two.mkv'))) as { streams: { index: number; disposition: { default: number } }[] }).streams.find((s) => s.disposition.default === 1);
      const plan = await planFrames(p('two.mkv'), { ffmpeg: backend });
      assert.deepEqual([plan.info.streamIndex, plan.info.videoStreams, plan.info.width], [def?.index, 2, 48]);
      assert.equal(videoRecord(plan, undefined).stream_index, 1);
      const frames = await decode(p('two.mkv'), backend, { plan });
      assert.deepEqual(frames.map((f) => f.rgb.width), [48, 48, 48]);
    });

    test('a header promising more frames than the file holds: the frames there, counted from the packets', async () => {
      const plan = await planFrames(p('short.avi'), { ffmpeg: backend });
      // (ffprobe -count_frames gives N/A on an AVI without its index: the frames ffmpeg decodes are counted instead)
      const there = ffmpegFrameTimes(p('short.avi')).length;
      assert.ok(there < 24 && plan.info.frameCount === 24, `header ${plan.info.frameCount}, frames ${there}`);
      const frames = await decode(p('short.avi'), backend, { plan });
      assert.equal(frames.length, there, `decoded ${frames.map((f) => f.index).join(' ')} of ${plan.timeline.frames} packets`);
      // the last packet is cut short: the decoder returns a damaged picture for it (index right, pixels not)
      for (const f of frames.slice(0, -1)) assert.equal(sourceFrame(f.rgb), f.index);
      assert.equal(frames.at(-1)?.index, plan.timeline.frames - 1);
      // an MP4 cut inside its media data: the frames before the cut (a frame cut in half may be concealed or dropped)
      const cut = await decode(p('cut.mp4'), backend);
      const [cli, probe] = [ffmpegFrameTimes(p('cut.mp4')).length, ffprobeFrames(p('cut.mp4'))];
      assert.ok(cut.length > 0 && cut.length < 24 && cut.length >= Math.min(cli, probe) && cut.length <= Math.max(cli, probe), `${cut.length} frames; ffmpeg ${cli}, ffprobe ${probe}`);
      for (const f of cut.slice(0, -1)) assert.equal(sourceFrame(f.rgb), f.index);
    });

    test('not videos: no moov, audio only, zero bytes, a folder, a URL, stdin: one line naming the input, at once', async () => {
      for (const [name, re] of [
        ['no-moov.mp4', /not a readable video/],
        ['tone.m4a', /has no video stream/],
        ['empty.mp4', /is empty/],
        ['folder.mp4', /is a folder/],
      ] as const) {
        await assert.rejects(planFrames(p(name), { ffmpeg: backend }), (e: unknown) => assertOneLine(e, name) && re.test((e as Error).message));
      }
      const t0 = Date.now();
      for (const url of ['http://127.0.0.1:9/clip.mp4', 'rtmp://example.invalid/live', 'pipe:0']) {
        await assert.rejects(probeVideo(url, { ffmpeg: backend }), (e: unknown) => assertOneLine(e, url) && /URLs are not read/.test((e as Error).message));
      }
      await assert.rejects(probeVideo('-', { ffmpeg: backend }), /-: reading a video from stdin is not supported/);
      assert.ok(Date.now() - t0 < 5000, 'refused without trying the network');
    });

    test('a path with spaces, unicode and a newline decodes; its errors stay on one line', async () => {
      const odd = p('a b é\nc.mp4');
      assert.equal((await decode(odd, backend)).length, 3);
      await fs.writeFile(p('x y\nz.mp4'), 'not a video');
      await assert.rejects(probeVideo(p('x y\nz.mp4'), { ffmpeg: backend }), (e: unknown) => assertOneLine(e, 'x y\nz.mp4'));
    });
  });
}
