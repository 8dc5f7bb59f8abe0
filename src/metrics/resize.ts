import { DepthkitError } from '../errors.js';
import type { DepthMap } from './types.js';

/** Source index pair and weight of the far neighbour along one axis, per destination index. */
interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  w: Float64Array;
}

/**
 * torch's align_corners=False mapping: src = (dst + 0.5) * in/out - 0.5, clamped at 0 below; the upper neighbour
 * is clamped to the last index, so border pixels repeat instead of reading outside the image.
 */
function axisTaps(inSize: number, outSize: number): AxisTaps {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const src = Math.max((d + 0.5) * scale - 0.5, 0);
    const i0 = Math.floor(src);
    lo[d] = i0;
    hi[d] = i0 < inSize - 1 ? i0 + 1 : i0;
    w[d] = src - i0;
  }
  return { lo, hi, w };
}

/**
 * Bilinear resize with half-pixel centres and no antialiasing (torch interpolate bilinear align_corners=False,
 * cv2.INTER_LINEAR for float input). Interpolates in float64 and stores float32. A NaN source pixel spreads to its
 * neighbours' outputs; the prediction clamp that follows turns those into minDepth.
 */
export function resizeBilinear(map: DepthMap, width: number, height: number): DepthMap {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new DepthkitError(`cannot resize to ${width}x${height}: sizes must be positive integers`);
  }
  if (map.data.length !== map.width * map.height || map.width < 1 || map.height < 1) {
    throw new DepthkitError(`depth map of ${map.width}x${map.height} holds ${map.data.length} values`);
  }
  const src = map.data;
  const sw = map.width;
  const cols = axisTaps(sw, width);
  const rows = axisTaps(map.height, height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const r0 = rows.lo[y] * sw;
    const r1 = rows.hi[y] * sw;
    const wy1 = rows.w[y];
    const wy0 = 1 - wy1;
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const c0 = cols.lo[x];
      const c1 = cols.hi[x];
      const wx1 = cols.w[x];
      const wx0 = 1 - wx1;
      out[o + x] = wy0 * (wx0 * src[r0 + c0] + wx1 * src[r0 + c1]) + wy1 * (wx0 * src[r1 + c0] + wx1 * src[r1 + c1]);
    }
  }
  return { data: out, width, height };
}

/**
 * Nearest-neighbour resize (pixel centres, half-pixel convention), for ground truth: it never blends a valid depth
 * with an invalid 0 (bilinear would smear fake depths around every hole) nor mixes the two sides of an occlusion edge.
 */
export function resizeNearest(map: DepthMap, width: number, height: number): DepthMap {
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
