import { readDepthMap } from '../io/depth-file.js';
import { serveJobs } from '../util/worker-serve.js';
import { evaluatePair } from './image-row.js';
import type { EvalProtocol } from './protocol.js';
import type { DepthPair } from '../data/pairs.js';

export interface PairRequest {
  pair: DepthPair;
  protocol: EvalProtocol;
}

/** Reads one prediction/ground-truth pair and computes its row: the whole per-image cost, off the main thread. */
serveJobs(async ({ pair, protocol }: PairRequest) => {
  const [pred, gt] = await Promise.all([
    readDepthMap(pair.pred, { scale: protocol.predScale }),
    readDepthMap(pair.gt, { scale: protocol.gtScale }),
  ]);
  return evaluatePair(pair.name, pred, gt, protocol, pair.pred);
});
