import type { Worker } from 'node:worker_threads';
import { DepthkitError } from '../errors.js';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import { startWorker } from '../util/worker-entry.js';
import { WorkerPool, type Settled } from '../util/worker-pool.js';
import type { TfBackendName } from './backend.js';
import type { ModelFiles } from './load-weights.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

const settle = (r: unknown): Settled<Float32Array> => {
  const m = r as WorkerReply;
  if (m.kind === 'result') return { id: m.id, result: m.depth[0] };
  return { id: m.kind === 'error' ? (m.id ?? -1) : -1, error: new DepthkitError(m.kind === 'error' ? m.message : 'model worker: unexpected reply') };
};

/** Loads the model in `w` (init -> ready | error) before the pool schedules anything on it. */
function initWorker(w: Worker, files: ModelFiles, backend: TfBackendName): Promise<void> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new DepthkitError(`model worker exited (code ${code}) while loading`));
    const onReply = (r: WorkerReply) => {
      w.off('message', onReply).off('error', reject).off('exit', onExit);
      if (r.kind === 'ready') resolve();
      else reject(new DepthkitError(r.kind === 'error' ? r.message : 'model worker failed to start'));
    };
    w.on('message', onReply).once('error', reject).once('exit', onExit);
    w.postMessage({ kind: 'init', files, backend } satisfies WorkerRequest);
  });
}

/**
 * N worker threads, each a full model, on the one pool of src/util/worker-pool.ts (its failure policy: a dead worker
 * is never scheduled again). Frames go one at a time to whichever worker is idle; predict() keeps the input order.
 */
export async function startModelWorkers(n: number, files: ModelFiles, backend: TfBackendName): Promise<{ predict: (frames: RgbImage[]) => Promise<DepthMap[]>; dispose: () => Promise<void> }> {
  const workers = Array.from({ length: n }, () => startWorker(import.meta.url, 'worker'));
  try {
    await Promise.all(workers.map((w) => initWorker(w, files, backend)));
  } catch (err) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
  const pool = new WorkerPool<Float32Array>('model', workers, settle);
  return {
    predict: (frames) =>
      Promise.all(frames.map(async (frame) => ({ data: await pool.run({ kind: 'predict', frames: [frame] } satisfies Omit<WorkerRequest & { kind: 'predict' }, 'id'>), width: frame.width, height: frame.height }))),
    dispose: () => pool.dispose(),
  };
}
