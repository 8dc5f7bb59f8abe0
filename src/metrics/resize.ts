import { DepthkitError } from '../errors.js';
import type { DepthMap } from './types.js';

/** Source index pair and the weights of the near and far neighbour along one axis, per destination index. */
interface AxisTaps {
  lo: Int32Array;
  hi: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

/**
 * Arithmetic of the resize. double: coordinates, weights and sums in float64 (depthkit's default). single: as
 * cv2.resize and torch compute for float32 maps: the source coordinate rounded to float32, weights 1 - f and f in
 * float32, every product and sum rounded to float32 (rows first, then columns, as cv2). Away from cancellation the
 * two agree to ~1e-7, but a float32 coordinate near x = 600 is only good to 6e-5 px, which moves a resized
 * monodepth2 disparity by ~1e-6 relative on a quarter of its pixels: the presets that follow cv2 use single.
 */
export type ResizePrecision = 'double' | 'single';

/**
 * Where a destination pixel samples its source. half-pixel (torch align_corners=False, cv2 INTER_LINEAR): pixel
 * centres line up, src = (dst + 0.5) * in/out - 0.5. align-corners (torch align_corners=True, ZoeDepth): the corner
 * pixels line up, src = dst * (in - 1)/(out - 1).
 */
export type ResizeGrid = 'half-pixel' | 'align-corners';
/** Resize a depth map as depth, or as disparity (1/depth) and invert the result back (monodepth2, VDA). */
export type ResizeSpace = 'depth' | 'disparity';

/**
 * Source taps on the chosen grid, clamped at 0 below; the upper neighbour is clamped to the last index, so border
 * pixels repeat instead of reading outside the image.
 */
function axisTaps(inSize: number, outSize: number, grid: ResizeGrid, precision: ResizePrecision): AxisTaps {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w0 = new Float64Array(outSize);
  const w1 = new Float64Array(outSize);
  const single = precision === 'single';
  const scale = grid === 'half-pixel' ? inSize / outSize : outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let d = 0; d < outSize; d++) {
    const exact = grid === 'half-pixel' ? Math.max((d + 0.5) * scale - 0.5, 0) : Math.min(d * scale, inSize - 1);
    const src = single ? Math.max(Math.fround(exact), 0) : exact;
    const i0 = Math.floor(src);
    lo[d] = i0;
    hi[d] = i0 < inSize - 1 ? i0 + 1 : i0;
    w1[d] = src - i0;
    w0[d] = single ? Math.fround(1 - w1[d]) : 1 - w1[d];
  }
  return { lo, hi, w0, w1 };
}

/**
 * Bilinear resize with no antialiasing: half-pixel centres by default (torch interpolate bilinear
 * align_corners=False, cv2.INTER_LINEAR for float input), or align-corners. Interpolates in float64 and stores
 * float32. A NaN source pixel spreads to its neighbours' outputs; the prediction clamp that follows turns those into
 * minDepth (or keeps them NaN where the protocol says so).
 */
export function resizeBilinear(map: DepthMap, width: number, height: number, grid: ResizeGrid = 'half-pixel', precision: ResizePrecision = 'double'): DepthMap {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) {
    throw new DepthkitError(`cannot resize to ${width}x${height}: sizes must be positive integers`);
  }
  if (map.data.length !== map.width * map.height || map.width < 1 || map.height < 1) {
    throw new DepthkitError(`depth map of ${map.width}x${map.height} holds ${map.data.length} values`);
  }
  const src = map.data;
  const sw = map.width;
  const cols = axisTaps(sw, width, grid, precision);
  const rows = axisTaps(map.height, height, grid, precision);
  const out = new Float32Array(width * height);
  const f = Math.fround;
  for (let y = 0; y < height; y++) {
    const r0 = rows.lo[y] * sw;
    const r1 = rows.hi[y] * sw;
    const wy0 = rows.w0[y];
    const wy1 = rows.w1[y];
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const c0 = cols.lo[x];
      const c1 = cols.hi[x];
      const wx0 = cols.w0[x];
      const wx1 = cols.w1[x];
      if (precision === 'double') {
        out[o + x] = wy0 * (wx0 * src[r0 + c0] + wx1 * src[r0 + c1]) + wy1 * (wx0 * src[r1 + c0] + wx1 * src[r1 + c1]);
      } else {
        const top = f(f(src[r0 + c0] * wx0) + f(src[r0 + c1] * wx1));
        const bottom = f(f(src[r1 + c0] * wx0) + f(src[r1 + c1] * wx1));
        out[o + x] = f(top * wy0) + f(bottom * wy1);
      }
    }
  }
  return { data: out, width, height };
}

/**
 * A prediction resized as `space` says: in disparity space every value is inverted (in float32, as the file
 * holding 1/disparity would be read back), resized, and inverted again, so that 0 disparity reads +Inf depth.
 */
export function resizePrediction(map: DepthMap, width: number, height: number, grid: ResizeGrid, space: ResizeSpace, precision: ResizePrecision = 'double'): DepthMap {
  if (space === 'depth') return resizeBilinear(map, width, height, grid, precision);
  const disparity = resizeBilinear({ ...map, data: invert(map.data) }, width, height, grid, precision);
  return { ...disparity, data: invert(disparity.data) };
}

function invert(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = 1 / a[i];
  return out;
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
