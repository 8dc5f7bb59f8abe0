import { parentPort } from 'node:worker_threads';
import type { DisPreset } from '../metrics/flow-dis.js';
import { estimatePairFlows, type FlowMethod } from '../metrics/flow-pair.js';
import type { RgbImage } from '../metrics/types.js';
import type { PairFlows } from '../metrics/warp.js';

/** worker_threads entry of FlowPool: one pair a message, both flows back (their buffers transferred). */
export interface FlowRequest {
  id: number;
  prev: RgbImage;
  next: RgbImage;
  flowSize: number;
  method: FlowMethod;
  preset: DisPreset;
}

export type FlowReply = { kind: 'flows'; id: number; flows: PairFlows } | { kind: 'error'; id: number; message: string };

const port = parentPort!;

port.on('message', (msg: FlowRequest) => {
  try {
    const flows = estimatePairFlows(msg.prev, msg.next, msg.flowSize, msg.method, msg.preset);
    const buffers = [flows.toPrev.u, flows.toPrev.v, flows.toNext.u, flows.toNext.v].map((a) => a.buffer as ArrayBuffer);
    port.postMessage({ kind: 'flows', id: msg.id, flows } satisfies FlowReply, buffers);
  } catch (err) {
    port.postMessage({ kind: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) } satisfies FlowReply);
  }
});
