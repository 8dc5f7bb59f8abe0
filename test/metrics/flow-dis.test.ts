import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DIS_PRESET, DIS_PRESETS, estimateFlowDis } from '../../src/metrics/flow-dis.js';
import { estimateFlow } from '../../src/metrics/flow.js';
import { endPointError, trueFlow } from '../../src/metrics/flow-truth.js';
import type { RgbImage } from '../../src/metrics/types.js';
import type { FlowField } from '../../src/metrics/warp.js';
import { poseMatrix } from '../../src/synth/camera.js';
import { valueNoise } from '../../src/synth/texture.js';
import { renderFrame } from '../../src/synth/render.js';
import { planSynth } from '../../src/synth/write.js';

const W = 128;
const H = 96;

/** Seeded value noise on a 5 px lattice (synth's texture function): renderable at any sub-pixel position. */
const texture = (x: number, y: number): number => valueNoise(x / 5 + 20, y / 5 + 20, 11);

/** The texture seen through the map p -> m(p) (frame(m)(m(p)) = texture(p)), rendered by inverting m numerically. */
function render(inverse: (x: number, y: number) => [number, number]): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [sx, sy] = inverse(x, y);
      const g = texture(sx, sy);
      for (let c = 0; c < 3; c++) data[3 * (y * W + x) + c] = Math.round(255 * (0.1 + 0.8 * g) - 8 * c);
    }
  }
  return { data, width: W, height: H };
}

/** Mean end-point error against a flow given as a function, over the interior (content enters at the border). */
function interiorEpe(f: FlowField, truth: (x: number, y: number) => [number, number], margin = 12): number {
  let s = 0;
  let n = 0;
  for (let y = margin; y < H - margin; y++) {
    for (let x = margin; x < W - margin; x++) {
      const [u, v] = truth(x, y);
      s += Math.hypot(f.u[y * W + x] - u, f.v[y * W + x] - v);
      n++;
    }
  }
  return s / n;
}

test('DIS gives zero flow on a static pair', () => {
  const a = render((x, y) => [x, y]);
  const f = estimateFlowDis(a, a);
  assert.ok(interiorEpe(f, () => [0, 0], 0) < 1e-3);
});

test('DIS recovers sub-pixel and multi-pixel translations on a textured image', () => {
  const a = render((x, y) => [x, y]);
  for (const [tx, ty] of [[0.4, -0.3], [3, -2], [-6.5, 4.25]]) {
    const b = render((x, y) => [x - tx, y - ty]);
    const epe = interiorEpe(estimateFlowDis(a, b), () => [tx, ty]);
    assert.ok(epe < 0.1, `translation (${tx}, ${ty}): EPE ${epe.toFixed(3)} px`);
  }
});

test('DIS recovers an affine flow (zoom and rotation about the centre)', () => {
  const c = [W / 2, H / 2];
  const s = 1.03;
  const th = 0.02;
  // m(p) = c + s R (p - c); the flow at p is m(p) - p.
  const fwd = (x: number, y: number): [number, number] => {
    const dx = x - c[0];
    const dy = y - c[1];
    return [c[0] + s * (Math.cos(th) * dx - Math.sin(th) * dy) - x, c[1] + s * (Math.sin(th) * dx + Math.cos(th) * dy) - y];
  };
  const inv = (x: number, y: number): [number, number] => {
    const dx = (x - c[0]) / s;
    const dy = (y - c[1]) / s;
    return [c[0] + Math.cos(th) * dx + Math.sin(th) * dy, c[1] - Math.sin(th) * dx + Math.cos(th) * dy];
  };
  const a = render((x, y) => [x, y]);
  const b = render(inv);
  const epe = interiorEpe(estimateFlowDis(a, b), fwd);
  assert.ok(epe < 0.15, `affine: EPE ${epe.toFixed(3)} px`);
});

