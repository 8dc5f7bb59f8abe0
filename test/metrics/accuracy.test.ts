import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  computeMetrics,
  evaluateImage,
  meanMetrics,
  METRIC_NAMES,
  sanitizePrediction,
  validMask,
  type Metrics,
} from '../../src/metrics/accuracy.js';
import { applyAlignment, fitAlignment, medianInPlace, type AlignMode, type AlignSpace, type Alignment } from '../../src/metrics/align.js';
import { resolveCrop, type CropName } from '../../src/metrics/crop.js';
import { resizeBilinear } from '../../src/metrics/resize.js';
import type { DepthMap } from '../../src/metrics/types.js';
import { DepthkitError } from '../../src/errors.js';

// The committed inputs and the outputs of test/reference/metrics_ref.py (numpy); see that script for the cases.
const REF_DIR = path.join(import.meta.dirname, '..', 'reference', 'metrics');
const REF_SCRIPT = path.join(import.meta.dirname, '..', 'reference', 'metrics_ref.py');

type Num = number | null;
interface Generated { seed: number; width: number; height: number; gt_max: number }
interface CaseSpec {
  name: string;
  gt?: string;
  pred?: string;
  generate?: Generated;
  min_depth: number;
  max_depth: number;
  crop: CropName;
  dataset: 'kitti' | 'nyu' | null;
  align: AlignMode;
  space: AlignSpace;
}
interface RefAlignment { scale: number; shift: number; pixels: number; degenerate: boolean; space: AlignSpace }
interface RefCase {
  metrics: Record<string, Num>;
  valid_pixels: number;
  alignment: RefAlignment;
  resized: boolean;
  crop: { top: number; bottom: number; left: number; right: number } | null;
  checksum?: Record<string, number>;
}
interface Spec {
  cases: CaseSpec[];
  sequences: { name: string; frames: { gt: string; pred: string }[]; min_depth: number; max_depth: number; align: AlignMode; space: AlignSpace }[];
  resize: { name: string; src: string; width: number; height: number }[];
}
interface Expected {
  cases: Record<string, RefCase>;
  sequences: Record<string, { alignment: RefAlignment; frames: Record<string, Num>[]; mean: Record<string, number> }>;
  resize: Record<string, Num[]>;
}

const spec = JSON.parse(readFileSync(path.join(REF_DIR, 'cases.json'), 'utf8')) as Spec;
const expected = JSON.parse(readFileSync(path.join(REF_DIR, 'expected.json'), 'utf8')) as Expected;

/** Reads the float32 little-endian C-order .npy files the reference script writes (nothing more general). */
function loadNpy(name: string): DepthMap {
  const buf = readFileSync(path.join(REF_DIR, `${name}.npy`));
  const headerLen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + headerLen).toString('latin1');
  assert.match(header, /'descr': '<f4'/);
  assert.match(header, /'fortran_order': False/);
  const [height, width] = /'shape': \((\d+), (\d+)\)/.exec(header)!.slice(1).map(Number);
  const bytes = buf.subarray(10 + headerLen);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  assert.equal(data.length, width * height);
  return { data, width, height };
}

/** The reference's hash_unit: murmur3 finaliser over uint32, top 24 bits as a fraction (exact in float32). */
function hashUnit(n: number, stream: number): Float64Array {
  const out = new Float64Array(n);
  const salt = Math.imul(stream, 0x632be5ab);
  for (let i = 0; i < n; i++) {
    let x = (Math.imul(i, 0x9e3779b1) + salt) >>> 0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x85ebca6b) >>> 0;
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35) >>> 0;
    x ^= x >>> 16;
    out[i] = (x >>> 8) / 16777216;
  }
  return out;
}

/** The reference's hashed_pair, operation for operation, so that float32 results agree bit for bit. */
function hashedPair(g: Generated): { gt: DepthMap; pred: DepthMap } {
  const n = g.width * g.height;
  const [u0, u1, u2, u3] = [0, 1, 2, 3].map((k) => hashUnit(n, g.seed * 4 + k));
  const gt = new Float32Array(n);
  const pred = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const base = 0.5 + u0[i] * (g.gt_max * 1.15);
    gt[i] = u1[i] < 0.06 ? 0 : base;
    const u = u3[i];
    pred[i] = u < 0.01 ? NaN : u < 0.015 ? Infinity : u < 0.02 ? -Infinity : u < 0.03 ? -base : u < 0.035 ? 0 : base * (0.6 + 0.8 * u2[i]);
  }
  return { gt: { data: gt, width: g.width, height: g.height }, pred: { data: pred, width: g.width, height: g.height } };
}

