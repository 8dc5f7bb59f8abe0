/** A dense single-channel map in row-major order (index = y * width + x). Depth in metres unless said otherwise. */
export interface DepthMap {
  data: Float32Array;
  width: number;
  height: number;
}

/** Per-pixel validity, same layout as a DepthMap: 1 = use the pixel, 0 = ignore it. */
export type Mask = Uint8Array;

/** An RGB image, interleaved, 8 bits a channel, row-major. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}
