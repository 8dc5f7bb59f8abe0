import type { DepthMap, RgbImage } from '../metrics/types.js';

/** KITTI's model-input crop (Kuznietsov, Stueckler & Leibe; BTS, AdaBins): 352x1216, bottom rows, centred. */
export const KB_SIZE = { width: 1216, height: 352 } as const;

export interface Offset {
  top: number;
  left: number;
}

/** top = H - 352, left = (W - 1216) / 2 truncated, as BTS computes them. */
export function kbOffset(width: number, height: number): Offset {
  return { top: height - KB_SIZE.height, left: Math.trunc((width - KB_SIZE.width) / 2) };
}

export function cropRgb(img: RgbImage, at: Offset, width: number, height: number): RgbImage {
  const data = new Uint8Array(3 * width * height);
  for (let y = 0; y < height; y++) {
    const src = 3 * ((y + at.top) * img.width + at.left);
    data.set(img.data.subarray(src, src + 3 * width), 3 * y * width);
  }
  return { data, width, height };
}

/** BTS pastes the cropped prediction into a zero canvas of the full size; the Garg and Eigen crops lie inside it. */
export function pasteDepth(depth: DepthMap, at: Offset, width: number, height: number): DepthMap {
  const data = new Float32Array(width * height);
  for (let y = 0; y < depth.height; y++) {
    data.set(depth.data.subarray(y * depth.width, (y + 1) * depth.width), (y + at.top) * width + at.left);
  }
  return { data, width, height };
}
