import type { DepthMap, RgbImage } from './types.js';
import { wasmInstance, wasmKernel, wasmLayout } from '../util/wasm.js';
import type { FlowField } from './warp.js';

/** One grey (or derivative) image of a DIS pyramid level (the single-channel map of types.ts). */
export type Plane = DepthMap;

/** DIS's WebAssembly module (dist/wasm/flow-dis.wasm, built from wasm/flow-dis.ts). */
export const disModule = (): WebAssembly.Instance => wasmInstance('flow-dis');

/** One of the module's exported kernels: every argument a number (byte offsets into its memory, sizes, weights). */
export const disKernel = <R = void>(name: string): ((...args: number[]) => R) => wasmKernel<R>('flow-dis', name);

/**
 * Spare floats after each plane the kernels read or write four at a time: the last vector of a row may run past
 * the plane's end (its lanes there are masked or written back unchanged).
 */
export const SPARE_FLOATS = 16;

// The per-pixel loops below run in WebAssembly (wasm/flow-dis-pyramid.ts); test/wasm/flow-dis-pyramid-reference.ts
// keeps the TypeScript they replaced, which they match bit for bit.

/**
 * Grey in [0, 255] (the unit OpenCV's DIS works in, which its penalties' constants assume): `toGrey`'s Rec. 601 luma,
 * rounded to float32 as toGrey stores it, times 255, in one pass.
 */
export function greyPlane(img: RgbImage): Plane {
  const n = img.width * img.height;
  const { at, f32 } = wasmLayout(disModule(), [3 * n, 4 * n]);
  new Uint8Array(f32.buffer).set(img.data.subarray(0, 3 * n), at[0]);
  disKernel('grey')(at[0], n, at[1]);
  return { data: f32.slice(at[1] / 4, at[1] / 4 + n), width: img.width, height: img.height };
}

/** Halves a plane by 2x2 area averaging (an odd last row or column is dropped, as an integer-factor INTER_AREA). */
export function halve(p: Plane): Plane {
  const w = p.width >> 1;
  const h = p.height >> 1;
  const { at, f32 } = wasmLayout(disModule(), [4 * p.data.length, 4 * w * h]);
  f32.set(p.data, at[0] / 4);
  disKernel('halve')(at[0], p.width, p.height, at[1]);
  return { data: f32.slice(at[1] / 4, at[1] / 4 + w * h), width: w, height: h };
}

/** Sobel gradients divided by 8 (true per-pixel derivatives, so Gauss-Newton steps are in pixels), replicated borders. */
export function sobel(p: Plane): { gx: Float32Array; gy: Float32Array } {
  const n = p.width * p.height;
  const { at, f32 } = wasmLayout(disModule(), [4 * n, 4 * n, 4 * n]);
  f32.set(p.data, at[0] / 4);
  disKernel('sobel')(at[0], p.width, p.height, at[1], at[2]);
  return { gx: f32.slice(at[1] / 4, at[1] / 4 + n), gy: f32.slice(at[2] / 4, at[2] / 4 + n) };
}

/**
 * A dense field resampled to width x height (bilinear, pixel centres aligned, replicated border), vectors scaled
 * with the size. The taps of a row and of a column are the same for every pixel, so they are computed once, and each
 * source row is interpolated along x once and shared by the output rows that blend it.
 */
export function resizeField(f: FlowField, width: number, height: number): FlowField {
  const n = f.width * f.height;
  const m = width * height;
  // u, v; the resampled u, v; column taps (int32, float64); source rows along x (float64 u, v); their made flags.
  const { at, f32 } = wasmLayout(disModule(), [4 * n, 4 * n, 4 * m, 4 * m, 4 * width, 8 * width, 8 * f.height * width, 8 * f.height * width, f.height]);
  f32.set(f.u, at[0] / 4);
  f32.set(f.v, at[1] / 4);
  new Uint8Array(f32.buffer).fill(0, at[8], at[8] + f.height);
  disKernel('resize')(at[0], at[1], f.width, f.height, width, height, at[2], at[3], at[4], at[5], at[6], at[7], at[8]);
  return { u: f32.slice(at[2] / 4, at[2] / 4 + m), v: f32.slice(at[3] / 4, at[3] / 4 + m), width, height };
}
