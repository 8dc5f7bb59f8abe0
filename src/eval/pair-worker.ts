import { parentPort } from 'node:worker_threads';
import { readDepthMap } from '../io/depth-file.js';
import { DepthkitError, errorMessage } from '../errors.js';
import { evaluatePair, type ImageRow } from './image-row.js';
import type { EvalProtocol } from './protocol.js';
import type { DepthPair } from '../data/pairs.js';

export interface PairRequest {
  id: number;
  pair: DepthPair;
  protocol: EvalProtocol;
}

export type PairReply = { id: number; row: ImageRow } | { id: number; error: string; exitCode?: number; typed: boolean };

/** Reads one prediction/ground-truth pair and computes its row: the whole per-image cost, off the main thread. */
parentPort!.on('message', async ({ id, pair, protocol }: PairRequest) => {
  try {
    const [pred, gt] = await Promise.all([
      readDepthMap(pair.pred, { scale: protocol.predScale }),
      readDepthMap(pair.gt, { scale: protocol.gtScale }),
    ]);
    parentPort!.postMessage({ id, row: evaluatePair(pair.name, pred, gt, protocol, pair.pred) } satisfies PairReply);
  } catch (err) {
    const typed = err instanceof DepthkitError;
    parentPort!.postMessage({ id, error: errorMessage(err), exitCode: typed ? err.exitCode : undefined, typed } satisfies PairReply);
  }
});
