import { Flags, type Interfaces } from '@oclif/core';
import { amplitudeFlag, nonNegativeFlag, positiveFlag } from './flags.js';
import { DepthkitError } from '../errors.js';
import { TF_BACKENDS, type BackendRequest } from '../model/backend.js';
import { CLIP_VARIANTS, type ClipVariant } from '../model/config.js';
import type { TrainingRequest } from '../train/run-training.js';

/** `depthkit train` flags: data, model start, schedule, augmentation. */
export const trainFlags = {
  data: Flags.string({ description: 'training split list (lines "rgb depth [focal]", relative to the list)' }),
  rgb: Flags.string({ description: 'folder of RGB images (with --depth, paired by file stem)' }),
  depth: Flags.string({ description: 'folder of depth maps (.png/.npy/.pfm) paired with --rgb by stem' }),
  val: Flags.string({ description: 'validation split list' }),
  'depth-scale': positiveFlag({ description: 'stored depth = metres x scale (1000 = millimetre PNG)', default: 1000 }),
  clip: Flags.string({ description: 'Hugging Face CLIP model.safetensors (default: $DEPTHKIT_CLIP)' }),
  checkpoint: Flags.string({ description: 'start from this checkpoint (depthkit model init or an earlier run)' }),
  init: Flags.boolean({ description: 'start from a fresh, seeded checkpoint', default: false }),
  resume: Flags.boolean({ description: 'continue from --out\'s last saved step (after --stop-after, Ctrl-C or a crash) with its optimizer state and saved settings', default: false }),
  preset: Flags.string({ description: 'with --init: CLIP variant, must match the weights', options: [...CLIP_VARIANTS] }),
  'max-depth': positiveFlag({ description: 'with --init: output depth range in metres', default: 10 }),
  'input-size': Flags.string({ description: 'with --init: model input WIDTHxHEIGHT (multiples of the patch size)' }),
  'decoder-channels': Flags.string({ description: 'with --init: decoder widths C0,C1,... (default: the preset\'s; tiny\'s 16,8,8,4 is too narrow to train)' }),
  out: Flags.string({ description: 'output folder (checkpoint, optimizer state, train_log.csv, preview.png)', required: true }),
  steps: Flags.integer({ description: 'total optimizer steps', default: 1000, min: 1 }),
  'batch-size': Flags.integer({ description: 'images per step', default: 4, min: 1 }),
  lr: positiveFlag({ description: 'peak learning rate', default: 3e-4 }),
  warmup: Flags.integer({ description: 'linear warm-up steps (default 5% of --steps)', min: 0 }),
  'final-lr-ratio': nonNegativeFlag({ description: 'cosine decay ends at lr x this', default: 0.01 }),
  'weight-decay': nonNegativeFlag({ description: 'AdamW decoupled weight decay (decoder weights only)', default: 0.01 }),
  seed: Flags.integer({ description: 'seed of the initialisation, batch order and augmentation', default: 0 }),
  flip: Flags.boolean({ description: 'random horizontal flips', default: true, allowNo: true }),
  jitter: amplitudeFlag({ description: 'colour jitter amplitude (brightness, contrast, saturation factors in 1 +- jitter)', default: 0.1 }),
  'cache-features': Flags.boolean({ description: 'cache CLIP features per (image, flip); turns colour jitter off', default: false }),
  'save-every': Flags.integer({ description: 'checkpoint every N steps (and at the end)', default: 500, min: 1 }),
  'val-every': Flags.integer({ description: 'validate and log every N steps (and at the end)', default: 100, min: 1 }),
  'stop-after': Flags.integer({ description: 'stop after N steps in this run (resume later); the schedule still spans --steps', min: 1 }),
  backend: Flags.string({ description: 'tfjs backend', options: ['auto', ...TF_BACKENDS, 'webgpu'], default: 'auto' }),
};

/** The training request the flags describe (without progress hooks); checks what oclif cannot. */
export function trainingRequestFromFlags(f: Interfaces.InferredFlags<typeof trainFlags>): Omit<TrainingRequest, 'onStep'> {
  const size = f['input-size'] === undefined ? undefined : /^(\d+)x(\d+)$/.exec(f['input-size']);
  if (size === null) throw new DepthkitError(`--input-size must be WIDTHxHEIGHT (got "${f['input-size']}")`);
  const channels = f['decoder-channels']?.split(',').map(Number);
  if (channels?.some((c) => !Number.isInteger(c) || c < 1)) throw new DepthkitError(`--decoder-channels must be positive integers (got "${f['decoder-channels']}")`);
  if (size && !(Number(size[1]) > 0 && Number(size[2]) > 0)) throw new DepthkitError(`--input-size must be positive (got "${f['input-size']}")`);
  const inputSize = size ? { width: Number(size[1]), height: Number(size[2]) } : undefined;
  return {
    data: f.data,
    rgb: f.rgb,
    depth: f.depth,
    val: f.val,
    depthScale: f['depth-scale'],
    clip: f.clip,
    checkpoint: f.checkpoint,
    init: f.init ? { preset: f.preset as ClipVariant | undefined, maxDepth: f['max-depth'], inputSize, decoderChannels: channels } : undefined,
    resume: f.resume,
    out: f.out,
    backend: f.backend as BackendRequest | 'webgpu',
    settings: {
      steps: f.steps,
      batchSize: f['batch-size'],
      lr: f.lr,
      warmup: f.warmup ?? Math.round(0.05 * f.steps),
      finalLrRatio: f['final-lr-ratio'],
      weightDecay: f['weight-decay'],
      seed: f.seed,
      saveEvery: f['save-every'],
      valEvery: f['val-every'],
      flip: f.flip,
      jitter: f.jitter,
      cacheFeatures: f['cache-features'],
    },
    stopAfter: f['stop-after'],
  };
}
