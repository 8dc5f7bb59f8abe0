/**
 * Everything that fixes the shape of the CLIP + mirror depth model, in one object. A checkpoint stores it as JSON in
 * its safetensors metadata, so a checkpoint is self-describing.
 */

export interface VisionConfig {
  /** CLIP's pre-training resolution (square); the position embedding holds (imageSize/patchSize)^2 + 1 rows. */
  imageSize: number;
  patchSize: number;
  width: number;
  layers: number;
  heads: number;
  /** Hidden width of the MLP (fc1 output); absent in older checkpoints, where it is 4 x width. */
  mlpWidth?: number;
}

export interface TextConfig {
  contextLength: number;
  vocabSize: number;
  width: number;
  layers: number;
  heads: number;
  /** Hidden width of the MLP (fc1 output); absent in older checkpoints, where it is 4 x width. */
  mlpWidth?: number;
}

export const CLIP_VARIANTS = ['ViT-B/16', 'ViT-B/32', 'ViT-L/14', 'tiny'] as const;
export type ClipVariant = (typeof CLIP_VARIANTS)[number];

export interface ClipConfig {
  /** A preset's name when the shapes are one, else a description of the shapes (any CLIP checkpoint runs). */
  variant: ClipVariant | string;
  vision: VisionConfig;
  text: TextConfig;
  /** Width of CLIP's joint image-text space (visual_projection / text_projection output). */
  embedDim: number;
}

export const HIDDEN_ACTS = ['quick_gelu', 'gelu'] as const;
export type HiddenAct = (typeof HIDDEN_ACTS)[number];

/** What a CLIP file fixes beyond its shapes: read from its config.json, else CLIP's defaults. */
export interface ClipArch {
  clip: ClipConfig;
  hiddenAct: HiddenAct;
  layerNormEps: number;
}

export interface ModelConfig {
  formatVersion: 1;
  clip: ClipConfig;
  mirror: {
    tokens: number;
    /** mirror occupies text positions 0..tokens-1 (choice: the paper does not say where it sits). */
    placement: 'start';
    /** The pooled position: the last mirror position, standing in for CLIP's end-of-text token. */
    pool: 'last';
  };
  /** How the conditioning vector modulates decoder features: f * (1 + gamma) + beta. */
  conditioning: 'film';
  decoder: {
    /** channels[0] after the 1x1 input projection, channels[i] after upsampling stage i (ceil(log2(patch)) stages). */
    channels: number[];
  };
  /** Position-embedding resampling for input grids other than CLIP's: HF's choice (bicubic, align_corners=False). */
  posEmbInterpolation: 'bicubic';
  /** Output is sigmoid(.) * maxDepth metres. */
  maxDepth: number;
  inputSize: { width: number; height: number };
  normalisation: { mean: [number, number, number]; std: [number, number, number] };
  /** The CLIP file's MLP activation: quick_gelu (x * sigmoid(1.702 x), OpenAI CLIP) or gelu (erf form, most OpenCLIP). */
  hiddenAct: HiddenAct;
  layerNormEps: number;
}

const CLIP_PRESETS: Record<ClipVariant, ClipConfig> = {
  'ViT-B/16': {
    variant: 'ViT-B/16',
    vision: { imageSize: 224, patchSize: 16, width: 768, layers: 12, heads: 12 },
    text: { contextLength: 77, vocabSize: 49408, width: 512, layers: 12, heads: 8 },
    embedDim: 512,
  },
  'ViT-B/32': {
    variant: 'ViT-B/32',
    vision: { imageSize: 224, patchSize: 32, width: 768, layers: 12, heads: 12 },
    text: { contextLength: 77, vocabSize: 49408, width: 512, layers: 12, heads: 8 },
    embedDim: 512,
  },
  'ViT-L/14': {
    variant: 'ViT-L/14',
    vision: { imageSize: 224, patchSize: 14, width: 1024, layers: 24, heads: 16 },
    text: { contextLength: 77, vocabSize: 49408, width: 768, layers: 12, heads: 12 },
    embedDim: 768,
  },
  tiny: {
    variant: 'tiny',
    vision: { imageSize: 32, patchSize: 8, width: 32, layers: 2, heads: 2 },
    text: { contextLength: 16, vocabSize: 64, width: 32, layers: 2, heads: 2 },
    embedDim: 16,
  },
};

const DECODER_CHANNELS: Record<ClipVariant, number[]> = {
  'ViT-B/16': [256, 128, 64, 32, 16],
  'ViT-B/32': [256, 128, 64, 32, 16, 16],
  'ViT-L/14': [256, 128, 64, 32, 16],
  tiny: [16, 8, 8, 4],
};

export const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

export function clipPreset(variant: ClipVariant): ClipConfig {
  return structuredClone(CLIP_PRESETS[variant]);
}

/** Number of 2x upsampling stages that take the token grid to (at least) pixel resolution. */
export function decoderStages(patchSize: number): number {
  return Math.ceil(Math.log2(patchSize));
}

