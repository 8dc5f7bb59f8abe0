import type { RgbImage } from '../metrics/types.js';

/** What one training sample gets at one step: a horizontal flip and a small colour jitter. */
export interface Augmentation {
  flip: boolean;
  /** Multiplies every channel. */
  brightness: number;
  /** Scales the distance from the image's mean grey. */
  contrast: number;
  /** Scales the distance from each pixel's own grey. */
  saturation: number;
}

export const IDENTITY: Augmentation = { flip: false, brightness: 1, contrast: 1, saturation: 1 };

export interface AugmentPolicy {
  flip: boolean;
  /** Each jitter factor is drawn from [1 - jitter, 1 + jitter]; 0 turns colour jitter off. */
  jitter: number;
}

/** Draws one augmentation from `uniform` (always four draws, so that turning a part off never shifts the stream). */
export function drawAugmentation(uniform: () => number, policy: AugmentPolicy): Augmentation {
  const [f, b, c, s] = [uniform(), uniform(), uniform(), uniform()];
  const factor = (u: number) => 1 + policy.jitter * (2 * u - 1);
  return { flip: policy.flip && f < 0.5, brightness: factor(b), contrast: factor(c), saturation: factor(s) };
}

function flipRows<T extends Uint8Array | Float32Array>(data: T, width: number, height: number, channels: number): T {
  const out = data.slice() as T;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = (y * width + x) * channels;
      const dst = (y * width + (width - 1 - x)) * channels;
      for (let k = 0; k < channels; k++) out[dst + k] = data[src + k];
    }
  }
  return out;
}

const grey = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

/** The augmented RGB (jitter in brightness, contrast, saturation order, like torchvision's ColorJitter, then flip). */
export function augmentRgb(img: RgbImage, a: Augmentation): RgbImage {
  const { width, height } = img;
  let data = img.data;
  if (a.brightness !== 1 || a.contrast !== 1 || a.saturation !== 1) {
    const px = width * height;
    const f = new Float32Array(px * 3);
    let sum = 0;
    for (let i = 0; i < px * 3; i++) f[i] = img.data[i] * a.brightness;
    for (let i = 0; i < px; i++) sum += grey(f[3 * i], f[3 * i + 1], f[3 * i + 2]);
    const mean = sum / px;
    for (let i = 0; i < px * 3; i++) f[i] = mean + (f[i] - mean) * a.contrast;
    const out = new Uint8Array(px * 3);
    for (let i = 0; i < px; i++) {
      const g = grey(f[3 * i], f[3 * i + 1], f[3 * i + 2]);
      for (let k = 0; k < 3; k++) out[3 * i + k] = Math.max(0, Math.min(255, Math.round(g + (f[3 * i + k] - g) * a.saturation)));
    }
    data = out;
  }
  if (a.flip) data = flipRows(data, width, height, 3);
  return data === img.data ? img : { data, width, height };
}

/** Depth follows the geometric part only. */
export function augmentDepth(depth: Float32Array, width: number, height: number, a: Augmentation): Float32Array {
  return a.flip ? flipRows(depth, width, height, 1) : depth;
}