test('trueFlow: a pure sideways camera move shifts a fronto-parallel plane by f * t / z', () => {
  const K = { fx: 100, fy: 100, cx: 31.5, cy: 23.5 };
  const depth = { data: new Float32Array(64 * 48).fill(5), width: 64, height: 48 };
  const eye = (tx: number) => Float64Array.from([1, 0, 0, tx, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const { flow, valid } = trueFlow(depth, eye(0), eye(0.1), K, depth);
  // The camera moves +x, so the scene moves -x in the image by fx * 0.1 / 5 = 2 px.
  assert.ok(flow.u.every((u) => Math.abs(u + 2) < 1e-5) && flow.v.every((v) => Math.abs(v) < 1e-6));
  // The scene moves left, so the left-most columns leave the frame (x = 2 lands on its edge, within rounding).
  for (let y = 0; y < 48; y++) {
    assert.equal(valid[y * 64 + 1], 0, 'lands at x = -1');
    assert.equal(valid[y * 64 + 3], 1, 'lands at x = 1');
    assert.equal(valid[y * 64 + 63], 1);
  }
  assert.equal(endPointError(flow, flow, valid), 0);
});

const SYNTH = [['room', 'pan'], ['room', 'forward'], ['corridor', 'orbit']] as const;

/** Frames 10 and 11 of a synth clip rendered at w x h, and the EPE of a flow of that pair against its exact flow. */
function synthPair(scene: 'room' | 'corridor', motion: 'pan' | 'forward' | 'orbit', w: number, h: number): { a: RgbImage; b: RgbImage; epe: (f: FlowField) => number } {
  const plan = planSynth({ scene, motion, frames: 24, width: w, height: h, fov: 70, seed: 1 });
  const [fa, fb] = [10, 11].map((i) => renderFrame(plan.scene, plan.poses[i], plan.K, w, h));
  const truth = trueFlow({ data: fa.depth, width: w, height: h }, poseMatrix(plan.poses[10]), poseMatrix(plan.poses[11]), plan.K, { data: fb.depth, width: w, height: h });
  return { a: fa.rgb, b: fb.rgb, epe: (f) => endPointError(f, truth.flow, truth.valid) };
}

test('on synth clips DIS matches or beats Lucas-Kanade against the exact flow', () => {
  for (const [scene, motion] of SYNTH) {
    const { a, b, epe } = synthPair(scene, motion, 160, 120);
    const dis = epe(estimateFlowDis(a, b));
    const lk = epe(estimateFlow(a, b));
    assert.ok(dis <= lk, `${scene}/${motion}: DIS EPE ${dis.toFixed(3)} px, LK ${lk.toFixed(3)} px`);
    assert.ok(dis < 1.5, `${scene}/${motion}: DIS EPE ${dis.toFixed(3)} px`);
  }
});

test('the default preset is fine, and estimateFlowDis without options runs it', () => {
  assert.equal(DEFAULT_DIS_PRESET, 'fine');
  const [a, b] = [render((x, y) => [x, y]), render((x, y) => [x - 2.5, y + 1.25])];
  assert.deepEqual(estimateFlowDis(a, b), estimateFlowDis(a, b, DIS_PRESETS.fine));
});

test('presets on synth pairs at 320x240: medium beats Lucas-Kanade on every clip, fast on pan and orbit, and fine is the most accurate', () => {
  // Measured (2026-12-06): fast / medium / fine / LK = pan 0.77 / 0.26 / 0.13 / 5.8, forward 1.53 / 0.82 / 0.47 / 1.48,
  // orbit 0.90 / 0.38 / 0.17 / 2.7 px. Fast loses to LK on forward by 4 %, so it is not asserted there.
  for (const [scene, motion] of SYNTH) {
    const { a, b, epe } = synthPair(scene, motion, 320, 240);
    const [fast, medium, fine] = (['fast', 'medium', 'fine'] as const).map((p) => epe(estimateFlowDis(a, b, DIS_PRESETS[p])));
    const lk = epe(estimateFlow(a, b));
    const got = `${scene}/${motion}: fast ${fast.toFixed(3)}, medium ${medium.toFixed(3)}, fine ${fine.toFixed(3)}, LK ${lk.toFixed(3)} px`;
    assert.ok(medium < lk, got);
    if (motion !== 'forward') assert.ok(fast < lk, got);
    assert.ok(fine < medium && medium < fast, got);
    assert.ok(fast < 2, got);
  }
});
