import type * as tfTypes from '@tensorflow/tfjs';
import type { DepthGraph } from '../model/depth-graph.js';
import type { ModelConfig } from '../model/config.js';
import { normaliseFrames } from '../model/normalise.js';
import type { RgbImage } from '../metrics/types.js';

type Tensor = tfTypes.Tensor;

/** Patch features of a batch of frames, computed outside any gradient tape (CLIP's image tower is frozen). */
export function imageFeatures(tf: typeof tfTypes, graph: DepthGraph<Tensor>, config: ModelConfig, frames: RgbImage[]): Tensor {
  const { width, height } = config.inputSize;
  return tf.tidy(() => graph.imageFeatures(tf.tensor(normaliseFrames(frames, config), [frames.length, height, width, 3])));
}

/**
 * Features kept per key (a sample and its flip): exact, because CLIP is frozen and the key fixes the input.
 * Colour jitter would change the input every step, so the trainer turns it off when caching.
 */
export class FeatureCache {
  private readonly kept = new Map<string, Tensor>();

  constructor(
    private readonly tf: typeof tfTypes,
    private readonly compute: (frame: RgbImage) => Tensor,
  ) {}

  /** [B, rows, cols, embedDim] for the keyed frames; `frame(k)` is only called on a miss. */
  batch(keys: string[], frame: (k: number) => RgbImage): Tensor {
    const parts = keys.map((key, k) => {
      let t = this.kept.get(key);
      if (!t) {
        t = this.tf.keep(this.compute(frame(k)));
        this.kept.set(key, t);
      }
      return t;
    });
    return parts.length === 1 ? this.tf.clone(parts[0]) : this.tf.concat(parts, 0);
  }

  dispose(): void {
    for (const t of this.kept.values()) t.dispose();
    this.kept.clear();
  }
}
