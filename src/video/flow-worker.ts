import type { DisPreset } from '../metrics/flow-dis.js';
import { pairFlowsAt, type FlowMethod } from '../metrics/flow-pair.js';
import type { RgbImage } from '../metrics/types.js';
import { serveJobs } from '../util/worker-serve.js';

/** worker_threads entry of FlowPool: one pair of flow inputs a message, both flows back (their buffers transferred). */
export interface FlowRequest {
  prev: RgbImage;
  next: RgbImage;
  width: number;
  height: number;
  method: FlowMethod;
  preset: DisPreset;
}

serveJobs(
  (m: FlowRequest) => pairFlowsAt(m.prev, m.next, m.width, m.height, m.method, m.preset),
  (flows) => [flows.toPrev.u, flows.toPrev.v, flows.toNext.u, flows.toNext.v].map((a) => a.buffer as ArrayBuffer),
);
