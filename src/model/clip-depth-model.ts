import os from 'node:os';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import { chooseBackend, initTf, type BackendRequest } from './backend.js';
import type { DepthModel } from './depth-model.js';
import { checkModelFiles, loadModelWeights, type ModelFiles } from './load-weights.js';
import { TfDepthRunner } from './tf-runner.js';
import { startModelWorkers } from './model-workers.js';

export interface ClipDepthOptions extends ModelFiles {
  backend?: BackendRequest;
  /** Model instances in worker threads; default: one per core on wasm/cpu, 1 (in-process) on native tensorflow. */
  workers?: number;
}

/**
 * The built-in CLIP + mirror depth model on tfjs. Files are read and checked here first (so errors name the file),
 * then either one in-process runner or a pool of worker threads each holding a copy of the weights.
 */
export async function loadClipDepthModel(opts: ClipDepthOptions): Promise<DepthModel> {
  const backend = await chooseBackend(opts.backend ?? 'auto');
  const single = backend === 'wasm' || backend === 'cpu' ? os.availableParallelism() : 1;
  const workers = Math.max(1, opts.workers ?? single);
  const { config, clipFile } = checkModelFiles(opts);
  const files: ModelFiles = { checkpoint: opts.checkpoint, clip: clipFile, inputSize: config.inputSize };
  const description = `CLIP ${config.clip.variant} + mirror (${config.mirror.tokens} tokens), tfjs ${backend} x${workers}`;

  let run: (frames: RgbImage[]) => Promise<DepthMap[]>;
  let close: () => Promise<void>;
  if (workers === 1) {
    const loaded = loadModelWeights(files);
    const runner = new TfDepthRunner(await initTf(backend), loaded.weights, config);
    run = (frames) => runner.predict(frames);
    close = async () => runner.dispose();
  } else {
    // Each worker reads its own copy; this thread holds none.
    const pool = await startModelWorkers(workers, files, backend);
    run = pool.predict;
    close = pool.dispose;
  }
  return { description, inputSize: { ...config.inputSize }, predict: run, dispose: close };
}
