import { densify } from './flow-dis-densify.js';
import { greyPlane, halve, resizeField, sobel, type Plane } from './flow-dis-pyramid.js';
import { refine } from './flow-dis-refine.js';
import { patchSearch, type Scale } from './flow-dis-search.js';
import type { RgbImage } from './types.js';
import { checkFramePair, type FlowField } from './warp.js';

/**
 * Dense Inverse Search optical flow (Kroeger, Timofte, Dai & Van Gool, ECCV 2016), written after the paper and the
 * structure of OpenCV's `modules/video/src/dis_flow.cpp` (no code taken). Coarse to fine over an area-averaged
 * pyramid; at each scale:
 * 1. patch inverse search: a grid of `patch`-sized patches every `stride` px, each starting from the coarser
 *    scale's flow at its centre, propagated from its already-solved neighbours when their flow matches the patch
 *    better (two passes, forward then backward), then refined by inverse-compositional Gauss-Newton on the
 *    mean-normalised patch difference (the Hessian of frame a's patch is computed once, so an iteration is one
 *    bilinear warp of the patch);
 * 2. densification: each pixel takes the mean of the flows of the patches covering it, weighted by
 *    1 / max(1, |b(x + f) - a(x)|), so the patch that explains the pixel best weighs most;
 * 3. variational refinement (Brox et al. 2004, as DIS uses it): brightness and gradient constancy plus a smoothness
 *    term, robust (Charbonnier) penalties, fixed-point iterations over a linearised system solved by SOR.
 * The field of the finest computed scale (`finestScale`) is upsampled (bilinear, vectors scaled) to the frame.
 * Parameters come in presets (`DIS_PRESETS`): OpenCV's FAST and MEDIUM, and fine (MEDIUM at full resolution,
 * the default: on synth clips the coarser presets lose to Lucas-Kanade on some pairs, see docs/video.md).
 */
export interface DisOptions {
  /** Side of the square patches (px). Default 8. */
  patch?: number;
  /** Distance between patch origins (px). Default 3. */
  stride?: number;
  /** Scale at which the estimate stops (0 = full resolution, 1 = half, ...). Default 0. */
  finestScale?: number;
  /** Gauss-Newton iterations of each patch per scale (split over the two propagation passes). Default 25. */
  iterations?: number;
  /** Fixed-point iterations of the variational refinement per scale (0 turns it off). Default 5. */
  refineIterations?: number;
  /** Smoothness weight of the refinement. Default 20. */
  alpha?: number;
  /** Brightness-constancy weight. Default 5. */
  delta?: number;
  /** Gradient-constancy weight. Default 10. */
  gamma?: number;
}

/**
 * Named parameter sets (`--flow-preset`). fast and medium are OpenCV's PRESET_FAST and PRESET_MEDIUM
 * (`DISOpticalFlow::create`); fine is MEDIUM down to full resolution (finest scale 0), depthkit's setting before
 * presets existed. Cost and end-point error of each: docs/video.md.
 */
export const DIS_PRESETS = {
  fast: { finestScale: 2, stride: 4, iterations: 16, refineIterations: 5 },
  medium: { finestScale: 1, stride: 3, iterations: 25, refineIterations: 5 },
  fine: { finestScale: 0, stride: 3, iterations: 25, refineIterations: 5 },
} as const satisfies Record<string, DisOptions>;
export type DisPreset = keyof typeof DIS_PRESETS;
export const DIS_PRESET_NAMES = Object.keys(DIS_PRESETS) as DisPreset[];
export const DEFAULT_DIS_PRESET: DisPreset = 'fine';

const DEFAULTS: Required<DisOptions> = { patch: 8, alpha: 20, delta: 5, gamma: 10, ...DIS_PRESETS[DEFAULT_DIS_PRESET] };

/** Dense flow from frame a to frame b (a(x) ~ b(x + flow(x))) by DIS; both frames the same size. */
export function estimateFlowDis(a: RgbImage, b: RgbImage, options: DisOptions = {}): FlowField {
  const o: Required<DisOptions> = { ...DEFAULTS, ...options };
  checkFramePair(a, b);
  const zero = (w: number, h: number): FlowField => ({ u: new Float32Array(w * h), v: new Float32Array(w * h), width: w, height: h });
  if (a.width < 2 || a.height < 2) return zero(a.width, a.height);
  const pa: Plane[] = [greyPlane(a)];
  const pb: Plane[] = [greyPlane(b)];
  // Coarsest scale as OpenCV picks it: the longest side about 4 patches there.
  const coarsest = Math.max(o.finestScale, Math.round(Math.log2(Math.max(a.width, a.height) / (4 * o.patch))));
  while (pa.length <= coarsest) {
    const last = pa[pa.length - 1];
    if (Math.min(last.width, last.height) < 2 * Math.max(4, o.patch / 2)) break;
    pa.push(halve(last));
    pb.push(halve(pb[pb.length - 1]));
  }
  const top = pa.length - 1;
  const finest = Math.min(o.finestScale, top);
  let flow = zero(pa[top].width, pa[top].height);
  for (let l = top; l >= finest; l--) {
    const sc: Scale = { a: pa[l], b: pb[l], ...sobel(pa[l]) };
    if (flow.width !== sc.a.width || flow.height !== sc.a.height) flow = resizeField(flow, sc.a.width, sc.a.height);
    const ps = Math.min(o.patch, sc.a.width, sc.a.height);
    flow = densify(sc.a, sc.b, patchSearch(sc, flow, o.patch, o.stride, o.iterations), ps);
    refine(sc.a, sc.b, flow, o.refineIterations, o);
  }
  return flow.width === a.width && flow.height === a.height ? flow : resizeField(flow, a.width, a.height);
}
