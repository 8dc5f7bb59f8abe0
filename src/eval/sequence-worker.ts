import { parentPort } from 'node:worker_threads';
import { DepthkitError, errorMessage } from '../errors.js';
import { momentsOf, scoreChunk, type ChunkScores, type ChunkTask, type FrameJob, type FrameMoments } from './sequence-frame.js';

export type SequenceRequest = { id: number; kind: 'moments'; job: FrameJob } | { id: number; kind: 'chunk'; task: ChunkTask };

export type SequenceReply = { id: number; result: FrameMoments | ChunkScores } | { id: number; error: string; exitCode?: number; typed: boolean };

/** The two passes of sequence-frame.ts, off the main thread. */
parentPort!.on('message', async (m: SequenceRequest) => {
  try {
    const result = m.kind === 'moments' ? await momentsOf(m.job) : await scoreChunk(m.task);
    parentPort!.postMessage({ id: m.id, result } satisfies SequenceReply);
  } catch (err) {
    const typed = err instanceof DepthkitError;
    parentPort!.postMessage({ id: m.id, error: errorMessage(err), exitCode: typed ? err.exitCode : undefined, typed } satisfies SequenceReply);
  }
});