/** Decoder widths for a CLIP that is not a preset: 256 halving per stage down to 16, narrower for narrow CLIPs. */
function customDecoderChannels(clip: ClipConfig): number[] {
  const first = Math.min(256, Math.max(8, 2 ** Math.floor(Math.log2(clip.embedDim / 2))));
  return Array.from({ length: decoderStages(clip.vision.patchSize) + 1 }, (_, i) => Math.max(first / 2 ** i, Math.min(first, 16)));
}

/** The default model around a CLIP (a preset name, or what a CLIP file says); check it with configProblem(). */
export function defaultModelConfig(
  arch: ClipVariant | ClipArch,
  opts: { maxDepth?: number; inputSize?: { width: number; height: number }; mirrorTokens?: number } = {},
): ModelConfig {
  const { clip, hiddenAct, layerNormEps } = typeof arch === 'string' ? { clip: clipPreset(arch), hiddenAct: 'quick_gelu' as const, layerNormEps: 1e-5 } : structuredClone(arch);
  const preset = (CLIP_VARIANTS as readonly string[]).includes(clip.variant) ? (clip.variant as ClipVariant) : undefined;
  return {
    formatVersion: 1,
    clip,
    mirror: { tokens: opts.mirrorTokens ?? Math.min(clip.variant === 'tiny' ? 8 : 64, clip.text.contextLength), placement: 'start', pool: 'last' },
    conditioning: 'film',
    decoder: { channels: preset ? [...DECODER_CHANNELS[preset]] : customDecoderChannels(clip) },
    posEmbInterpolation: 'bicubic',
    maxDepth: opts.maxDepth ?? 10,
    inputSize: opts.inputSize ?? { width: clip.vision.imageSize, height: clip.vision.imageSize },
    normalisation: { mean: [...CLIP_MEAN], std: [...CLIP_STD] },
    hiddenAct,
    layerNormEps,
  };
}

/** Why a config cannot be built, or undefined when it can. */
export function configProblem(c: ModelConfig): string | undefined {
  const { vision, text } = c.clip;
  const p = vision.patchSize;
  if (c.formatVersion !== 1) return `unsupported format version ${String(c.formatVersion)}`;
  if (c.inputSize.width % p || c.inputSize.height % p) return `input size ${c.inputSize.width}x${c.inputSize.height} is not a multiple of the patch size ${p}`;
  if (vision.width % vision.heads || text.width % text.heads) return 'width is not a multiple of the head count';
  if (c.mirror.tokens < 1 || c.mirror.tokens > text.contextLength) return `mirror tokens ${c.mirror.tokens} outside 1..${text.contextLength}`;
  if (c.decoder.channels.length !== decoderStages(p) + 1) return `decoder needs ${decoderStages(p) + 1} channel counts for patch ${p}`;
  if (!(c.maxDepth > 0)) return `max depth ${c.maxDepth} must be positive`;
  if (!(HIDDEN_ACTS as readonly string[]).includes(c.hiddenAct)) return `hidden activation ${String(c.hiddenAct)} is not one of ${HIDDEN_ACTS.join(', ')}`;
  return undefined;
}

/** Token grid of an input size: rows x columns of patches. */
export function tokenGrid(c: ModelConfig): { rows: number; cols: number } {
  return { rows: c.inputSize.height / c.clip.vision.patchSize, cols: c.inputSize.width / c.clip.vision.patchSize };
}

/** MLP hidden width of a tower (4 x width unless the file says otherwise). */
export function mlpWidth(t: VisionConfig | TextConfig): number {
  return t.mlpWidth ?? 4 * t.width;
}

/** Whether two CLIP configs have the same shapes (a checkpoint made for one runs on the other's weights). */
export function sameClipShapes(a: ClipConfig, b: ClipConfig): boolean {
  const tower = (x: VisionConfig | TextConfig, y: VisionConfig | TextConfig) => x.width === y.width && x.layers === y.layers && x.heads === y.heads && mlpWidth(x) === mlpWidth(y);
  return (
    a.embedDim === b.embedDim &&
    tower(a.vision, b.vision) &&
    a.vision.patchSize === b.vision.patchSize &&
    a.vision.imageSize === b.vision.imageSize &&
    tower(a.text, b.text) &&
    a.text.contextLength === b.text.contextLength
  );
}

/** The preset with these shapes, if any (presets keep their names in checkpoints and logs). */
export function matchClipPreset(clip: ClipConfig): ClipVariant | undefined {
  return CLIP_VARIANTS.find((v) => sameClipShapes(CLIP_PRESETS[v], { ...clip, text: { ...clip.text } }));
}

/** A short name for a CLIP that is no preset, e.g. "ViT-1024w24L/14@336 text 768w12L". */
export function describeClipShapes(clip: ClipConfig): string {
  const { vision: v, text: t } = clip;
  return `ViT-${v.width}w${v.layers}L/${v.patchSize}@${v.imageSize} text ${t.width}w${t.layers}L embed ${clip.embedDim}`;
}
