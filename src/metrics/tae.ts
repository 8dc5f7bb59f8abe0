import { DepthkitError } from '../errors.js';
import type { DepthMap, Mask } from './types.js';
import { checkGrids } from './warp.js';

/** Pinhole intrinsics in pixels (the same for every frame of a sequence). */
export interface Intrinsics {
  fx: number;
  fy: number;
  cx: number;
  cy: number;
}

export interface TaeOptions {
  /**
   * Keep the nearest point when several land on the same pixel (default true). The reference scatters without a
   * z-buffer (torch index assignment: on CPU the point written last, in row-major order, wins; on GPU the winner is
   * unspecified), so background can show through an occluder; `false` reproduces the CPU behaviour exactly.
   */
  zbuffer?: boolean;
  /**
   * Per-frame validity masks (e.g. dynamic-object masks). As in the reference, the mask of the frame projected
   * INTO is applied (frame i+1 for the forward error, frame i for the backward one); the reference's ScanNet run
   * uses none.
   */
  masks?: Mask[];
  /**
   * Clamp every depth to [min, max] before projecting, as the reference does after its disparity fit
   * (min 1e-3, max = the dataset's eval cap, 10 m on ScanNet). Default: no clamp.
   */
  clamp?: { min: number; max: number };
}

export interface TaeResult {
  /** 100 * sum over pairs of (fwd + bwd) / (2 (N - 1)); lower is better. */
  tae: number;
  /** AbsRel of each pair in both directions (fractions, not percent). */
  pairs: { forward: number; backward: number }[];
}

/** Row-major 4x4 inverse by Gauss–Jordan with partial pivoting (poses are well conditioned rigid transforms). */
export function invert4(m: ArrayLike<number>): Float64Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(16);
  for (let i = 0; i < 4; i++) inv[i * 5] = 1;
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(a[r * 4 + c]) > Math.abs(a[p * 4 + c])) p = r;
    for (let k = 0; k < 4; k++) {
      [a[c * 4 + k], a[p * 4 + k]] = [a[p * 4 + k], a[c * 4 + k]];
      [inv[c * 4 + k], inv[p * 4 + k]] = [inv[p * 4 + k], inv[c * 4 + k]];
    }
    const d = a[c * 4 + c];
    for (let k = 0; k < 4; k++) {
      a[c * 4 + k] /= d;
      inv[c * 4 + k] /= d;
    }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = a[r * 4 + c];
      for (let k = 0; k < 4; k++) {
        a[r * 4 + k] -= f * a[c * 4 + k];
        inv[r * 4 + k] -= f * inv[c * 4 + k];
      }
    }
  }
  return inv;
}

export function multiply4(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(16);
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[r * 4 + k] * b[k * 4 + c];
      out[r * 4 + c] = s;
    }
  }
  return out;
}

/** Round half to even, as torch.round / numpy.round, so pixel assignment matches the reference on exact halves. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clamped(d: Float32Array, clamp: TaeOptions['clamp']): ArrayLike<number> {
  if (!clamp) return d;
  return Float64Array.from(d, (v) => Math.min(clamp.max, Math.max(clamp.min, v)));
}

/**
 * Pixel (x, y) at depth z of camera A, seen from camera B (`aToB`: 4x4 row-major, A's camera frame to B's): writes
 * B's camera-frame point into `out` [xt, yt, zt]. The one pinhole back-projection TAE and the exact flow share.
 */
export function transferPoint(x: number, y: number, z: number, aToB: ArrayLike<number>, K: Intrinsics, out: Float64Array): void {
  const m = aToB;
  const X = ((x - K.cx) * z) / K.fx;
  const Y = ((y - K.cy) * z) / K.fy;
  out[0] = m[0] * X + m[1] * Y + m[2] * z + m[3];
  out[1] = m[4] * X + m[5] * Y + m[6] * z + m[7];
  out[2] = m[8] * X + m[9] * Y + m[10] * z + m[11];
}

