import type { Tensor } from '../io/safetensors.js';
import type { ClipConfig, HiddenAct, ModelConfig } from './config.js';
import { tokenGrid } from './config.js';
import type { Ops } from './ops.js';
import { interpolatePosEmbed } from './pos-embed.js';

/**
 * CLIP's two frozen towers, written once against Ops (read top to bottom like OpenAI's model.py). Weights come from
 * a name -> tensor map under Hugging Face names; each is turned into an Ops constant when the graph is built.
 */

/** Turns named weights into Ops constants (each name once). */
export class WeightBank<T> {
  private readonly cache = new Map<string, T>();

  constructor(
    private readonly ops: Ops<T>,
    private readonly tensors: ReadonlyMap<string, Tensor>,
  ) {}

  get(name: string): T {
    let t = this.cache.get(name);
    if (t === undefined) {
      const w = this.tensors.get(name);
      if (!w) throw new Error(`weight ${name} is not loaded`);
      t = this.ops.constant(name, w.shape, w.data);
      this.cache.set(name, t);
    }
    return t;
  }

  raw(name: string): Tensor {
    const w = this.tensors.get(name);
    if (!w) throw new Error(`weight ${name} is not loaded`);
    return w;
  }
}

/** x @ W^T + b with a PyTorch Linear weight [out, in]. */
export function linear<T>(ops: Ops<T>, w: WeightBank<T>, x: T, prefix: string, bias = true): T {
  const y = ops.matMul(x, w.get(`${prefix}.weight`), { transposeB: true });
  return bias ? ops.add(y, w.get(`${prefix}.bias`)) : y;
}

function layerNorm<T>(ops: Ops<T>, w: WeightBank<T>, x: T, prefix: string, eps: number): T {
  return ops.layerNorm(x, w.get(`${prefix}.weight`), w.get(`${prefix}.bias`), eps);
}

/** Multi-head self-attention over [B, n, width]; `mask` ([n, n], added to the logits) makes it causal. */
function attention<T>(ops: Ops<T>, w: WeightBank<T>, x: T, prefix: string, n: number, width: number, heads: number, mask?: T): T {
  const d = width / heads;
  const split = (t: T) => ops.transpose(ops.reshape(t, [-1, n, heads, d]), [0, 2, 1, 3]);
  const q = split(ops.scale(linear(ops, w, x, `${prefix}.q_proj`), 1 / Math.sqrt(d)));
  const k = split(linear(ops, w, x, `${prefix}.k_proj`));
  const v = split(linear(ops, w, x, `${prefix}.v_proj`));
  let logits = ops.matMul(q, k, { transposeB: true });
  if (mask !== undefined) logits = ops.add(logits, mask);
  const out = ops.matMul(ops.softmax(logits), v);
  const merged = ops.reshape(ops.transpose(out, [0, 2, 1, 3]), [-1, n, width]);
  return linear(ops, w, merged, `${prefix}.out_proj`);
}

/** The numerics a block runs with besides its weights. */
export interface BlockNumerics {
  eps: number;
  act: HiddenAct;
}

/** Pre-norm residual block: x + attn(ln1(x)), then x + mlp(ln2(x)) with the CLIP file's activation. */
function encoderLayer<T>(ops: Ops<T>, w: WeightBank<T>, x: T, prefix: string, n: number, width: number, heads: number, num: BlockNumerics, mask?: T): T {
  const { eps } = num;
  const h = ops.add(x, attention(ops, w, layerNorm(ops, w, x, `${prefix}.layer_norm1`, eps), `${prefix}.self_attn`, n, width, heads, mask));
  const fc1 = linear(ops, w, layerNorm(ops, w, h, `${prefix}.layer_norm2`, eps), `${prefix}.mlp.fc1`);
  const m = linear(ops, w, num.act === 'gelu' ? ops.gelu(fc1) : ops.quickGelu(fc1), `${prefix}.mlp.fc2`);
  return ops.add(h, m);
}

/**
 * Image tower: NHWC pixels (already normalised) -> dense patch features [B, rows, cols, embedDim] in CLIP's joint
 * space (post_layernorm on every token, then visual_projection); the class token is used inside and dropped after.
 */
export function buildImageEncoder<T>(ops: Ops<T>, w: WeightBank<T>, config: ModelConfig): (pixels: T) => T {
  const { vision: v, embedDim } = config.clip;
  const { rows, cols } = tokenGrid(config);
  const n = rows * cols + 1;
  const eps = config.layerNormEps;
  const num: BlockNumerics = { eps, act: config.hiddenAct };
  const grid = v.imageSize / v.patchSize;
  const posName = 'vision_model.embeddings.position_embedding.weight';
  const pos = ops.constant(`${posName}.resampled`, [1, n, v.width], interpolatePosEmbed(w.raw(posName).data, grid, v.width, rows, cols));
  const cls = ops.constant('vision_model.embeddings.class_embedding', [1, 1, v.width], w.raw('vision_model.embeddings.class_embedding').data);
  const patchWeight = w.get('vision_model.embeddings.patch_embedding.weight');
  return (pixels) => {
    const patches = ops.reshape(ops.conv2d(pixels, patchWeight, undefined, { stride: v.patchSize, pad: 0 }), [-1, rows * cols, v.width]);
    let x = ops.add(ops.concat([ops.broadcastBatch(cls, patches), patches], 1), pos);
    x = layerNorm(ops, w, x, 'vision_model.pre_layrnorm', eps);
    for (let i = 0; i < v.layers; i++) x = encoderLayer(ops, w, x, `vision_model.encoder.layers.${i}`, n, v.width, v.heads, num);
    x = layerNorm(ops, w, x, 'vision_model.post_layernorm', eps);
    const tokens = ops.slice(x, [0, 1, 0], [-1, rows * cols, v.width]);
    return ops.reshape(linear(ops, w, tokens, 'visual_projection', false), [-1, rows, cols, embedDim]);
  };
}

/** [n, n] additive mask: 0 on and below the diagonal, a large negative number above (CLIP's causal text mask). */
export function causalMask(n: number): Float32Array {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = -1e9;
  return m;
}

/**
 * Text tower run on a sequence of input embeddings [tokens, width] in place of token embeddings: positional
 * embeddings [0, tokens), causal mask, final layer norm, pooled at position `pool`, text_projection -> [1, embedDim].
 */
export function buildTextEncoder<T>(ops: Ops<T>, w: WeightBank<T>, clip: ClipConfig, tokens: number, pool: number, num: BlockNumerics): (embeddings: T) => T {
  const { eps } = num;
  const t = clip.text;
  const posName = 'text_model.embeddings.position_embedding.weight';
  const pos = ops.constant(`${posName}[0:${tokens}]`, [1, tokens, t.width], w.raw(posName).data.slice(0, tokens * t.width));
  const mask = ops.constant('text_causal_mask', [tokens, tokens], causalMask(tokens));
  return (embeddings) => {
    let x = ops.add(ops.reshape(embeddings, [1, tokens, t.width]), pos);
    for (let i = 0; i < t.layers; i++) x = encoderLayer(ops, w, x, `text_model.encoder.layers.${i}`, tokens, t.width, t.heads, num, mask);
    x = layerNorm(ops, w, x, 'text_model.final_layer_norm', eps);
    const pooled = ops.reshape(ops.slice(x, [0, pool, 0], [1, 1, t.width]), [1, t.width]);
    return linear(ops, w, pooled, 'text_projection', false);
  };
}