function checksum(gt: Float32Array, pred: Float32Array): Record<string, number> {
  let gtSum = 0;
  let predSum = 0;
  let nonFinite = 0;
  for (let i = 0; i < gt.length; i++) gtSum += gt[i];
  for (let i = 0; i < pred.length; i++) {
    if (Number.isFinite(pred[i])) predSum += pred[i];
    else nonFinite++;
  }
  return { gt_sum: gtSum, pred_finite_sum: predSum, pred_nonfinite: nonFinite, gt_at_777: gt[777], pred_at_4321: pred[4321] };
}

/** 1e-6 relative, 1e-9 absolute near zero; null in the reference (JSON for NaN) must be NaN here. */
function assertClose(actual: number, want: Num, where: string, rel = 1e-6): void {
  if (want === null) {
    assert.ok(Number.isNaN(actual), `${where}: expected NaN, got ${actual}`);
    return;
  }
  const tol = Math.max(rel * Math.abs(want), rel === 0 ? 0 : 1e-9);
  assert.ok(Math.abs(actual - want) <= tol, `${where}: got ${actual}, numpy ${want} (|diff| ${Math.abs(actual - want)})`);
}

function assertMetrics(actual: Metrics, want: Record<string, Num>, where: string): void {
  for (const k of METRIC_NAMES) assertClose(actual[k], want[k], `${where} ${k}`);
}

function assertAlignment(actual: Alignment, want: RefAlignment, where: string): void {
  assertClose(actual.scale, want.scale, `${where} scale`);
  assertClose(actual.shift, want.shift, `${where} shift`);
  assert.equal(actual.pixels, want.pixels, `${where} fit pixels`);
  assert.equal(actual.degenerate, want.degenerate, `${where} degenerate`);
  assert.equal(actual.space, want.space, `${where} space`);
}

test('every image case matches the numpy reference (crops, alignment modes x spaces, resize, KITTI and NYU sizes)', () => {
  assert.equal(Object.keys(expected.cases).length, spec.cases.length);
  for (const c of spec.cases) {
    const want = expected.cases[c.name];
    let gt: DepthMap;
    let pred: DepthMap;
    if (c.generate) {
      ({ gt, pred } = hashedPair(c.generate));
      const sums = checksum(gt.data, pred.data);
      for (const [k, v] of Object.entries(want.checksum!)) assertClose(sums[k], v, `${c.name}: generated input ${k} (JS and numpy generators disagree)`, 1e-12);
    } else {
      gt = loadNpy(c.gt!);
      pred = loadNpy(c.pred!);
    }
    const crop = resolveCrop(c.crop, c.dataset ?? undefined, gt.width, gt.height);
    assert.deepEqual(crop, want.crop, `${c.name}: crop`);
    const r = evaluateImage(pred, gt, { minDepth: c.min_depth, maxDepth: c.max_depth, crop, align: c.align, alignSpace: c.space, predLayout: 'resize' });
    assert.equal(r.valid_pixels, want.valid_pixels, `${c.name}: valid pixels`);
    assert.equal(r.resized, want.resized, `${c.name}: resized`);
    assertAlignment(r.alignment, want.alignment, c.name);
    assertMetrics(r.metrics, want.metrics, c.name);
  }
});

test('sequence-scope alignment (one fit over all frames) matches the numpy reference', () => {
  for (const s of spec.sequences) {
    const want = expected.sequences[s.name];
    const range = { minDepth: s.min_depth, maxDepth: s.max_depth };
    const frames = s.frames.map((f) => {
      const gt = loadNpy(f.gt);
      return { pred: loadNpy(f.pred).data, gt: gt.data, mask: validMask(gt, range, null) };
    });
    const a = fitAlignment(frames, s.align, s.space);
    assertAlignment(a, want.alignment, s.name);
    const rows = frames.map((f, i) => {
      const aligned = s.align === 'none' ? f.pred : applyAlignment(f.pred, a, range.maxDepth);
      const m = computeMetrics(sanitizePrediction(aligned, range), f.gt, f.mask);
      assertMetrics(m, want.frames[i], `${s.name} frame ${i}`);
      return m;
    });
    assertMetrics(meanMetrics(rows), want.mean, `${s.name} mean`);
  }
});

