import { DepthkitError } from '../errors.js';
import { invert4, multiply4, transferPoint, type Intrinsics } from './tae.js';
import type { DepthMap, Mask } from './types.js';
import { checkGrids, type FlowField } from './warp.js';

/**
 * The exact optical flow of a static scene from frame a to frame b, given a's z-depth, both camera-to-world poses
 * (row-major 4x4) and the pinhole intrinsics (pixel (x, y) looks along K^-1 [x, y, 1], as depthkit synth renders and
 * the TAE metric projects). `valid` is 1 where the point has a depth, lands in front of camera b inside the frame,
 * and, when b's depth is given, is visible there: its depth in b within `occlusionTolerance` (relative) of b's
 * depth at the landing point (so occluded and disoccluded pixels are left out of an end-point error).
 */
export function trueFlow(
  depthA: DepthMap,
  poseA: ArrayLike<number>,
  poseB: ArrayLike<number>,
  K: Intrinsics,
  depthB?: DepthMap,
  occlusionTolerance = 0.02,
): { flow: FlowField; valid: Mask } {
  const { width: w, height: h } = depthA;
  if (poseA.length !== 16 || poseB.length !== 16) throw new DepthkitError('true flow: poses must be 4x4 (16 values)');
  checkGrids('true flow', w, h, [depthA.data, ...(depthB ? [depthB.data] : [])]);
  const m = multiply4(invert4(poseB), poseA);
  const u = new Float32Array(w * h);
  const v = new Float32Array(w * h);
  const valid: Mask = new Uint8Array(w * h);
  const p = new Float64Array(3);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const z = depthA.data[i];
      if (!(z > 0) || !Number.isFinite(z)) continue;
      transferPoint(x, y, z, m, K, p);
      const [xt, yt, zt] = p;
      if (!(zt > 0)) continue;
      const px = (xt * K.fx) / zt + K.cx;
      const py = (yt * K.fy) / zt + K.cy;
      u[i] = px - x;
      v[i] = py - y;
      if (!(px >= 0 && px <= w - 1 && py >= 0 && py <= h - 1)) continue;
      if (depthB) {
        // Nearest depth of the four around the landing point: bilinear would blend across a depth edge.
        const zb = Math.min(
          ...[Math.floor(px), Math.ceil(px)].flatMap((sx) => [Math.floor(py), Math.ceil(py)].map((sy) => depthB.data[sy * w + sx])).filter((d) => d > 0),
        );
        if (!(Math.abs(zt - zb) <= occlusionTolerance * zb)) continue;
      }
      valid[i] = 1;
    }
  }
  return { flow: { u, v, width: w, height: h }, valid };
}

/** Mean end-point error |est - truth| (px) over the pixels where `valid` is set (all pixels without a mask). */
export function endPointError(est: FlowField, truth: FlowField, valid?: Mask): number {
  checkGrids('end-point error', truth.width, truth.height, [est.u, est.v, truth.u, ...(valid ? [valid] : [])]);
  let s = 0;
  let n = 0;
  for (let i = 0; i < truth.u.length; i++) {
    if (valid && !valid[i]) continue;
    s += Math.hypot(est.u[i] - truth.u[i], est.v[i] - truth.v[i]);
    n++;
  }
  return n ? s / n : NaN;
}

