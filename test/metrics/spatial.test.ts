import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeNpy } from '../../src/io/npy.js';
import { canny, distanceTransform } from '../../src/metrics/edges.js';
import { depthBoundaryErrors, edgeAwareSmoothness } from '../../src/metrics/spatial.js';
import type { DepthMap, RgbImage } from '../../src/metrics/types.js';

// Inputs and outputs of test/reference/spatial_ref.py (numpy + scipy); see that script for the definitions.
const REF_DIR = path.join(import.meta.dirname, '..', 'reference', 'spatial');
const REF_SCRIPT = path.join(import.meta.dirname, '..', 'reference', 'spatial_ref.py');

/** A plain Uint8Array copy: Node's Buffer.slice shares memory, which decodeNpy's typed-array views must not see. */
function loadNpy(name: string) {
  const file = path.join(REF_DIR, name);
  return decodeNpy(new Uint8Array(readFileSync(file)), file);
}

function loadMap(name: string): DepthMap {
  const a = loadNpy(name);
  return { data: a.data, width: a.shape[1], height: a.shape[0] };
}

const expected = JSON.parse(readFileSync(path.join(REF_DIR, 'expected.json'), 'utf8'));
const gt = loadMap('gt.npy');
const pred = loadMap('pred.npy');
const image: RgbImage = { data: Uint8Array.from(loadNpy('image.npy').data), width: gt.width, height: gt.height };

function close(actual: number, want: number, what: string, rel = 1e-6): void {
  assert.ok(Math.abs(actual - want) <= rel * Math.max(1, Math.abs(want)), `${what}: ${actual} vs reference ${want}`);
}

test('edge-aware smoothness matches the numpy reference (monodepth2 get_smooth_loss form)', () => {
  close(edgeAwareSmoothness(pred, image), expected.smoothness_pred, 'pred');
  const filled = { ...gt, data: gt.data.map((v) => (v > 0 ? v : 3)) };
  close(edgeAwareSmoothness(filled, image), expected.smoothness_gt, 'gt');
});

test('Canny edges equal the numpy (skimage-definition) edges and the distance transform is exact', () => {
  const w = gt.width;
  const h = gt.height;
  const valid = new Uint8Array(w * h).map((_, i) => (gt.data[i] > 0 ? 1 : 0));
  const normalised = (d: DepthMap) => {
    let lo = Infinity;
    let hi = -Infinity;
    d.data.forEach((v, i) => {
      if (valid[i]) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    });
    return Float64Array.from(d.data, (v, i) => (valid[i] ? (v - lo) / (hi - lo) : 0));
  };
  const opts = { sigma: Math.SQRT2, low: 0.1, high: 0.2, mask: valid };
  for (const [name, map] of [['gt', gt], ['pred', pred]] as const) {
    const edges = canny(normalised(map), w, h, opts);
    const ref = loadNpy(`edges_${name}_ref.npy`).data;
    const differing = edges.reduce((n, e, i) => n + (e !== ref[i] ? 1 : 0), 0);
    assert.equal(differing, 0, `${name}: ${differing} edge pixels differ`);
    assert.ok(edges.some((e) => e === 1));
  }
  const dist = distanceTransform(canny(normalised(gt), w, h, opts), w, h);
  const refDist = loadNpy('dist_gt_ref.npy').data;
  dist.forEach((d, i) => assert.equal(Math.fround(d), refDist[i], `distance at ${i}`));
});

test('DBE matches the numpy reference', () => {
  const got = depthBoundaryErrors(pred, gt);
  const want = expected.dbe;
  assert.equal(got.gtEdges, want.gtEdges);
  assert.equal(got.predEdges, want.predEdges);
  close(got.dbe_acc, want.dbe_acc, 'dbe_acc');
  close(got.dbe_comp, want.dbe_comp, 'dbe_comp');
});

test('DBE known answers: perfect prediction 0, no edge in the band 10, no true edge NaN', () => {
  const edges = expected.dbe.gtEdges;
  assert.deepEqual(depthBoundaryErrors(gt, gt), { dbe_acc: 0, dbe_comp: 0, gtEdges: edges, predEdges: edges });
  const flat = { ...gt, data: new Float32Array(gt.data.length).fill(2) };
  const none = depthBoundaryErrors(flat, gt);
  assert.equal(none.dbe_acc, 10);
  assert.equal(none.dbe_comp, 10);
  assert.ok(Number.isNaN(depthBoundaryErrors(gt, flat).dbe_acc));
  // Scale and shift do not matter: both maps are normalised to [0, 1].
  const affine = { ...pred, data: pred.data.map((v) => 3 * v + 1) };
  const base = depthBoundaryErrors(pred, gt);
  const moved = depthBoundaryErrors(affine, gt);
  close(moved.dbe_acc, base.dbe_acc, 'affine acc', 1e-5);
  close(moved.dbe_comp, base.dbe_comp, 'affine comp', 1e-5);
});

test('distance transform equals brute force on random sparse features', () => {
  const w = 23;
  const h = 17;
  let seed = 12345;
  const features = new Uint8Array(w * h).map(() => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % 29 === 0 ? 1 : 0;
  });
  const dist = distanceTransform(features, w, h);
  for (let i = 0; i < w * h; i++) {
    let best = Infinity;
    for (let j = 0; j < w * h; j++) {
      if (!features[j]) continue;
      const dx = (i % w) - (j % w);
      const dy = Math.floor(i / w) - Math.floor(j / w);
      best = Math.min(best, Math.sqrt(dx * dx + dy * dy));
    }
    assert.equal(dist[i], best);
  }
  assert.ok(distanceTransform(new Uint8Array(w * h), w, h).every((d) => d === Infinity));
});

test('smoothness: 0 for a constant map, and an edge costs less where the image has one', () => {
  const w = 20;
  const h = 10;
  const flat: DepthMap = { data: new Float32Array(w * h).fill(2), width: w, height: h };
  const grey: RgbImage = { data: new Uint8Array(w * h * 3).fill(128), width: w, height: h };
  assert.equal(edgeAwareSmoothness(flat, grey), 0);
  const step: DepthMap = { data: flat.data.map((_, i) => (i % w < w / 2 ? 1 : 3)), width: w, height: h };
  const edged: RgbImage = { data: grey.data.map((_, k) => (Math.floor(k / 3) % w < w / 2 ? 20 : 230)), width: w, height: h };
  assert.ok(edgeAwareSmoothness(step, edged) < edgeAwareSmoothness(step, grey));
});

test('the committed reference outputs are what spatial_ref.py computes', (t) => {
  try {
    execFileSync('python3', ['-c', 'import numpy, scipy'], { stdio: 'ignore' });
  } catch {
    return t.skip('python3 with numpy and scipy not available');
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'depthkit-spatial-'));
  try {
    for (const f of ['gt.npy', 'pred.npy', 'image.npy']) cpSync(path.join(REF_DIR, f), path.join(dir, f));
    execFileSync('python3', [REF_SCRIPT, 'expect', dir, path.join(dir, 'expected.json')]);
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')), expected);
    for (const f of ['edges_gt_ref.npy', 'edges_pred_ref.npy', 'dist_gt_ref.npy']) {
      assert.deepEqual(readFileSync(path.join(dir, f)), readFileSync(path.join(REF_DIR, f)), f);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