test('bilinear resize matches the numpy reference value for value, NaN spreading included', () => {
  for (const r of spec.resize) {
    const out = resizeBilinear(loadNpy(r.src), r.width, r.height);
    const want = expected.resize[r.name];
    assert.equal(out.data.length, want.length, r.name);
    out.data.forEach((v, i) => assertClose(v, want[i], `${r.name}[${i}]`));
  }
});

test('bilinear resize reproduces torch interpolate(align_corners=False) on the 2x2 -> 4x4 example', () => {
  const out = resizeBilinear({ data: Float32Array.of(1, 2, 3, 4), width: 2, height: 2 }, 4, 4);
  assert.deepEqual(Array.from(out.data), [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
  assert.throws(() => resizeBilinear(out, 0, 3), DepthkitError);
});

test('the reference script, re-run, reproduces the committed expected.json', (t) => {
  try {
    execFileSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  } catch {
    t.skip('python3 with numpy is not available');
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-metrics-ref-'));
  try {
    const out = path.join(dir, 'expected.json');
    execFileSync('python3', [REF_SCRIPT, 'expect', REF_DIR, out], { stdio: ['ignore', 'ignore', 'pipe'] });
    const fresh = JSON.parse(readFileSync(out, 'utf8')) as Expected & { numpy: string };
    // Another numpy may round the last bit differently (pairwise sums, SIMD log): equal to 1e-12, not byte for byte.
    const compare = (a: unknown, b: unknown, where: string): void => {
      if (typeof b === 'number' && typeof a === 'number') assertClose(a, b, where, 1e-12);
      else if (b !== null && typeof b === 'object') {
        assert.deepEqual(Object.keys(a as object), Object.keys(b), where);
        for (const k of Object.keys(b)) compare((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
      } else assert.equal(a, b, where);
    };
    const { numpy: _version, ...rest } = fresh;
    const { numpy: _committed, ...committed } = expected as Expected & { numpy: string };
    compare(rest, committed, 'expected');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('KITTI crops truncate the fractions like int(); 375x1242 garg is rows 153:371, cols 44:1197', () => {
  assert.deepEqual(resolveCrop('garg', 'kitti', 1242, 375), { top: 153, bottom: 371, left: 44, right: 1197 });
  assert.deepEqual(resolveCrop('garg', undefined, 1242, 375), { top: 153, bottom: 371, left: 44, right: 1197 });
  assert.deepEqual(resolveCrop('eigen', 'kitti', 1242, 375), { top: 124, bottom: 342, left: 44, right: 1197 });
  assert.deepEqual(resolveCrop('garg', 'kitti', 1224, 370), { top: 151, bottom: 366, left: 43, right: 1180 });
  assert.deepEqual(resolveCrop('eigen', 'nyu', 640, 480), { top: 45, bottom: 471, left: 41, right: 601 });
  assert.equal(resolveCrop('none', 'nyu', 10, 10), null);
});

test('crops that do not exist are DepthkitErrors that say why', () => {
  assert.throws(() => resolveCrop('eigen', 'nyu', 1242, 375), (e) => e instanceof DepthkitError && /480x640/.test(e.message));
  assert.throws(() => resolveCrop('eigen', undefined, 640, 480), (e) => e instanceof DepthkitError && /kitti or nyu/.test(e.message));
  assert.throws(() => resolveCrop('garg', 'nyu', 640, 480), (e) => e instanceof DepthkitError && /KITTI only/.test(e.message));
});

const opts = { minDepth: 1e-3, maxDepth: 80, crop: null, align: 'none' as AlignMode, alignSpace: 'depth' as AlignSpace };

function rampMap(width: number, height: number): DepthMap {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = 0.5 + ((i * 7919) % 1000) / 20;
  return { data, width, height };
}

test('ground truth against itself is perfect: zero errors, every delta 1', () => {
  const gt = rampMap(23, 17);
  const r = evaluateImage({ ...gt, data: gt.data.slice() }, gt, opts);
  assert.equal(r.valid_pixels, 23 * 17);
  for (const k of METRIC_NAMES) assert.equal(r.metrics[k], k.startsWith('d') ? 1 : 0, k);
});

test('a prediction twice too far is perfect after median alignment (scale 0.5), and its silog is ~0 without it', () => {
  const gt = rampMap(24, 16);
  const pred = { ...gt, data: gt.data.map((v) => 2 * v) };
  const r = evaluateImage(pred, gt, { ...opts, align: 'median' });
  assert.equal(r.alignment.scale, 0.5);
  for (const k of METRIC_NAMES) assert.equal(r.metrics[k], k.startsWith('d') ? 1 : 0, k);
  const raw = evaluateImage(pred, gt, { ...opts, maxDepth: 1000 });
  // Only the last-bit noise of ln(2g) - ln(g) remains (about 2e-14); the literal formula gave 4e-6.
  assert.ok(raw.metrics.silog < 1e-9, `silog ${raw.metrics.silog}`);
  assert.ok(Math.abs(raw.metrics.abs_rel - 1) < 1e-12, `abs_rel ${raw.metrics.abs_rel}`);
  assert.deepEqual(pred.data, gt.data.map((v) => 2 * v), 'the caller\'s prediction is not modified');
});

test('degenerate fits are flagged identities, never NaN', () => {
  const gt = rampMap(8, 8);
  const constant = { ...gt, data: new Float32Array(64).fill(3) };
  for (const space of ['depth', 'disparity'] as const) {
    const r = evaluateImage(constant, gt, { ...opts, align: 'scale-shift', alignSpace: space });
    assert.deepEqual({ scale: r.alignment.scale, shift: r.alignment.shift, degenerate: r.alignment.degenerate }, { scale: 1, shift: 0, degenerate: true });
    for (const k of METRIC_NAMES) assert.ok(Number.isFinite(r.metrics[k]), k);
  }
  const allNaN = { ...gt, data: new Float32Array(64).fill(NaN) };
  const m = evaluateImage(allNaN, gt, { ...opts, align: 'median' });
  assert.equal(m.alignment.degenerate, true);
  assert.ok(Number.isFinite(m.metrics.abs_rel), `abs_rel ${m.metrics.abs_rel}`);
});

test('no valid ground-truth pixel gives valid_pixels 0 and NaN metrics; meanMetrics of nothing throws', () => {
  const gt = { data: new Float32Array(12).fill(0), width: 4, height: 3 };
  const r = evaluateImage(rampMap(4, 3), gt, { ...opts, align: 'scale' });
  assert.equal(r.valid_pixels, 0);
  for (const k of METRIC_NAMES) assert.ok(Number.isNaN(r.metrics[k]), k);
  assert.throws(() => meanMetrics([]), DepthkitError);
});

test('sanitizePrediction: NaN and -Inf to min, +Inf to max, clamp, new array unless told otherwise', () => {
  const pred = Float32Array.of(NaN, Infinity, -Infinity, -1, 0, 5, 100);
  const out = sanitizePrediction(pred, { minDepth: 0.5, maxDepth: 80 });
  assert.deepEqual(Array.from(out), [0.5, 80, 0.5, 0.5, 0.5, 5, 80]);
  assert.ok(Number.isNaN(pred[0]), 'the input is left as it was');
  assert.equal(sanitizePrediction(pred, { minDepth: 0.5, maxDepth: 80 }, pred), pred);
});

test('medianInPlace equals the sorted-array median (numpy definition) for any input, duplicates included', () => {
  const floats = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 300 });
  const dupes = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 300 });
  fc.assert(
    fc.property(fc.oneof(floats, dupes), (values) => {
      const a = Float32Array.from(values);
      const sorted = a.slice().sort();
      const n = a.length;
      const want = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      assert.equal(medianInPlace(a), want);
    }),
    { numRuns: 300 },
  );
});
