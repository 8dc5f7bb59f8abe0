import type { Worker } from 'node:worker_threads';
import { startWorker } from '../util/worker-entry.js';
import { DepthkitError } from '../errors.js';
import type { DepthPair } from '../data/pairs.js';
import type { ImageRow } from './image-row.js';
import type { EvalProtocol } from './protocol.js';
import type { PairReply } from './pair-worker.js';

/**
 * Worker threads that each read and evaluate whole pairs. Decoding PNG/npy and the metric loops are synchronous
 * JavaScript, so async concurrency alone keeps one core busy; measured on 200 KITTI-sized pairs (npm run bench).
 */
export class PairPool {
  private readonly pending = new Map<number, { resolve: (r: ImageRow) => void; reject: (e: Error) => void; worker: Worker }>();
  private readonly load = new Map<Worker, number>();
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      this.load.set(w, 0);
      w.on('message', (m: PairReply) => this.settle(w, m));
      w.on('error', (err) => this.failAll(w, err));
    }
  }

  static start(n: number): PairPool {
    return new PairPool(Array.from({ length: n }, () => startWorker(import.meta.url, 'pair-worker')));
  }

  evaluate(pair: DepthPair, protocol: EvalProtocol): Promise<ImageRow> {
    const worker = [...this.load.entries()].sort((a, b) => a[1] - b[1])[0][0];
    const id = this.nextId++;
    this.load.set(worker, this.load.get(worker)! + 1);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      worker.postMessage({ id, pair, protocol });
    });
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private settle(worker: Worker, m: PairReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    this.load.set(worker, this.load.get(worker)! - 1);
    if ('row' in m) p.resolve(m.row);
    else p.reject(m.typed ? new DepthkitError(m.error, { exitCode: m.exitCode }) : new Error(m.error));
  }

  private failAll(worker: Worker, err: Error): void {
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.reject(err);
    }
  }
}
