import type { DepthMap } from '../metrics/types.js';

/**
 * Nearest-neighbour resize of a depth map (pixel centres, half-pixel convention). Nearest, not bilinear: it never
 * blends a valid depth with an invalid 0 or mixes the two sides of an occlusion edge into a depth neither has.
 */
export function resizeDepthNearest(map: DepthMap, width: number, height: number): DepthMap {
  if (map.width === width && map.height === height) return map;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(map.height - 1, Math.floor(((y + 0.5) * map.height) / height));
    for (let x = 0; x < width; x++) {
      const sx = Math.min(map.width - 1, Math.floor(((x + 0.5) * map.width) / width));
      out[y * width + x] = map.data[sy * map.width + sx];
    }
  }
  return { data: out, width, height };
}
