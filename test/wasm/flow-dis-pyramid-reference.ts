import type { Plane } from '../../src/metrics/flow-dis-pyramid.js';
import { areaTaps } from '../../src/metrics/flow-pair.js';
import type { RgbImage } from '../../src/metrics/types.js';
import type { FlowField } from '../../src/metrics/warp.js';

// The TypeScript of DIS's per-pixel image work that src/metrics/flow-dis-pyramid.ts and flow-dis-refine.ts ran before
// it moved to WebAssembly (wasm/flow-dis-pyramid.ts), kept as the reference the WebAssembly build must match bit for
// bit (float64 arithmetic, float32 stores).

/**
 * Grey in [0, 255] (the unit OpenCV's DIS works in, which its penalties' constants assume): `toGrey`'s Rec. 601 luma,
 * rounded to float32 as toGrey stores it, times 255, in one pass.
 */
export function greyPlaneReference(img: RgbImage): Plane {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  const d = img.data;
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = Math.fround((0.299 * d[j] + 0.587 * d[j + 1] + 0.114 * d[j + 2]) / 255) * 255;
  return { data: out, width: img.width, height: img.height };
}

/** Halves a plane by 2x2 area averaging (an odd last row or column is dropped, as an integer-factor INTER_AREA). */
export function halveReference(p: Plane): Plane {
  const w = p.width >> 1;
  const h = p.height >> 1;
  const out = new Float32Array(w * h);
  const s = p.data;
  for (let y = 0; y < h; y++) {
    const r0 = 2 * y * p.width;
    const r1 = r0 + p.width;
    for (let x = 0; x < w; x++) out[y * w + x] = 0.25 * (s[r0 + 2 * x] + s[r0 + 2 * x + 1] + s[r1 + 2 * x] + s[r1 + 2 * x + 1]);
  }
  return { data: out, width: w, height: h };
}

/** Sobel gradients divided by 8 (true per-pixel derivatives, so Gauss-Newton steps are in pixels), replicated borders. */
export function sobelReference(p: Plane): { gx: Float32Array; gy: Float32Array } {
  const { width: w, height: h, data: d } = p;
  const gx = new Float32Array(w * h);
  const gy = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const mid = y * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? x - 1 : 0;
      const r = x < w - 1 ? x + 1 : x;
      gx[mid + x] = (d[up + r] - d[up + l] + 2 * (d[mid + r] - d[mid + l]) + d[dn + r] - d[dn + l]) / 8;
      gy[mid + x] = (d[dn + l] - d[up + l] + 2 * (d[dn + x] - d[up + x]) + d[dn + r] - d[up + r]) / 8;
    }
  }
  return { gx, gy };
}

/** Central differences along x and y into dx, dy (one-sided at the borders). */
export function centralDiff(d: Float32Array, w: number, h: number, dx: Float32Array, dy: Float32Array): void {
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const dn = (y < h - 1 ? y + 1 : y) * w;
    const row = y * w;
    const sy = dn - up > w ? 2 : 1;
    for (let x = 0; x < w; x++) {
      const l = x > 0 ? x - 1 : 0;
      const r = x < w - 1 ? x + 1 : x;
      dx[row + x] = (d[row + r] - d[row + l]) / (r - l > 1 ? 2 : 1);
      dy[row + x] = (d[dn + x] - d[up + x]) / sy;
    }
  }
}

/** Bilinear sample with the coordinates clamped to the image (replicated border). */
export function sample(d: Float32Array, w: number, h: number, x: number, y: number): number {
  const sx = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const sy = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  let x0 = Math.floor(sx);
  let y0 = Math.floor(sy);
  if (x0 > w - 2) x0 = w - 2;
  if (y0 > h - 2) y0 = h - 2;
  const fx = sx - x0;
  const fy = sy - y0;
  const j = y0 * w + x0;
  const top = d[j] + fx * (d[j + 1] - d[j]);
  const bottom = d[j + w] + fx * (d[j + w + 1] - d[j + w]);
  return top + fy * (bottom - top);
}

/**
 * A dense field resampled to width x height (bilinear, pixel centres aligned, replicated border), vectors scaled
 * with the size. The taps of a row and of a column are the same for every pixel, so they are computed once.
 */
export function resizeFieldReference(f: FlowField, width: number, height: number): FlowField {
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  const kx = width / f.width;
  const ky = height / f.height;
  const sw = f.width;
  const x0s = new Int32Array(width);
  const fxs = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const sx = Math.min(sw - 1, Math.max(0, (x + 0.5) / kx - 0.5));
    const x0 = Math.min(Math.floor(sx), Math.max(0, sw - 2));
    x0s[x] = x0;
    fxs[x] = sx - x0;
  }
  const stepX = sw > 1 ? 1 : 0;
  const stepY = f.height > 1 ? sw : 0;
  for (let y = 0, i = 0; y < height; y++) {
    const sy = Math.min(f.height - 1, Math.max(0, (y + 0.5) / ky - 0.5));
    const y0 = Math.min(Math.floor(sy), Math.max(0, f.height - 2));
    const fy = sy - y0;
    for (let x = 0; x < width; x++, i++) {
      const j = y0 * sw + x0s[x];
      const fx = fxs[x];
      u[i] = kx * lerp2(f.u, j, stepX, stepY, fx, fy);
      v[i] = ky * lerp2(f.v, j, stepX, stepY, fx, fy);
    }
  }
  return { u, v, width, height };
}

/** Bilinear blend of the 2x2 taps at j (right neighbour j + dx, lower j + dy), in `sample`'s order of operations. */
function lerp2(d: Float32Array, j: number, dx: number, dy: number, fx: number, fy: number): number {
  const top = d[j] + fx * (d[j + dx] - d[j]);
  const bottom = d[j + dy] + fx * (d[j + dy + dx] - d[j + dy]);
  return top + fy * (bottom - top);
}

/** Area-average downsize of an RGB image (flow-pair.ts's shrinkRgb before its pixel loop moved to WebAssembly). */
export function shrinkRgbReference(img: RgbImage, width: number, height: number): RgbImage {
  const cols = areaTaps(img.width, width);
  const rows = areaTaps(img.height, height);
  const out = new Uint8Array(width * height * 3);
  const src = img.data;
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 3) {
      let r0 = 0;
      let g0 = 0;
      let b0 = 0;
      for (let p = rows.start[y]; p < rows.start[y + 1]; p++) {
        const row = rows.index[p] * img.width;
        for (let q = cols.start[x]; q < cols.start[x + 1]; q++) {
          const w = rows.weight[p] * cols.weight[q];
          const j = 3 * (row + cols.index[q]);
          r0 += w * src[j];
          g0 += w * src[j + 1];
          b0 += w * src[j + 2];
        }
      }
      out[o] = Math.round(r0);
      out[o + 1] = Math.round(g0);
      out[o + 2] = Math.round(b0);
    }
  }
  return { data: out, width, height };
}
