import type { ModelConfig } from './config.js';
import { decoderStages, tokenGrid } from './config.js';
import type { Ops } from './ops.js';
import { linear, type WeightBank } from './clip.js';

/**
 * The compact deconvolutional decoder, conditioned on mirror's vector c by FiLM at every stage:
 *   proj: 1x1 conv embedDim -> C0
 *   stage i: convTranspose 2x2 stride 2 (C_i -> C_{i+1}), ReLU, conv 3x3 (C_{i+1}), FiLM(c), ReLU
 *   head: conv 3x3 -> 1, bilinear resize to the input size if the patch is not a power of two, sigmoid * maxDepth.
 */

/** Every decoder tensor with its shape (PyTorch layouts), in checkpoint order. */
export function decoderTensorSpec(config: ModelConfig): Map<string, number[]> {
  const ch = config.decoder.channels;
  const e = config.clip.embedDim;
  const spec = new Map<string, number[]>();
  spec.set('decoder.proj.weight', [ch[0], e, 1, 1]);
  spec.set('decoder.proj.bias', [ch[0]]);
  for (let i = 0; i < decoderStages(config.clip.vision.patchSize); i++) {
    spec.set(`decoder.stages.${i}.up.weight`, [ch[i], ch[i + 1], 2, 2]);
    spec.set(`decoder.stages.${i}.up.bias`, [ch[i + 1]]);
    spec.set(`decoder.stages.${i}.conv.weight`, [ch[i + 1], ch[i + 1], 3, 3]);
    spec.set(`decoder.stages.${i}.conv.bias`, [ch[i + 1]]);
    spec.set(`decoder.stages.${i}.film.weight`, [2 * ch[i + 1], e]);
    spec.set(`decoder.stages.${i}.film.bias`, [2 * ch[i + 1]]);
  }
  spec.set('decoder.head.weight', [1, ch[ch.length - 1], 3, 3]);
  spec.set('decoder.head.bias', [1]);
  return spec;
}

/** f * (1 + gamma) + beta with [gamma, beta] = Linear(c); c is [1, embedDim], f is NHWC with `channels`. */
function film<T>(ops: Ops<T>, w: WeightBank<T>, f: T, c: T, prefix: string, channels: number): T {
  const gb = linear(ops, w, c, prefix);
  const gamma = ops.reshape(ops.slice(gb, [0, 0], [1, channels]), [1, 1, 1, channels]);
  const beta = ops.reshape(ops.slice(gb, [0, channels], [1, channels]), [1, 1, 1, channels]);
  return ops.add(ops.add(f, ops.mul(f, gamma)), beta);
}

/** Patch features [B, rows, cols, embedDim] and c [1, embedDim] -> depth [B, H, W, 1] in metres. */
export function buildDecoder<T>(ops: Ops<T>, w: WeightBank<T>, config: ModelConfig): (features: T, c: T) => T {
  const ch = config.decoder.channels;
  const stages = decoderStages(config.clip.vision.patchSize);
  const { rows } = tokenGrid(config);
  const { width, height } = config.inputSize;
  const needsResize = rows * 2 ** stages !== height;
  return (features, c) => {
    let h = ops.conv2d(features, w.get('decoder.proj.weight'), w.get('decoder.proj.bias'), { stride: 1, pad: 0 });
    for (let i = 0; i < stages; i++) {
      const p = `decoder.stages.${i}`;
      h = ops.relu(ops.convTranspose2d(h, w.get(`${p}.up.weight`), w.get(`${p}.up.bias`), { stride: 2 }));
      h = ops.conv2d(h, w.get(`${p}.conv.weight`), w.get(`${p}.conv.bias`), { stride: 1, pad: 1 });
      h = ops.relu(film(ops, w, h, c, `${p}.film`, ch[i + 1]));
    }
    h = ops.conv2d(h, w.get('decoder.head.weight'), w.get('decoder.head.bias'), { stride: 1, pad: 1 });
    if (needsResize) h = ops.resizeBilinear(h, { height, width });
    return ops.scale(ops.sigmoid(h), config.maxDepth);
  };
}
