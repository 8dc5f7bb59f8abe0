import { disKernel, disModule, SPARE_FLOATS, type Plane } from './flow-dis-pyramid.js';
import { warpedPatchBytes, type PatchFlows } from './flow-dis-search.js';
import { wasmLayout } from '../util/wasm.js';
import type { FlowField } from './warp.js';

/**
 * DIS densification (Kroeger et al. 2016, eq. 3): each pixel takes the mean of the flows of the patches covering it,
 * weighted by 1 / max(1, |b(x + f) - a(x)|), so the patch that explains the pixel best weighs most. The loop runs in
 * WebAssembly, in float32 four pixels at a time (wasm/flow-dis-search.ts; test/wasm/flow-dis-search-reference.ts is
 * the scalar reference it matches bit for bit).
 */
export function densify(a: Plane, b: Plane, p: PatchFlows, ps: number): FlowField {
  const w = a.width;
  const n = w * a.height;
  const nx = p.xs.length;
  const ny = p.ys.length;
  // a, b; xs, ys; patch u, v; dense u, v and weight sums; the warped patch. The image planes are followed by spare
  // floats that a patch row's last vector may read (and write back unchanged).
  const m = 4 * (n + SPARE_FLOATS);
  const { at, f32, i32 } = wasmLayout(disModule(), [m, m, 4 * nx, 4 * ny, 4 * nx * ny, 4 * nx * ny, m, m, m, warpedPatchBytes(ps)]);
  f32.set(a.data, at[0] / 4);
  f32.set(b.data, at[1] / 4);
  i32.set(p.xs, at[2] / 4);
  i32.set(p.ys, at[3] / 4);
  f32.set(p.u, at[4] / 4);
  f32.set(p.v, at[5] / 4);
  f32.fill(0, at[6] / 4, at[9] / 4);
  disKernel('densify')(at[0], at[1], w, a.height, at[2], at[3], nx, ny, ps, at[4], at[5], at[6], at[7], at[8], at[9]);
  return { u: f32.slice(at[6] / 4, at[6] / 4 + n), v: f32.slice(at[7] / 4, at[7] / 4 + n), width: w, height: a.height };
}
