import { DepthkitError } from '../errors.js';

/** A dense flow field from frame a to frame b: a(x, y) ~ b(x + u, y + v). Row-major, in pixels. */
export interface FlowField {
  u: Float32Array;
  v: Float32Array;
  width: number;
  height: number;
}

/** Throws unless every grid is width x height with one value a pixel (channels > 1 for interleaved images). */
export function checkGrids(what: string, width: number, height: number, grids: { length: number; channels?: number }[]): void {
  for (const g of grids) {
    if (g.length !== width * height * (g.channels ?? 1)) {
      throw new DepthkitError(`${what}: inputs differ in size (expected ${width}x${height}, got ${g.length} values)`);
    }
  }
}

/** Throws unless the two RGB frames of a flow pair have one size and hold 3 bytes a pixel. */
export function checkFramePair(a: { data: { length: number }; width: number; height: number }, b: { data: { length: number }; width: number; height: number }): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw new DepthkitError(`optical flow: frames differ in size (${a.width}x${a.height} and ${b.width}x${b.height})`);
  }
  checkGrids('optical flow', a.width, a.height, [a.data, b.data].map((d) => ({ length: d.length, channels: 3 })));
}

/** The two flows of the pair (t, t+1). */
export interface PairFlows {
  /** Flow from frame t+1 to frame t: what a backward warp of frame t onto frame t+1 samples with. */
  toPrev: FlowField;
  /** Flow from frame t to frame t+1: used for the forward-backward occlusion check. */
  toNext: FlowField;
}

/**
 * Bilinear sample of a single-channel map at (x, y); the caller has checked 0 <= x <= w-1, 0 <= y <= h-1.
 * On the last row/column the right/bottom neighbour has weight 0, so it is clamped rather than read out of bounds.
 */
export function sampleBilinear(src: ArrayLike<number>, width: number, height: number, x: number, y: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const x1 = x0 + 1 < width ? x0 + 1 : x0;
  const y1 = y0 + 1 < height ? y0 + 1 : y0;
  const r0 = y0 * width;
  const r1 = y1 * width;
  const top = src[r0 + x0] * (1 - fx) + src[r0 + x1] * fx;
  const bottom = src[r1 + x0] * (1 - fx) + src[r1 + x1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * Sundaram, Brox & Keutzer (ECCV 2010) forward-backward check constants: pixel x of frame a is kept when x + f_ab(x)
 * lies in the image and |f_ab(x) + f_ba(x + f_ab(x))|^2 < alpha (|f_ab(x)|^2 + |f_ba(x + f_ab(x))|^2) + beta, f_ba
 * sampled bilinearly (temporal.ts applies it to each pair).
 */
export const FB_ALPHA = 0.01;
export const FB_BETA = 0.5;
