import { parentPort } from 'node:worker_threads';
import { DepthkitError, errorMessage } from '../errors.js';
import type { JobReply } from './worker-pool.js';

/**
 * The worker side of a WorkerPool that uses the default `settleReply`: each message `{ id, ...job }` is handled and
 * answered with a JobReply; `transfer` names the result's buffers that move to the pool instead of being copied.
 */
export function serveJobs<Q, R>(handle: (job: Q) => R | Promise<R>, transfer: (result: R) => ArrayBuffer[] = () => []): void {
  const port = parentPort!;
  port.on('message', async (m: Q & { id: number }) => {
    try {
      const result = await handle(m);
      port.postMessage({ id: m.id, result } satisfies JobReply<R>, transfer(result));
    } catch (err) {
      const typed = err instanceof DepthkitError;
      port.postMessage({ id: m.id, error: errorMessage(err), exitCode: typed ? err.exitCode : undefined, typed } satisfies JobReply<R>);
    }
  });
}
