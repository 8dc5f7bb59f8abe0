import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DepthkitError } from '../errors.js';
import type { ClipView } from './clip-names.js';
import { clipPreset, CLIP_VARIANTS, describeClipShapes, HIDDEN_ACTS, matchClipPreset, type ClipArch, type ClipConfig, type HiddenAct } from './config.js';

/**
 * A CLIP's architecture from its files: shapes from the tensors (authoritative), and what shapes cannot tell (head
 * count, activation, layer-norm eps) from the config beside the weights: Hugging Face `config.json`
 * (CLIPConfig's text_config / vision_config), or OpenCLIP's `open_clip_config.json` (model_cfg). Without one, a
 * preset's heads when the shapes are a preset's, else CLIP's own rule heads = width / 64 (OpenAI model.py); quick_gelu,
 * eps 1e-5.
 */

const MODEL_WEIGHTS_HINT = 'see README, Model weights';
const HEAD_WIDTH = 64;

interface TowerHints {
  heads?: number;
  hiddenAct?: string;
  eps?: number;
  /** Values the config states that the tensors also fix: checked against them. */
  width?: number;
  layers?: number;
  mlpWidth?: number;
  imageSize?: number;
  patchSize?: number;
}

interface Hints {
  file: string;
  vision: TowerHints;
  text: TowerHints;
  embedDim?: number;
}

type Json = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** HF CLIPConfig (older files keep the towers under *_config_dict). */
function hfHints(file: string, c: Json): Hints {
  const tower = (t: Json): TowerHints => ({
    heads: num(t.num_attention_heads),
    hiddenAct: typeof t.hidden_act === 'string' ? t.hidden_act : undefined,
    eps: num(t.layer_norm_eps),
    width: num(t.hidden_size),
    layers: num(t.num_hidden_layers),
    mlpWidth: num(t.intermediate_size),
    imageSize: num(t.image_size),
    patchSize: num(t.patch_size),
  });
  return {
    file,
    vision: tower(obj(c.vision_config ?? c.vision_config_dict)),
    text: tower(obj(c.text_config ?? c.text_config_dict)),
    embedDim: num(c.projection_dim),
  };
}

/** OpenCLIP's model_cfg (open_clip/model.py CLIPVisionCfg / CLIPTextCfg). */
function openClipHints(file: string, c: Json): Hints {
  const m = obj(c.model_cfg ?? c);
  const v = obj(m.vision_cfg);
  const t = obj(m.text_cfg);
  const act = m.quick_gelu === true ? 'quick_gelu' : 'gelu';
  const heads = (tw: Json, fallback?: number) => {
    const w = num(tw.width);
    const hw = num(tw.head_width);
    return num(tw.heads) ?? (w && hw ? w / hw : fallback);
  };
  return {
    file,
    vision: { heads: heads(v, num(v.width) ? num(v.width)! / HEAD_WIDTH : undefined), hiddenAct: act, width: num(v.width), layers: num(v.layers), imageSize: num(v.image_size), patchSize: num(v.patch_size) },
    text: { heads: heads(t, 8), hiddenAct: act, width: num(t.width), layers: num(t.layers) },
    embedDim: num(m.embed_dim),
  };
}

/** The config file beside the weights, if any. */
export function readClipHints(weightsFile: string): Hints | undefined {
  const dir = path.dirname(weightsFile);
  for (const [name, parse] of [['config.json', hfHints], ['open_clip_config.json', openClipHints]] as const) {
    const file = path.join(dir, name);
    if (!existsSync(file)) continue;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new DepthkitError(`${name} beside the CLIP weights is not valid JSON`, { file, cause: err });
    }
    // A config.json of another kind of model (not CLIP) says nothing about this file.
    if (name === 'config.json' && !obj(json).vision_config && !obj(json).vision_config_dict && !obj(json).text_config) continue;
    return parse(file, obj(json));
  }
  return undefined;
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

function activation(file: string, act: string | undefined): HiddenAct {
  const a = act ?? 'quick_gelu';
  if (!(HIDDEN_ACTS as readonly string[]).includes(a)) throw new DepthkitError(`hidden_act "${a}" is not supported (depthkit's CLIP runs ${HIDDEN_ACTS.join(' or ')})`, { file });
  return a as HiddenAct;
}

