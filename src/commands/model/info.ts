import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';
import { describeCheckpoint } from '../../model/checkpoint.js';

export default class ModelInfo extends BaseCommand {
  static override description = "Show a depthkit checkpoint's model config and tensors (shapes, parameter count)";

  static override args = {
    checkpoint: Args.string({ description: 'checkpoint .safetensors (from depthkit model init or training)', required: true }),
  };

  async run() {
    const { args } = await this.parse(ModelInfo);
    const info = describeCheckpoint(args.checkpoint);
    const c = info.config;
    this.log(`${info.file}: CLIP ${c.clip.variant} + mirror (${c.mirror.tokens} tokens, pooled at the ${c.mirror.pool} position), ${c.conditioning.toUpperCase()} decoder [${c.decoder.channels.join(', ')}]`);
    this.log(`input ${c.inputSize.width}x${c.inputSize.height}, max depth ${c.maxDepth} m, pos-emb ${c.posEmbInterpolation}, format ${c.formatVersion}`);
    const width = Math.max(...info.tensors.map((t) => t.name.length));
    for (const t of info.tensors) this.log(`  ${t.name.padEnd(width)}  [${t.shape.join(', ')}]  ${t.parameters}`);
    this.log(`${info.parameters} trainable parameters`);
    return info;
  }
}
