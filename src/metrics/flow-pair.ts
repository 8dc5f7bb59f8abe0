import { fitLongestSide } from '../util/size.js';
import { estimateFlow } from './flow.js';
import { DEFAULT_DIS_PRESET, DIS_PRESETS, estimateFlowDis, type DisPreset } from './flow-dis.js';
import { disKernel, disModule, resizeField } from './flow-dis-pyramid.js';
import type { RgbImage } from './types.js';
import { checkFramePair, type FlowField, type PairFlows } from './warp.js';
import { wasmPlace } from '../util/wasm.js';

/**
 * A flow field resampled to width x height: bilinear in position (half-pixel centres, replicated border), vectors
 * scaled with the image. The same WebAssembly kernel that carries DIS's field between its scales.
 */
export function resampleFlow(f: FlowField, width: number, height: number): FlowField {
  if (f.width === width && f.height === height) return f;
  return resizeField(f, width, height);
}

/**
 * Source pixels and weights covering each destination pixel along one axis (exact area coverage), flat: destination
 * d's taps are index[start[d] .. start[d + 1]) with their weights.
 */
export function areaTaps(inSize: number, outSize: number): { start: Int32Array; index: Int32Array; weight: Float64Array } {
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

/**
 * Area-average downsize of an RGB image (no aliasing, unlike a bilinear tap); float64 sums rounded to bytes. The
 * taps are planned here, the pixels summed in WebAssembly (wasm/flow-dis-pyramid.ts; test/wasm keeps the TypeScript
 * it matches bit for bit).
 */
export function shrinkRgb(img: RgbImage, width: number, height: number): RgbImage {
  const cols = areaTaps(img.width, width);
  const rows = areaTaps(img.height, height);
  const taps = [cols.start, cols.index, cols.weight, rows.start, rows.index, rows.weight];
  const { at, bytes } = wasmPlace(disModule(), [img.data.subarray(0, 3 * img.width * img.height), ...taps], [3 * width * height]);
  disKernel('shrinkRgb')(at[0], img.width, width, height, ...at.slice(1, 7), at[7]);
  return { data: bytes.slice(at[7], at[7] + 3 * width * height), width, height };
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

/** A frame as the flow estimators see it: area-shrunk so that its longest side is at most `flowSize` (or itself). */
export function flowInput(img: RgbImage, flowSize: number): RgbImage {
  const small = fitLongestSide(img, flowSize);
  return small.width === img.width && small.height === img.height ? img : shrinkRgb(img, small.width, small.height);
}

/**
 * Both flows of a pair of flow inputs (prev, next: `flowInput`'s frames) resampled to width x height, the frames'
 * own size: the cost of the estimate falls with the flow inputs' pixel count.
 */
export function pairFlowsAt(prev: RgbImage, next: RgbImage, width: number, height: number, method: FlowMethod = 'dis', preset: DisPreset = DEFAULT_DIS_PRESET): PairFlows {
  const est = (a: RgbImage, b: RgbImage) => resampleFlow(estimateFlowBy(method, a, b, preset), width, height);
  return { toPrev: est(next, prev), toNext: est(prev, next) };
}

/** Both flows of the pair (prev, next) at the frames' size, estimated on their `flowInput`s at `flowSize`. */
export function estimatePairFlows(prev: RgbImage, next: RgbImage, flowSize: number, method: FlowMethod = 'dis', preset: DisPreset = DEFAULT_DIS_PRESET): PairFlows {
  checkFramePair(prev, next);
  return pairFlowsAt(flowInput(prev, flowSize), flowInput(next, flowSize), next.width, next.height, method, preset);
}
