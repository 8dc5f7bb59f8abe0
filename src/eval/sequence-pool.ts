import { startWorker } from '../util/worker-entry.js';
import { WorkerPool } from '../util/worker-pool.js';
import { momentsOf, scoreChunk, type ChunkScores, type ChunkTask, type FrameJob, type FrameMoments } from './sequence-frame.js';

/** Who runs a sequence's two per-frame passes: this thread, or worker threads. */
export interface FrameRunner {
  moments(job: FrameJob): Promise<FrameMoments>;
  chunk(task: ChunkTask): Promise<ChunkScores>;
  dispose(): Promise<void>;
}

export const inProcess: FrameRunner = { moments: momentsOf, chunk: scoreChunk, dispose: async () => {} };

/**
 * Worker threads for the video benchmarks' per-frame work: decoding 16-bit PNG / .npy and both per-pixel passes are
 * synchronous JavaScript, so on the main thread they keep one core busy however many reads are in flight. Only
 * file names and numbers cross threads (a prediction given as a map, a stack's frame or the model's output, is copied).
 */
export function startSequencePool(threads: number): FrameRunner {
  // Two jobs in flight a worker: one frame is read (I/O) while another is decoded.
  const pool = new WorkerPool<FrameMoments | ChunkScores>('sequence', Array.from({ length: threads }, () => startWorker(import.meta.url, 'sequence-worker')), undefined, 2);
  return {
    moments: async (job) => (await pool.run({ kind: 'moments', job })) as FrameMoments,
    chunk: async (task) => (await pool.run({ kind: 'chunk', task })) as ChunkScores,
    dispose: () => pool.dispose(),
  };
}
