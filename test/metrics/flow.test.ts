import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DepthkitError } from '../../src/errors.js';
import { estimateFlow, sequenceFlows } from '../../src/metrics/flow.js';
import type { FlowField } from '../../src/metrics/warp.js';
import { temporalFrame, temporalPair, temporalScores } from '../../src/metrics/temporal.js';
import type { DepthMap, RgbImage } from '../../src/metrics/types.js';

const W = 96;
const H = 72;

/** Value noise: a seeded lattice every 6 px with cosine interpolation, so any sub-pixel shift can be rendered. */
function lattice(size: number): Float64Array {
  let s = 7;
  return Float64Array.from({ length: size * size }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  });
}
const LATTICE = lattice(64);
function texture(x: number, y: number): number {
  const gx = x / 6 + 20;
  const gy = y / 6 + 20;
  const x0 = Math.floor(gx);
  const y0 = Math.floor(gy);
  const fx = (1 - Math.cos(Math.PI * (gx - x0))) / 2;
  const fy = (1 - Math.cos(Math.PI * (gy - y0))) / 2;
  const at = (i: number, j: number) => LATTICE[(j % 64) * 64 + (i % 64)];
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

/** The texture moved by (tx, ty): frame(tx,ty)(x + t) = frame(0,0)(x), so the flow from (0,0) to it is t. */
function frame(tx: number, ty: number): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const g = texture(x - tx, y - ty);
      for (let c = 0; c < 3; c++) data[3 * (y * W + x) + c] = Math.round(255 * (0.1 + 0.8 * g) - 10 * c);
    }
  }
  return { data, width: W, height: H };
}

/** Mean end-point error over the interior (a 12 px border is left out: content enters and leaves there). */
function interiorError(f: FlowField, tx: number, ty: number): number {
  let sum = 0;
  let n = 0;
  for (let y = 12; y < H - 12; y++) {
    for (let x = 12; x < W - 12; x++) {
      sum += Math.hypot(f.u[y * W + x] - tx, f.v[y * W + x] - ty);
      n++;
    }
  }
  return sum / n;
}

test('a static pair gives zero flow', () => {
  const a = frame(0, 0);
  const f = estimateFlow(a, a);
  assert.ok(f.u.every((u) => u === 0) && f.v.every((v) => v === 0));
});

test('a translated texture is recovered to < 0.2 px mean error in the interior', () => {
  for (const [tx, ty] of [[3, -2], [1.6, 0.7], [-4.3, 2.5]]) {
    const err = interiorError(estimateFlow(frame(0, 0), frame(tx, ty)), tx, ty);
    assert.ok(err < 0.2, `(${tx}, ${ty}): mean error ${err}`);
  }
});

test('pair scores warp frame t onto t+1 at x + toPrev(x) (bilinear) and leave out samples that leave the image', () => {
  const w = 5;
  const h = 4;
  const n = w * h;
  const depth = (f: (x: number, y: number) => number): DepthMap => ({ data: Float32Array.from({ length: n }, (_, i) => f(i % w, Math.floor(i / w))), width: w, height: h });
  const flat = (r: number, g: number, b: number): RgbImage => ({ data: Uint8Array.from({ length: 3 * n }, (_, k) => [r, g, b][k % 3]), width: w, height: h });
  const field = (u: number, v: number): FlowField => ({ u: new Float32Array(n).fill(u), v: new Float32Array(n).fill(v), width: w, height: h });
  // Frame t+1 at (x, y) is frame t at (x + 1.5, y - 1): the bilinear value of the linear ramp there.
  const prev = depth((x, y) => 1 + y * w + x);
  const next = depth((x, y) => 1 + (y - 1) * w + x + 1.5);
  const s = temporalPair(temporalFrame(prev), temporalFrame(next), flat(10, 20, 30), flat(10, 20, 30), { toPrev: field(1.5, -1), toNext: field(-1.5, 1) });
  // In the image: x + 1.5 <= 4 and y - 1 >= 0, 3 x 3 pixels; there the warp matches exactly.
  assert.equal(s.validPixels, 9);
  assert.equal(s.rtc_101, 1);
  // A warp read half a pixel off would miss the 1.01 band on this ramp.
  assert.ok(temporalPair(temporalFrame(prev), temporalFrame(next), flat(10, 20, 30), flat(10, 20, 30), { toPrev: field(1, -1), toNext: field(-1, 1) }).rtc_101 < 1);
});

test('forward-backward check: consistent flows pass, a contradicting backward flow fails', () => {
  const n = W * H;
  const field = (u: number, v: number): FlowField => ({ u: new Float32Array(n).fill(u), v: new Float32Array(n).fill(v), width: W, height: H });
  const d = temporalFrame({ data: new Float32Array(n).fill(2), width: W, height: H });
  const f = frame(0, 0);
  const valid = (toNext: FlowField) => temporalPair(d, d, f, f, { toPrev: field(2, 1), toNext }).validPixels;
  // Kept where x + 2 <= W - 1 and y + 1 <= H - 1.
  assert.equal(valid(field(-2, -1)), (W - 2) * (H - 1));
  // |f + b|^2 = 1 against 0.01 (5 + 1) + 0.5 = 0.56: rejected; a residual of 0.3^2 = 0.09 is accepted.
  assert.equal(valid(field(-1, -1)), 0);
  assert.equal(valid(field(-1.7, -1)), (W - 2) * (H - 1));
});

test('estimated flow on a translating textured plane: ground truth scores near-perfect rTC', () => {
  const frames = [0, 1, 2].map((t) => frame(2 * t, t));
  const depths: DepthMap[] = [0, 1, 2].map((t) => ({
    data: Float32Array.from({ length: W * H }, (_, i) => 1 + 2 * texture((i % W) - 2 * t, Math.floor(i / W) - t)),
    width: W,
    height: H,
  }));
  const s = temporalScores(depths, frames, sequenceFlows(frames));
  assert.ok(s.rtc_105 > 0.97, `rtc_105 ${s.rtc_105}`);
  assert.ok(s.opw < 0.05, `opw ${s.opw}`);
  assert.ok(s.pairs.every((p) => p.validPixels > 0.7 * W * H));
});

test('frames of different sizes are a one-line DepthkitError', () => {
  const a = frame(0, 0);
  const b = { data: new Uint8Array(10 * 10 * 3), width: 10, height: 10 };
  assert.throws(() => estimateFlow(a, b), (err: Error) => err instanceof DepthkitError && /differ in size/.test(err.message));
});
