import type { InferenceSession } from 'onnxruntime-node';
import { serveJobs } from '../../util/worker-serve.js';
import { createSession, runSingle, type SessionInput, type SessionOptions } from './session.js';

/** worker_threads entry of SessionThread: `open` makes the one session of this thread, `run` runs it, `release` frees it. */
export type SessionJob = { kind: 'open'; model: Uint8Array; options: SessionOptions } | { kind: 'run'; input: SessionInput } | { kind: 'release' };
export type SessionReply = { data: Float32Array; dims: readonly number[] } | null;

let session: InferenceSession | undefined;

serveJobs(
  async (job: SessionJob): Promise<SessionReply> => {
    if (job.kind === 'open') {
      session = await createSession(job.model, job.options);
      return null;
    }
    if (job.kind === 'release') {
      await session?.release();
      session = undefined;
      return null;
    }
    const out = await runSingle(session!, job.input);
    // A copy in an ArrayBuffer of its own moves to the main thread without a second copy (the tensor's may not be transferable).
    return { data: out.data.slice(), dims: out.dims };
  },
  (r) => (r ? [r.data.buffer as ArrayBuffer] : []),
);
