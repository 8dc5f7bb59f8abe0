import type { Vec3 } from './camera.js';

/** Hash of a lattice point to [0, 1). */
function lattice(ix: number, iy: number, seed: number): number {
  let h = Math.imul(ix, 374761393) ^ Math.imul(iy, 668265263) ^ Math.imul(seed, 2246822519);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Value noise: lattice values blended with a smoothstep, in [0, 1). */
export function valueNoise(x: number, y: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = lattice(ix, iy, seed);
  const b = lattice(ix + 1, iy, seed);
  const c = lattice(ix, iy + 1, seed);
  const d = lattice(ix + 1, iy + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

export type Pattern = 'checker' | 'stripes' | 'noise';

/** A surface texture: two colours (RGB in 0..1) mixed by a pattern of cell size `scale` metres, plus fine grain. */
export interface Material {
  a: Vec3;
  b: Vec3;
  pattern: Pattern;
  scale: number;
  seed: number;
}

/**
 * Albedo at surface coordinates (u, v) in metres, written to out[1..3] (out[0] is left alone: the renderer keeps
 * depth there). The grain gives optical flow texture inside every cell.
 */
export function albedo(m: Material, u: number, v: number, out: Float64Array): void {
  const x = u / m.scale;
  const y = v / m.scale;
  let p: number;
  if (m.pattern === 'checker') p = (Math.floor(x) + Math.floor(y)) & 1;
  else if (m.pattern === 'stripes') p = Math.floor(x) & 1;
  else p = 0.65 * valueNoise(x, y, m.seed) + 0.35 * valueNoise(2 * x, 2 * y, m.seed + 1);
  const grain = 0.8 + 0.4 * valueNoise(u * 12, v * 12, m.seed + 2);
  out[1] = (m.a[0] + (m.b[0] - m.a[0]) * p) * grain;
  out[2] = (m.a[1] + (m.b[1] - m.a[1]) * p) * grain;
  out[3] = (m.a[2] + (m.b[2] - m.a[2]) * p) * grain;
}
