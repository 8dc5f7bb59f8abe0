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
}

export interface TextConfig {
  contextLength: number;
  vocabSize: number;
  width: number;
  layers: number;
  heads: number;
}

export const CLIP_VARIANTS = ['ViT-B/16', 'ViT-B/32', 'ViT-L/14', 'tiny'] as const;
export type ClipVariant = (typeof CLIP_VARIANTS)[number];

export interface ClipConfig {
  variant: ClipVariant;
  vision: VisionConfig;
  text: TextConfig;
  /** Width of CLIP's joint image-text space (visual_projection / text_projection output). */
  embedDim: number;
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
  /** quick_gelu (x * sigmoid(1.702 x)), as in OpenAI CLIP. */
  hiddenAct: 'quick_gelu';
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

/** The default model around a CLIP variant; check the result with configProblem() when the input size is the user's. */
export function defaultModelConfig(
  variant: ClipVariant,
  opts: { maxDepth?: number; inputSize?: { width: number; height: number }; mirrorTokens?: number } = {},
): ModelConfig {
  const clip = clipPreset(variant);
  return {
    formatVersion: 1,
    clip,
    mirror: { tokens: opts.mirrorTokens ?? (variant === 'tiny' ? 8 : 64), placement: 'start', pool: 'last' },
    conditioning: 'film',
    decoder: { channels: [...DECODER_CHANNELS[variant]] },
    posEmbInterpolation: 'bicubic',
    maxDepth: opts.maxDepth ?? 10,
    inputSize: opts.inputSize ?? { width: clip.vision.imageSize, height: clip.vision.imageSize },
    normalisation: { mean: [...CLIP_MEAN], std: [...CLIP_STD] },
    hiddenAct: 'quick_gelu',
    layerNormEps: 1e-5,
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
  return undefined;
}

/** Token grid of an input size: rows x columns of patches. */
export function tokenGrid(c: ModelConfig): { rows: number; cols: number } {
  return { rows: c.inputSize.height / c.clip.vision.patchSize, cols: c.inputSize.width / c.clip.vision.patchSize };
}

/** Finds the preset whose tower shapes match; heads are not visible in weight shapes, so only presets are accepted. */
export function matchClipPreset(shape: {
  patchSize: number;
  imageSize: number;
  visionWidth: number;
  visionLayers: number;
  textWidth: number;
  textLayers: number;
  embedDim: number;
}): ClipVariant | undefined {
  return CLIP_VARIANTS.find((v) => {
    const c = CLIP_PRESETS[v];
    return (
      c.vision.patchSize === shape.patchSize &&
      c.vision.imageSize === shape.imageSize &&
      c.vision.width === shape.visionWidth &&
      c.vision.layers === shape.visionLayers &&
      c.text.width === shape.textWidth &&
      c.text.layers === shape.textLayers &&
      c.embedDim === shape.embedDim
    );
  });
}
