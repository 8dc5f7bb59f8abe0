import type { Plane } from '../../src/metrics/flow-dis-pyramid.js';
import type { RefineWeights } from '../../src/metrics/flow-dis-refine.js';
import type { FlowField } from '../../src/metrics/warp.js';
import { centralDiff, sample } from './flow-dis-pyramid-reference.js';

const f = Math.fround;
/** Successive over-relaxation factor and sweeps an outer iteration (OpenCV's VariationalRefinement: 1.6, 5). */
const OMEGA = f(1.6);
const SWEEPS = 5;
/** Charbonnier epsilon squared (eps = 1e-3, as OpenCV's). */
const EPS = f(1e-6);

/**
 * The refinement solver (the outer iterations after `dataTerms`) one pixel at a time, in float32: every operation
 * rounded to float32 (`f`), in the order wasm/flow-dis-refine.ts does it four pixels at a time. The WebAssembly build
 * must match it bit for bit; a float64 product rounded once gives the float32 product, so `f(a * b)` is float32's a*b.
 */
export function solveReference(t: DataTerms, fl: FlowField, iterations: number, wt: RefineWeights): void {
  const { width: w, height: h } = fl;
  const n = w * h;
  const { Ix, Iy, Ixx, Ixy, Iyy, Ixz, Iyz, dt } = t;
  const pad = w + 1;
  const m = n + 2 * pad;
  // U, V: total flow (padded); u0, v0: the linearisation point, du = U - u0.
  const U = new Float32Array(m);
  const V = new Float32Array(m);
  U.set(fl.u, pad);
  V.set(fl.v, pad);
  const u0 = fl.u.slice();
  const v0 = fl.v.slice();
  // Per pixel, fixed over the sweeps of an outer iteration: with ws the sum of the pixel's edge weights, the Jacobi
  // value of U is u0 + (b1 - ws u0 + a12 v0 + su - a12 V) / (a11 + ws) = K2 + (su - K4 V) K0, and V's likewise.
  const K = Array.from({ length: 5 }, () => new Float32Array(n));
  // Smoothness weight of the edge to the right / below (0 past the last column / row and in the padding).
  const er = new Float32Array(m);
  const ed = new Float32Array(m);
  const ha = f(0.5 * wt.alpha);
  const hd = f(0.5 * wt.delta);
  const hg = f(0.5 * wt.gamma);
  for (let outer = 0; outer < iterations; outer++) {
    for (let y = 0, i = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        const p = i + pad;
        const right = x < w - 1;
        const down = y < h - 1;
        const ux = right ? f(U[p + 1] - U[p]) : 0;
        const uy = down ? f(U[p + w] - U[p]) : 0;
        const vx = right ? f(V[p + 1] - V[p]) : 0;
        const vy = down ? f(V[p + w] - V[p]) : 0;
        const sm = f(ha / f(Math.sqrt(f(f(f(f(f(ux * ux) + f(uy * uy)) + f(vx * vx)) + f(vy * vy)) + EPS))));
        er[p] = right ? sm : 0;
        ed[p] = down ? sm : 0;
      }
    }
    for (let i = 0; i < n; i++) {
      const p = i + pad;
      const ws = f(f(f(er[p - 1] + ed[p - w]) + er[p]) + ed[p]);
      const ui = u0[i];
      const vi = v0[i];
      const du = f(U[p] - ui);
      const dv = f(V[p] - vi);
      const gx = Ix[i], gy = Iy[i], gxx = Ixx[i], gxy = Ixy[i], gyy = Iyy[i], gxz = Ixz[i], gyz = Iyz[i], it = dt[i];
      const rd = f(f(it + f(gx * du)) + f(gy * dv));
      const rx = f(f(gxz + f(gxx * du)) + f(gxy * dv));
      const ry = f(f(gyz + f(gxy * du)) + f(gyy * dv));
      const pd = f(hd / f(Math.sqrt(f(f(rd * rd) + EPS))));
      const pg = f(hg / f(Math.sqrt(f(f(f(rx * rx) + f(ry * ry)) + EPS))));
      const pdx = f(pd * gx);
      const pdy = f(pd * gy);
      const pdt = f(pd * it);
      const a11 = f(f(pdx * gx) + f(pg * f(f(gxx * gxx) + f(gxy * gxy))));
      const a12 = f(f(pdx * gy) + f(pg * f(f(gxx * gxy) + f(gxy * gyy))));
      const a22 = f(f(pdy * gy) + f(pg * f(f(gxy * gxy) + f(gyy * gyy))));
      const b1 = -f(f(pdt * gx) + f(pg * f(f(gxz * gxx) + f(gyz * gxy))));
      const b2 = -f(f(pdt * gy) + f(pg * f(f(gxz * gxy) + f(gyz * gyy))));
      const r11 = f(1 / f(a11 + ws));
      const r22 = f(1 / f(a22 + ws));
      K[0][i] = r11;
      K[1][i] = r22;
      K[2][i] = f(ui + f(f(f(b1 - f(ws * ui)) + f(a12 * vi)) * r11));
      K[3][i] = f(vi + f(f(f(b2 - f(ws * vi)) + f(a12 * ui)) * r22));
      K[4][i] = a12;
    }
    for (let sweep = 0; sweep < SWEEPS; sweep++) {
      // Red-black order (as OpenCV's): a pixel's four neighbours are all of the other colour, so the updates of one
      // colour do not wait on each other.
      for (let colour = 0; colour < 2; colour++) {
        for (let y = 0; y < h; y++) {
          for (let i = y * w + ((y + colour) & 1), p = i + pad, end = (y + 1) * w; i < end; i += 2, p += 2) {
            const eL = er[p - 1];
            const eU = ed[p - w];
            const eR = er[p];
            const eD = ed[p];
            const su = f(f(f(f(eL * U[p - 1]) + f(eU * U[p - w])) + f(eR * U[p + 1])) + f(eD * U[p + w]));
            const sv = f(f(f(f(eL * V[p - 1]) + f(eU * V[p - w])) + f(eR * V[p + 1])) + f(eD * V[p + w]));
            const c = K[4][i];
            const pu = U[p];
            const cu = f(pu + f(OMEGA * f(f(K[2][i] + f(f(su - f(c * V[p])) * K[0][i])) - pu)));
            U[p] = cu;
            const pv = V[p];
            V[p] = f(pv + f(OMEGA * f(f(K[3][i] + f(f(sv - f(c * cu)) * K[1][i])) - pv)));
          }
        }
      }
    }
  }
  fl.u.set(U.subarray(pad, pad + n));
  fl.v.set(V.subarray(pad, pad + n));
}

