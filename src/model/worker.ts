import { parentPort } from 'node:worker_threads';
import type { RgbImage } from '../metrics/types.js';
import { initTf, type TfBackendName } from './backend.js';
import { loadModelWeights, type ModelFiles } from './load-weights.js';
import { TfDepthRunner } from './tf-runner.js';

/**
 * worker_threads entry: one tfjs instance with its own copy of the weights (the wasm backend runs one thread per
 * instance, so parallelism comes from several of these). Protocol: init -> ready | error; predict -> result | error.
 */
export type WorkerRequest =
  | { kind: 'init'; files: ModelFiles; backend: TfBackendName }
  | { kind: 'predict'; id: number; frames: RgbImage[] };

export type WorkerReply =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; depth: Float32Array[] }
  | { kind: 'error'; id?: number; message: string };

let runner: TfDepthRunner | undefined;
const port = parentPort!;

port.on('message', (msg: WorkerRequest) => {
  void handle(msg).catch((err: unknown) => {
    port.postMessage({ kind: 'error', id: msg.kind === 'predict' ? msg.id : undefined, message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
  });
});

async function handle(msg: WorkerRequest): Promise<void> {
  if (msg.kind === 'init') {
    const tf = await initTf(msg.backend);
    const loaded = loadModelWeights(msg.files);
    runner = new TfDepthRunner(tf, loaded.weights, loaded.config);
    port.postMessage({ kind: 'ready' } satisfies WorkerReply);
    return;
  }
  const depth = (await runner!.predict(msg.frames)).map((d) => d.data);
  port.postMessage({ kind: 'result', id: msg.id, depth } satisfies WorkerReply, depth.map((d) => d.buffer as ArrayBuffer));
}
