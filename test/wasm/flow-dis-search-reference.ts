import type { Plane } from '../../src/metrics/flow-dis-pyramid.js';
import { sample } from './flow-dis-pyramid-reference.js';
import { patchGrid, type PatchFlows, type Scale } from '../../src/metrics/flow-dis-search.js';
import type { FlowField } from '../../src/metrics/warp.js';

// The patch search and densification one operation at a time, the reference the WebAssembly build
// (wasm/flow-dis-search.ts) must match bit for bit. The patch warp and the residual sums are float32 (`f` rounds each
// operation; a float64 operation on float32 values rounded once is the float32 operation), in the order the
// WebAssembly does them four pixels at a time, and so are the densification's weighted sums; the rest is float64
// with float32 stores.

const f = Math.fround;

/**
 * b's patch at (px, py) moved by (u, v), bilinear, into `out`. Every pixel of a patch shares the same sub-pixel
 * offset, so the four weights are computed once; only patches reaching past the border take the clamped path.
 */
function warpPatch(b: Plane, px: number, py: number, ps: number, u: number, v: number, out: Float32Array): void {
  const { data: d, width: w, height: h } = b;
  const sx = px + u;
  const sy = py + v;
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (x0 < 0 || y0 < 0 || x0 + ps >= w || y0 + ps >= h) {
    for (let y = 0, q = 0; y < ps; y++) for (let x = 0; x < ps; x++, q++) out[q] = sample(d, w, h, sx + x, sy + y);
    return;
  }
  const fx = sx - x0;
  const fy = sy - y0;
  const w00 = f((1 - fx) * (1 - fy));
  const w01 = f(fx * (1 - fy));
  const w10 = f((1 - fx) * fy);
  const w11 = f(fx * fy);
  for (let y = 0, q = 0; y < ps; y++) {
    for (let x = 0, j = (y0 + y) * w + x0; x < ps; x++, q++, j++) {
      out[q] = f(f(f(f(w00 * d[j]) + f(w01 * d[j + 1])) + f(w10 * d[j + w])) + f(w11 * d[j + w + 1]));
    }
  }
}

/**
 * Sums of the residual d = wb - a(x) over the patch (wb: b's warped patch), into acc: [sum d, sum d^2, sum d gx,
 * sum d gy]; four partial sums each (lane k sums the columns x with x % 4 = k, row by row, and the columns past the
 * patch's last vector add 0), added left to right at the end.
 */
function residual(s: Scale, px: number, py: number, ps: number, wb: Float32Array, acc: Float64Array): void {
  const A = s.a.data;
  const GX = s.gx;
  const GY = s.gy;
  const w = s.a.width;
  const sum = new Float32Array(4);
  const sq = new Float32Array(4);
  const bx = new Float32Array(4);
  const by = new Float32Array(4);
  for (let y = 0; y < ps; y++) {
    for (let x = 0; x < ((ps + 3) & ~3); x++) {
      const r = (py + y) * w + px + x;
      const k = x & 3;
      const d = x < ps ? f(wb[y * ps + x] - A[r]) : 0;
      sum[k] = f(sum[k] + d);
      sq[k] = f(sq[k] + f(d * d));
      bx[k] = f(bx[k] + f(d * (x < ps ? GX[r] : 0)));
      by[k] = f(by[k] + f(d * (x < ps ? GY[r] : 0)));
    }
  }
  [sum, sq, bx, by].forEach((l, k) => (acc[k] = f(f(f(l[0] + l[1]) + l[2]) + l[3])));
}

/**
 * Mean-normalised SSD between a's patch at (px, py) and b's moved by (u, v) (the gradient sums `residual` also
 * takes cost about a tenth of the propagation; one loop serves both).
 */
function ssd(s: Scale, px: number, py: number, ps: number, u: number, v: number, wb: Float32Array, acc: Float64Array): number {
  warpPatch(s.b, px, py, ps, u, v, wb);
  residual(s, px, py, ps, wb, acc);
  return acc[1] - (acc[0] * acc[0]) / (ps * ps);
}

/** Per-patch sums of a's gradients: the (mean-normalised) Hessian entries and the mean gradient. */
interface Hessians {
  hxx: Float32Array;
  hxy: Float32Array;
  hyy: Float32Array;
  mx: Float32Array;
  my: Float32Array;
}

function hessians(s: Scale, xs: Int32Array, ys: Int32Array, ps: number): Hessians {
  const { gx, gy } = s;
  const w = s.a.width;
  const np = xs.length * ys.length;
  const out = { hxx: new Float32Array(np), hxy: new Float32Array(np), hyy: new Float32Array(np), mx: new Float32Array(np), my: new Float32Array(np) };
  const n = ps * ps;
  for (let j = 0, k = 0; j < ys.length; j++) {
    for (let i = 0; i < xs.length; i++, k++) {
      let sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0;
      for (let y = 0; y < ps; y++) {
        const row = (ys[j] + y) * w + xs[i];
        for (let x = 0; x < ps; x++) {
          const ix = gx[row + x];
          const iy = gy[row + x];
          sxx += ix * ix; sxy += ix * iy; syy += iy * iy; sx += ix; sy += iy;
        }
      }
      out.hxx[k] = sxx - (sx * sx) / n;
      out.hxy[k] = sxy - (sx * sy) / n;
      out.hyy[k] = syy - (sy * sy) / n;
      out.mx[k] = sx / n;
      out.my[k] = sy / n;
    }
  }
  return out;
}

/**
 * Gauss-Newton on patch k from its current flow: keeps the lowest-cost iterate, stops when the cost stops falling or
 * a step is under 0.01 px (well below what densification and refinement resolve), and falls back to the start `u0, v0` when the best iterate
 * wandered further than the patch's own size (it has latched onto something else).
 */
