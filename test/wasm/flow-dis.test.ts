import { test } from 'node:test';
import assert from 'node:assert/strict';
import { densify } from '../../src/metrics/flow-dis-densify.js';
import { greyPlane, halve, resizeField, sobel } from '../../src/metrics/flow-dis-pyramid.js';
import { refine } from '../../src/metrics/flow-dis-refine.js';
import { patchSearch } from '../../src/metrics/flow-dis-search.js';
import type { RgbImage } from '../../src/metrics/types.js';
import type { FlowField } from '../../src/metrics/warp.js';
import { valueNoise } from '../../src/synth/texture.js';
import { greyPlaneReference, halveReference, resizeFieldReference, shrinkRgbReference, sobelReference } from './flow-dis-pyramid-reference.js';
import { shrinkRgb } from '../../src/metrics/flow-pair.js';
import { dataTermsReference, solveReference } from './flow-dis-refine-reference.js';
import { densifyReference, patchSearchReference } from './flow-dis-search-reference.js';

/** A textured frame shifted by (tx, ty) px, and a rough start field (the shift plus seeded noise) to refine. */
function scene(w: number, h: number, tx: number, ty: number): { a: RgbImage; b: RgbImage; f: FlowField } {
  const frame = (dx: number, dy: number): RgbImage => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0, j = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const g = valueNoise((x - dx) / 4 + 20, (y - dy) / 4 + 20, 7);
        for (let c = 0; c < 3; c++, j++) data[j] = Math.round(255 * (0.1 + 0.8 * g) - 8 * c);
      }
    }
    return { data, width: w, height: h };
  };
  const u = new Float32Array(w * h);
  const v = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    u[i] = tx + 0.6 * (valueNoise(i % w, Math.floor(i / w), 3) - 0.5);
    v[i] = ty + 0.6 * (valueNoise(i % w, Math.floor(i / w), 5) - 0.5);
  }
  return { a: frame(0, 0), b: frame(tx, ty), f: { u, v, width: w, height: h } };
}

test('the WebAssembly refinement (data terms and solver) gives the TypeScript reference\'s field bit for bit', () => {
  const weights = { alpha: 20, delta: 5, gamma: 10 };
  // Odd and even widths (the red-black colouring of a row depends on it), one a scale of the default flow size.
  for (const [w, h, tx, ty] of [[80, 60, 1.5, -0.75], [37, 23, -2, 1], [3, 3, 0.25, 0]]) {
    const { a, b, f } = scene(w, h, tx, ty);
    const pa = greyPlane(a);
    const pb = greyPlane(b);
    const wasm = { ...f, u: f.u.slice(), v: f.v.slice() };
    const ts = { ...f, u: f.u.slice(), v: f.v.slice() };
    refine(pa, pb, wasm, 5, weights);
    solveReference(dataTermsReference(pa, pb, ts), ts, 5, weights);
    assert.notDeepEqual(wasm.u, f.u, 'the refinement moved the field');
    assert.deepEqual(wasm.u, ts.u, `${w}x${h}: u`);
    assert.deepEqual(wasm.v, ts.v, `${w}x${h}: v`);
  }
});

test('the WebAssembly patch search and densification give the TypeScript reference\'s flows bit for bit', () => {
  // Patches of 8 (two vectors a row) and, on the 6 px high frame, of 6 (a partial vector a row).
  for (const [w, h, tx, ty, stride] of [[80, 60, 2.5, -1.25, 3], [45, 29, -3, 2, 4], [8, 8, 0.5, 0.5, 3], [23, 6, 1.5, 0.25, 3]]) {
    const { a, b, f } = scene(w, h, tx, ty);
    const pa = greyPlane(a);
    const sc = { a: pa, b: greyPlane(b), ...sobel(pa) };
    const wasm = patchSearch(sc, f, 8, stride, 25);
    const ts = patchSearchReference(sc, f, 8, stride, 25);
    assert.deepEqual(wasm, ts, `${w}x${h}: patch flows`);
    const ps = Math.min(8, w, h);
    const dense = densify(sc.a, sc.b, wasm, ps);
    assert.deepEqual(dense, densifyReference(sc.a, sc.b, ts, ps), `${w}x${h}: dense field`);
    assert.ok(dense.u.some((x) => x !== 0), 'the search found motion');
  }
});

test('the WebAssembly grey conversion, pyramid, gradients and field resampling give the TypeScript reference\'s planes bit for bit', () => {
  for (const [w, h, tx, ty] of [[80, 60, 1.5, -0.75], [37, 23, -2, 1], [3, 2, 0.25, 0], [1, 1, 0, 0]]) {
    const { a, f } = scene(w, h, tx, ty);
    const grey = greyPlane(a);
    assert.deepEqual(grey, greyPlaneReference(a), `${w}x${h}: grey`);
    assert.deepEqual(halve(grey), halveReference(grey), `${w}x${h}: halved`);
    assert.deepEqual(sobel(grey), sobelReference(grey), `${w}x${h}: gradients`);
    // Up (a scale finer), down, to one pixel, one row and one column.
    for (const [W, H] of [[2 * w, 2 * h], [Math.ceil(w / 3), Math.ceil(h / 3)], [1, 1], [w + 5, 1], [1, h + 3]]) {
      assert.deepEqual(resizeField(f, W, H), resizeFieldReference(f, W, H), `${w}x${h} -> ${W}x${H}: field`);
    }
  }
});

test('the WebAssembly area shrink of an RGB frame gives the TypeScript reference\'s bytes bit for bit', () => {
  // Integer factors (the default flow size's 2x), fractional ones whose taps straddle pixels, and one pixel.
  for (const [w, h, W, H] of [[80, 60, 40, 30], [37, 23, 16, 10], [45, 29, 45, 7], [9, 5, 1, 1], [7, 7, 3, 7]]) {
    const { a } = scene(w, h, 1, 1);
    const got = shrinkRgb(a, W, H);
    assert.deepEqual(got, shrinkRgbReference(a, W, H), `${w}x${h} -> ${W}x${H}`);
    assert.ok(got.data.some((v) => v !== got.data[0]), 'the frame is not flat');
  }
});
