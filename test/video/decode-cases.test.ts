import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FfmpegChoice } from '../../src/video/backend/types.js';
import { decodeFrames, planFrames, type DecodedFrame, type DecodeOptions, type DecodeReport } from '../../src/video/decode.js';
import { ROOT } from '../helpers/cli.js';
import { BACKENDS, ffmpegFrameTimes, ffprobe, ffprobeFrames, makeCases, sourceFrame, type Cases } from '../helpers/clips.js';

/*
 * Issue 20's decoding cases, on clips whose pixels say which source frame they are: every decoded frame must carry
 * the index of its own picture, whatever was lost, cut or seeked. Expected counts and times come from ffprobe /
 * ffmpeg's own decode, not from depthkit. The same table runs against every backend of this build.
 */

let dir: string;
let c: Cases;
before(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'depthkit-cases-'));
  c = await makeCases(dir);
});
after(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function decode(file: string, ffmpeg: FfmpegChoice, opts: DecodeOptions = {}): Promise<{ frames: DecodedFrame[]; report: DecodeReport }> {
  const frames: DecodedFrame[] = [];
  let report: DecodeReport | undefined;
  for await (const f of decodeFrames(file, { ...opts, ffmpeg, onReport: (r) => (report = r) })) frames.push(f);
  assert.ok(report, 'a report comes at the end');
  return { frames, report };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

/** Every frame's pixels are its own source frame (offset: the source frame of stream frame 0, for cut clips). */
function assertOwnPixels(frames: DecodedFrame[], offset = 0): void {
  for (const f of frames) assert.equal(sourceFrame(f.rgb), f.index + offset, `stream frame ${f.index} shows source frame ${sourceFrame(f.rgb)}`);
}

function assertTimes(frames: DecodedFrame[], want: number[]): void {
  // showinfo prints pts_time with 6 significant digits
  for (const f of frames) assert.ok(Math.abs(f.time - want[f.index]) < 1e-6 + 1e-5 * Math.abs(want[f.index]), `frame ${f.index}: time ${f.time}, ffmpeg ${want[f.index]}`);
}

for (const backend of BACKENDS) {
  describe(`decoding cases (${backend} ffmpeg)`, () => {
    test('corrupt packets: the frames that fail leave gaps at their own indices, the rest keep theirs', async () => {
      const { frames, report } = await decode(c.corrupt, backend);
      const lost = [5, 9, 10];
      assert.deepEqual(frames.map((f) => f.index), range(0, 24).filter((k) => !lost.includes(k)));
      assert.equal(frames.length, ffprobeFrames(c.corrupt));
      assertOwnPixels(frames);
      assert.deepEqual([report.missing, report.decoded, report.selected, report.streamFrames, report.complete], [lost, 21, 24, 24, true]);
      // with a stride, a lost selected frame is reported, not replaced by its neighbour
      const strided = await decode(c.corrupt, backend, { stride: 3 });
      assert.deepEqual(strided.frames.map((f) => f.index), [0, 3, 6, 12, 15, 18, 21]);
      assert.deepEqual(strided.report.missing, [9]);
    });

    test('variable frame rate: indices and times as ffmpeg decodes them, with and without --start', async () => {
      const times = ffmpegFrameTimes(c.vfr);
      assert.equal(times.length, 40);
      const all = await decode(c.vfr, backend);
      assert.deepEqual(all.frames.map((f) => f.index), range(0, 40));
      assertTimes(all.frames, times);
      assertOwnPixels(all.frames);
      // t = 1.0 is frame 6 (0.4 + 2 x 0.3), not round(1.0 x the average rate)
      const late = await decode(c.vfr, backend, { start: 1.0 });
      assert.deepEqual(late.frames.map((f) => f.index), range(6, 40));
      assertTimes(late.frames, times);
      assertOwnPixels(late.frames);
      const sel = await decode(c.vfr, backend, { start: 1.0, stride: 3, maxFrames: 4 });
      assert.deepEqual(sel.frames.map((f) => f.index), [6, 9, 12, 15]);
      assertOwnPixels(sel.frames);
      // a seek deep into the clip lands on the same numbers
      const deep = await decode(c.vfr, backend, { start: 8.5, maxFrames: 3 });
      assert.deepEqual(deep.frames.map((f) => f.index), [31, 32, 33]);
      assertOwnPixels(deep.frames);
    });

    test('MP4 with an edit list: discarded packets are not frames; the count is what decodes, not the container', async () => {
      const plan = await planFrames(c.editList, { ffmpeg: backend });
      const decodable = ffprobeFrames(c.editList);
      assert.equal(plan.timeline.frames, decodable);
      assert.notEqual(plan.info.frameCount, decodable, 'the container states another count');
      const { frames, report } = await decode(c.editList, backend, { plan });
      assert.deepEqual(frames.map((f) => f.index), range(0, decodable));
      assert.deepEqual(report.missing, []);
      assertOwnPixels(frames, sourceFrame(frames[0].rgb));
      const times = ffmpegFrameTimes(c.editList);
      assertTimes(frames, times.map((t) => t - times[0]));
    });

    test('killed fragmented MP4: the frames that are there, the cut one reported missing', async () => {
      const decodable = ffprobeFrames(c.killed);
      const { frames, report } = await decode(c.killed, backend);
      assert.equal(frames.length, decodable);
      assert.deepEqual(frames.map((f) => f.index), range(0, decodable));
      assertOwnPixels(frames);
      assert.equal(report.streamFrames, 25, 'packets 0..24 are in the file (24 cut short)');
      assert.deepEqual(report.missing, range(decodable, 25));
    });

    test('raw elementary streams and AVI B-frames: packets without pts are numbered in decode order; mjpeg by pts', async () => {
      for (const [file, identity] of [[c.h264, 'decode-order'], [c.hevc, 'decode-order'], [c.aviB, 'decode-order'], [c.mjpeg, 'pts']] as const) {
        const { frames, report } = await decode(file, backend);
        assert.equal(report.identity, identity, file);
        assert.deepEqual(frames.map((f) => f.index), range(0, 24), file);
        assert.equal(frames.length, ffprobeFrames(file));
        assertOwnPixels(frames);
        assert.equal(report.streamFrames, 24);
      }
      const sel = await decode(c.h264, backend, { start: 0.5, stride: 2, maxFrames: 3 });
      assert.deepEqual(sel.frames.map((f) => f.index), [5, 7, 9]);
      assertOwnPixels(sel.frames);
    });

    test('a PNG still is one frame, index 0', async () => {
      const plan = await planFrames(c.still, { ffmpeg: backend });
      assert.equal(plan.timeline.frames, 1);
      const { frames } = await decode(c.still, backend, { plan });
      assert.deepEqual(frames.map((f) => [f.index, f.time, f.rgb.width, f.rgb.height]), [[0, 0, 32, 32]]);
      assertOwnPixels(frames);
    });

    test('maxFrames bounds the selected indices and stops decoding early; the packet count is exact', async () => {
      const plan = await planFrames(c.long, { ffmpeg: backend, maxFrames: 24 });
      assert.deepEqual([plan.timeline.frames, plan.wanted?.count], [Number(ffprobe('-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', c.long).trim()), 24]);
      const { frames, report } = await decode(c.long, backend, { plan });
      assert.deepEqual(frames.map((f) => f.index), range(0, 24));
      assertOwnPixels(frames);
      assert.deepEqual([report.complete, report.missing], [true, []]);
    });
  });
}

const REAL = path.join(ROOT, '..', 'shared', 'data', 'real', 'videos');

for (const backend of BACKENDS) {
  test(`real clips (${backend} ffmpeg): a broken index counted from the packets; a seek lands on the same frames`, { skip: !existsSync(REAL) && 'shared/data/real is absent' }, async () => {
    const tree = path.join(REAL, 'tree.avi');
    const plan = await planFrames(tree, { ffmpeg: backend, width: 64 });
    assert.deepEqual([plan.info.frameCount, plan.timeline.frames], [444, ffprobeFrames(tree)]);
    const all = await decode(tree, backend, { plan, width: 64 });
    assert.deepEqual(all.frames.map((f) => f.index), range(0, 68));
    assertTimes(all.frames, ffmpegFrameTimes(tree));
    const vtest = path.join(REAL, 'vtest.avi');
    const head = await decode(vtest, backend, { width: 64, maxFrames: 403 });
    const seeked = await decode(vtest, backend, { width: 64, start: 40, maxFrames: 3 });
    assert.deepEqual(seeked.frames.map((f) => f.index), [400, 401, 402]);
    for (const f of seeked.frames) assert.deepEqual(f.rgb.data, head.frames[f.index].rgb.data, `frame ${f.index} after a seek is the frame decoded from the start`);
  });
}
