import type { Tensor } from '../io/safetensors.js';
import type { ModelConfig } from './config.js';
import type { Ops } from './ops.js';
import { WeightBank, buildImageEncoder, buildTextEncoder } from './clip.js';
import { buildDecoder } from './decoder.js';

/**
 * The whole model as functions over Ops: one definition that every engine builds. `weights` holds the CLIP tensors
 * and the checkpoint's (mirror + decoder.*).
 */
export interface DepthGraph<T> {
  /** mirror -> text tower -> conditioning vector c [1, embedDim]. Depends on no input: run once and cache. */
  conditioning(): T;
  /** Normalised NHWC pixels -> patch features [B, rows, cols, embedDim]. */
  imageFeatures(pixels: T): T;
  /** Patch features and c -> depth [B, H, W, 1] in metres. */
  decode(features: T, c: T): T;
}

export function buildDepthGraph<T>(ops: Ops<T>, weights: ReadonlyMap<string, Tensor>, config: ModelConfig): DepthGraph<T> {
  const bank = new WeightBank(ops, weights);
  const tokens = config.mirror.tokens;
  const text = buildTextEncoder(ops, bank, config.clip, tokens, tokens - 1, { eps: config.layerNormEps, act: config.hiddenAct });
  const image = buildImageEncoder(ops, bank, config);
  const decoder = buildDecoder(ops, bank, config);
  return {
    conditioning: () => text(bank.get('mirror')),
    imageFeatures: image,
    decode: decoder,
  };
}
