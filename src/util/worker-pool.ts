import type { Worker } from 'node:worker_threads';
import { DepthkitError } from '../errors.js';

/** A worker's answer to one job, as the pool's `settle` reads it from the worker's message. */
export type Settled<R> = { id: number; result: R } | { id: number; error: Error };

/**
 * What a worker running `serveJobs` (worker-serve.ts) answers: its job's result, or the error it threw as text
 * (`typed`: a DepthkitError, rebuilt with its exit code on this side, so the CLI prints it as one line).
 */
export type JobReply<R> = { id: number; result: R } | { id: number; error: string; exitCode?: number; typed: boolean };

/** The default `settle`: reads a JobReply. */
export function settleReply<R>(reply: unknown): Settled<R> {
  const m = reply as JobReply<R>;
  if ('result' in m) return { id: m.id, result: m.result };
  return { id: m.id, error: m.typed ? new DepthkitError(m.error, { exitCode: m.exitCode }) : new Error(m.error) };
}

interface Job<R> {
  id: number;
  worker?: Worker;
  message: unknown;
  transfer: ArrayBuffer[];
  resolve: (r: R) => void;
  reject: (e: Error) => void;
}

/**
 * Worker threads that take `capacity` jobs at a time each (default 1; more lets an async worker overlap its reads),
 * from a queue, in the order jobs were given; every job has its own
 * promise. One failure policy for every pool in depthkit:
 * - a job the worker answers with an error fails alone, and the worker takes the next job;
 * - a worker that dies (an uncaught error, or `exit`) is never scheduled again; the job it was running fails with an
 *   error naming the worker and why it died; queued jobs go to the workers left, and fail once none is left;
 * - dispose() fails the queued and running jobs ("<name> workers stopped") and terminates the threads.
 * Messages are `{ id, ...payload }`; `settle` turns a worker's reply into a result or an error for that id.
 */
export class WorkerPool<R> {
  private readonly idle: Worker[];
  private readonly alive: Set<Worker>;
  private readonly queue: Job<R>[] = [];
  private readonly running = new Map<number, Job<R>>();
  private nextId = 0;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly workers: Worker[],
    private readonly settle: (reply: unknown) => Settled<R> = settleReply<R>,
    capacity = 1,
  ) {
    // A worker appears once in `idle` for each job it may still take.
    this.idle = Array.from({ length: capacity }, () => workers).flat();
    this.alive = new Set(workers);
    for (const w of workers) {
      w.on('message', (m: unknown) => this.onReply(w, m));
      w.on('error', (e: Error) => this.onDeath(w, `failed: ${e.message}`, e));
      w.on('exit', (code: number) => this.onDeath(w, `exited (code ${code})`));
    }
  }

  /** Live workers (for tests and diagnostics). */
  get size(): number {
    return this.alive.size;
  }

  /** Runs `payload` on the next free worker; buffers in `transfer` move to the worker (the caller must not reuse them). */
  run(payload: object, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.stopped) return Promise.reject(new DepthkitError(`${this.name} workers stopped`));
    if (this.alive.size === 0) return Promise.reject(new DepthkitError(`${this.name} workers: none left running (all died)`));
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ id, message: { ...payload, id }, transfer, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const w = this.idle.shift()!;
      const job = this.queue.shift()!;
      job.worker = w;
      this.running.set(job.id, job);
      w.postMessage(job.message, job.transfer);
    }
  }

  private onReply(w: Worker, m: unknown): void {
    const s = this.settle(m);
    const job = this.running.get(s.id);
    if (!job || job.worker !== w) return;
    this.running.delete(s.id);
    if ('error' in s) job.reject(s.error);
    else job.resolve(s.result);
    if (this.alive.has(w)) this.idle.push(w);
    this.pump();
  }

  private onDeath(w: Worker, why: string, cause?: Error): void {
    if (!this.alive.delete(w)) return;
    for (let i = this.idle.indexOf(w); i >= 0; i = this.idle.indexOf(w)) this.idle.splice(i, 1);
    if (this.stopped) return;
    for (const [id, job] of this.running) {
      if (job.worker !== w) continue;
      this.running.delete(id);
      job.reject(new DepthkitError(`${this.name} worker ${why}`, { cause }));
    }
    if (this.alive.size === 0) {
      for (const j of this.queue.splice(0)) j.reject(new DepthkitError(`${this.name} workers: none left running (the last ${why})`, { cause }));
    }
    this.pump();
  }

  /** Fails what is queued or running and stops the threads. */
  async dispose(): Promise<void> {
    this.stopped = true;
    const err = new DepthkitError(`${this.name} workers stopped`);
    for (const j of [...this.queue.splice(0), ...this.running.values()]) j.reject(err);
    this.running.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
