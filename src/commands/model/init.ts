import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';
import { positiveFlag } from '../../cli/flags.js';
import { CLIP_VARIANTS, type ClipVariant } from '../../model/config.js';
import { createCheckpoint } from '../../model/model-init.js';
import { DepthkitError } from '../../errors.js';

export default class ModelInit extends BaseCommand {
  static override description = 'Create a depthkit checkpoint with freshly initialised mirror and decoder for a CLIP model.safetensors';

  static override examples = ['<%= config.bin %> model init --clip clip-vit-base-patch16/model.safetensors --out depth.safetensors --max-depth 80 --input-size 1216x352'];

  static override flags = {
    clip: Flags.string({ description: 'CLIP weights: Hugging Face model.safetensors or OpenCLIP open_clip_model.safetensors, config beside it read when present (default: $DEPTHKIT_CLIP)' }),
    out: Flags.string({ description: 'checkpoint file to write', required: true }),
    seed: Flags.integer({ description: 'random seed', default: 0 }),
    'max-depth': positiveFlag({ description: 'depth range of the output in metres (10 NYU, 80 KITTI)', default: 10 }),
    preset: Flags.string({ description: 'CLIP preset; must match the weights (inferred when omitted; any other CLIP runs without one)', options: [...CLIP_VARIANTS], aliases: ['variant'] }),
    'input-size': Flags.string({ description: 'model input WIDTHxHEIGHT, multiples of the patch size (default: CLIP\'s square size)' }),
  };

  async run() {
    const { flags } = await this.parse(ModelInit);
    const size = flags['input-size'];
    const m = size === undefined ? undefined : /^(\d+)x(\d+)$/.exec(size);
    if (m === null) throw new DepthkitError(`--input-size must be WIDTHxHEIGHT (got "${size}")`);
    const result = await createCheckpoint({
      clip: flags.clip,
      out: flags.out,
      seed: flags.seed,
      maxDepth: flags['max-depth'],
      preset: flags.preset as ClipVariant | undefined,
      inputSize: m ? { width: Number(m[1]), height: Number(m[2]) } : undefined,
    });
    const { config } = result;
    this.log(`wrote ${flags.out}: CLIP ${config.clip.variant}, input ${config.inputSize.width}x${config.inputSize.height}, max depth ${config.maxDepth} m, ${result.parameters} trainable parameters`);
    return { file: flags.out, parameters: result.parameters, config };
  }
}
