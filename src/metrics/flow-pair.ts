import { fitLongestSide } from '../util/size.js';
import { estimateFlow } from './flow.js';
import { DEFAULT_DIS_PRESET, DIS_PRESETS, estimateFlowDis, type DisPreset } from './flow-dis.js';
import { resizeBilinear } from './resize.js';
import type { RgbImage } from './types.js';
import type { FlowField, PairFlows } from './warp.js';

/** A flow field resampled to width x height: bilinear in position (half-pixel centres), vectors scaled with the image. */
export function resampleFlow(f: FlowField, width: number, height: number): FlowField {
  if (f.width === width && f.height === height) return f;
  const scaled = (c: Float32Array, s: number) => {
    const out = resizeBilinear({ data: c, width: f.width, height: f.height }, width, height).data;
    for (let i = 0; i < out.length; i++) out[i] *= s;
    return out;
  };
  return { u: scaled(f.u, width / f.width), v: scaled(f.v, height / f.height), width, height };
}

/**
 * Source pixels and weights covering each destination pixel along one axis (exact area coverage), flat: destination
 * d's taps are index[start[d] .. start[d + 1]) with their weights.
 */
function areaTaps(inSize: number, outSize: number): { start: Int32Array; index: Int32Array; weight: Float64Array } {
  const scale = inSize / outSize;
  const start = new Int32Array(outSize + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let d = 0; d < outSize; d++) {
    const a = d * scale;
    const b = (d + 1) * scale;
    for (let i = Math.floor(a); i < Math.min(inSize, Math.ceil(b)); i++) {
      index.push(i);
      weight.push((Math.min(b, i + 1) - Math.max(a, i)) / scale);
    }
    start[d + 1] = index.length;
  }
  return { start, index: Int32Array.from(index), weight: Float64Array.from(weight) };
}

/** Area-average downsize of an RGB image (no aliasing, unlike a bilinear tap); float result rounded to bytes. */
export function shrinkRgb(img: RgbImage, width: number, height: number): RgbImage {
  const cols = areaTaps(img.width, width);
  const rows = areaTaps(img.height, height);
  const out = new Uint8Array(width * height * 3);
  const src = img.data;
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 3) {
      let r0 = 0;
      let g0 = 0;
      let b0 = 0;
      for (let p = rows.start[y]; p < rows.start[y + 1]; p++) {
        const row = rows.index[p] * img.width;
        for (let q = cols.start[x]; q < cols.start[x + 1]; q++) {
          const w = rows.weight[p] * cols.weight[q];
          const j = 3 * (row + cols.index[q]);
          r0 += w * src[j];
          g0 += w * src[j + 1];
          b0 += w * src[j + 2];
        }
      }
      out[o] = Math.round(r0);
      out[o + 1] = Math.round(g0);
      out[o + 2] = Math.round(b0);
    }
  }
  return { data: out, width, height };
}

/** The dense flow estimators `depthkit video` can use (`--flow-method`). */
export const FLOW_METHODS = ['dis', 'lk'] as const;
export type FlowMethod = (typeof FLOW_METHODS)[number];

/** How protocol.flow names each estimator (with DIS's preset: runs at different presets are not comparable). */
export function flowMethodName(method: FlowMethod, preset: DisPreset = DEFAULT_DIS_PRESET): string {
  if (method === 'lk') return 'coarse-to-fine Lucas-Kanade';
  const finest = DIS_PRESETS[preset].finestScale;
  return `DIS (dense inverse search, ${preset} preset: finest scale ${finest})`;
}

/** Flow from a to b by the named estimator (`preset`: DIS's parameters). */
export function estimateFlowBy(method: FlowMethod, a: RgbImage, b: RgbImage, preset: DisPreset = DEFAULT_DIS_PRESET): FlowField {
  return method === 'dis' ? estimateFlowDis(a, b, DIS_PRESETS[preset]) : estimateFlow(a, b);
}

/**
 * Both flows of the pair (prev, next) at the frames' size, estimated on frames shrunk so that their longest side is
 * at most `flowSize` (the estimate is then upsampled): the cost falls with the pixel count.
 */
export function estimatePairFlows(prev: RgbImage, next: RgbImage, flowSize: number, method: FlowMethod = 'dis', preset: DisPreset = DEFAULT_DIS_PRESET): PairFlows {
  const { width, height } = next;
  const small = fitLongestSide(next, flowSize);
  const est = (a: RgbImage, b: RgbImage) => estimateFlowBy(method, a, b, preset);
  if (small.width === width && small.height === height) return { toPrev: est(next, prev), toNext: est(prev, next) };
  const a = shrinkRgb(prev, small.width, small.height);
  const b = shrinkRgb(next, small.width, small.height);
  return { toPrev: resampleFlow(est(b, a), width, height), toNext: resampleFlow(est(a, b), width, height) };
}
