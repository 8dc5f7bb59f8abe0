import { writeFileSync } from 'node:fs';
import { readSafetensors } from '../../src/io/safetensors.js';
import type { ClipConfig } from '../../src/model/config.js';
import { writeRandomClip } from '../../src/model/random-clip.js';

/**
 * CLIP files as other tools save them, for the loader tests: random weights of any shapes, under Hugging Face names
 * (with an int64 `position_ids` as transformers writes) or renamed to OpenAI / OpenCLIP names, written here by hand
 * (its own mapping, not src/model/clip-names.ts), with the config files those tools put beside them.
 */

interface Entry {
  name: string;
  dtype: 'F32' | 'I64';
  shape: number[];
  bytes: Uint8Array;
}

function f32(name: string, shape: number[], data: Float32Array): Entry {
  return { name, dtype: 'F32', shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

function writeRaw(file: string, entries: Entry[]): void {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([head, Buffer.from(json), ...entries.map((e) => Buffer.from(e.bytes))]));
}

function transposed(shape: number[], data: Float32Array): Float32Array {
  const [r, c] = shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j];
  return out;
}

/** Hugging Face CLIPModel names -> OpenCLIP names (open_clip/model.py, transformer.py). */
function toOpenClip(hf: Map<string, { shape: number[]; data: Float32Array }>): Entry[] {
  const out: Entry[] = [];
  const get = (n: string) => hf.get(n)!;
  const plain: [string, string][] = [
    ['visual.conv1.weight', 'vision_model.embeddings.patch_embedding.weight'],
    ['visual.class_embedding', 'vision_model.embeddings.class_embedding'],
    ['visual.positional_embedding', 'vision_model.embeddings.position_embedding.weight'],
    ['visual.ln_pre.weight', 'vision_model.pre_layrnorm.weight'],
    ['visual.ln_pre.bias', 'vision_model.pre_layrnorm.bias'],
    ['visual.ln_post.weight', 'vision_model.post_layernorm.weight'],
    ['visual.ln_post.bias', 'vision_model.post_layernorm.bias'],
    ['positional_embedding', 'text_model.embeddings.position_embedding.weight'],
    ['token_embedding.weight', 'text_model.embeddings.token_embedding.weight'],
    ['ln_final.weight', 'text_model.final_layer_norm.weight'],
    ['ln_final.bias', 'text_model.final_layer_norm.bias'],
    ['logit_scale', 'logit_scale'],
  ];
  for (const [o, h] of plain) out.push(f32(o, get(h).shape, get(h).data));
  for (const [o, h] of [['visual.proj', 'visual_projection.weight'], ['text_projection', 'text_projection.weight']]) {
    const t = get(h);
    out.push(f32(o, [t.shape[1], t.shape[0]], transposed(t.shape, t.data)));
  }
  for (const [tower, prefix] of [['vision_model', 'visual.transformer'], ['text_model', 'transformer']]) {
    for (let i = 0; hf.has(`${tower}.encoder.layers.${i}.layer_norm1.weight`); i++) {
      const h = `${tower}.encoder.layers.${i}`;
      const o = `${prefix}.resblocks.${i}`;
      for (const kind of ['weight', 'bias']) {
        const qkv = ['q_proj', 'k_proj', 'v_proj'].map((p) => get(`${h}.self_attn.${p}.${kind}`));
        const data = new Float32Array(qkv.reduce((n, t) => n + t.data.length, 0));
        let at = 0;
        for (const t of qkv) data.set(t.data, (at += t.data.length) - t.data.length);
        out.push(f32(`${o}.attn.in_proj_${kind}`, [qkv[0].shape[0] * 3, ...qkv[0].shape.slice(1)], data));
        for (const [os, hs] of [['ln_1', 'layer_norm1'], ['ln_2', 'layer_norm2'], ['attn.out_proj', 'self_attn.out_proj'], ['mlp.c_fc', 'mlp.fc1'], ['mlp.c_proj', 'mlp.fc2']]) {
          const t = get(`${h}.${hs}.${kind}`);
          out.push(f32(`${o}.${os}.${kind}`, t.shape, t.data));
        }
      }
    }
  }
  return out;
}

