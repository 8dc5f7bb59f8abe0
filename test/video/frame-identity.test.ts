import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DepthkitError } from '../../src/errors.js';
import type { DecodedFrame, DecodeReport, FramePlan } from '../../src/video/decode.js';
import { buildTimeline, describeIndices, indexAt, isWanted, selectFrames, wantedBetween } from '../../src/video/frame-identity.js';
import { planPairing } from '../../src/video/frame-pairing.js';
import type { VideoInfo } from '../../src/video/probe.js';

const tl = (t: number[]) => buildTimeline(Float64Array.from(t));

test('frames are numbered by the rank of their pts among the packets, in presentation order', () => {
  // B-frames: packets in decode order I P B B P B B (pts 0 3 1 2 6 4 5)
  const t = tl([0, 0.3, 0.1, 0.2, 0.6, 0.4, 0.5]);
  assert.equal(t.mode, 'pts');
  assert.deepEqual([...t.times], [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  assert.deepEqual([0.3, 0.1, 0.6, 0].map((p) => indexAt(t.times, p)), [3, 1, 6, 0]);
  // a stream starting at pts > 0 (MPEG-TS), and one with negative pts: counted from its first frame
  assert.equal(indexAt(tl([1.4, 1.44, 1.48]).times, 1.44), 1);
  assert.equal(indexAt(tl([-0.08, -0.04, 0, 0.04]).times, 0), 2);
});

test('a pts no packet has matches nothing; float rounding of the same timestamp still matches', () => {
  const t = tl([0, 0.1, 0.2, 0.7, 1.0]);
  assert.equal(indexAt(t.times, 0.45), -1);
  assert.equal(indexAt(t.times, 0.69), -1);
  assert.equal(indexAt(t.times, 3), -1);
  assert.equal(indexAt(t.times, -1), -1);
  assert.equal(indexAt(t.times, (7 * 1) / 10 + 1e-12), 3);
  assert.equal(indexAt(new Float64Array(0), 0), -1);
});

test('packets without pts: decode order; repeated pts are one frame; a still image is one frame', () => {
  const raw = tl([NaN, NaN, NaN]);
  assert.deepEqual([raw.mode, raw.frames, raw.untimed], ['decode-order', 3, 3]);
  // one packet without pts (AVI B-frames) is enough: the decoder's guessed pts would match the wrong packets
  const mixed = tl([NaN, 0.1, 0.2, NaN, 0.4]);
  assert.deepEqual([mixed.mode, mixed.frames, mixed.untimed], ['decode-order', 5, 2]);
  const repeated = tl([0, 0.1, 0.1, 0.2]);
  assert.deepEqual([repeated.mode, repeated.frames, repeated.repeated], ['pts', 3, 1]);
  const still = tl([0]);
  assert.deepEqual([still.frames, indexAt(still.times, 0)], [1, 0]);
});

test('selection: start in seconds from the first frame, stride from the first selected index, maxFrames bounds the indices', () => {
  // VFR: 0, 0.1, 0.2, 0.3, 0.4, then every 0.3 s (frame k>=4 at 0.4 + 0.3 (k - 4)), stream starting at 5 s
  const times = Array.from({ length: 20 }, (_, k) => 5 + (k <= 4 ? k / 10 : 0.4 + 0.3 * (k - 4)));
  const t = tl(times);
  assert.deepEqual(selectFrames(t, {}), { first: 0, last: 19, stride: 1, count: 20 });
  // t = 1.0 is frame 6 (0.4 + 0.6), not round(1.0 * average fps)
  assert.equal(selectFrames(t, { start: 1.0 }).first, 6);
  assert.equal(selectFrames(t, { start: 0.95 }).first, 6);
  assert.deepEqual(selectFrames(t, { start: 1.0, stride: 3, maxFrames: 4 }), { first: 6, last: 15, stride: 3, count: 4 });
  assert.deepEqual(selectFrames(t, { start: 0.2, duration: 0.5 }), { first: 2, last: 4, stride: 1, count: 3 }); // [0.2, 0.7): 0.7 is out, as ffmpeg's -t
  assert.deepEqual(selectFrames(t, { stride: 7 }), { first: 0, last: 14, stride: 7, count: 3 });
  assert.equal(selectFrames(t, { start: 100 }).count, 0);
  const w = selectFrames(t, { start: 1.0, stride: 3 });
  assert.deepEqual(wantedBetween(w, 0, 13), [6, 9, 12]);
  assert.deepEqual([isWanted(w, 9), isWanted(w, 10), isWanted(w, 3)], [true, false, false]);
});

test('indices are described as short ranges', () => {
  assert.equal(describeIndices([3, 4, 5, 9, 11, 12]), '3-5, 9, 11-12');
  assert.equal(describeIndices([7]), '7');
  assert.match(describeIndices(Array.from({ length: 40 }, (_, i) => 2 * i)), /^0, 2, 4, .*\.\.\. \(40 in all\)$/);
});

function planOf(times: number[], selection = {}): FramePlan {
  const timeline = tl(times);
  const info = { file: 'clip.mp4' } as VideoInfo;
  return { info, backend: 'system', selection, timeline, wanted: timeline.mode === 'pts' ? selectFrames(timeline, selection) : undefined };
}
const frame = (index: number): DecodedFrame => ({ index, time: index / 10, pts: index / 10, rgb: { data: new Uint8Array(3), width: 1, height: 1 } });
const report = (r: Partial<DecodeReport>): DecodeReport => ({ identity: 'pts', streamFrames: 70, selected: 70, decoded: 70, missing: [], complete: true, ...r });
const seventy = Array.from({ length: 70 }, (_, k) => k / 10);

test('pairing: files beyond the stream are refused up front; a frame without its file is refused when it decodes', () => {
  const depth = (count: number) => [{ what: 'depth from preds/', file: 'preds/', count }];
  assert.throws(() => planPairing(planOf(seventy), depth(71), false, 'clip.mp4'), (e: unknown) => e instanceof DepthkitError && /preds\/: .*71 frames, clip\.mp4 70.*files 70\.\.70 belong to no frame/.test(e.message));
  const p = planPairing(planOf(seventy), depth(24), false, 'clip.mp4');
  assert.equal(p.total, 70);
  assert.equal(p.admit(frame(23)), 'score');
  assert.throws(() => p.admit(frame(24)), (e: unknown) => e instanceof DepthkitError && /^preds\/: has 24 frames \(0\.\.23\); video frame 24 \(t=2\.400 s\) of clip\.mp4 has none/.test(e.message));
  // --max-frames 24 with 24 maps: nothing to refuse
  const max = planPairing(planOf(seventy, { maxFrames: 24 }), depth(24), false, 'clip.mp4');
  assert.equal(max.total, 24);
  assert.deepEqual(max.finish(report({ selected: 24, decoded: 24 }), undefined), []);
});

test('pairing with --allow-mismatch: stops at the shortest input and says which frames were not scored', () => {
  const p = planPairing(planOf(seventy, { stride: 2 }), [{ what: 'depth from preds/', file: 'preds/', count: 24 }, { what: 'ground truth gt/', file: 'gt/', count: 80 }], true, 'clip.mp4');
  assert.equal(p.total, 12);
  assert.match(p.notes[0], /ground truth gt\/ has 80 frames, clip\.mp4 70 .*files 70\.\.79 belong to no frame; they were not used/);
  assert.equal(p.admit(frame(24)), 'stop');
  const notes = p.finish(report({ selected: 35, decoded: 12, missing: [4, 30], complete: false }), 24);
  assert.match(notes[0], /depth from preds\/ has 24 frames: frames 24, 26, .* \(23 selected\) were not scored/);
  assert.match(notes[1], /frames 4 of the stream did not decode \(1 of 35 selected\)/);
});

test('pairing: gaps and decode-order numbering are reported; decode-order counts are checked at the end', () => {
  const gaps = planPairing(planOf(seventy), [], false, 'clip.mp4').finish(report({ missing: [5, 9, 10], decoded: 67 }), undefined);
  assert.deepEqual(gaps, ['frames 5, 9-10 of the stream did not decode (3 of 70 selected): they have no rows; every other row keeps its own depth and ground truth (paired by stream index)']);
  const raw = planPairing(planOf([NaN, NaN, NaN]), [{ what: 'depth from d/', file: 'd/', count: 4 }], false, 'raw.h264');
  assert.throws(() => raw.finish(report({ identity: 'decode-order', streamFrames: 3, selected: 3, decoded: 3 }), undefined), /d\/: .*4 frames, raw\.h264 3 \(decoded\)/);
  const ok = planPairing(planOf([NaN, NaN, NaN]), [{ what: 'depth from d/', file: 'd/', count: 3 }], false, 'raw.h264');
  assert.match(ok.finish(report({ identity: 'decode-order', streamFrames: 3, selected: 3, decoded: 3 }), undefined)[0], /have no presentation timestamp/);
});
