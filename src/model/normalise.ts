import { DepthkitError } from '../errors.js';
import type { RgbImage } from '../metrics/types.js';
import type { ModelConfig } from './config.js';

/** RGB uint8 frames at the model's input size -> one NHWC float32 batch, (x / 255 - mean) / std per channel. */
export function normaliseFrames(frames: RgbImage[], config: ModelConfig): Float32Array {
  const { width, height } = config.inputSize;
  const { mean, std } = config.normalisation;
  const px = width * height;
  const out = new Float32Array(frames.length * px * 3);
  frames.forEach((f, b) => {
    if (f.width !== width || f.height !== height || f.data.length !== px * 3) {
      throw new DepthkitError(`frame ${b} is ${f.width}x${f.height}; the model takes ${width}x${height} RGB`);
    }
    const base = b * px * 3;
    for (let i = 0; i < px * 3; i++) {
      const ch = i % 3;
      out[base + i] = (f.data[i] / 255 - mean[ch]) / std[ch];
    }
  });
  return out;
}
