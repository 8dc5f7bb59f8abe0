import type { RgbImage } from '../../metrics/types.js';

/**
 * Turns an rgb24 image counter-clockwise by a quarter-turn multiple (the display matrix rotation), so that the
 * frame is upright as a player shows it. Pixels are moved, never resampled.
 */
export function rotateRgb(src: RgbImage, ccw: number): RgbImage {
  const { width: w, height: h, data } = src;
  if (ccw === 0) return src;
  const swap = ccw === 90 || ccw === 270;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // (x, y) -> its place after the turn
      const ox = ccw === 90 ? y : ccw === 270 ? h - 1 - y : w - 1 - x;
      const oy = ccw === 90 ? w - 1 - x : ccw === 270 ? x : h - 1 - y;
      const s = 3 * (y * w + x);
      const d = 3 * (oy * ow + ox);
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { data: out, width: ow, height: oh };
}
