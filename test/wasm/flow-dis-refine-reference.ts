import type { DataTerms, RefineWeights } from '../../src/metrics/flow-dis-refine.js';
import type { FlowField } from '../../src/metrics/warp.js';

/** Successive over-relaxation factor and sweeps an outer iteration (OpenCV's VariationalRefinement: 1.6, 5). */
const OMEGA = 1.6;
const SWEEPS = 5;

/**
 * The TypeScript solver (the outer iterations after `dataTerms`) that src/metrics/flow-dis-refine.ts ran before its outer iterations moved to WebAssembly
 * (wasm/flow-dis-refine.ts), kept as the reference the WebAssembly build must match bit for bit.
 */
export function solveReference(t: DataTerms, f: FlowField, iterations: number, wt: RefineWeights): void {
  const { width: w, height: h } = f;
  const n = w * h;
  const { Ix, Iy, Ixx, Ixy, Iyy, Ixz, Iyz, dt } = t;
  const pad = w + 1;
  const m = n + 2 * pad;
  // U, V: total flow (padded); u0, v0: the linearisation point, du = U - u0.
  const U = new Float32Array(m);
  const V = new Float32Array(m);
  U.set(f.u, pad);
  V.set(f.v, pad);
  const u0 = f.u.slice();
  const v0 = f.v.slice();
  // Per pixel, fixed over the sweeps of an outer iteration (K, 5 a pixel): with ws the sum of the pixel's edge weights,
  // the Jacobi value of U is u0 + (b1 - ws u0 + a12 v0 + su - a12 V) / (a11 + ws) = c1 + (su - a12 V) * i11, and V's
  // likewise; K holds i11, i22, c1, c2, a12.
  const K = new Float64Array(5 * n);
  // Smoothness weight of the edge to the right / below (0 past the last column / row and in the padding).
  const er = new Float32Array(m);
  const ed = new Float32Array(m);
  const { alpha, delta, gamma } = wt;
  for (let outer = 0; outer < iterations; outer++) {
    for (let y = 0, i = 0; y < h; y++) {
      const down = y < h - 1 ? w : 0;
      for (let x = 0; x < w; x++, i++) {
        const p = i + pad;
        const ui = u0[i];
        const vi = v0[i];
        const du = U[p] - ui;
        const dv = V[p] - vi;
        // Charbonnier weights 1 / (2 sqrt(s^2 + eps^2)), eps = 1e-3 as OpenCV's.
        const ix = Ix[i], iy = Iy[i], ixx = Ixx[i], ixy = Ixy[i], iyy = Iyy[i], ixz = Ixz[i], iyz = Iyz[i], it = dt[i];
        const rd = it + ix * du + iy * dv;
        const rx = ixz + ixx * du + ixy * dv;
        const ry = iyz + ixy * du + iyy * dv;
        const pd = (0.5 * delta) / Math.sqrt(rd * rd + 1e-6);
        const pg = (0.5 * gamma) / Math.sqrt(rx * rx + ry * ry + 1e-6);
        const a11 = Math.fround(pd * ix * ix + pg * (ixx * ixx + ixy * ixy));
        const a12 = Math.fround(pd * ix * iy + pg * (ixx * ixy + ixy * iyy));
        const a22 = Math.fround(pd * iy * iy + pg * (ixy * ixy + iyy * iyy));
        const b1 = Math.fround(-(pd * it * ix + pg * (ixz * ixx + iyz * ixy)));
        const b2 = Math.fround(-(pd * it * iy + pg * (ixz * ixy + iyz * iyy)));
        // Smoothness weight from forward differences of the current total flow.
        const right = x < w - 1 ? 1 : 0;
        const ux = U[p + right] - U[p];
        const uy = U[p + down] - U[p];
        const vx = V[p + right] - V[p];
        const vy = V[p + down] - V[p];
        const sm = (0.5 * alpha) / Math.sqrt(ux * ux + uy * uy + vx * vx + vy * vy + 1e-6);
        const eR = right ? Math.fround(sm) : 0;
        const eD = down ? Math.fround(sm) : 0;
        er[p] = eR;
        ed[p] = eD;
        // The left and upper edges were set by the pixels before this one.
        const ws = er[p - 1] + ed[p - w] + eR + eD;
        const r11 = 1 / (a11 + ws);
        const r22 = 1 / (a22 + ws);
        const k = 5 * i;
        K[k] = r11;
        K[k + 1] = r22;
        K[k + 2] = ui + (b1 - ws * ui + a12 * vi) * r11;
        K[k + 3] = vi + (b2 - ws * vi + a12 * ui) * r22;
        K[k + 4] = a12;
      }
    }
    for (let sweep = 0; sweep < SWEEPS; sweep++) {
      // Red-black order (as OpenCV's): a pixel's four neighbours are all of the other colour, so the updates of one
      // colour do not wait on each other.
      for (let colour = 0; colour < 2; colour++) {
        for (let y = 0; y < h; y++) {
          const x0 = (y + colour) & 1;
          for (let i = y * w + x0, p = i + pad, end = (y + 1) * w; i < end; i += 2, p += 2) {
            const eL = er[p - 1];
            const eU = ed[p - w];
            const eR = er[p];
            const eD = ed[p];
            const su = eL * U[p - 1] + eU * U[p - w] + eR * U[p + 1] + eD * U[p + w];
            const sv = eL * V[p - 1] + eU * V[p - w] + eR * V[p + 1] + eD * V[p + w];
            const k = 5 * i;
            const c = K[k + 4];
            const pu = U[p];
            const cu = pu + OMEGA * (K[k + 2] + (su - c * V[p]) * K[k] - pu);
            U[p] = cu;
            const pv = V[p];
            V[p] = pv + OMEGA * (K[k + 3] + (sv - c * cu) * K[k + 1] - pv);
          }
        }
      }
    }
  }
  f.u.set(U.subarray(pad, pad + n));
  f.v.set(V.subarray(pad, pad + n));
}