/**
 * AbsRel of one direction: back-project `src` with K, move the points by `srcToDst` (row-major 4x4, maps src
 * camera coordinates to dst camera coordinates), project, round to pixels, scatter z (nearest with `zbuffer`),
 * then mean |dst - proj| / dst over pixels where proj > 0, dst > 0 and `dstMask`. Source pixels with a
 * non-positive or non-finite depth are not projected (the reference clamps depth to >= 1e-3, so never has any).
 * Returns 0 when nothing lands, as the reference does (the pair still counts in the denominator).
 */
export function reprojectionAbsRel(
  src: ArrayLike<number>,
  dst: ArrayLike<number>,
  width: number,
  height: number,
  srcToDst: Float64Array,
  K: Intrinsics,
  dstMask: Mask | undefined,
  zbuffer: boolean,
): number {
  const m = srcToDst;
  const proj = new Float64Array(width * height);
  const p = new Float64Array(3);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const z = src[i];
      if (!(z > 0) || !Number.isFinite(z)) continue;
      transferPoint(x, y, z, m, K, p);
      const [xt, yt, zt] = p;
      // Points behind the camera can never pass proj > 0; with a z-buffer they must not hide anything either.
      if (zbuffer && !(zt > 0)) continue;
      const u = roundHalfEven((xt * K.fx) / zt + K.cx);
      const v = roundHalfEven((yt * K.fy) / zt + K.cy);
      if (!(u >= 0 && u < width && v >= 0 && v < height)) continue;
      const j = v * width + u;
      if (!zbuffer || proj[j] <= 0 || zt < proj[j]) proj[j] = zt;
    }
  }
  let sum = 0;
  let count = 0;
  for (let j = 0; j < proj.length; j++) {
    if (!(proj[j] > 0) || !(dst[j] > 0) || (dstMask && !dstMask[j])) continue;
    sum += Math.abs(dst[j] - proj[j]) / dst[j];
    count++;
  }
  return count ? sum / count : 0;
}

/**
 * Temporal Alignment Error (Video Depth Anything, benchmark/eval/eval_tae.py). `depths` must already be aligned
 * (the reference fits one scale and shift per sequence in disparity space; the caller does that); `poses` are
 * camera-to-world, row-major 4x4. For each pair, T_21 = inv(T_{i+1}) T_i projects frame i into frame i+1 and
 * inv(T_21) projects back; TAE = 100 * sum(e_fwd + e_bwd) / (2 (N - 1)).
 */
export function temporalAlignmentError(
  depths: DepthMap[],
  poses: Float64Array[],
  K: Intrinsics,
  options: TaeOptions = {},
): TaeResult {
  const zbuffer = options.zbuffer ?? true;
  if (poses.length !== depths.length || poses.some((p) => p.length !== 16)) {
    throw new DepthkitError(`TAE needs one 4x4 pose a depth map: got ${depths.length} depth maps, ${poses.length} poses`);
  }
  checkGrids('TAE', depths[0]?.width ?? 0, depths[0]?.height ?? 0, [...depths.map((d) => d.data), ...(options.masks ?? [])]);
  const pairs: TaeResult['pairs'] = [];
  let total = 0;
  for (let i = 0; i + 1 < depths.length; i++) {
    const { width, height } = depths[i];
    const d1 = clamped(depths[i].data, options.clamp);
    const d2 = clamped(depths[i + 1].data, options.clamp);
    const t21 = multiply4(invert4(poses[i + 1]), poses[i]);
    const forward = reprojectionAbsRel(d1, d2, width, height, t21, K, options.masks?.[i + 1], zbuffer);
    const backward = reprojectionAbsRel(d2, d1, width, height, invert4(t21), K, options.masks?.[i], zbuffer);
    pairs.push({ forward, backward });
    total += forward + backward;
  }
  const n = depths.length;
  return { tae: n > 1 ? (100 * total) / (2 * (n - 1)) : NaN, pairs };
}
