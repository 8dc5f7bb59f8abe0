import { test } from 'node:test';
import assert from 'node:assert/strict';
import { temporalFrame, temporalPair } from '../../src/metrics/temporal.js';
import type { DepthMap, RgbImage } from '../../src/metrics/types.js';
import type { FlowField } from '../../src/metrics/warp.js';
import { valueNoise } from '../../src/synth/texture.js';
import { pairScoresReference } from './temporal-reference.js';

/** A seeded pair: textured frames, depths with holes (0, NaN, Inf), flows that leave the frame and fail the forward-backward check in places. */
function pair(w: number, h: number, seed: number) {
  const n = w * h;
  const rgb = (s: number): RgbImage => ({ data: Uint8Array.from({ length: 3 * n }, (_, j) => Math.round(255 * valueNoise((j % (3 * w)) / 9, Math.floor(j / (3 * w)) / 3, s))), width: w, height: h });
  const depth = (s: number): DepthMap => {
    const data = new Float32Array(n).map((_, i) => 1 + 4 * valueNoise(i % w / 5, Math.floor(i / w) / 5, s));
    for (let i = 0; i < n; i += 17) data[i] = [0, NaN, Infinity, -1][(i / 17) % 4];
    return { data, width: w, height: h };
  };
  const field = (s: number, scale: number): FlowField => ({
    u: new Float32Array(n).map((_, i) => scale * (valueNoise(i % w / 7, Math.floor(i / w) / 7, s) - 0.5)),
    v: new Float32Array(n).map((_, i) => scale * (valueNoise(i % w / 7, Math.floor(i / w) / 7, s + 1) - 0.5)),
    width: w, height: h,
  });
  const toPrev = field(seed, 3);
  // Mostly the inverse of toPrev (the check passes), noise elsewhere (it fails).
  const toNext = field(seed + 5, 3);
  for (let i = 0; i < n; i++) if (i % 3) [toNext.u[i], toNext.v[i]] = [-toPrev.u[i], -toPrev.v[i]];
  return { a: rgb(seed), b: rgb(seed + 2), da: depth(seed + 3), db: depth(seed + 4), flows: { toPrev, toNext } };
}

test('the WebAssembly pair pass gives the TypeScript reference\'s OPW, rTC and valid pixels bit for bit', () => {
  // Odd sizes, one row, one pixel; a mask on one of them.
  for (const [w, h, seed] of [[37, 23, 1], [64, 48, 7], [9, 1, 3], [1, 1, 5]]) {
    const { a, b, da, db, flows } = pair(w, h, seed);
    const mask = w > 9 ? Uint8Array.from({ length: w * h }, (_, i) => (i % w < w - 4 ? 1 : 0)) : undefined;
    const prev = temporalFrame(da, mask);
    const next = temporalFrame(db);
    const got = temporalPair(prev, next, a, b, flows);
    const want = pairScoresReference(prev, next, a, b, flows);
    assert.deepEqual({ opw: got.opw, rtc_101: got.rtc_101, rtc_105: got.rtc_105, validPixels: got.validPixels }, want, `${w}x${h}`);
    if (w * h > 100) assert.ok(want.validPixels > 0.2 * w * h && want.validPixels < 0.9 * w * h, `${w}x${h}: some pixels valid, some not (${want.validPixels})`);
  }
});

test('the pair pass refuses maps of another size instead of reading past them', () => {
  const { a, b, da, db, flows } = pair(16, 12, 2);
  const short = { ...flows, toNext: { ...flows.toNext, u: flows.toNext.u.subarray(1) } };
  assert.throws(() => temporalPair(temporalFrame(da), temporalFrame(db), a, b, short), /temporal pair: inputs differ in size/);
});