/** Reads a CLIP's architecture off its tensor shapes and the config beside it (see the module comment). */
export function inferClipArch(view: ClipView, hints = readClipHints(view.file)): ClipArch {
  const shape = (name: string) => view.shapes.get(name);
  const patch = shape('vision_model.embeddings.patch_embedding.weight');
  const pos = shape('vision_model.embeddings.position_embedding.weight');
  const vproj = shape('visual_projection.weight');
  const tpos = shape('text_model.embeddings.position_embedding.weight');
  const wanted: [string, number[] | undefined, number][] = [
    ['vision_model.embeddings.patch_embedding.weight', patch, 4],
    ['vision_model.embeddings.position_embedding.weight', pos, 2],
    ['visual_projection.weight', vproj, 2],
    ['text_model.embeddings.position_embedding.weight', tpos, 2],
  ];
  const missing = wanted.filter(([, s, rank]) => s?.length !== rank).map(([n]) => n);
  if (missing.length || !patch || !pos || !vproj || !tpos) {
    throw new DepthkitError(`not a CLIP model.safetensors (Hugging Face, OpenAI or OpenCLIP names): missing or malformed ${missing.join(', ')} (${MODEL_WEIGHTS_HINT})`, { file: view.file });
  }
  const names = [...view.shapes.keys()];
  const grid = Math.round(Math.sqrt(pos[0] - 1));
  if (grid * grid + 1 !== pos[0]) throw new DepthkitError(`vision position embedding has ${pos[0]} rows, not a square grid + 1`, { file: view.file });
  const fc1 = (tower: string) => shape(`${tower}.encoder.layers.0.mlp.fc1.weight`)?.[0];
  const vw = patch[0];
  const tw = tpos[1];
  const v = hints?.vision ?? {};
  const t = hints?.text ?? {};
  const shapes: ClipConfig = {
    variant: '',
    vision: { imageSize: grid * patch[2], patchSize: patch[2], width: vw, layers: countLayers(names, 'vision_model.encoder.layers'), heads: 0, mlpWidth: fc1('vision_model') ?? 4 * vw },
    text: { contextLength: tpos[0], vocabSize: shape('text_model.embeddings.token_embedding.weight')?.[0] ?? 49408, width: tw, layers: countLayers(names, 'text_model.encoder.layers'), heads: 0, mlpWidth: fc1('text_model') ?? 4 * tw },
    embedDim: vproj[0],
  };
  // Heads leave no trace in the shapes: a preset's shapes take the preset's heads.
  const preset = CLIP_VARIANTS.map(clipPreset).find((p) => matchClipPreset({ ...shapes, vision: { ...shapes.vision, heads: p.vision.heads }, text: { ...shapes.text, heads: p.text.heads } }) === p.variant);
  const heads = (h: number | undefined, width: number, tower: 'vision' | 'text') => {
    const n = h ?? preset?.[tower].heads ?? width / HEAD_WIDTH;
    if (!Number.isInteger(n) || n < 1 || width % n) {
      throw new DepthkitError(`cannot tell the ${tower} tower's head count (width ${width}${h ? `, config says ${h}` : ' is not a multiple of 64'}): put the model's config.json beside the weights`, { file: view.file });
    }
    return n;
  };
  const clip: ClipConfig = { ...shapes, vision: { ...shapes.vision, heads: heads(v.heads, vw, 'vision') }, text: { ...shapes.text, heads: heads(t.heads, tw, 'text') } };
  checkHints(view.file, hints, clip);
  const act = activation(hints?.file ?? view.file, v.hiddenAct);
  if (activation(hints?.file ?? view.file, t.hiddenAct) !== act) throw new DepthkitError('the vision and text towers use different activations; depthkit runs one', { file: hints?.file });
  const eps = v.eps ?? 1e-5;
  if ((t.eps ?? 1e-5) !== eps) throw new DepthkitError('the vision and text towers use different layer_norm_eps; depthkit runs one', { file: hints?.file });
  clip.variant = matchClipPreset(clip) ?? describeClipShapes(clip);
  return { clip, hiddenAct: act, layerNormEps: eps };
}

/** A config that disagrees with the tensors describes another model: say which field. */
function checkHints(file: string, hints: Hints | undefined, clip: ClipConfig): void {
  if (!hints) return;
  const pairs: [string, number | undefined, number | undefined][] = [
    ['vision hidden_size', hints.vision.width, clip.vision.width],
    ['vision num_hidden_layers', hints.vision.layers, clip.vision.layers],
    ['vision intermediate_size', hints.vision.mlpWidth, clip.vision.mlpWidth],
    ['vision image_size', hints.vision.imageSize, clip.vision.imageSize],
    ['vision patch_size', hints.vision.patchSize, clip.vision.patchSize],
    ['text hidden_size', hints.text.width, clip.text.width],
    ['text num_hidden_layers', hints.text.layers, clip.text.layers],
    ['text intermediate_size', hints.text.mlpWidth, clip.text.mlpWidth],
    ['projection_dim', hints.embedDim, clip.embedDim],
  ];
  const bad = pairs.filter(([, said, found]) => said !== undefined && said !== found);
  if (bad.length) {
    throw new DepthkitError(`${path.basename(hints.file)} does not describe these weights: ${bad.map(([n, said, found]) => `${n} ${said} but the tensors have ${found}`).join('; ')}`, { file: hints.file });
  }
}
