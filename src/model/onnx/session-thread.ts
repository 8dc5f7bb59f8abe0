import { startWorker } from '../../util/worker-entry.js';
import { WorkerPool } from '../../util/worker-pool.js';
import type { SessionInput, SessionOptions } from './session.js';
import type { SessionReply } from './session-worker.js';

/** An array's own buffer when it spans it whole (it can move to another thread), else a copy's. */
const movable = <T extends Uint8Array | Float32Array>(a: T): T => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T));

/**
 * One ONNX Runtime session in a worker thread of its own. onnxruntime-node runs a session synchronously on the
 * thread that calls run() (its promise only defers the call with setImmediate), so a session on the main thread
 * stops everything else there for the length of an inference: in `depthkit video` the metrics, the png16 and
 * preview writes and the hand-off of frames to the flow workers waited for each batch instead of running beside
 * it. Here the main thread keeps working while ORT computes.
 */
export class SessionThread {
  private constructor(private readonly pool: WorkerPool<SessionReply>) {}

  /** Starts the thread and opens the session on `model` (its bytes move to the thread: the caller must not reuse them). */
  static async open(model: Uint8Array, options: SessionOptions): Promise<SessionThread> {
    // Two jobs at a time: the next run waits in the thread's own queue and starts the moment the running one ends
    // (runs are synchronous there, so they never overlap), not when this thread next takes a message.
    const pool = new WorkerPool<SessionReply>('onnx session', [startWorker(import.meta.url, 'session-worker')], undefined, 2);
    const bytes = movable(model);
    try {
      await pool.run({ kind: 'open', model: bytes, options }, [bytes.buffer as ArrayBuffer]);
    } catch (err) {
      await pool.dispose();
      throw err;
    }
    return new SessionThread(pool);
  }

  /** Runs the session on one input (its data moves to the thread) and returns its only output. */
  async run(input: SessionInput): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const data = movable(input.data);
    const reply = await this.pool.run({ kind: 'run', input: { ...input, data } }, [data.buffer as ArrayBuffer]);
    return reply!;
  }

  private released?: Promise<void>;

  /** Frees the session and stops the thread; later calls wait for the first (a model may be disposed twice). */
  release(): Promise<void> {
    this.released ??= (async () => {
      try {
        await this.pool.run({ kind: 'release' });
      } finally {
        await this.pool.dispose();
      }
    })();
    return this.released;
  }
}
