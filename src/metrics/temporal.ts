import type { DepthMap, Mask, RgbImage } from './types.js';
import { ssim } from './ssim.js';
import { DepthkitError } from '../errors.js';
import { medianInPlace } from './align.js';
import { checkGrids, FB_ALPHA, FB_BETA, type PairFlows } from './warp.js';
import { wasmInstance, wasmKernel, wasmPlace } from '../util/wasm.js';

/**
 * Flow-based temporal consistency of a depth video (no ground truth needed). All functions take depth that is
 * already aligned to metric scale where that matters (rTC and flicker are ratios; OPW normalises per frame).
 * Flow convention (see warp.ts): `toPrev` maps frame t+1 to frame t, i.e. I_{t+1}(x) ~ I_t(x + toPrev(x)), which
 * is what a backward warp of frame t onto frame t+1 needs; `toNext` is the opposite field, used only for the
 * occlusion check. A constant depth video scores perfectly on OPW and rTC: report them next to accuracy.
 */

/** Shares of valid pixels whose frame-to-frame depth ratio stays under 1.01 and 1.05 (named for CSV columns). */
export interface RtcScores {
  rtc_101: number;
  rtc_105: number;
}

export interface TemporalPairScores extends RtcScores {
  opw: number;
  flicker: number;
  /** Pixels of frame t+1 that entered OPW/rTC (in-image, non-occluded, positive depth in both). */
  validPixels: number;
}

export interface TemporalScores extends RtcScores {
  /** Mean over pairs of the per-pair OPW (FMNet/NVDS sum over pairs; depthkit reports the mean so lengths compare). */
  opw: number;
  flicker: number;
  pairs: TemporalPairScores[];
}

/**
 * Per-frame normalisation used by OPW: (d - median) / mean(|d - median|), statistics over the pixels where `mask`
 * is 1 (all pixels without a mask). A constant map has zero deviation and normalises to zeros. The median is
 * numpy's (mean of the two middle values for an even count), found by selection rather than a sort.
 */
export function normaliseMedianMad(depth: ArrayLike<number>, mask?: Mask): Float64Array {
  const n = depth.length;
  const buf = new Float64Array(n);
  let m = 0;
  let nan = false;
  for (let i = 0; i < n; i++) {
    if (mask && !mask[i]) continue;
    nan ||= Number.isNaN(depth[i]);
    buf[m++] = depth[i];
  }
  const picked = buf.subarray(0, m);
  // Selection needs a total order; with NaN present the sort's order (NaN last) is the definition.
  const med = nan ? sortedMedian(picked) : medianInPlace(picked);
  // Summed in pixel order over the original values (selection reordered buf).
  let dev = 0;
  for (let i = 0; i < n; i++) if (!mask || mask[i]) dev += Math.abs(depth[i] - med);
  dev /= m;
  // buf's values are spent: it becomes the output.
  const scale = dev > 0 ? 1 / dev : 0;
  for (let i = 0; i < n; i++) buf[i] = (depth[i] - med) * scale;
  return buf;
}

