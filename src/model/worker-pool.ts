import type { Worker } from 'node:worker_threads';
import { DepthkitError } from '../errors.js';
import type { DepthMap, RgbImage } from '../metrics/types.js';
import { startWorker } from '../util/worker-entry.js';
import type { TfBackendName } from './backend.js';
import type { ModelFiles } from './load-weights.js';
import type { WorkerReply, WorkerRequest } from './worker.js';

interface Job {
  id: number;
  frame: RgbImage;
  resolve: (d: Float32Array) => void;
  reject: (e: Error) => void;
}

/**
 * N worker threads, each a full model. Frames go one at a time to whichever worker is idle; predict() returns
 * results in input order.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, Job>();
  private nextId = 0;
  /** Set when a worker dies: the pool then refuses work rather than wait for a thread that is gone. */
  private broken: Error | undefined;

  private constructor(private readonly workers: Worker[]) {}

  static async start(n: number, files: ModelFiles, backend: TfBackendName): Promise<WorkerPool> {
    const workers = Array.from({ length: n }, () => startWorker(import.meta.url, 'worker'));
    const pool = new WorkerPool(workers);
    try {
      await Promise.all(workers.map((w) => pool.init(w, files, backend)));
    } catch (err) {
      await pool.dispose();
      throw err;
    }
    return pool;
  }

  private init(w: Worker, files: ModelFiles, backend: TfBackendName): Promise<void> {
    return new Promise((resolve, reject) => {
      const onReply = (r: WorkerReply) => {
        w.off('message', onReply);
        if (r.kind === 'ready') {
          w.on('message', (m: WorkerReply) => this.onReply(w, m));
          w.on('error', (e) => this.failAll(e));
          this.idle.push(w);
          resolve();
        } else reject(new DepthkitError(r.kind === 'error' ? r.message : 'model worker failed to start'));
      };
      w.on('message', onReply);
      w.once('error', reject);
      w.postMessage({ kind: 'init', files, backend } satisfies WorkerRequest);
    });
  }

  private onReply(w: Worker, r: WorkerReply): void {
    if (r.kind === 'ready') return;
    const job = r.id === undefined ? undefined : this.running.get(r.id);
    if (!job) return;
    this.running.delete(job.id);
    if (r.kind === 'result') job.resolve(r.depth[0]);
    else job.reject(new DepthkitError(r.message));
    this.idle.push(w);
    this.pump();
  }

  private failAll(e: Error): void {
    this.broken = new DepthkitError(`model worker failed: ${e.message}`, { cause: e });
    for (const job of [...this.running.values(), ...this.queue]) job.reject(this.broken);
    this.running.clear();
    this.queue.length = 0;
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.shift()!;
      const job = this.queue.shift()!;
      this.running.set(job.id, job);
      w.postMessage({ kind: 'predict', id: job.id, frames: [job.frame] } satisfies WorkerRequest);
    }
  }

  predict(frames: RgbImage[]): Promise<DepthMap[]> {
    if (this.broken) return Promise.reject(this.broken);
    return Promise.all(
      frames.map(
        (frame) =>
          new Promise<DepthMap>((resolve, reject) => {
            this.queue.push({ id: this.nextId++, frame, resolve: (data) => resolve({ data, width: frame.width, height: frame.height }), reject });
            this.pump();
          }),
      ),
    );
  }

  async dispose(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
