import { DepthkitError } from '../errors.js';
import { openSafetensors, type Tensor } from '../io/safetensors.js';
import { inferClipArch } from './clip-arch.js';
import { clipView, type ClipView } from './clip-names.js';
import { mlpWidth, sameClipShapes, type ClipArch, type ClipConfig } from './config.js';

/** What a checkpoint expects of its CLIP file. */
export type ClipExpectation = Pick<ClipArch, 'clip'> & Partial<ClipArch>;


/**
 * CLIP weights under Hugging Face `CLIPModel` names (files with OpenAI / OpenCLIP names are mapped, clip-names.ts).
 * Only the tensors the depth model runs are loaded: both towers without the token embedding (mirror replaces it);
 * everything else in the file is reported as unused.
 */

function layerSpec(prefix: string, width: number, hidden: number, out: Map<string, number[]>): void {
  for (const p of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
    out.set(`${prefix}.self_attn.${p}.weight`, [width, width]);
    out.set(`${prefix}.self_attn.${p}.bias`, [width]);
  }
  for (const ln of ['layer_norm1', 'layer_norm2']) {
    out.set(`${prefix}.${ln}.weight`, [width]);
    out.set(`${prefix}.${ln}.bias`, [width]);
  }
  out.set(`${prefix}.mlp.fc1.weight`, [hidden, width]);
  out.set(`${prefix}.mlp.fc1.bias`, [hidden]);
  out.set(`${prefix}.mlp.fc2.weight`, [width, hidden]);
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
  for (let i = 0; i < v.layers; i++) layerSpec(`vision_model.encoder.layers.${i}`, v.width, mlpWidth(v), spec);
  spec.set('vision_model.post_layernorm.weight', [v.width]);
  spec.set('vision_model.post_layernorm.bias', [v.width]);
  spec.set('visual_projection.weight', [embedDim, v.width]);
  spec.set('text_model.embeddings.position_embedding.weight', [t.contextLength, t.width]);
  for (let i = 0; i < t.layers; i++) layerSpec(`text_model.encoder.layers.${i}`, t.width, mlpWidth(t), spec);
  spec.set('text_model.final_layer_norm.weight', [t.width]);
  spec.set('text_model.final_layer_norm.bias', [t.width]);
  spec.set('text_projection.weight', [embedDim, t.width]);
  return spec;
}

export interface ClipWeights extends ClipArch {
  tensors: Map<string, Tensor>;
  /** Tensors in the file the model does not use (token embedding, logit scale, position ids). */
  unused: string[];
}

/** Lists wrong names/shapes against the spec; empty when the file fits. */
export function clipMismatches(shapes: ReadonlyMap<string, number[]>, spec: Map<string, number[]>): string[] {
  const problems: string[] = [];
  for (const [name, want] of spec) {
    const have = shapes.get(name);
    if (!have) problems.push(`${name} missing`);
    else if (have.join(',') !== want.join(',')) problems.push(`${name} is [${have.join(',')}], expected [${want.join(',')}]`);
  }
  return problems;
}

function check(view: ClipView, expect?: ClipExpectation): { arch: ClipArch; spec: Map<string, number[]> } {
  const arch = inferClipArch(view);
  const { clip } = arch;
  if (expect && !sameClipShapes(expect.clip, clip)) {
    throw new DepthkitError(`CLIP weights are ${clip.variant} but the checkpoint was made for ${expect.clip.variant}`, { file: view.file });
  }
  if (expect?.hiddenAct && (expect.hiddenAct !== arch.hiddenAct || expect.layerNormEps !== arch.layerNormEps)) {
    throw new DepthkitError(`CLIP weights use ${arch.hiddenAct} (layer-norm eps ${arch.layerNormEps}) but the checkpoint was made for ${expect.hiddenAct} (eps ${String(expect.layerNormEps)})`, { file: view.file });
  }
  const spec = clipTensorSpec(clip);
  const problems = clipMismatches(view.shapes, spec);
  if (problems.length) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    throw new DepthkitError(`CLIP ${clip.variant} weights do not fit: ${problems.slice(0, 5).join('; ')}${more}`, { file: view.file });
  }
  return { arch, spec };
}

/** Checks a CLIP file from its header alone (no tensor data read): the architecture, and every name and shape. */
export function checkClipFile(file: string, expect?: ClipExpectation): ClipArch {
  const reader = openSafetensors(file);
  try {
    return check(clipView(reader), expect).arch;
  } finally {
    reader.close();
  }
}

/**
 * Loads and checks CLIP weights. The architecture is inferred (clip-arch.ts), and its shapes must equal `expect`'s
 * when given (and its activation and eps); any missing or mis-shaped tensor is an error that names the first few.
 */
export function loadClipWeights(file: string, expect?: ClipExpectation): ClipWeights {
  const reader = openSafetensors(file);
  try {
    const view = clipView(reader);
    const { arch, spec } = check(view, expect);
    const tensors = new Map<string, Tensor>();
    for (const name of spec.keys()) tensors.set(name, view.read(name));
    const unused = [...[...view.shapes.keys()].filter((n) => !spec.has(n)), ...view.unmapped];
    return { ...arch, tensors, unused };
  } finally {
    reader.close();
  }
}
