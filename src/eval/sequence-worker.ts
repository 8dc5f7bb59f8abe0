import { serveJobs } from '../util/worker-serve.js';
import { momentsOf, scoreChunk, type ChunkScores, type ChunkTask, type FrameJob, type FrameMoments } from './sequence-frame.js';

export type SequenceRequest = { kind: 'moments'; job: FrameJob } | { kind: 'chunk'; task: ChunkTask };

/** The two passes of sequence-frame.ts, off the main thread. */
serveJobs(async (m: SequenceRequest): Promise<FrameMoments | ChunkScores> => (m.kind === 'moments' ? momentsOf(m.job) : scoreChunk(m.task)));