/** The linearised data terms at the current flow: b warped by it, the time derivative, first and second derivatives. */
export interface DataTerms {
  Ix: Float32Array;
  Iy: Float32Array;
  Ixx: Float32Array;
  Ixy: Float32Array;
  Iyy: Float32Array;
  Ixz: Float32Array;
  Iyz: Float32Array;
  dt: Float32Array;
}

export function dataTermsReference(a: Plane, b: Plane, f: FlowField): DataTerms {
  const w = a.width;
  const h = a.height;
  const n = w * h;
  const A = a.data;
  const avg = new Float32Array(n);
  const dt = new Float32Array(n);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const warped = Math.fround(sample(b.data, w, h, x + f.u[i], y + f.v[i]) / 255);
      const ai = A[i] / 255;
      avg[i] = 0.5 * (ai + warped);
      dt[i] = warped - ai;
    }
  }
  const Ix = new Float32Array(n), Iy = new Float32Array(n);
  centralDiff(avg, w, h, Ix, Iy);
  const Ixx = new Float32Array(n), Ixy = new Float32Array(n), Iyx = new Float32Array(n), Iyy = new Float32Array(n);
  centralDiff(Ix, w, h, Ixx, Ixy);
  centralDiff(Iy, w, h, Iyx, Iyy);
  const Ixz = new Float32Array(n), Iyz = new Float32Array(n);
  centralDiff(dt, w, h, Ixz, Iyz);
  return { Ix, Iy, Ixx, Ixy, Iyy, Ixz, Iyz, dt };
}
