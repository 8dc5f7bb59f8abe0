import { writeSafetensors, type Tensor } from '../io/safetensors.js';
import { clipPreset, type ClipConfig, type ClipVariant } from './config.js';
import { clipTensorSpec } from './clip-weights.js';
import { normalSampler } from '../util/random.js';

/**
 * Writes random CLIP weights (a preset, or any shapes) under Hugging Face names (plus the token embedding and logit_scale a real file has).
 * For tests and benchmarks: no real CLIP weights exist on the build machines. Scales keep activations O(1) so that
 * attention is not uniform and parity tests see every op.
 */
export async function writeRandomClip(file: string, variant: ClipVariant | ClipConfig, seed: number): Promise<void> {
  const clip = typeof variant === 'string' ? clipPreset(variant) : variant;
  const normal = normalSampler(seed);
  const tensors: [string, Tensor][] = [];
  const spec = clipTensorSpec(clip);
  spec.set('text_model.embeddings.token_embedding.weight', [clip.text.vocabSize, clip.text.width]);
  spec.set('logit_scale', []);
  for (const [name, shape] of spec) {
    const n = shape.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (/(layer_norm\d|layrnorm|layernorm|final_layer_norm)\.weight$/.test(name)) data = normal(n, 0.1).map((v) => 1 + v);
    else if (name === 'logit_scale') data = Float32Array.of(Math.log(100));
    else if (name.endsWith('patch_embedding.weight')) data = normal(n, 1 / Math.sqrt(shape[1] * shape[2] * shape[3]));
    else if (shape.length === 2 && !name.includes('embedding')) data = normal(n, 1 / Math.sqrt(shape[1]));
    else data = normal(n, name.endsWith('.bias') ? 0.02 : 0.5);
    tensors.push([name, { shape, data }]);
  }
  await writeSafetensors(file, tensors);
}
