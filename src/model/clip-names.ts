import { DepthkitError } from '../errors.js';
import type { SafetensorsReader, Tensor } from '../io/safetensors.js';

/**
 * A CLIP file seen under Hugging Face `CLIPModel` names, whichever naming it was saved with. OpenAI's `model.pt` and
 * OpenCLIP (`open_clip_model.safetensors`) name the same tensors differently (open_clip/model.py,
 * transformer.py): attention keeps q, k, v stacked in `in_proj_weight` [3w, w], and the projections are stored
 * [width, embed] for `x @ proj` where HF keeps Linear weights [embed, width]. Each HF name maps to a source tensor
 * and a part of it, so nothing is copied until a tensor is read.
 */

export type ClipNaming = 'huggingface' | 'openclip';

export interface ClipView {
  file: string;
  naming: ClipNaming;
  /** HF name -> shape, for every tensor the file holds that has an HF counterpart. */
  shapes: ReadonlyMap<string, number[]>;
  /** Reads one tensor by its HF name. */
  read(name: string): Tensor;
  /** File names with no HF counterpart (position_ids, logit_scale, attention pools, ...). */
  unmapped: string[];
}

interface Source {
  from: string;
  /** Rows [part * n, (part + 1) * n) of a q/k/v stack. */
  part?: number;
  transpose?: boolean;
}

const LAYER_PARTS: [string, string][] = [
  ['ln_1', 'layer_norm1'],
  ['ln_2', 'layer_norm2'],
  ['attn.out_proj', 'self_attn.out_proj'],
  ['mlp.c_fc', 'mlp.fc1'],
  ['mlp.c_proj', 'mlp.fc2'],
];

const TOP: Record<string, [string, boolean?]> = {
  'visual.conv1.weight': ['vision_model.embeddings.patch_embedding.weight'],
  'visual.class_embedding': ['vision_model.embeddings.class_embedding'],
  'visual.positional_embedding': ['vision_model.embeddings.position_embedding.weight'],
  'visual.ln_pre.weight': ['vision_model.pre_layrnorm.weight'],
  'visual.ln_pre.bias': ['vision_model.pre_layrnorm.bias'],
  'visual.ln_post.weight': ['vision_model.post_layernorm.weight'],
  'visual.ln_post.bias': ['vision_model.post_layernorm.bias'],
  'visual.proj': ['visual_projection.weight', true],
  positional_embedding: ['text_model.embeddings.position_embedding.weight'],
  'token_embedding.weight': ['text_model.embeddings.token_embedding.weight'],
  'ln_final.weight': ['text_model.final_layer_norm.weight'],
  'ln_final.bias': ['text_model.final_layer_norm.bias'],
  text_projection: ['text_projection.weight', true],
};

/** OpenCLIP parts that change the computation and that depthkit's CLIP does not implement: refused, not ignored. */
const UNSUPPORTED = /(^|\.)(ls_1|ls_2|ln_attn|ln_inner|attn_pool|ln_q|ln_k|q_norm|k_norm)(\.|$)/;

/** HF name(s) an OpenCLIP tensor provides. */
function openClipTargets(name: string): [string, Source][] {
  const top = TOP[name];
  if (top) return [[top[0], { from: name, transpose: top[1] }]];
  const m = /^(visual\.)?transformer\.resblocks\.(\d+)\.(.+)\.(weight|bias)$/.exec(name) ?? /^(visual\.)?transformer\.resblocks\.(\d+)\.attn\.in_proj_(weight|bias)$/.exec(name);
  if (!m) return [];
  const prefix = `${m[1] ? 'vision_model' : 'text_model'}.encoder.layers.${m[2]}`;
  if (m[4] === undefined) {
    return ['q_proj', 'k_proj', 'v_proj'].map((p, part): [string, Source] => [`${prefix}.self_attn.${p}.${m[3]}`, { from: name, part }]);
  }
  const hf = LAYER_PARTS.find(([o]) => o === m[3])?.[1];
  return hf ? [[`${prefix}.${hf}.${m[4]}`, { from: name }]] : [];
}

function transpose2d(t: Tensor): Tensor {
  const [r, c] = t.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.data[i * c + j];
  return { shape: [c, r], data: out };
}

function sourceShape(shape: number[], s: Source): number[] {
  if (s.part !== undefined) return [shape[0] / 3, ...shape.slice(1)];
  return s.transpose ? [shape[1], shape[0]] : shape;
}

function openClipView(reader: SafetensorsReader): ClipView {
  const sources = new Map<string, Source>();
  const shapes = new Map<string, number[]>();
  const unmapped: string[] = [];
  for (const [name, info] of reader.tensors) {
    if (UNSUPPORTED.test(name)) {
      throw new DepthkitError(`OpenCLIP tensor ${name} belongs to a block variant depthkit's CLIP does not implement (layer scale, extra norms or attention pooling)`, { file: reader.file });
    }
    const targets = openClipTargets(name);
    if (!targets.length) unmapped.push(name);
    for (const [hf, s] of targets) {
      if ((s.part !== undefined && info.shape[0] % 3) || (s.transpose && info.shape.length !== 2)) {
        throw new DepthkitError(`OpenCLIP tensor ${name} has shape [${info.shape.join(',')}], which cannot be a CLIP ${s.part !== undefined ? 'q/k/v stack' : 'projection'}`, { file: reader.file });
      }
      sources.set(hf, s);
      shapes.set(hf, sourceShape(info.shape, s));
    }
  }
  const read = (name: string): Tensor => {
    const s = sources.get(name);
    if (!s) throw new Error(`weight ${name} is not in ${reader.file}`);
    const t = reader.read(s.from);
    if (s.transpose) return transpose2d(t);
    if (s.part === undefined) return t;
    const shape = sourceShape(t.shape, s);
    const n = shape.reduce((a, b) => a * b, 1);
    return { shape, data: t.data.slice(s.part * n, (s.part + 1) * n) };
  };
  return { file: reader.file, naming: 'openclip', shapes, read, unmapped };
}

/** The file under HF names: as it is when it uses them, mapped when it uses OpenAI / OpenCLIP names. */
export function clipView(reader: SafetensorsReader): ClipView {
  if (reader.tensors.has('visual.conv1.weight')) return openClipView(reader);
  const shapes = new Map<string, number[]>();
  const unmapped: string[] = [];
  for (const [name, info] of reader.tensors) {
    if (/^(vision_model|text_model|visual_projection|text_projection)\./.test(name) && !name.endsWith('position_ids')) shapes.set(name, info.shape);
    else unmapped.push(name);
  }
  return { file: reader.file, naming: 'huggingface', shapes, read: (name) => reader.read(name), unmapped };
}
