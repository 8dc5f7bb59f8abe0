import type { DisPreset } from '../metrics/flow-dis.js';
import { estimatePairFlows, type FlowMethod } from '../metrics/flow-pair.js';
import type { RgbImage } from '../metrics/types.js';
import { serveJobs } from '../util/worker-serve.js';

/** worker_threads entry of FlowPool: one pair a message, both flows back (their buffers transferred). */
export interface FlowRequest {
  prev: RgbImage;
  next: RgbImage;
  flowSize: number;
  method: FlowMethod;
  preset: DisPreset;
}

serveJobs(
  (m: FlowRequest) => estimatePairFlows(m.prev, m.next, m.flowSize, m.method, m.preset),
  (flows) => [flows.toPrev.u, flows.toPrev.v, flows.toNext.u, flows.toNext.v].map((a) => a.buffer as ArrayBuffer),
);
