import { DepthkitError } from '../errors.js';
import type { CropRect } from './crop.js';
import { resizePrediction, type ResizeGrid, type ResizePrecision, type ResizeSpace } from './resize.js';
import type { DepthMap } from './types.js';

/**
 * How a prediction of another size than its ground truth is laid onto it. exact: it must not differ (an error
 * otherwise). resize: bilinear, in the resize space and grid of the protocol. kb-crop (BTS): the prediction is the
 * 352x1216 KITTI benchmark crop, pasted into a zero canvas of the full frame. kb-crop-gt (ZoeDepth): the ground
 * truth is cut to that crop instead, and the evaluation crop is taken of the cut frame.
 */
export type PredLayout = 'exact' | 'resize' | 'kb-crop' | 'kb-crop-gt';
export const PRED_LAYOUTS: readonly PredLayout[] = ['exact', 'resize', 'kb-crop', 'kb-crop-gt'];

export const KB_CROP = { height: 352, width: 1216 } as const;

/** The KITTI benchmark (KB) crop of a frame: top = H - 352, left = int((W - 1216) / 2), as BTS and ZoeDepth cut it. */
export function kbCropRect(width: number, height: number): CropRect | null {
  if (width < KB_CROP.width || height < KB_CROP.height) return null;
  const top = height - KB_CROP.height;
  const left = Math.trunc((width - KB_CROP.width) / 2);
  return { top, bottom: top + KB_CROP.height, left, right: left + KB_CROP.width };
}

export interface LayoutOptions {
  predLayout: PredLayout;
  resizeGrid: ResizeGrid;
  resizeSpace: ResizeSpace;
  resizePrecision?: ResizePrecision;
}

export interface PlacedPair {
  /** The prediction on the ground truth's grid. */
  pred: Float32Array;
  /** The ground truth the prediction is compared with (cut to the KB crop for kb-crop-gt). */
  gt: DepthMap;
  resized: boolean;
  /** kb-crop: where the prediction was pasted; the canvas outside holds 0, never clamped (as BTS). */
  pasted: CropRect | null;
}

/** A prediction whose size does not fit its ground truth under the layout; the caller names the file. */
export class LayoutMismatch extends DepthkitError {}

const size = (m: { width: number; height: number }) => `${m.width}x${m.height}`;

function mismatch(pred: DepthMap, gt: DepthMap, layout: PredLayout): LayoutMismatch {
  const isKb = pred.width === KB_CROP.width && pred.height === KB_CROP.height && kbCropRect(gt.width, gt.height) !== null;
  const what = `prediction is ${size(pred)}, its ground truth ${size(gt)}`;
  if (layout !== 'exact') return new LayoutMismatch(`${what}: --pred-layout ${layout} needs a 1216x352 prediction (the KITTI KB crop) of a ground truth at least that large`);
  if (isKb) return new LayoutMismatch(`${what}, exactly its KITTI KB crop: pass --pred-layout kb-crop (BTS: paste into the full frame) or --pred-layout kb-crop-gt (ZoeDepth), or a --protocol that says so`);
  return new LayoutMismatch(`${what}: pass --pred-layout resize to resize it (bilinear), or a --protocol that says what to do`);
}

/** Lays the prediction onto the ground truth as `o.predLayout` says, or throws LayoutMismatch. */
export function placePrediction(pred: DepthMap, gt: DepthMap, o: LayoutOptions): PlacedPair {
  const same = pred.width === gt.width && pred.height === gt.height;
  if (o.predLayout === 'kb-crop' || o.predLayout === 'kb-crop-gt') {
    const rect = kbCropRect(gt.width, gt.height);
    if (!rect || pred.width !== KB_CROP.width || pred.height !== KB_CROP.height) throw mismatch(pred, gt, o.predLayout);
    if (o.predLayout === 'kb-crop-gt') return { pred: pred.data, gt: cut(gt, rect), resized: false, pasted: null };
    const canvas = new Float32Array(gt.width * gt.height);
    for (let y = 0; y < KB_CROP.height; y++) canvas.set(pred.data.subarray(y * KB_CROP.width, (y + 1) * KB_CROP.width), (rect.top + y) * gt.width + rect.left);
    return { pred: canvas, gt, resized: false, pasted: rect };
  }
  if (same) return { pred: pred.data, gt, resized: false, pasted: null };
  if (o.predLayout === 'exact') throw mismatch(pred, gt, 'exact');
  return { pred: resizePrediction(pred, gt.width, gt.height, o.resizeGrid, o.resizeSpace, o.resizePrecision).data, gt, resized: true, pasted: null };
}

function cut(map: DepthMap, r: CropRect): DepthMap {
  const width = r.right - r.left;
  const height = r.bottom - r.top;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) data.set(map.data.subarray((r.top + y) * map.width + r.left, (r.top + y) * map.width + r.right), y * width);
  return { data, width, height };
}