function descend(s: Scale, H: Hessians, f: PatchFlows, u0: Float32Array, v0: Float32Array, k: number, px: number, py: number, ps: number, iters: number, tmp: Float32Array, acc: Float64Array, start: Float64Array): void {
  const n = ps * ps;
  // Regularised so that a flat patch takes no step instead of dividing by ~0.
  const eps = 1e-3 * n;
  const a11 = H.hxx[k] + eps;
  const a22 = H.hyy[k] + eps;
  const a12 = H.hxy[k];
  const det = a11 * a22 - a12 * a12;
  const mx = H.mx[k];
  const my = H.my[k];
  let best = Infinity;
  let bu = f.u[k];
  let bv = f.v[k];
  let cu = bu;
  let cv = bv;
  // The sums at the start were taken when the propagation chose it.
  acc.set(start);
  for (let it = 0; it <= iters; it++) {
    if (it > 0) {
      warpPatch(s.b, px, py, ps, cu, cv, tmp);
      residual(s, px, py, ps, tmp, acc);
    }
    const sum = acc[0];
    const cost = acc[1] - (sum * sum) / n;
    // The cost stopped falling: the linearisation no longer holds here (OpenCV stops at the same point).
    if (cost >= best) break;
    best = cost;
    bu = cu;
    bv = cv;
    if (it === iters) break;
    // Mean normalisation: sum (d - mean d) * g = sum d g - mean(d) * sum g.
    const bx = acc[2] - sum * mx;
    const by = acc[3] - sum * my;
    const du = (a22 * bx - a12 * by) / det;
    const dv = (a11 * by - a12 * bx) / det;
    cu -= du;
    cv -= dv;
    if (du * du + dv * dv < 1e-4) break;
  }
  if (Math.hypot(bu - u0[k], bv - v0[k]) > ps) {
    bu = u0[k];
    bv = v0[k];
  }
  f.u[k] = bu;
  f.v[k] = bv;
}

/** Sparse patch flows of one scale (inverse search with spatial propagation), started from the dense `init`. */
export function patchSearchReference(s: Scale, init: FlowField, patch: number, stride: number, iterations: number): PatchFlows {
  const { ps, xs, ys, u0, v0 } = patchGrid(s, init, patch, stride);
  const nx = xs.length;
  const ny = ys.length;
  const f: PatchFlows = { xs, ys, u: u0.slice(), v: v0.slice() };
  const H = hessians(s, xs, ys, ps);
  const tmp = new Float32Array(ps * ps);
  const acc = new Float64Array(4);
  const start = new Float64Array(4);
  const passes = 2;
  const iters = Math.max(1, Math.round(iterations / passes));
  const { u, v } = f;
  for (let pass = 0; pass < passes; pass++) {
    const dir = pass % 2 === 0 ? 1 : -1;
    for (let jj = 0; jj < ny; jj++) {
      const j = dir > 0 ? jj : ny - 1 - jj;
      for (let ii = 0; ii < nx; ii++) {
        const i = dir > 0 ? ii : nx - 1 - ii;
        const k = j * nx + i;
        const px = xs[i];
        const py = ys[j];
        // Spatial propagation: the neighbour solved just before (left/up forward, right/down backward) may fit better.
        let best = ssd(s, px, py, ps, u[k], v[k], tmp, acc);
        start.set(acc);
        const left = i - dir;
        if (left >= 0 && left < nx) {
          const m = k - dir;
          const cost = ssd(s, px, py, ps, u[m], v[m], tmp, acc);
          if (cost < best) {
            best = cost;
            u[k] = u[m];
            v[k] = v[m];
            start.set(acc);
          }
        }
        const up = j - dir;
        if (up >= 0 && up < ny) {
          const m = k - dir * nx;
          if (ssd(s, px, py, ps, u[m], v[m], tmp, acc) < best) {
            u[k] = u[m];
            v[k] = v[m];
            start.set(acc);
          }
        }
        descend(s, H, f, u0, v0, k, px, py, ps, iters, tmp, acc, start);
      }
    }
  }
  return f;
}

/**
 * DIS densification (Kroeger et al. 2016, eq. 3): each pixel takes the mean of the flows of the patches covering it,
 * weighted by 1 / max(1, |b(x + f) - a(x)|), so the patch that explains the pixel best weighs most; float32.
 */
export function densifyReference(a: Plane, b: Plane, p: PatchFlows, ps: number): FlowField {
  const w = a.width;
  const n = w * a.height;
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const wsum = new Float32Array(n);
  const wb = new Float32Array(ps * ps);
  const A = a.data;
  const nx = p.xs.length;
  for (let j = 0; j < p.ys.length; j++) {
    const py = p.ys[j];
    for (let i = 0; i < nx; i++) {
      const k = j * nx + i;
      const fu = p.u[k];
      const fv = p.v[k];
      const px = p.xs[i];
      warpPatch(b, px, py, ps, fu, fv, wb);
      for (let y = 0, r = 0; y < ps; y++) {
        for (let x = 0, q = (py + y) * w + px; x < ps; x++, r++, q++) {
          const diff = Math.abs(f(wb[r] - A[q]));
          const wt = f(1 / (diff > 1 ? diff : 1));
          u[q] = f(u[q] + f(wt * fu));
          v[q] = f(v[q] + f(wt * fv));
          wsum[q] = f(wsum[q] + wt);
        }
      }
    }
  }
  for (let q = 0; q < n; q++) {
    if (wsum[q] > 0) {
      u[q] /= wsum[q];
      v[q] /= wsum[q];
    }
  }
  return { u, v, width: w, height: a.height };
}
