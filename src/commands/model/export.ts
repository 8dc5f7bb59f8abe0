import { Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base.js';
import { writeFileAtomic } from '../../io/atomic.js';
import { loadModelWeights } from '../../model/load-weights.js';
import { exportOnnx, ONNX_INPUT, ONNX_OUTPUT } from '../../model/onnx/export.js';
import { OPSET } from '../../model/onnx/graph.js';

export default class ModelExport extends BaseCommand {
  static override description = 'Export the checkpoint + CLIP weights as one ONNX file (opset 17): uint8 RGB NHWC in, depth [batch, H, W] in metres out';

  static override examples = ['<%= config.bin %> model export --checkpoint depth.safetensors --clip clip-vit-base-patch16/model.safetensors --out depth.onnx'];

  static override flags = {
    checkpoint: Flags.string({ description: 'depthkit checkpoint (.safetensors)', required: true }),
    clip: Flags.string({ description: 'Hugging Face CLIP model.safetensors (default: $DEPTHKIT_CLIP)' }),
    out: Flags.string({ description: 'ONNX file to write', required: true }),
  };

  async run() {
    const { flags } = await this.parse(ModelExport);
    const started = performance.now();
    const { weights, config } = loadModelWeights({ checkpoint: flags.checkpoint, clip: flags.clip });
    const bytes = await exportOnnx(weights, config);
    await writeFileAtomic(flags.out, bytes);
    const { width, height } = config.inputSize;
    const seconds = (performance.now() - started) / 1000;
    this.log(`wrote ${flags.out}: CLIP ${config.clip.variant}, input ${ONNX_INPUT} uint8 [batch, ${height}, ${width}, 3], output ${ONNX_OUTPUT} [batch, ${height}, ${width}], ${(bytes.length / 2 ** 20).toFixed(1)} MiB in ${seconds.toFixed(1)} s`);
    return {
      file: flags.out,
      opset: OPSET,
      bytes: bytes.length,
      input: { name: ONNX_INPUT, dtype: 'uint8', shape: ['batch', height, width, 3] },
      output: { name: ONNX_OUTPUT, dtype: 'float32', shape: ['batch', height, width] },
      seconds,
    };
  }
}