function sortedMedian(values: Float64Array): number {
  const sorted = values.slice().sort();
  const n = sorted.length;
  if (n === 0) return NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** 1 where the depth is finite and positive (and `mask`, when given, is 1). */
export function usableMask(depth: DepthMap, mask?: Mask): Mask {
  const out = new Uint8Array(depth.data.length);
  for (let i = 0; i < out.length; i++) out[i] = usable(depth.data[i]) && (!mask || mask[i]) ? 1 : 0;
  return out;
}

function usable(d: number): boolean {
  return Number.isFinite(d) && d > 0;
}

/**
 * What a frame brings to every pair it is in, computed once a frame: where its depth is usable (finite, positive,
 * inside its mask when given) and its depth normalised by normaliseMedianMad over those pixels (OPW's d).
 */
export interface TemporalFrame {
  depth: DepthMap;
  ok: Mask;
  norm: Float64Array;
}

export function temporalFrame(depth: DepthMap, mask?: Mask): TemporalFrame {
  const ok = usableMask(depth, mask);
  return { depth, ok, norm: normaliseMedianMad(depth.data, ok) };
}

/**
 * OPW and rTC of one pair in one pass over frame t+1's pixels, every map sampled at x + toPrev(x) with the same
 * bilinear taps (warp.ts's `sampleBilinear` arithmetic), which are computed once a pixel (the pass runs in
 * WebAssembly, float64 as the TypeScript it replaced, kept as the reference in test/wasm/temporal-reference.ts):
 * - valid pixels: the backward flow lands inside frame t, the pair passes the forward-backward check (warp.ts,
 *   Sundaram et al. constants: toNext sampled at the same point), and frame t+1's pixel and the four pixels of frame t
 *   that the warp reads are usable (`TemporalFrame.ok`: finite positive depth, inside the frame's mask);
 * - OPW (FMNet eq. 10-11 after Cao et al.; NVDS's implementation): with d normalised per frame by normaliseMedianMad
 *   (statistics over the frame's finite positive depths, inside its mask when given), M = exp(-50 ||I_{t+1} -
 *   warp(I_t)||^2) (RGB in [0,1], squared L2 over the 3 channels), OPW = mean over valid pixels of
 *   M |d_{t+1} - warp(d_t)|; lower is better, 0 for a perfectly consistent video;
 * - rTC: the share of valid pixels with max(d_{t+1} / warp(d_t), warp(d_t) / d_{t+1}) under 1.01 and 1.05 (rtc_101,
 *   rtc_105); higher is better, 1 for a consistent video.
 */
function flowPairScores(prev: TemporalFrame, next: TemporalFrame, prevImage: RgbImage, nextImage: RgbImage, flows: PairFlows): Omit<TemporalPairScores, 'flicker'> {
  const { width, height } = next.depth;
  const grids = [flows.toPrev.u, flows.toPrev.v, flows.toNext.u, flows.toNext.v, prev.ok, next.ok, prev.norm, next.norm, prev.depth.data, next.depth.data];
  // The pass reads the maps at fixed offsets: a short one would read its neighbour's bytes, so sizes are checked here.
  checkGrids('temporal pair', width, height, [...grids, ...[prevImage.data, nextImage.data].map((d) => ({ length: d.length, channels: 3 }))]);
  const inst = wasmInstance('temporal');
  const { at, bytes } = wasmPlace(inst, [...grids, prevImage.data, nextImage.data], [32]);
  wasmKernel('temporal', 'pairScores')(width, height, ...at.slice(0, 12), FB_ALPHA, FB_BETA, at[12]);
  const [opw, in101, in105, count] = new Float64Array(bytes.buffer, at[12], 4);
  return count ? { opw: opw / count, rtc_101: in101 / count, rtc_105: in105 / count, validPixels: count } : { opw: NaN, rtc_101: NaN, rtc_105: NaN, validPixels: 0 };
}

/**
 * Flicker for a static shot (no flow): the mean over pixels where both depths are finite and positive (and `mask`
 * is 1) of |d_{t+1} - d_t| / ((d_{t+1} + d_t) / 2), the relative frame-to-frame change of the same pixel.
 * Lower is better; 0 when nothing changes. On a moving camera it measures motion as well, so read it on static shots.
 */
export function flickerPair(prev: DepthMap, next: DepthMap, mask?: Mask): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < next.data.length; i++) {
    const a = prev.data[i];
    const b = next.data[i];
    if (!usable(a) || !usable(b) || (mask && !mask[i])) continue;
    sum += Math.abs(b - a) / ((a + b) / 2);
    count++;
  }
  return count ? sum / count : NaN;
}

function meanOf(values: number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length ? finite.reduce((s, v) => s + v, 0) / finite.length : NaN;
}

/**
 * The flow-based scores of one pair (t, t+1): what temporalScores averages, and what `depthkit video` computes as
 * each pair arrives (so the streaming path runs the numpy-checked code).
 */
export function temporalPair(prev: TemporalFrame, next: TemporalFrame, prevFrame: RgbImage, nextFrame: RgbImage, flows: PairFlows): TemporalPairScores {
  const both = new Uint8Array(prev.ok.length);
  for (let i = 0; i < both.length; i++) both[i] = prev.ok[i] & next.ok[i];
  return { ...flowPairScores(prev, next, prevFrame, nextFrame, flows), flicker: flickerPair(prev.depth, next.depth, both) };
}