export interface ClipFileOptions {
  naming: 'huggingface' | 'openclip';
  /** Written beside the weights: HF config.json or OpenCLIP open_clip_config.json, per naming. */
  config?: { hiddenAct: 'quick_gelu' | 'gelu'; eps?: number; visionHeads?: number; textHeads?: number; overrides?: Record<string, unknown> };
  /** Extra tensors to add (OpenCLIP layer scale, ...), float32 of the given shape. */
  extra?: [string, number[]][];
}

/** Writes `dir/model.safetensors` (HF) or `dir/open_clip_model.safetensors` (OpenCLIP) and its config; returns the file. */
export async function writeClipFolder(dir: string, clip: ClipConfig, seed: number, opts: ClipFileOptions): Promise<string> {
  const hfFile = `${dir}/hf-source.safetensors`;
  await writeRandomClip(hfFile, clip, seed);
  const hf = readSafetensors(hfFile).tensors;
  const extra = (opts.extra ?? []).map(([n, shape]) => f32(n, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5)));
  const { vision: v, text: t } = clip;
  const c = opts.config;
  if (opts.naming === 'huggingface') {
    const ids = new BigInt64Array(t.contextLength).map((_, i) => BigInt(i));
    const entries = [...hf].map(([n, x]) => f32(n, x.shape, x.data));
    entries.push({ name: 'text_model.embeddings.position_ids', dtype: 'I64', shape: [1, t.contextLength], bytes: new Uint8Array(ids.buffer) });
    writeRaw(`${dir}/model.safetensors`, [...entries, ...extra]);
    if (c) {
      const tower = (x: typeof v | typeof t, heads: number | undefined) => ({
        hidden_size: x.width, intermediate_size: x.mlpWidth ?? 4 * x.width, num_hidden_layers: x.layers, num_attention_heads: heads ?? x.heads,
        hidden_act: c.hiddenAct, layer_norm_eps: c.eps ?? 1e-5,
      });
      const json = {
        architectures: ['CLIPModel'], model_type: 'clip', projection_dim: clip.embedDim,
        vision_config: { ...tower(v, c.visionHeads), image_size: v.imageSize, patch_size: v.patchSize },
        text_config: { ...tower(t, c.textHeads), max_position_embeddings: t.contextLength, vocab_size: t.vocabSize },
        ...c.overrides,
      };
      writeFileSync(`${dir}/config.json`, JSON.stringify(json, null, 2));
    }
    return `${dir}/model.safetensors`;
  }
  writeRaw(`${dir}/open_clip_model.safetensors`, [...toOpenClip(hf), ...extra]);
  if (c) {
    const json = {
      model_cfg: {
        embed_dim: clip.embedDim,
        quick_gelu: c.hiddenAct === 'quick_gelu',
        vision_cfg: { image_size: v.imageSize, patch_size: v.patchSize, width: v.width, layers: v.layers, head_width: v.width / (c.visionHeads ?? v.heads) },
        text_cfg: { context_length: t.contextLength, vocab_size: t.vocabSize, width: t.width, layers: t.layers, heads: c.textHeads ?? t.heads },
        ...c.overrides,
      },
    };
    writeFileSync(`${dir}/open_clip_config.json`, JSON.stringify(json, null, 2));
  }
  return `${dir}/open_clip_model.safetensors`;
}

/** A uint8 [B, H, W, 3] .npy (the frames model_ref.py reads). */
export function writeFramesNpy(file: string, frames: { data: Uint8Array }[], height: number, width: number): void {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${frames.length}, ${height}, ${width}, 3), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), ...frames.map((f) => Buffer.from(f.data))]));
}
