import type * as tfTypes from '@tensorflow/tfjs';
import type { DepthGraph } from '../model/depth-graph.js';
import type { ModelConfig } from '../model/config.js';
import { evaluateImage, meanMetrics, type Metrics } from '../metrics/accuracy.js';
import type { DepthMap } from '../metrics/types.js';
import type { FeatureCache } from './features.js';
import type { Sample } from './dataset.js';

type Tensor = tfTypes.Tensor;

/** Predictions for samples at the model's input size, from cached features (validation never augments). */
export async function predictSamples(tf: typeof tfTypes, graph: DepthGraph<Tensor>, config: ModelConfig, cache: FeatureCache, samples: Sample[], prefix: string): Promise<DepthMap[]> {
  const { width, height } = config.inputSize;
  const out: DepthMap[] = [];
  for (const [i, s] of samples.entries()) {
    const feats = cache.batch([`${prefix}${i}`], () => s.rgb);
    const depth = tf.tidy(() => graph.decode(feats, graph.conditioning()));
    feats.dispose();
    const data = (await depth.data()) as Float32Array;
    depth.dispose();
    out.push({ data: Float32Array.from(data), width, height });
  }
  return out;
}

/**
 * Validation metrics at the model's input size against the (nearest-resized) ground truth, in depthkit's default
 * convention: no alignment (the model is metric), no crop, valid 1e-3 < d < maxDepth, mean over images.
 */
export function validationMetrics(preds: DepthMap[], samples: Sample[], maxDepth: number): Metrics {
  const rows = preds.map((p, i) => {
    const gt = { data: samples[i].depth, width: p.width, height: p.height };
    return evaluateImage(p, gt, { minDepth: 1e-3, maxDepth, crop: null, align: 'none', alignSpace: 'depth' }).metrics;
  });
  return meanMetrics(rows);
}
