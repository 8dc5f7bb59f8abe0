import { existsSync } from 'node:fs';
import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base.js';
import { trapInterrupts } from '../cli/interrupt.js';
import { createProgress } from '../cli/progress.js';
import { ensureWritableDir } from '../io/atomic.js';
import { writeDepthMap } from '../io/depth-file.js';
import { imageSize, listImages, readImage, resizeRgb } from '../io/image.js';
import { resizeBilinear } from '../metrics/resize.js';
import { ENGINE_REQUESTS, loadDepthModel, type EngineRequest } from '../model/engine.js';
import { DepthkitError } from '../errors.js';
import { displayPath } from '../cli/table.js';

/** Images in flight together: enough to keep a worker pool busy, few enough to bound memory. */
const CHUNK = 4;

export default class Predict extends BaseCommand {
  static override description = 'Predict metric depth for still images (jpg, png, webp) with the CLIP + mirror model';

  static override examples = ['<%= config.bin %> predict photos/ --checkpoint depth.safetensors --clip clip/model.safetensors --out depth/ --save png16'];

  static override args = { input: Args.string({ description: 'an image, a folder of images, or a glob such as "frames/*.jpg"', required: true }) };

  static override flags = {
    checkpoint: Flags.string({ description: 'depthkit checkpoint (.safetensors)', required: true }),
    clip: Flags.string({ description: 'Hugging Face CLIP model.safetensors (default: $DEPTHKIT_CLIP)' }),
    out: Flags.string({ description: 'output folder: one depth file per image, same stem', required: true }),
    save: Flags.string({ description: 'npy = float32 metres; png16 = uint16 millimetres', options: ['npy', 'png16'], default: 'npy' }),
    backend: Flags.string({ description: 'engine (auto prefers ONNX Runtime CUDA, ONNX Runtime WebGPU, tfjs-node-gpu, ONNX Runtime CPU, wasm, cpu)', options: [...ENGINE_REQUESTS], default: 'auto' }),
    workers: Flags.integer({ description: 'tfjs wasm/cpu: model copies in worker threads (default: one per core)', min: 1 }),
    resume: Flags.boolean({ description: 'skip images whose depth file is already in --out (an interrupted run; files are written atomically)', default: false }),
  };

  async run() {
    const { args, flags } = await this.parse(Predict);
    const format = flags.save as 'npy' | 'png16';
    const files = await listImages(args.input);
    const outputs = files.map((f) => path.join(flags.out, `${path.parse(f).name}.${format === 'npy' ? 'npy' : 'png'}`));
    const clash = outputs.find((o, i) => outputs.indexOf(o) !== i);
    if (clash) throw new DepthkitError(`two inputs would both write ${path.basename(clash)}`, { file: args.input });
    // Every input is checked and the folder made before the model loads: a bad file fails fast, nothing is written.
    const sizes = await Promise.all(files.map(imageSize));
    await ensureWritableDir(flags.out);
    const verbose = flags.verbose && !this.jsonEnabled() ? (line: string) => this.note(line) : undefined;
    const todo = flags.resume ? files.map((_, k) => k).filter((k) => !existsSync(outputs[k])) : files.map((_, k) => k);
    const model = await loadDepthModel({ checkpoint: flags.checkpoint, clip: flags.clip, backend: flags.backend as EngineRequest, workers: flags.workers, verbose });
    const { width, height } = model.inputSize;
    const progress = createProgress('predict', todo.length, { enabled: !this.jsonEnabled(), unit: 'images' });
    const trap = trapInterrupts();
    const started = performance.now();
    let written = 0;
    try {
      // A signal stops the loop between chunks: the chunk in flight is finished and written, nothing is half-written.
      const chunk = model.batch ?? CHUNK;
      for (let i = 0; i < todo.length && !trap.signal.aborted; i += chunk) {
        const batch = todo.slice(i, i + chunk);
        const frames = await Promise.all(batch.map(async (k) => resizeRgb(await readImage(files[k]), width, height)));
        const depth = await model.predict(frames);
        for (const [j, d] of depth.entries()) {
          const size = sizes[batch[j]];
          await writeDepthMap(outputs[batch[j]], resizeBilinear(d, size.width, size.height), format, { scale: format === 'png16' ? 1000 : 1 });
          written++;
          progress.tick();
        }
      }
    } finally {
      progress.stop();
      trap.dispose();
      await model.dispose();
    }
    const skipped = files.length - todo.length;
    trap.throwIfStopped(`${skipped + written} of ${files.length} depth map(s) are in ${flags.out}; run the same command with --resume to continue`);
    const seconds = (performance.now() - started) / 1000;
    // The result line goes to stdout like every command's (`wrote ...`); --json prints the object instead.
    this.log(`wrote ${written} depth map(s) to ${displayPath(flags.out)}${skipped ? `, ${skipped} already there` : ''} (${model.description}, ${(written / Math.max(seconds, 1e-9)).toFixed(2)} images/s)`);
    return { model: model.description, format, scale: format === 'png16' ? 1000 : 1, images: files.map((input, k) => ({ input, output: outputs[k] })), seconds };
  }
}