/**
 * All flow-based scores of a sequence: per consecutive pair, then the mean over pairs (pairs without a valid pixel
 * are left out of the mean). `flows[t]` belongs to the pair (t, t+1); frames and depths have the same length;
 * optional per-frame `masks` (1 = use) restrict every score to the pixels kept in both frames of a pair.
 */
export function temporalScores(depths: DepthMap[], frames: RgbImage[], flows: PairFlows[], masks?: Mask[]): TemporalScores {
  if (frames.length !== depths.length || flows.length !== Math.max(0, depths.length - 1)) {
    throw new DepthkitError(
      `temporal scores need one frame a depth map and one flow pair a step: got ${depths.length} depth maps, ` +
        `${frames.length} frames, ${flows.length} flow pairs`,
    );
  }
  const { width, height } = depths[0] ?? { width: 0, height: 0 };
  checkGrids('temporal scores', width, height, [
    ...depths.map((d) => d.data),
    ...frames.map((f) => ({ length: f.data.length, channels: 3 })),
    ...flows.flatMap((f) => [f.toPrev.u, f.toPrev.v, f.toNext.u, f.toNext.v]),
    ...(masks ?? []),
  ]);
  if (masks && masks.length !== depths.length) throw new DepthkitError(`${masks.length} masks for ${depths.length} depth maps`);
  const pairs: TemporalPairScores[] = [];
  const prepared = depths.map((d, t) => temporalFrame(d, masks?.[t]));
  for (let t = 0; t + 1 < depths.length; t++) pairs.push(temporalPair(prepared[t], prepared[t + 1], frames[t], frames[t + 1], flows[t]));
  return {
    opw: meanOf(pairs.map((p) => p.opw)),
    rtc_101: meanOf(pairs.map((p) => p.rtc_101)),
    rtc_105: meanOf(pairs.map((p) => p.rtc_105)),
    flicker: meanOf(pairs.map((p) => p.flicker)),
    pairs,
  };
}

/**
 * TCC (Li et al. 2021, "Enforcing Temporal Consistency in Video Depth Estimation"): the mean over consecutive
 * pairs of SSIM(|D_t - D_{t+1}|, |G_t - G_{t+1}|) (ssim.ts; data range from the pair's two difference maps).
 * Higher is better, 1 when the prediction changes exactly as the ground truth does. Needs ground truth; pixels where
 * any of the four depths is not finite and positive get difference 0 in both maps.
 */
export function temporalChangeConsistency(pred: DepthMap[], gt: DepthMap[]): number {
  if (pred.length !== gt.length) throw new DepthkitError(`TCC: ${pred.length} predicted frames, ${gt.length} ground-truth frames`);
  checkGrids('TCC', gt[0]?.width ?? 0, gt[0]?.height ?? 0, [...pred, ...gt].map((d) => d.data));
  const scores: number[] = [];
  for (let t = 0; t + 1 < pred.length; t++) scores.push(tccPair(pred[t], pred[t + 1], gt[t], gt[t + 1]));
  return meanOf(scores);
}

/** TCC of one pair: SSIM(|D_t - D_{t+1}|, |G_t - G_{t+1}|), as temporalChangeConsistency averages it. */
export function tccPair(predPrev: DepthMap, predNext: DepthMap, gtPrev: DepthMap, gtNext: DepthMap): number {
  const { width, height } = gtPrev;
  checkGrids('TCC', width, height, [predPrev.data, predNext.data, gtNext.data]);
  const dp = new Float64Array(width * height);
  const dg = new Float64Array(width * height);
  for (let i = 0; i < dp.length; i++) {
    const all = [predPrev.data[i], predNext.data[i], gtPrev.data[i], gtNext.data[i]];
    if (!all.every(usable)) continue;
    dp[i] = Math.abs(all[0] - all[1]);
    dg[i] = Math.abs(all[2] - all[3]);
  }
  return ssim(dp, dg, width, height);
}
