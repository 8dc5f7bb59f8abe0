import { DepthkitError } from '../errors.js';
import type { Mask } from './types.js';

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

function inside(width: number, height: number, x: number, y: number): boolean {
  return x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1;
}

/**
 * Backward warp: out(x) = src(x + flow(x)), bilinear. With `flow` from frame t+1 to frame t this brings a map of
 * frame t onto frame t+1's pixel grid. Samples falling outside the image get 0 and inside = 0.
 * Float64 out so that metric thresholds (rTC's 1.01) are not perturbed by float32 rounding of the warp.
 */
export function warpMap(src: ArrayLike<number>, flow: FlowField): { data: Float64Array; inside: Mask } {
  const { width, height, u, v } = flow;
  const data = new Float64Array(width * height);
  const mask = new Uint8Array(width * height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const sx = x + u[i];
      const sy = y + v[i];
      if (!inside(width, height, sx, sy)) continue;
      data[i] = sampleBilinear(src, width, height, sx, sy);
      mask[i] = 1;
    }
  }
  return { data, inside: mask };
}

/** Splits an interleaved 8-bit RGB buffer into three planes scaled to [0, 1]. */
export function rgbPlanes(rgb: Uint8Array, pixels: number): [Float64Array, Float64Array, Float64Array] {
  const planes: [Float64Array, Float64Array, Float64Array] = [
    new Float64Array(pixels),
    new Float64Array(pixels),
    new Float64Array(pixels),
  ];
  for (let i = 0; i < pixels; i++) {
    for (let c = 0; c < 3; c++) planes[c][i] = rgb[3 * i + c] / 255;
  }
  return planes;
}

/** Sundaram, Brox & Keutzer (ECCV 2010) forward-backward check constants: |f + b|^2 < a (|f|^2 + |b|^2) + b. */
export const FB_ALPHA = 0.01;
export const FB_BETA = 0.5;

/**
 * Forward-backward consistency (Sundaram et al. 2010): pixel x of frame a is kept (1) when x + f_ab(x) lies in the
 * image and |f_ab(x) + f_ba(x + f_ab(x))|^2 < alpha (|f_ab(x)|^2 + |f_ba(x + f_ab(x))|^2) + beta, f_ba sampled
 * bilinearly. Everything else (occluded, disoccluded, leaving the frame) is 0.
 */
export function forwardBackwardMask(fab: FlowField, fba: FlowField, alpha = FB_ALPHA, beta = FB_BETA): Mask {
  const { width, height } = fab;
  const mask = new Uint8Array(width * height);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const fu = fab.u[i];
      const fv = fab.v[i];
      const sx = x + fu;
      const sy = y + fv;
      if (!inside(width, height, sx, sy)) continue;
      const bu = sampleBilinear(fba.u, width, height, sx, sy);
      const bv = sampleBilinear(fba.v, width, height, sx, sy);
      const du = fu + bu;
      const dv = fv + bv;
      if (du * du + dv * dv < alpha * (fu * fu + fv * fv + bu * bu + bv * bv) + beta) mask[i] = 1;
    }
  }
  return mask;
}
