import os from 'node:os';
import { DepthkitError } from '../errors.js';
import { probeBackends, TF_BACKENDS, type TfBackendName } from './backend.js';
import { loadClipDepthModel } from './clip-depth-model.js';
import type { DepthModel } from './depth-model.js';
import type { ModelFiles } from './load-weights.js';
import { loadOnnxDepthModel } from './onnx/onnx-depth-model.js';
import { onnxRuntimeVersion, probeOnnxCuda } from './onnx/probe.js';

/**
 * Which engine runs the model: ONNX Runtime (CUDA or CPU) or tfjs (one of its backends). `auto` takes the first
 * available in ENGINES' order: fastest first, as measured (docs/model.md).
 */

export const ENGINES = ['onnx-cuda', 'tensorflow-gpu', 'onnx', 'tensorflow', 'wasm', 'cpu'] as const;
export type EngineName = (typeof ENGINES)[number];
/** What `--backend` accepts: `onnx` runs ONNX Runtime on the GPU when onnx-cuda is available, else on the CPU. */
export const ENGINE_REQUESTS = ['auto', 'onnx', ...TF_BACKENDS] as const;
export type EngineRequest = (typeof ENGINE_REQUESTS)[number];

export interface EngineProbe {
  name: EngineName;
  available: boolean;
  /** Why it is (not) available, in one line. */
  detail: string;
}

/** One row per engine, in auto's order of preference (for `depthkit doctor`). */
export async function probeEngines(): Promise<EngineProbe[]> {
  const tf = new Map((await probeBackends()).map((p) => [p.name, p]));
  const row = (name: TfBackendName): EngineProbe => ({ ...tf.get(name)!, name });
  return [
    { name: 'onnx-cuda', ...(await probeOnnxCuda()) },
    row('tensorflow-gpu'),
    { name: 'onnx', available: true, detail: `onnxruntime-node ${onnxRuntimeVersion()} on the CPU (${os.availableParallelism()} threads in one session)` },
    row('tensorflow'),
    row('wasm'),
    row('cpu'),
  ];
}

/** The engine a request resolves to, and why (for verbose output and doctor). */
export async function chooseEngine(request: EngineRequest, probes?: EngineProbe[]): Promise<{ engine: EngineName; reason: string }> {
  const rows = probes ?? (await probeEngines());
  const byName = new Map(rows.map((r) => [r.name, r]));
  if (request === 'auto') {
    const first = rows.find((r) => r.available)!;
    const skipped = rows.slice(0, rows.indexOf(first)).map((r) => `${r.name}: ${r.detail}`);
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
  /** ONNX Runtime: where exported graphs are cached (default $DEPTHKIT_CACHE/onnx or ~/.cache/depthkit/onnx). */
  cacheDir?: string | false;
  /** Receives verbose notes: the engine chosen and why, graph build or cache reuse with timings. */
  verbose?: (line: string) => void;
}

/** The one loader commands call: picks the engine and returns the built-in model on it. */
export async function loadDepthModel(opts: LoadDepthModelOptions): Promise<DepthModel> {
  const log = opts.verbose ?? (() => {});
  const { engine, reason } = await chooseEngine(opts.backend ?? 'auto');
  log(`engine: ${engine} (${reason})`);
  const files: ModelFiles = { checkpoint: opts.checkpoint, clip: opts.clip, inputSize: opts.inputSize };
  if (engine === 'onnx' || engine === 'onnx-cuda') {
    return loadOnnxDepthModel({ ...files, provider: engine === 'onnx' ? 'cpu' : 'cuda', threads: opts.threads, cacheDir: opts.cacheDir, log });
  }
  return loadClipDepthModel({ ...files, backend: engine, workers: opts.workers });
}
