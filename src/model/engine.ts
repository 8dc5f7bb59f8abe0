import os from 'node:os';
import { DepthkitError, errorMessage } from '../errors.js';
import { probeBackends, type TfBackendName } from './backend.js';
import { loadClipDepthModel } from './clip-depth-model.js';
import type { DepthModel } from './depth-model.js';
import type { ModelFiles } from './load-weights.js';
import { loadOnnxDepthModel } from './onnx/onnx-depth-model.js';
import { onnxRuntimeVersion, probeOnnxCuda, probeOnnxWebgpu } from './onnx/probe.js';
import type { OnnxProvider } from './onnx/session.js';

/**
 * Which engine runs the model: ONNX Runtime (CUDA, WebGPU or CPU) or tfjs (one of its backends). `auto` takes the
 * first in ENGINES' order whose model loads: GPU engines first, then the fastest CPU engine as measured
 * (docs/model.md). tensorflow-gpu (tfjs-node-gpu: CUDA 11.2 only) is a legacy path after the ORT GPU engines.
 */

import { ENGINES, type EngineName, type EngineRequest } from './engine-names.js';

export { ENGINE_REQUESTS, ENGINES, type EngineName, type EngineRequest } from './engine-names.js';

export interface EngineProbe {
  name: EngineName;
  available: boolean;
  /** Why it is (not) available, in one line. */
  detail: string;
  /** Why `--backend auto` passes over it although it runs. */
  autoSkip?: string;
}

/** One engine's row; only that engine is probed (a WebGPU probe starts Dawn, which prints to stderr). */
async function probeEngine(name: EngineName): Promise<EngineProbe> {
  if (name === 'onnx-cuda') return { name, ...(await probeOnnxCuda()) };
  if (name === 'webgpu') return { name, ...(await probeOnnxWebgpu()) };
  if (name === 'onnx') return { name, available: true, detail: `onnxruntime-node ${onnxRuntimeVersion()} on the CPU (${os.availableParallelism()} threads in one session)` };
  const tf = (await probeBackends()).find((p) => p.name === name)!;
  return { ...tf, name };
}

/** One row per engine, in auto's order of preference (for `depthkit doctor`). */
export async function probeEngines(): Promise<EngineProbe[]> {
  const rows: EngineProbe[] = [];
  for (const name of ENGINES) rows.push(await probeEngine(name));
  return rows;
}

/** The engine a request resolves to, and why (for verbose output and doctor). */
export async function chooseEngine(request: EngineRequest, probes?: EngineProbe[]): Promise<{ engine: EngineName; reason: string }> {
  // An explicit request probes only the engines it can resolve to.
  const needed: readonly EngineName[] = request === 'auto' ? ENGINES : request === 'onnx' ? ['onnx-cuda'] : [request];
  const rows = probes ?? (await Promise.all(needed.map(probeEngine)));
  const byName = new Map(rows.map((r) => [r.name, r]));
  if (request === 'auto') {
    const first = rows.find((r) => r.available && !r.autoSkip)!;
    const skipped = rows.slice(0, rows.indexOf(first)).map((r) => `${r.name}: ${r.autoSkip ?? r.detail}`);
    return { engine: first.name, reason: `auto: first available${skipped.length ? ` (skipped ${skipped.join('; ')})` : ''}` };
  }
  if (request === 'onnx') {
    const cuda = byName.get('onnx-cuda')!;
    return cuda.available ? { engine: 'onnx-cuda', reason: cuda.detail } : { engine: 'onnx', reason: `CPU: ${cuda.detail}` };
  }
  const probe = byName.get(request)!;
  if (!probe.available) throw new DepthkitError(`backend ${request} is not available: ${probe.detail}`);
  return { engine: request, reason: 'requested' };
}

export interface LoadDepthModelOptions extends ModelFiles {
  backend?: EngineRequest;
  /** tfjs wasm/cpu: model instances in worker threads (default one per core). */
  workers?: number;
  /** ONNX Runtime: intra-op threads of its one session (default every core). */
  threads?: number;
  /** ONNX Runtime: frames per session run (default 4 on the CPU, 8 on a GPU engine). */
  batch?: number;
  /** ONNX Runtime: where exported graphs are cached (default $DEPTHKIT_CACHE/onnx or ~/.cache/depthkit/onnx). */
  cacheDir?: string | false;
  /** Receives verbose notes: the engine chosen and why, graph build or cache reuse with timings. */
  verbose?: (line: string) => void;
}

const ORT_PROVIDER: Partial<Record<EngineName, OnnxProvider>> = { 'onnx-cuda': 'cuda', webgpu: 'webgpu', onnx: 'cpu' };

function loadOn(engine: EngineName, opts: LoadDepthModelOptions, log: (line: string) => void): Promise<DepthModel> {
  const files: ModelFiles = { checkpoint: opts.checkpoint, clip: opts.clip, inputSize: opts.inputSize };
  const provider = ORT_PROVIDER[engine];
  if (provider) return loadOnnxDepthModel({ ...files, provider, threads: opts.threads, cacheDir: opts.cacheDir, batch: opts.batch, log });
  return loadClipDepthModel({ ...files, backend: engine as TfBackendName, workers: opts.workers });
}

/**
 * The one loader commands call: picks the engine and returns the built-in model on it. With `auto`, each engine in
 * order is probed and then its model loaded inside a try (ORT throws rather than falling back): one line per engine
 * skipped says why, one line says which ran. Problems with the user's files stop at once (they fail everywhere).
 */
export async function loadDepthModel(opts: LoadDepthModelOptions): Promise<DepthModel> {
  const log = opts.verbose ?? (() => {});
  if ((opts.backend ?? 'auto') !== 'auto') {
    const { engine, reason } = await chooseEngine(opts.backend!);
    log(`engine: ${engine} (${reason})`);
    return loadOn(engine, opts, log);
  }
  for (const probe of await probeEngines()) {
    if (!probe.available || probe.autoSkip) {
      log(`engine ${probe.name} skipped: ${probe.autoSkip ?? probe.detail}`);
      continue;
    }
    try {
      const model = await loadOn(probe.name, opts, log);
      log(`engine: ${probe.name} (auto: ${probe.detail})`);
      return model;
    } catch (err) {
      if (err instanceof DepthkitError || probe.name === 'cpu') throw err;
      log(`engine ${probe.name} skipped: its model failed to load: ${errorMessage(err).split('\n')[0]}`);
    }
  }
  throw new DepthkitError('no inference engine could load the model');
}
