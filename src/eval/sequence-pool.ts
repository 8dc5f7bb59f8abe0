import { DepthkitError } from '../errors.js';
import { startWorker } from '../util/worker-entry.js';
import { WorkerPool, type Settled } from '../util/worker-pool.js';
import { momentsOf, scoreChunk, type ChunkScores, type ChunkTask, type FrameJob, type FrameMoments } from './sequence-frame.js';
import type { SequenceReply } from './sequence-worker.js';

/** Who runs a sequence's two per-frame passes: this thread, or worker threads. */
export interface FrameRunner {
  moments(job: FrameJob): Promise<FrameMoments>;
  chunk(task: ChunkTask): Promise<ChunkScores>;
  dispose(): Promise<void>;
}

export const inProcess: FrameRunner = { moments: momentsOf, chunk: scoreChunk, dispose: async () => {} };

const settle = (r: unknown): Settled<FrameMoments | ChunkScores> => {
  const m = r as SequenceReply;
  if ('result' in m) return { id: m.id, result: m.result };
  return { id: m.id, error: m.typed ? new DepthkitError(m.error, { exitCode: m.exitCode }) : new Error(m.error) };
};

/**
 * Worker threads for the video benchmarks' per-frame work: decoding 16-bit PNG / .npy and both per-pixel passes are
 * synchronous JavaScript, so on the main thread they keep one core busy however many reads are in flight. Only
 * file names and numbers cross threads (a prediction given as a map, a stack's frame or the model's output, is copied).
 */
export function startSequencePool(threads: number): FrameRunner {
  // Two jobs in flight a worker: one frame is read (I/O) while another is decoded.
  const pool = new WorkerPool('sequence', Array.from({ length: threads }, () => startWorker(import.meta.url, 'sequence-worker')), settle, 2);
  return {
    moments: async (job) => (await pool.run({ kind: 'moments', job })) as FrameMoments,
    chunk: async (task) => (await pool.run({ kind: 'chunk', task })) as ChunkScores,
    dispose: () => pool.dispose(),
  };
}
