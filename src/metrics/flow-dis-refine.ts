import { disKernel, disModule, SPARE_FLOATS, type Plane } from './flow-dis-pyramid.js';
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
 * red-black SOR sweeps on the linear system (SOR factor 1.6, 5 sweeps, as OpenCV's VariationalRefinement). All in
 * WebAssembly: the data terms (wasm/flow-dis-pyramid.ts) and the outer iterations, in float32 four pixels at a time
 * (wasm/flow-dis-refine.ts); test/wasm keeps the scalar TypeScript both match bit for bit.
 */
export function refine(a: Plane, b: Plane, f: FlowField, iterations: number, wt: RefineWeights): void {
  const w = a.width;
  const h = a.height;
  const n = w * h;
  if (w < 3 || h < 3 || iterations <= 0) return;
  const pad = w + 1;
  const n1 = 4 * (n + SPARE_FLOATS);
  const m1 = 4 * (n + 2 * pad + SPARE_FLOATS);
  // a, b; u, v (the linearisation point); the data terms avg, dt, Ix, Iy, Ixx, Ixy, Iyx, Iyy, Ixz, Iyz; U, V (the
  // total flow, solved in place), er, ed (smoothness weights of the edge to the right / below: 0 past the last column
  // / row and in the padding) padded by a row and a pixel on each side; K (5 planes: per pixel, the terms fixed over
  // an outer iteration's sweeps); RB (the two colours' compact planes the sweeps run on).
  const rb = disKernel<number>('compactBytes')(w, h);
  const { at, f32 } = wasmLayout(disModule(), [...Array<number>(14).fill(n1), ...Array<number>(4).fill(m1), 5 * n1, rb]);
  [a.data, b.data, f.u, f.v].forEach((d, k) => f32.set(d, at[k] / 4));
  f32.fill(0, at[14] / 4, at[18] / 4);
  f32.fill(0, at[19] / 4, at[19] / 4 + rb / 4);
  f32.set(f.u, at[14] / 4 + pad);
  f32.set(f.v, at[15] / 4 + pad);
  const [pa, pb, u0, v0, avg, dt, Ix, Iy, Ixx, Ixy, Iyx, Iyy, Ixz, Iyz, U, V, er, ed, K, RB] = at;
  disKernel('dataTerms')(pa, pb, u0, v0, w, h, avg, dt, Ix, Iy, Ixx, Ixy, Iyx, Iyy, Ixz, Iyz);
  disKernel('solve')(w, h, iterations, wt.alpha, wt.delta, wt.gamma, Ix, Iy, Ixx, Ixy, Iyy, Ixz, Iyz, dt, u0, v0, U, V, er, ed, K, RB);
  f.u.set(f32.subarray(U / 4 + pad, U / 4 + pad + n));
  f.v.set(f32.subarray(V / 4 + pad, V / 4 + pad + n));
}
