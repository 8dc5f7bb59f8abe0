import { DepthkitError } from '../errors.js';
import { openSafetensors, type SafetensorsReader, type Tensor } from '../io/safetensors.js';
import { clipPreset, matchClipPreset, type ClipConfig } from './config.js';

/**
 * CLIP weights under Hugging Face `CLIPModel` names. Only the tensors the depth model runs are loaded: both towers
 * without the token embedding (mirror replaces it); everything else in the file is reported as unused.
 */

const MODEL_WEIGHTS_HINT = 'see README, Model weights';

function layerSpec(prefix: string, width: number, out: Map<string, number[]>): void {
  for (const p of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
    out.set(`${prefix}.self_attn.${p}.weight`, [width, width]);
    out.set(`${prefix}.self_attn.${p}.bias`, [width]);
  }
  for (const ln of ['layer_norm1', 'layer_norm2']) {
    out.set(`${prefix}.${ln}.weight`, [width]);
    out.set(`${prefix}.${ln}.bias`, [width]);
  }
  out.set(`${prefix}.mlp.fc1.weight`, [4 * width, width]);
  out.set(`${prefix}.mlp.fc1.bias`, [4 * width]);
  out.set(`${prefix}.mlp.fc2.weight`, [width, 4 * width]);
  out.set(`${prefix}.mlp.fc2.bias`, [width]);
}

/** Every tensor the depth model needs from a CLIP file, with its shape. */
export function clipTensorSpec(clip: ClipConfig): Map<string, number[]> {
  const { vision: v, text: t, embedDim } = clip;
  const grid = v.imageSize / v.patchSize;
  const spec = new Map<string, number[]>();
  spec.set('vision_model.embeddings.patch_embedding.weight', [v.width, 3, v.patchSize, v.patchSize]);
  spec.set('vision_model.embeddings.class_embedding', [v.width]);
  spec.set('vision_model.embeddings.position_embedding.weight', [grid * grid + 1, v.width]);
  spec.set('vision_model.pre_layrnorm.weight', [v.width]);
  spec.set('vision_model.pre_layrnorm.bias', [v.width]);
  for (let i = 0; i < v.layers; i++) layerSpec(`vision_model.encoder.layers.${i}`, v.width, spec);
  spec.set('vision_model.post_layernorm.weight', [v.width]);
  spec.set('vision_model.post_layernorm.bias', [v.width]);
  spec.set('visual_projection.weight', [embedDim, v.width]);
  spec.set('text_model.embeddings.position_embedding.weight', [t.contextLength, t.width]);
  for (let i = 0; i < t.layers; i++) layerSpec(`text_model.encoder.layers.${i}`, t.width, spec);
  spec.set('text_model.final_layer_norm.weight', [t.width]);
  spec.set('text_model.final_layer_norm.bias', [t.width]);
  spec.set('text_projection.weight', [embedDim, t.width]);
  return spec;
}

function countLayers(names: Iterable<string>, prefix: string): number {
  let n = 0;
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.`);
  for (const name of names) {
    const m = re.exec(name);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/** Reads the CLIP variant off the tensor shapes of an open file. */
export function inferClipConfig(reader: SafetensorsReader): ClipConfig {
  const shape = (name: string) => reader.tensors.get(name)?.shape;
  const patch = shape('vision_model.embeddings.patch_embedding.weight');
  const pos = shape('vision_model.embeddings.position_embedding.weight');
  const vproj = shape('visual_projection.weight');
  const tpos = shape('text_model.embeddings.position_embedding.weight');
  const wantRank: [string, number[] | undefined, number][] = [
    ['vision_model.embeddings.patch_embedding.weight', patch, 4],
    ['vision_model.embeddings.position_embedding.weight', pos, 2],
    ['visual_projection.weight', vproj, 2],
    ['text_model.embeddings.position_embedding.weight', tpos, 2],
  ];
  const missing = wantRank.filter(([, s, rank]) => s?.length !== rank).map(([n]) => n);
  if (missing.length || !patch || !pos || !vproj || !tpos) {
    throw new DepthkitError(`not a Hugging Face CLIP model.safetensors: missing or malformed ${missing.join(', ')} (${MODEL_WEIGHTS_HINT})`, { file: reader.file });
  }
  const names = [...reader.tensors.keys()];
  const found = {
    patchSize: patch[2],
    imageSize: Math.round(Math.sqrt(pos[0] - 1)) * patch[2],
    visionWidth: patch[0],
    visionLayers: countLayers(names, 'vision_model.encoder.layers'),
    textWidth: tpos[1],
    textLayers: countLayers(names, 'text_model.encoder.layers'),
    embedDim: vproj[0],
  };
  const variant = matchClipPreset(found);
  if (!variant) {
    throw new DepthkitError(`CLIP shapes match no known variant (ViT-B/16, ViT-B/32, ViT-L/14, tiny): ${JSON.stringify(found)}`, { file: reader.file });
  }
  return clipPreset(variant);
}

export interface ClipWeights {
  clip: ClipConfig;
  tensors: Map<string, Tensor>;
  /** Tensors in the file the model does not use (token embedding, logit scale, position ids). */
  unused: string[];
}

/** Lists wrong names/shapes against the spec; empty when the file fits. */
export function clipMismatches(reader: SafetensorsReader, spec: Map<string, number[]>): string[] {
  const problems: string[] = [];
  for (const [name, want] of spec) {
    const info = reader.tensors.get(name);
    if (!info) problems.push(`${name} missing`);
    else if (info.shape.join(',') !== want.join(',')) problems.push(`${name} is [${info.shape.join(',')}], expected [${want.join(',')}]`);
  }
  return problems;
}

function check(reader: SafetensorsReader, expect?: ClipConfig): { clip: ClipConfig; spec: Map<string, number[]> } {
  const clip = inferClipConfig(reader);
  if (expect && expect.variant !== clip.variant) {
    throw new DepthkitError(`CLIP weights are ${clip.variant} but the checkpoint was made for ${expect.variant}`, { file: reader.file });
  }
  const spec = clipTensorSpec(clip);
  const problems = clipMismatches(reader, spec);
  if (problems.length) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new DepthkitError(`CLIP ${clip.variant} weights do not fit: ${problems.slice(0, 5).join('; ')}${more}`, { file: reader.file });
  }
  return { clip, spec };
}

/** Checks a CLIP file from its header alone (no tensor data read): the variant, and every name and shape. */
export function checkClipFile(file: string, expect?: ClipConfig): ClipConfig {
  const reader = openSafetensors(file);
  try {
    return check(reader, expect).clip;
  } finally {
    reader.close();
  }
}

/**
 * Loads and checks CLIP weights. The variant is inferred from the shapes (or must equal `expect`); any missing or
 * mis-shaped tensor is an error that names the first few.
 */
export function loadClipWeights(file: string, expect?: ClipConfig): ClipWeights {
  const reader = openSafetensors(file);
  try {
    const { clip, spec } = check(reader, expect);
    const tensors = new Map<string, Tensor>();
    for (const name of spec.keys()) tensors.set(name, reader.read(name));
    const unused = [...reader.tensors.keys()].filter((n) => !spec.has(n));
    return { clip, tensors, unused };
  } finally {
    reader.close();
  }
}
