import { disKernel, disModule, SPARE_FLOATS, type Plane } from './flow-dis-pyramid.js';
import { wasmLayout } from '../util/wasm.js';
import type { FlowField } from './warp.js';

/**
 * Patch inverse search of one DIS scale (Kroeger et al. 2016, sec. 2.1; the structure of OpenCV's
 * `PatchInverseSearch_ParBody`, no code taken): a grid of `ps`-sized patches every `stride` px, each started from
 * the coarser scale's flow at its centre, propagated from its already-solved neighbours when their flow fits the
 * patch better (two passes, forward then backward), then refined by inverse-compositional Gauss-Newton on the
 * mean-normalised patch difference: the Hessian of frame a's patch is computed once, so an iteration is one
 * bilinear warp of b's patch and one pass of sums over it; it keeps the lowest-cost iterate, stops when the cost
 * stops falling or a step is under 0.01 px, and falls back to the start when the best iterate wandered further than
 * the patch's own size. The loops run in WebAssembly (wasm/flow-dis-search.ts: the warp and the residual sums in
 * float32 four pixels at a time; test/wasm/flow-dis-search-reference.ts gives the same flows bit for bit).
 */
export interface PatchFlows {
  xs: Int32Array;
  ys: Int32Array;
  u: Float32Array;
  v: Float32Array;
}

/** One scale's images: a (reference), b (the other frame), a's gradients. */
export interface Scale {
  a: Plane;
  b: Plane;
  gx: Float32Array;
  gy: Float32Array;
}

/**
 * Bytes of the WebAssembly warped-patch scratch: ps rows of ps floats rounded up to whole 4-float vectors, then the
 * clamped warp's column and row taps (float64 weights, int32 indices).
 */
export const warpedPatchBytes = (ps: number): number => 4 * ps * ((ps + 3) & ~3) + 24 * ps;

/** Patch grid of one scale: origins every `stride` px, the last one flush with the image's right/bottom edge. */
export function patchOrigins(size: number, patch: number, stride: number): Int32Array {
  const n = Math.max(1, Math.floor((size - patch) / stride) + 1);
  const last = Math.max(0, size - patch);
  const out = new Int32Array(n + (n > 1 && (n - 1) * stride < last ? 1 : 0));
  for (let k = 0; k < n; k++) out[k] = Math.min(last, k * stride);
  if (out.length > n) out[n] = last;
  return out;
}

/** The patch grid of one scale and each patch's start: the dense `init` at the patch's centre. */
export function patchGrid(s: Scale, init: FlowField, patch: number, stride: number): { ps: number; xs: Int32Array; ys: Int32Array; u0: Float32Array; v0: Float32Array } {
  const ps = Math.min(patch, s.a.width, s.a.height);
  const xs = patchOrigins(s.a.width, ps, stride);
  const ys = patchOrigins(s.a.height, ps, stride);
  const u0 = new Float32Array(xs.length * ys.length);
  const v0 = new Float32Array(xs.length * ys.length);
  const half = ps / 2;
  for (let j = 0, k = 0; j < ys.length; j++) {
    for (let i = 0; i < xs.length; i++, k++) {
      const c = Math.min(init.width - 1, Math.round(xs[i] + half)) + Math.min(init.height - 1, Math.round(ys[j] + half)) * init.width;
      u0[k] = init.u[c];
      v0[k] = init.v[c];
    }
  }
  return { ps, xs, ys, u0, v0 };
}

/** Sparse patch flows of one scale (inverse search with spatial propagation), started from the dense `init`. */
export function patchSearch(s: Scale, init: FlowField, patch: number, stride: number, iterations: number): PatchFlows {
  const { width: w, height: h } = s.a;
  const { ps, xs, ys, u0, v0 } = patchGrid(s, init, patch, stride);
  const nx = xs.length;
  const ny = ys.length;
  const np = nx * ny;
  const passes = 2;
  const iters = Math.max(1, Math.round(iterations / passes));
  // a, b, gx, gy (each followed by spare floats that a patch row's last vector may read); xs, ys; u, v (start and
  // result), u0, v0; Hessians (5 a patch); the warped patch (rows of whole vectors).
  const n = 4 * (w * h + SPARE_FLOATS);
  const { at, f32, i32 } = wasmLayout(disModule(), [n, n, n, n, 4 * nx, 4 * ny, 4 * np, 4 * np, 4 * np, 4 * np, 20 * np, warpedPatchBytes(ps)]);
  [s.a.data, s.b.data, s.gx, s.gy].forEach((d, k) => f32.set(d, at[k] / 4));
  i32.set(xs, at[4] / 4);
  i32.set(ys, at[5] / 4);
  [u0, v0, u0, v0].forEach((d, k) => f32.set(d, at[6 + k] / 4));
  disKernel('search')(at[0], at[1], at[2], at[3], w, h, at[4], at[5], nx, ny, ps, iters, at[6], at[7], at[8], at[9], at[10], at[11]);
  return { xs, ys, u: f32.slice(at[6] / 4, at[6] / 4 + np), v: f32.slice(at[7] / 4, at[7] / 4 + np) };
}
