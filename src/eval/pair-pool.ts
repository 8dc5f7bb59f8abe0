import type { DepthPair } from '../data/pairs.js';
import { startWorker } from '../util/worker-entry.js';
import { WorkerPool } from '../util/worker-pool.js';
import type { ImageRow } from './image-row.js';
import type { EvalProtocol } from './protocol.js';

/**
 * Worker threads that each read and evaluate whole pairs. Decoding PNG/npy and the metric loops are synchronous
 * JavaScript, so async concurrency alone keeps one core busy; measured on 200 KITTI-sized pairs (npm run bench).
 */
export class PairPool {
  private constructor(private readonly pool: WorkerPool<ImageRow>) {}

  static start(n: number): PairPool {
    // Two pairs in flight a worker: one is read (I/O) while the other is computed, as before the shared pool.
    return new PairPool(new WorkerPool('pair', Array.from({ length: n }, () => startWorker(import.meta.url, 'pair-worker')), undefined, 2));
  }

  evaluate(pair: DepthPair, protocol: EvalProtocol): Promise<ImageRow> {
    return this.pool.run({ pair, protocol });
  }

  dispose(): Promise<void> {
    return this.pool.dispose();
  }
}
