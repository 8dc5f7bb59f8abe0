import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeNpy } from '../../src/io/npy.js';
import { temporalChangeConsistency, temporalScores, flickerPair } from '../../src/metrics/temporal.js';
import { temporalAlignmentError, type Intrinsics } from '../../src/metrics/tae.js';
import type { FlowField, PairFlows } from '../../src/metrics/warp.js';
import type { DepthMap, Mask, RgbImage } from '../../src/metrics/types.js';

// Inputs and outputs of test/reference/temporal_ref.py (numpy); see that script for the definitions it implements.
const REF_DIR = path.join(import.meta.dirname, '..', 'reference', 'temporal');
const REF_SCRIPT = path.join(import.meta.dirname, '..', 'reference', 'temporal_ref.py');

function close(actual: number, expected: number | null, what: string, rel = 1e-6): void {
  if (expected === null) return assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
  const tol = rel * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs reference ${expected}`);
}

/** Splits an (N, ...) array into N equal typed-array slices. */
function frames(data: Float32Array, count: number): Float32Array[] {
  const size = data.length / count;
  return Array.from({ length: count }, (_, k) => data.slice(k * size, (k + 1) * size));
}

/** A plain Uint8Array copy: Node's Buffer.slice shares memory, which decodeNpy's typed-array views must not see. */
function loadNpy(name: string) {
  const file = path.join(REF_DIR, name);
  return decodeNpy(new Uint8Array(readFileSync(file)), file);
}

function loadReference() {
  const [depth, images, toPrev, toNext, taeDepth, poses, masks] = [
    'depth', 'images', 'to_prev', 'to_next', 'tae_depth', 'poses', 'tae_masks',
  ].map((n) => loadNpy(`${n}.npy`));
  const [T, height, width] = depth.shape;
  const map = (data: Float32Array): DepthMap => ({ data, width, height });
  const flow = (data: Float32Array): FlowField => ({ u: data.slice(0, width * height), v: data.slice(width * height), width, height });
  const prevFlows = frames(toPrev.data, T - 1).map(flow);
  const nextFlows = frames(toNext.data, T - 1).map(flow);
  return {
    depths: frames(depth.data, T).map(map),
    images: frames(images.data, T).map((d): RgbImage => ({ data: Uint8Array.from(d), width, height })),
    flows: prevFlows.map((p, k): PairFlows => ({ toPrev: p, toNext: nextFlows[k] })),
    taeDepths: frames(taeDepth.data, T).map(map),
    poses: frames(poses.data, T).map((p) => Float64Array.from(p)),
    masks: frames(masks.data, T).map((m): Mask => Uint8Array.from(m)),
    K: JSON.parse(readFileSync(path.join(REF_DIR, 'intrinsics.json'), 'utf8')) as Intrinsics,
  };
}

const expected = JSON.parse(readFileSync(path.join(REF_DIR, 'expected.json'), 'utf8'));

test('OPW, rTC and flicker match the numpy reference (same flow fields as input)', () => {
  const ref = loadReference();
  const got = temporalScores(ref.depths, ref.images, ref.flows);
  const want = expected.flow_metrics;
  for (const key of ['opw', 'rtc_101', 'rtc_105', 'flicker'] as const) close(got[key], want[key], key);
  got.pairs.forEach((pair, t) => {
    assert.equal(pair.validPixels, want.pairs[t].validPixels, `pair ${t} valid pixels`);
    for (const key of ['opw', 'rtc_101', 'rtc_105', 'flicker'] as const) close(pair[key], want.pairs[t][key], `pair ${t} ${key}`);
  });
});

test('TAE matches the numpy reference with and without z-buffer, and with masks + clamp', () => {
  const ref = loadReference();
  const cases = [
    ['tae_zbuffer', temporalAlignmentError(ref.taeDepths, ref.poses, ref.K)],
    ['tae_reference', temporalAlignmentError(ref.taeDepths, ref.poses, ref.K, { zbuffer: false })],
    [
      'tae_masked_clamped',
      temporalAlignmentError(ref.taeDepths, ref.poses, ref.K, { masks: ref.masks, clamp: { min: 1e-3, max: 3 } }),
    ],
  ] as const;
  for (const [name, got] of cases) {
    close(got.tae, expected[name].tae, name);
    got.pairs.forEach((p, i) => {
      close(p.forward, expected[name].pairs[i].forward, `${name} pair ${i} forward`);
      close(p.backward, expected[name].pairs[i].backward, `${name} pair ${i} backward`);
    });
  }
  // The committed scene has an occluder: the reference's last-write-wins scatter gives different numbers.
  assert.notEqual(cases[0][1].tae, cases[1][1].tae);
});

test('TCC matches the numpy reference and is 1 for the ground truth itself', () => {
  const load = (name: string): DepthMap[] => {
    const a = loadNpy(name);
    const [T, height, width] = a.shape;
    return frames(a.data, T).map((data) => ({ data, width, height }));
  };
  const gt = load('tcc_gt.npy');
  close(temporalChangeConsistency(load('tcc_pred.npy'), gt), expected.tcc.tcc, 'tcc');
  close(temporalChangeConsistency(gt, gt), 1, 'tcc of the ground truth', 1e-12);
});

test('the committed reference outputs are what temporal_ref.py computes', (t) => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  } catch {
    return t.skip('python3 with numpy not available');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-temporal-'));
  try {
    const out = path.join(dir, 'expected.json');
    execFileSync('python3', [REF_SCRIPT, 'expect', REF_DIR, out]);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- synthetic sequences with known answers
const W = 32;
const H = 24;
const SHIFT = { x: 2, y: 1 }; // px per frame, integer so that bilinear warps are exact

/** Deterministic uniform [-1, 1] per (index, stream), so injected noise is reproducible. */
function noise(i: number, stream: number): number {
  let x = (Math.imul(i, 0x9e3779b1) + Math.imul(stream + 1, 0x632be5ab)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (((x ^ (x >>> 16)) >>> 0) / 2 ** 32) * 2 - 1;
}

/**
 * A textured plane translating by SHIFT px a frame: depth and image are the same pattern moved. The depth pattern
 * is periodic over the frame, so every frame holds the same values and OPW's per-frame median/deviation agree.
 */
function translatingSequence(count: number): { depths: DepthMap[]; frames: RgbImage[]; flows: PairFlows[] } {
  const depthAt = (x: number, y: number) => 2 + 0.5 * Math.sin((2 * Math.PI * x) / W) + 0.3 * Math.cos((2 * Math.PI * y) / H);
  const depths: DepthMap[] = [];
  const frames: RgbImage[] = [];
  for (let t = 0; t < count; t++) {
    const data = new Float32Array(W * H);
    const rgb = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const X = x - SHIFT.x * t;
        const Y = y - SHIFT.y * t;
        data[y * W + x] = depthAt(X, Y);
        for (let c = 0; c < 3; c++) rgb[3 * (y * W + x) + c] = Math.round(127 + 100 * Math.sin(X * 0.7 + Y * 1.3 + c));
      }
    }
    depths.push({ data, width: W, height: H });
    frames.push({ data: rgb, width: W, height: H });
  }
  const constant = (u: number, v: number): FlowField => ({
    u: new Float32Array(W * H).fill(u),
    v: new Float32Array(W * H).fill(v),
    width: W,
    height: H,
  });
  const flows = Array.from({ length: count - 1 }, () => ({
    toPrev: constant(-SHIFT.x, -SHIFT.y),
    toNext: constant(SHIFT.x, SHIFT.y),
  }));
  return { depths, frames, flows };
}

/**
 * Camera sliding along x past a near box in front of a far wall; depth rendered exactly (shifts are whole px).
 * Up to 5 frames keep the box in view.
 */
const K: Intrinsics = { fx: 16, fy: 16, cx: 15.5, cy: 11.5 };
function boxScene(count: number): { depths: DepthMap[]; poses: Float64Array[] } {
  const depths: DepthMap[] = [];
  const poses: Float64Array[] = [];
  for (let t = 0; t < count; t++) {
    const cam = 0.5 * t;
    poses.push(Float64Array.from([1, 0, 0, cam, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]));
    const data = new Float32Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const bx = ((x - K.cx) * 2) / K.fx + cam;
        const by = ((y - K.cy) * 2) / K.fy;
        data[y * W + x] = Math.abs(bx) <= 0.5 && Math.abs(by) <= 0.4 ? 2 : 4;
      }
    }
    depths.push({ data, width: W, height: H });
  }
  return { depths, poses };
}

function scaled(depths: DepthMap[], factor: (t: number, i: number) => number): DepthMap[] {
  return depths.map((d, t) => ({ ...d, data: d.data.map((v, i) => v * factor(t, i)) }));
}

test('ground truth against itself: OPW 0, rTC 1, TAE 0 (z-buffer), flicker 0 on a static shot', () => {
  const seq = translatingSequence(5);
  const s = temporalScores(seq.depths, seq.frames, seq.flows);
  assert.ok(Math.abs(s.opw) < 1e-6, `opw ${s.opw}`);
  assert.equal(s.rtc_101, 1);
  assert.equal(s.rtc_105, 1);
  const still = Array.from({ length: 4 }, () => seq.depths[0]);
  assert.equal(flickerPair(still[0], still[1]), 0);
  const scene = boxScene(5);
  assert.ok(temporalAlignmentError(scene.depths, scene.poses, K).tae < 1e-9);
});

test('TAE: the reference scatter lets the wall show through the box; the z-buffer does not', () => {
  const scene = boxScene(4);
  const withZ = temporalAlignmentError(scene.depths, scene.poses, K);
  const without = temporalAlignmentError(scene.depths, scene.poses, K, { zbuffer: false });
  assert.ok(withZ.tae < 1e-9);
  assert.ok(without.tae > 0.1, `reference-mode TAE ${without.tae}`);
  // Moving right, the box's points come later in row-major order forwards and earlier backwards.
  assert.ok(without.pairs.every((p) => p.forward < 1e-12 && p.backward > 0.01));
});

test('per-pixel multiplicative flicker raises OPW, flicker and TAE and lowers rTC and TCC monotonically', () => {
  const seq = translatingSequence(5);
  const scene = boxScene(5);
  const rows = [0, 0.01, 0.05, 0.1, 0.2].map((a) => {
    const factor = (t: number, i: number) => 1 + a * noise(i, t);
    const s = temporalScores(scaled(seq.depths, factor), seq.frames, seq.flows);
    const still = scaled(Array.from({ length: 5 }, () => seq.depths[0]), factor);
    const flicker = still.slice(1).reduce((sum, d, t) => sum + flickerPair(still[t], d), 0) / 4;
    const tcc = temporalChangeConsistency(scaled(seq.depths, factor), seq.depths);
    return { ...s, flicker, tcc, tae: temporalAlignmentError(scaled(scene.depths, factor), scene.poses, K).tae };
  });
  for (let k = 1; k < rows.length; k++) {
    const [a, b] = [rows[k - 1], rows[k]];
    assert.ok(b.tcc < a.tcc, `tcc ${a.tcc} -> ${b.tcc}`);
    assert.ok(b.opw > a.opw, `opw ${a.opw} -> ${b.opw}`);
    assert.ok(b.flicker > a.flicker, `flicker ${a.flicker} -> ${b.flicker}`);
    assert.ok(b.tae > a.tae, `tae ${a.tae} -> ${b.tae}`);
    assert.ok(b.rtc_105 <= a.rtc_105 && b.rtc_101 <= a.rtc_101, `rtc ${a.rtc_101}/${a.rtc_105} -> ${b.rtc_101}/${b.rtc_105}`);
  }
  assert.ok(rows[4].rtc_101 < rows[1].rtc_101 && rows[4].rtc_105 < rows[1].rtc_105);
});

test('frame-wide flicker leaves OPW unchanged (normalised per frame) but shows in rTC, flicker and TAE', () => {
  const seq = translatingSequence(5);
  const scene = boxScene(5);
  const clean = temporalScores(seq.depths, seq.frames, seq.flows);
  const rows = [0.01, 0.05, 0.1, 0.2].map((a) => {
    const factor = (t: number) => 1 + a * (t % 2 ? 1 : -1);
    const s = temporalScores(scaled(seq.depths, factor), seq.frames, seq.flows);
    assert.ok(Math.abs(s.opw - clean.opw) < 1e-6, `opw ${s.opw}`);
    return { ...s, tae: temporalAlignmentError(scaled(scene.depths, factor), scene.poses, K).tae };
  });
  for (let k = 1; k < rows.length; k++) {
    assert.ok(rows[k].flicker > rows[k - 1].flicker);
    assert.ok(rows[k].tae > rows[k - 1].tae);
    assert.ok(rows[k].rtc_105 <= rows[k - 1].rtc_105);
  }
  assert.equal(rows[0].rtc_101, 0); // (1.01 / 0.99) is past the 1.01 threshold everywhere
  assert.equal(rows[3].rtc_105, 0);
});

test('a scale drift over the sequence raises TAE', () => {
  const scene = boxScene(5); // a sixth frame would lose the box out of view: its wall would then show through
  const taes = [0, 0.01, 0.03].map((rate) => temporalAlignmentError(scaled(scene.depths, (t) => 1 + rate * t), scene.poses, K).tae);
  assert.ok(taes[0] < 1e-9 && taes[1] > taes[0] && taes[2] > taes[1], taes.join(' '));
});

test('a constant depth video scores perfectly on OPW and rTC (so they never stand alone)', () => {
  const seq = translatingSequence(4);
  const flat = seq.depths.map((d) => ({ ...d, data: new Float32Array(W * H).fill(3) }));
  const s = temporalScores(flat, seq.frames, seq.flows);
  assert.equal(s.opw, 0);
  assert.equal(s.rtc_101, 1);
  assert.equal(s.rtc_105, 1);
});

test('masks restrict every score to the pixels kept in both frames', () => {
  const seq = translatingSequence(3);
  // Corrupt the right half of every frame, then mask it out: the scores are perfect again.
  const broken = scaled(seq.depths, (t, i) => (i % W >= W / 2 ? 1 + 0.3 * noise(i, t) : 1));
  const masks = seq.depths.map(() => Uint8Array.from({ length: W * H }, (_, i) => (i % W < W / 2 ? 1 : 0)));
  const unmasked = temporalScores(broken, seq.frames, seq.flows);
  const masked = temporalScores(broken, seq.frames, seq.flows, masks);
  assert.ok(unmasked.rtc_101 < 0.9 && unmasked.flicker > 0.01);
  assert.equal(masked.rtc_101, 1);
  assert.ok(masked.pairs.every((p) => p.validPixels < (W * H) / 2));
});
