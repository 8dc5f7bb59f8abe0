import { centralDiff, sample, type Plane } from './flow-dis-pyramid.js';
import { disModule } from './flow-dis-search.js';
import { wasmLayout } from '../util/wasm.js';
import type { FlowField } from './warp.js';

/** Weights of the three penalties of the variational refinement. */
export interface RefineWeights {
  /** Smoothness. */
  alpha: number;
  /** Brightness constancy. */
  delta: number;
  /** Gradient constancy. */
  gamma: number;
}

/**
 * Variational refinement of a dense field in place (Brox et al. 2004, as DIS uses it): linearised around the current
 * flow, increments (du, dv) that minimise delta*Psi(brightness) + gamma*Psi(gradient constancy) +
 * alpha*Psi(|grad(f + df)|^2) with Charbonnier penalties; each outer iteration re-weights the penalties and runs
 * red-black SOR sweeps on the linear system (SOR factor 1.6, 5 sweeps, as OpenCV's VariationalRefinement). The data
 * terms are computed here; the outer iterations run in WebAssembly (wasm/flow-dis-refine.ts, float64 in the
 * TypeScript order, so the field is bit-identical to the TypeScript solver's that test/wasm keeps as reference).
 */
export function refine(a: Plane, b: Plane, f: FlowField, iterations: number, wt: RefineWeights): void {
  const w = a.width;
  const h = a.height;
  const n = w * h;
  if (w < 3 || h < 3 || iterations <= 0) return;
  const { Ix, Iy, Ixx, Ixy, Iyy, Ixz, Iyz, dt } = dataTerms(a, b, f);
  const pad = w + 1;
  const m = n + 2 * pad;
  // The eight data planes, u0, v0 (n each); U, V (the total flow, solved in place), er, ed (smoothness weights of the
  // edge to the right / below: 0 past the last column / row and in the padding) padded by a row and a pixel on each
  // side (m each); K (float64, 5 n: per pixel, the terms fixed over an outer iteration's sweeps).
  const mod = disModule();
  const { at, f32 } = wasmLayout(mod, [...Array<number>(10).fill(4 * n), ...Array<number>(4).fill(4 * m), 40 * n]);
  [Ix, Iy, Ixx, Ixy, Iyy, Ixz, Iyz, dt, f.u, f.v].forEach((d, k) => f32.set(d, at[k] / 4));
  f32.fill(0, at[10] / 4, at[14] / 4);
  f32.set(f.u, at[10] / 4 + pad);
  f32.set(f.v, at[11] / 4 + pad);
  const solve = mod.exports.solve as (...args: number[]) => void;
  solve(w, h, iterations, wt.alpha, wt.delta, wt.gamma, ...at);
  f.u.set(f32.subarray(at[10] / 4 + pad, at[10] / 4 + pad + n));
  f.v.set(f32.subarray(at[11] / 4 + pad, at[11] / 4 + pad + n));
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

export function dataTerms(a: Plane, b: Plane, f: FlowField): DataTerms {
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
